import Foundation
@testable import Results
@testable import Support
import XCTest

/// The prompt probe end to end (`probes.prompts`): the prompts' text embeddings come back from the
/// store, the ensemble is the zero-shot head every other probe used, and the switch is off by default.
extension PipelineTests {
    func testPromptProbeRunsWhenThePilotAsksForIt() throws {
        let spec = try smallPilot()
        var object = try json(spec)
        let first = try RunResults.decode(Data(contentsOf: runPilot(spec).appendingPathComponent("results.json")))
        XCTAssertTrue(first.probes.allSatisfy { $0.results.prompts == nil }, "off by default")

        object["probes"] = ["prompts": true, "linear_probe": false, "few_shot": false]
        try JSONSerialization.data(withJSONObject: object).write(to: spec)
        let results = try RunResults.decode(Data(contentsOf: runPilot(spec).appendingPathComponent("results.json")))
        XCTAssertNotNil(results.seeds.prompts)
        var subsets: Set<[Int]> = []
        for domain in ["reference", "low-light"] {
            let probes = try XCTUnwrap(results.probes(model: "Toy diverse", domain: domain))
            let prompts = try XCTUnwrap(probes.prompts, domain)
            XCTAssertEqual(prompts.templates.map(\.template), ["a photo of a {c}.", "a picture of a {c}."])
            XCTAssertEqual(prompts.ensemble.correct, probes.zeroShot?.top1Correct, "the ensemble is the zero-shot head")
            XCTAssertEqual(prompts.ensemble.count, probes.zeroShot?.count)
            let subset = try XCTUnwrap(prompts.subset)
            subsets.insert(subset.templates)
            XCTAssertEqual(subset.gain.seed, SplitMix64.derive(try XCTUnwrap(results.seeds.prompts), index: domain == "reference" ? 0 : 1))
        }
        XCTAssertEqual(subsets.count, 1, "one subset, chosen on the reference")
    }
}
