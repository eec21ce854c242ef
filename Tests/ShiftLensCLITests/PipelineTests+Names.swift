import Foundation
@testable import Results
@testable import Support
import XCTest

/// The name probe end to end (`classes.synonyms`): the alternative names' prompts are encoded with
/// the head's, read back from the store, the given names are the zero-shot head every other probe
/// used, one choice (made on the reference) is reported on every labelled image set, and the model
/// page says it.
extension PipelineTests {
    func testNameProbeRunsWhenThePilotListsSynonyms() throws {
        let spec = try smallPilot()
        var object = try json(spec)
        try Data("hex nut\tnut\thexagonal nut\nL-bracket\tangle bracket\ncompression spring\n".utf8)
            .write(to: scratch.appendingPathComponent("synonyms.txt"))
        object["classes"] = ["names": "classes.txt", "templates": "templates.txt", "synonyms": "synonyms.txt"]
        object["probes"] = ["linear_probe": false, "few_shot": false]
        try JSONSerialization.data(withJSONObject: object).write(to: spec)
        // A class that is not in the list: the run stops before encoding, naming the file and the line.
        let refused = cli(["run", spec.path, "--site", scratch.appendingPathComponent("site").path,
                           "--store", scratch.appendingPathComponent("store").path])
        XCTAssertNotEqual(refused.code, 0)
        XCTAssertTrue(refused.err.contains("synonyms.txt") && refused.err.contains("line 3"), refused.err)

        try Data("hex nut\tnut\thexagonal nut\nL-bracket\tangle bracket\nball bearing\tbearing\n".utf8)
            .write(to: scratch.appendingPathComponent("synonyms.txt"))
        let run = try runPilot(spec)
        let results = try RunResults.decode(Data(contentsOf: run.appendingPathComponent("results.json")))
        let seed = try XCTUnwrap(results.seeds.names)
        var choices: Set<[String]> = []
        for (index, domain) in ["reference", "low-light"].enumerated() {
            let probes = try XCTUnwrap(results.probes(model: "Toy diverse", domain: domain))
            let names = try XCTUnwrap(probes.names, domain)
            XCTAssertNil(probes.prompts, "the template probe stays off")
            XCTAssertEqual(names.alternatives, 4)
            XCTAssertEqual(names.given.correct, probes.zeroShot?.top1Correct, "the given names are the zero-shot head")
            XCTAssertEqual(names.given.count, probes.zeroShot?.count)
            let chosen = try XCTUnwrap(names.chosen)
            XCTAssertEqual(chosen.gain.seed, SplitMix64.derive(seed, index: index))
            for change in chosen.changes {
                XCTAssertEqual(change.given, ["hex nut", "L-bracket", "ball bearing"].first { $0 == change.given })
                XCTAssertEqual(change.count, 2, "two images per class")
            }
            choices.insert(chosen.changes.map { "\($0.classIndex) \($0.chosen)" })
            if domain == "reference" {
                XCTAssertGreaterThanOrEqual(chosen.accuracy.correct, names.given.correct, "a change only when it adds reference images")
                XCTAssertEqual(chosen.changes.isEmpty, chosen.accuracy.correct == names.given.correct)
            }
        }
        XCTAssertEqual(choices.count, 1, "one choice, made on the reference")
        let models = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("models").path)
        let page = try String(contentsOf: run.appendingPathComponent("models").appendingPathComponent(try XCTUnwrap(models.first { $0.hasSuffix(".html") })), encoding: .utf8)
        XCTAssertTrue(page.contains("Which class names work"), "the model page has the names section")
    }
}
