import Foundation
import XCTest
@testable import Pilot

/// `classes.synonyms`: a `class name<TAB>alternative…` file, read strictly, every error naming the
/// file and the line and saying what to do.
extension PilotSpecTests {
    func testSynonymsFileGivesEachClassItsCandidatesOwnNameFirst() throws {
        let scratch = try scratchWithFiles()
        try scratch.write("classes.txt", "screw\ngear\nhex nut\n")
        try scratch.write("synonyms.txt", "\u{FEFF}hex nut\tnut\t hexagon nut \r\n\nscrew\tbolt\n")
        let spec = try scratch.spec(minimalSpec().replacingOccurrences(of: #"{"names": "classes.txt"}"#, with: #"{"names": "classes.txt", "synonyms": "synonyms.txt"}"#))
        XCTAssertEqual(spec.synonyms?.lastPathComponent, "synonyms.txt")
        let list = try ClassList.load(spec.classes, synonyms: spec.synonyms, assets: assets)
        XCTAssertEqual(list.synonyms, [["bolt"], [], ["nut", "hexagon nut"]])
        XCTAssertEqual(list.candidates(forClass: 2), ["hex nut", "nut", "hexagon nut"])
        XCTAssertEqual(list.candidates(forClass: 1), ["gear"])
        XCTAssertTrue(list.hasSynonyms)
        // Per class, per candidate, every template (the default 80): the own name's prompts are the head's.
        let prompts = list.candidatePrompts()
        XCTAssertEqual(prompts.count, (2 + 1 + 3) * 80)
        XCTAssertEqual(Array(prompts.prefix(80)), list.prompts(forClass: 0))
        XCTAssertEqual(prompts[80], "a bad photo of a bolt.")
        XCTAssertEqual(try ClassList.load(spec.classes, assets: assets).candidatePrompts(), [], "no file, no name probe")

        // The ImageNet preset's object form takes one too (names as in assets/imagenet/classnames.txt).
        try scratch.write("imagenet-synonyms.txt", "tench\tTinca tinca\n")
        let preset = try scratch.spec(minimalSpec().replacingOccurrences(
            of: #"{"names": "classes.txt"}"#, with: #"{"preset": "imagenet", "templates": "simple", "synonyms": "imagenet-synonyms.txt"}"#))
        let imagenet = try ClassList.load(preset.classes, synonyms: preset.synonyms, assets: assets)
        XCTAssertEqual(imagenet.candidates(forClass: 0), ["tench", "Tinca tinca"])
        XCTAssertEqual(imagenet.candidatePrompts().count, 1001 * 7)
    }

    func testSynonymsFileMustExist() throws {
        let scratch = try scratchWithFiles()
        XCTAssertThrowsError(try scratch.spec(minimalSpec().replacingOccurrences(
            of: #"{"names": "classes.txt"}"#, with: #"{"names": "classes.txt", "synonyms": "missing.txt"}"#))) { error in
            XCTAssertEqual((error as? PilotError)?.code, "missing-file")
            XCTAssertTrue("\(error)".contains("classes.synonyms"), "\(error)")
        }
    }

    func testSynonymsErrorsNameTheFileTheLineAndWhatToDo() throws {
        let names = ["screw", "gear", "hex nut", "wing nut"]
        let cases: [(text: String, expected: String)] = [
            ("screw\tbolt\nHex Nut\tnut\n", #"line 2: "Hex Nut" is not a class name (the class list says "hex nut"); the first field must be a class name"#),
            ("spring\tcoil\n", #"line 1: "spring" is not a class name; the first field must be a class name exactly as in the class list"#),
            ("screw\tbolt\n\nscrew\tpin\n", #"line 3: class "screw" is already listed on line 1; put all its alternative names on one line"#),
            ("screw\n", #"line 1: class "screw" has no alternative name; add them after a tab (screw<TAB>other name) or remove the line"#),
            ("screw|bolt\n", #"line 1: "screw|bolt" is not a class name; separate the names with tabs, not '|' or ','"#),
            ("screw, bolt\n", "separate the names with tabs"),
            ("screw\tbolt\t\tpin\n", "line 1: field 3 is empty (two tabs in a row or a trailing tab); remove it"),
            ("screw\tbolt\t\n", "line 1: field 3 is empty"),
            ("screw\tbolt\tBolt\n", #"line 1: "Bolt" appears twice (as "bolt": the text tower does not see letter case)"#),
            ("screw\tScrew\n", #"line 1: "Screw" is the class's own name, which is always tried first (as "screw""#),
            ("hex nut\tgear\n", #"line 1: "gear" is the name of another class; two classes with the same name cannot be told apart"#),
            ("hex nut\tnut\nwing nut\tnut\n", #"line 2: "nut" is also an alternative name of "hex nut" (line 1); two classes with the same name cannot be told apart"#),
            ("screw\t" + (1...9).map { "s\($0)" }.joined(separator: "\t") + "\n", #"line 1: class "screw" has 9 alternative names; at most 8"#),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ClassList.parseSynonyms(text, names: names, path: "/p/synonyms.txt"), text) { error in
                XCTAssertEqual((error as? PilotError)?.code, "dataset", text)
                XCTAssertTrue("\(error)".hasPrefix("/p/synonyms.txt: line "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(text.debugDescription): \(error)")
            }
        }
        // A class without a line keeps its own name only.
        XCTAssertEqual(try ClassList.parseSynonyms("wing nut\tbutterfly nut\n", names: names, path: "s"), [[], [], [], ["butterfly nut"]])
    }
}
