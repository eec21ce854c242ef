import XCTest
@testable import Probes
@testable import Results

final class StagePolicyTests: XCTestCase {
    func labelled(top1 correct: Int, of n: Int) -> ProbeResults { .labelled(top1: correct, of: n) }

    /// Each stage is judged by the verdict policy under its own criteria; the highest stage met is
    /// reported, and the next stage's reasons (with image set and numbers) are what is missing.
    func testHighestStageMetAndWhatTheNextLacks() throws {
        // Reference 900/1000, shift 700/1000 (a relative drop of 22 %, clearly beyond 10 %).
        let probes = [
            ModelDomainProbes(model: "a", domain: "ref", results: labelled(top1: 900, of: 1000)),
            ModelDomainProbes(model: "a", domain: "night", results: labelled(top1: 700, of: 1000)),
            ModelDomainProbes(model: "b", domain: "ref", results: labelled(top1: 500, of: 1000)),
            ModelDomainProbes(model: "b", domain: "night", results: labelled(top1: 480, of: 1000)),
        ]
        let stages = [
            StageDefinition(name: "trial", criteria: Criteria(minAccuracy: 0.6, maxRelativeDrop: 0.3, minEffectiveRobustness: -0.05)),
            StageDefinition(name: "line 3", criteria: Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.1, minEffectiveRobustness: -0.05)),
        ]
        let verdicts = stages.map { ProbeSuite.verdicts(probes: probes, referenceDomain: "ref", robustness: [], criteria: $0.criteria).shifts }
        let result = try XCTUnwrap(StagePolicy.evaluate(stages: stages, shiftVerdicts: verdicts, models: ["a", "b"]))
        XCTAssertEqual(result.stages, stages)

        let a = result.models[0]
        XCTAssertEqual(a.model, "a")
        XCTAssertEqual(a.reached, 0)
        XCTAssertEqual(a.next, 1)
        XCTAssertEqual(a.verdicts.map(\.status), [.pass, .fail])
        let missing = a.verdicts[1].reasons
        // Without a bootstrap interval of the difference the drop cannot be called beyond doubt.
        XCTAssertEqual(missing.map(\.code), [.accuracyBelowMinimum, .relativeDropUncertain])
        XCTAssertEqual(missing.map(\.domain), ["night", "night"])
        XCTAssertEqual(missing[0].value ?? 0, 0.7, accuracy: 1e-12)
        XCTAssertEqual(missing[0].limit, 0.8)
        XCTAssertEqual(missing[1].value ?? 0, 0.2 / 0.9, accuracy: 1e-12)

        // b meets no stage: the first is next.
        let b = result.models[1]
        XCTAssertNil(b.reached)
        XCTAssertEqual(b.next, 0)
        XCTAssertEqual(b.verdicts[0].status, .fail)
    }

    func testLastStageReachedHasNoNextAndNoStagesGiveNothing() {
        let pass = ModelVerdict(model: "m", status: .pass, reasons: [VerdictReason(code: .criteriaMet, status: .pass)])
        let watch = ModelVerdict(model: "m", status: .watch, reasons: [VerdictReason(code: .accuracyUncertain, status: .watch)])
        let last = StagePolicy.progress(model: "m", verdicts: [pass, pass])
        XCTAssertEqual(last.reached, 1)
        XCTAssertNil(last.next)
        // A later stage met counts even when an earlier one is not (stages are meant to get stricter).
        let skipped = StagePolicy.progress(model: "m", verdicts: [watch, pass, watch])
        XCTAssertEqual(skipped.reached, 1)
        XCTAssertEqual(skipped.next, 2)
        XCTAssertNil(StagePolicy.evaluate(stages: [], shiftVerdicts: [], models: ["m"]))
    }
}
