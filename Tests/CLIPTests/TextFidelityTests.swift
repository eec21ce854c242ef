import Foundation
@testable import Support
import XCTest
@testable import CLIP

/// Prompt cleaning and token ids equal open_clip's (ftfy's `fix_text`, `html.unescape` twice,
/// whitespace, `str.lower()`, the BPE) on the prompts of `Fixtures/text_fidelity.json.gz`,
/// written by `make_text_fixture.py` from open_clip 3.3 / ftfy 6.3.1 (versions in the file).
final class TextFidelityTests: XCTestCase {
    struct Golden: Decodable {
        struct Prompt: Decodable {
            let kind: String
            let text: String
            let clean: String
            let ids: [Int32]
        }
        let versions: [String: String]
        let context_length: Int
        let prompts: [Prompt]
        let badness: [Badness]
    }

    /// One `[text, is_bad]` pair.
    struct Badness: Decodable {
        let text: String
        let isBad: Bool

        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            text = try pair.decode(String.self)
            isBad = try pair.decode(Bool.self)
        }
    }

    nonisolated(unsafe) static var cached: Golden?

    static func golden() throws -> Golden {
        if let cached { return cached }
        let golden = try load(Fixtures.folder.appendingPathComponent("text_fidelity.json.gz"))
        cached = golden
        return golden
    }

    static func load(_ url: URL) throws -> Golden {
        let gzip = [UInt8](try Data(contentsOf: url))
        return try JSONDecoder().decode(Golden.self, from: Data(try Inflate.gzip(gzip, maxOutputSize: 1 << 30)))
    }

    /// Scalars, not `String ==`, which would call canonically equivalent texts equal.
    private static func same(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    /// Every prompt whose ids or cleaned text differ from open_clip's, described.
    static func mismatches(_ golden: Golden) throws -> (ids: [String], clean: [String]) {
        let tokenizer = try Tokenizer(
            vocabularyAt: Fixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"), contextLength: golden.context_length)
        var ids: [String] = [], clean: [String] = []
        for prompt in golden.prompts {
            let expected = prompt.ids + [Int32](repeating: 0, count: golden.context_length - prompt.ids.count)
            let row = tokenizer.tokenize(prompt.text)
            if row != expected {
                ids.append("[\(prompt.kind)] \(prompt.text.debugDescription): got \(row.prefix { $0 != 0 }), open_clip \(prompt.ids)")
            }
            let cleaned = Tokenizer.clean(prompt.text)
            if !same(cleaned, prompt.clean) {
                clean.append("[\(prompt.kind)] \(prompt.text.debugDescription): got \(cleaned.debugDescription), open_clip \(prompt.clean.debugDescription)")
            }
        }
        return (ids, clean)
    }

    private func report(_ failures: [String], of count: Int) -> String {
        "\(failures.count) of \(count) prompts differ:\n" + failures.prefix(40).joined(separator: "\n")
    }

    func testTokenIdsAndCleanedTextMatchOpenCLIPForEveryPrompt() throws {
        let golden = try Self.golden()
        XCTAssertGreaterThanOrEqual(golden.prompts.count, 3000)
        let (ids, clean) = try Self.mismatches(golden)
        XCTAssertTrue(ids.isEmpty, "token ids: " + report(ids, of: golden.prompts.count))
        XCTAssertTrue(clean.isEmpty, "cleaned text: " + report(clean, of: golden.prompts.count))
    }

    /// A larger fixture made on demand (`make_text_fixture.py --seed 7 --count 100000 --out F`).
    func testOptionalLargerFixture() throws {
        guard let path = ProcessInfo.processInfo.environment["SHIFTLENS_TEXT_FIXTURE"] else {
            throw XCTSkip("set SHIFTLENS_TEXT_FIXTURE to a file written by make_text_fixture.py --out")
        }
        let golden = try Self.load(URL(fileURLWithPath: path))
        let (ids, clean) = try Self.mismatches(golden)
        XCTAssertTrue(ids.isEmpty, "token ids: " + report(ids, of: golden.prompts.count))
        XCTAssertTrue(clean.isEmpty, "cleaned text: " + report(clean, of: golden.prompts.count))
        let wrong = golden.badness.filter { TextFixer.isBad(Array($0.text.unicodeScalars)[...]) != $0.isBad }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(golden.badness.count) badness verdicts differ")
        print("checked \(golden.prompts.count) prompts and \(golden.badness.count) badness strings from \(path)")
    }

    func testFixtureCoversEveryKindOfText() throws {
        let kinds = Set(try Self.golden().prompts.flatMap { $0.kind.split(separator: "+").map(String.init) })
        for kind in ["english", "japanese", "fullwidth", "halfwidth", "ligature", "quotes", "mojibake", "named", "numeric", "emoji",
                     "combining", "markup", "control", "space", "special", "long", "blank", "html5-via-html.unescape", "html5-via-ftfy",
                     "ftfy-all-caps", "legacy-prefix", "numeric-via-ftfy", "numeric-via-html.unescape", "lines"] {
            XCTAssertTrue(kinds.contains(kind), kind)
        }
    }

    func testBadnessHeuristicMatchesFtfy() throws {
        let cases = try Self.golden().badness
        XCTAssertGreaterThan(cases.filter(\.isBad).count, 1000)
        XCTAssertGreaterThan(cases.filter { !$0.isBad }.count, 1000)
        let wrong = cases.filter { TextFixer.isBad(Array($0.text.unicodeScalars)[...]) != $0.isBad }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(cases.count) differ: " + wrong.prefix(40).map { "\($0.text.debugDescription) ftfy \($0.isBad)" }.joined(separator: ", "))
    }
}
