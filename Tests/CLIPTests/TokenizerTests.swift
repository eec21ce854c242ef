import Foundation
import XCTest
@testable import CLIP

/// Token ids equal open_clip's `SimpleTokenizer` (Fixtures/tokenizer.json, written by
/// make_fixtures.py from open_clip.get_tokenizer("ViT-B-32")).
final class TokenizerTests: XCTestCase {
    nonisolated(unsafe) static var shared: Tokenizer?

    private func tokenizer() throws -> Tokenizer {
        if let shared = Self.shared { return shared }
        let tokenizer = try Tokenizer(vocabularyAt: Fixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        Self.shared = tokenizer
        return tokenizer
    }

    private struct Golden: Decodable {
        struct Prompt: Decodable { let text: String; let ids: [Int32] }
        let context_length: Int
        let prompts: [Prompt]
    }

    func testIdsMatchOpenCLIPForEveryFixturePrompt() throws {
        let tokenizer = try tokenizer()
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Fixtures.folder.appendingPathComponent("tokenizer.json")))
        XCTAssertGreaterThanOrEqual(golden.prompts.count, 40)
        var mismatches: [String] = []
        for prompt in golden.prompts {
            let ids = tokenizer.tokenize(prompt.text)
            if ids != prompt.ids {
                let trim = { (row: [Int32]) in row.prefix { $0 != 0 } }
                mismatches.append("\(prompt.text.debugDescription): got \(Array(trim(ids))), open_clip \(Array(trim(prompt.ids)))")
            }
        }
        XCTAssertTrue(mismatches.isEmpty, mismatches.joined(separator: "\n"))
    }

    func testSpecialIdsAndLayout() throws {
        let tokenizer = try tokenizer()
        XCTAssertEqual(tokenizer.startOfText, 49406)
        XCTAssertEqual(tokenizer.endOfText, 49407)
        XCTAssertEqual(tokenizer.vocabularySize, 49408)
        XCTAssertEqual(tokenizer.tokenize(""), [49406, 49407] + [Int32](repeating: 0, count: 75))
        let long = tokenizer.tokenize(String(repeating: "dog ", count: 200))
        XCTAssertEqual(long.count, 77)
        XCTAssertEqual(long.first, 49406)
        XCTAssertEqual(long.last, 49407)
        XCTAssertFalse(long.contains(0))
    }

    func testCleaningSteps() {
        XCTAssertEqual(Tokenizer.clean("  A&amp;amp;B \t\n C  "), "a&b c")
        XCTAssertEqual(Tokenizer.clean("“Quoted” ‘text’"), "\"quoted\" 'text'")
        XCTAssertEqual(Tokenizer.clean("ＡＢＣ　ｄｅｆ"), "abc def")
        XCTAssertEqual(Tokenizer.clean("ﬁsh"), "fish")
        XCTAssertEqual(Tokenizer.clean("cafe\u{301}"), "caf\u{E9}")
        XCTAssertEqual(Tokenizer.clean("a\u{7}b\u{FEFF}c"), "abc")
        XCTAssertEqual(Tokenizer.clean("\u{1B}[31mred\u{1B}[0m"), "red")
        XCTAssertEqual(Tokenizer.htmlUnescape("&#65;&#x42;&#0;&#128;&copy2020 &bogus; &"), "AB\u{FFFD}\u{20AC}©2020 &bogus; &")
    }

    /// The cases issue #20 names, with open_clip's results (`_clean_lower`, ftfy 6.3.1).
    func testMojibakeAndHTMLReferencesAreCleanedAsOpenCLIPCleansThem() {
        let cases: [(String, String)] = [
            ("cafÃ©", "café"), ("naÃ¯ve", "naïve"), ("Ã¼ber", "über"), ("voilÃ le travail", "voilà le travail"),
            ("Ã la mode", "à la mode"), ("&EACUTE;", "é"), ("&Lt;", "≪"), ("&AMP;", "&"), ("&ampx", "&x"),
            ("&#128;", "€"), ("<b>&EACUTE;</b>", "<b>&eacute;</b>"), ("&amp&#59;", "&;"), ("ΟΔΟΣ ΣΑΣ", "οδος σας"),
            ("\u{1B}\u{01}[3m x", "[3m x"),
        ]
        for (text, expected) in cases {
            XCTAssertTrue(Tokenizer.clean(text).unicodeScalars.elementsEqual(expected.unicodeScalars), "\(text.debugDescription) → \(Tokenizer.clean(text).debugDescription)")
        }
    }

    /// "İ" lower-cases to "i" + U+0307, left before a nukta (U+093C) although NFC would order
    /// them the other way: the two orders are canonically equivalent but different bytes, and
    /// so different ids, whichever the piece cache saw first.
    func testCanonicallyEquivalentPiecesKeepTheirOwnIds() throws {
        let warm = try tokenizer()
        let fresh = try Tokenizer(vocabularyAt: Fixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        let first = warm.encode("x\u{93C}\u{307}"), second = warm.encode("\u{130}\u{93C}")
        XCTAssertEqual(first, [157, 118, 489, 3124, 376])  // open_clip's ids
        XCTAssertEqual(second, [328, 136, 229, 3124, 376])
        XCTAssertEqual(second, fresh.encode("\u{130}\u{93C}"))
    }

    func testPreSplitFollowsTheRegexAlternativesInOrder() {
        XCTAssertEqual(Tokenizer.preSplit("it's 42 dogs!!"), ["it", "'s", "4", "2", "dogs", "!!"])
        XCTAssertEqual(Tokenizer.preSplit("'''s x'll"), ["'''", "s", "x", "'ll"])
        XCTAssertEqual(Tokenizer.preSplit("<end_of_text>a"), ["<end_of_text>", "a"])
        // IGNORECASE: long s matches the literal 's; U+0345 matches no alternative.
        XCTAssertEqual(Tokenizer.preSplit("x'\u{17F}t <\u{17F}tart_of_text>"), ["x", "'\u{17F}", "t", "<\u{17F}tart_of_text>"])
        XCTAssertEqual(Tokenizer.preSplit("a\u{345}!\u{345}!"), ["a", "!", "!"])
    }

    func testTruncatedOrCorruptVocabularyIsATypedError() {
        XCTAssertThrowsError(try Tokenizer(vocabularyText: "header\na b\n")) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-vocabulary") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-bad-vocab-\(UUID()).gz")
        try? Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try Tokenizer(vocabularyAt: url)) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-vocabulary") }
    }
}
