import XCTest
@testable import Probes
import Results

/// The next-steps policy: each rule, its inputs and its order (docs/probes.md, "Next steps").
final class NextStepsTests: XCTestCase {
    func labelled(_ correct: Int, of n: Int) -> ProbeResults { .labelled(top1: correct, of: n) }

    func verdict(_ model: String, _ status: VerdictStatus) -> ModelVerdict {
        ModelVerdict(model: model, status: status, reasons: [VerdictReason(code: status == .pass ? .criteriaMet : .accuracyUncertain, status: status)])
    }

    /// Four candidates: a pass (trial with a KPI), a watch that labels settle, a fail with a better
    /// candidate, and — alone — a fail with none; plus drift first.
    func testEachRuleWithItsNumbersInOrder() throws {
        var withOutliers = labelled(900, of: 1000)
        withOutliers.outliers = OutlierResult(threshold: 10, meanAbsActivation: [], ratios: [], count: 3, dimensions: [1, 2, 3],
                                              topDimensions: [], topK: 0, kurtosisMean: nil, kurtosisPerDimension: [])
        var results = RunResults(
            pilot: PilotSummary(name: "p", title: "p", language: "en"), runID: "r", createdAt: "r", toolVersion: "t",
            models: ["good", "unsure", "bad"].map { ModelSummary(name: $0, sha256: $0, family: "f", activation: "gelu") },
            domains: [DomainSummary(name: "ref", role: .reference, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "fog", role: .shift, isLabelled: true, imageCount: 1000)],
            probes: [
                ModelDomainProbes(model: "good", domain: "ref", results: withOutliers),
                ModelDomainProbes(model: "good", domain: "night", results: labelled(870, of: 1000)),
                ModelDomainProbes(model: "good", domain: "fog", results: labelled(880, of: 1000)),
                ModelDomainProbes(model: "unsure", domain: "ref", results: labelled(900, of: 1000)),
                ModelDomainProbes(model: "unsure", domain: "night", results: labelled(800, of: 1000)),
                ModelDomainProbes(model: "bad", domain: "ref", results: labelled(900, of: 1000)),
                ModelDomainProbes(model: "bad", domain: "night", results: labelled(450, of: 1000)),
            ],
            effectiveRobustness: [], verdicts: Verdicts(models: [verdict("good", .pass), verdict("unsure", .watch), verdict("bad", .fail)], shifts: []),
            criteria: Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.05), seeds: Seeds(base: 0))
        results.labelsNeeded = [
            LabelsNeeded(code: .settleMinAccuracy, model: "unsure", domain: "night", accuracy: 0.8, estimated: false, threshold: 0.8, labelled: 1000, total: 1300, capped: false),
            LabelsNeeded(code: .settleRelativeDrop, model: "unsure", domain: "night", accuracy: 0.8, estimated: false, threshold: 0.855, labelled: 1000, total: 1500, capped: false),
            LabelsNeeded(code: .checkEstimate, model: "unsure", domain: "site", accuracy: 0.7, estimated: true, margin: 0.05, labelled: 0, total: 320, capped: false),
            LabelsNeeded(code: .settleMinAccuracy, model: "unsure", domain: "fog", accuracy: 0.8, estimated: false, threshold: 0.8, labelled: 10, total: 10_000, capped: true),
        ]
        let steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.map { "\($0.model) \($0.code.rawValue)" }, [
            "good deploy_limited_trial", "unsure collect_labels", "unsure prefer_model", "bad prefer_model",
        ])
        // The KPI: top-1 on the hardest shift (night, 87.0%) against the stricter of 80% and (1 − 5%) × 90%.
        XCTAssertEqual(steps[0].domain, "night")
        XCTAssertEqual(steps[0].value ?? 0, 0.87, accuracy: 1e-12)
        XCTAssertEqual(steps[0].limit ?? 0, 0.855, accuracy: 1e-12)
        // Labels: the largest count per image set (night 500, site 320), capped entries left out.
        XCTAssertEqual(steps[1].labels, 820)
        XCTAssertEqual(steps[1].domains, ["night", "site"])
        // The better candidate keeps 87/90 of its reference accuracy, the failing one 45/90; its outliers are named.
        XCTAssertEqual(steps[3].otherModel, "good")
        XCTAssertEqual(steps[3].value ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(steps[3].limit ?? 0, 0.87 / 0.9, accuracy: 1e-12)
        XCTAssertEqual(steps[3].outlierFeatures, 3)

        // Drift comes first; a fail without a better candidate is not ready; a watch nothing settles is reviewed.
        results.drift = DriftResults(previousRunID: "q", previousCreatedAt: "q", comparisons: [
            DriftComparison(code: .accuracy, model: "good", domain: "fog", previous: 0.95, current: 0.88, previousCount: 1000,
                            currentCount: 1000, ci: Interval(lower: -0.09, upper: -0.05)),
        ])
        results.verdicts = Verdicts(models: [verdict("good", .pass), verdict("bad", .fail)], shifts: [])
        XCTAssertEqual(NextSteps.evaluate(results).map { "\($0.model) \($0.code.rawValue)" }, [
            "good investigate_drift", "good deploy_limited_trial", "bad prefer_model",
        ])
        results.verdicts = Verdicts(models: [verdict("bad", .fail), verdict("unsure", .notAssessed)], shifts: [])
        results.labelsNeeded = []
        XCTAssertEqual(NextSteps.evaluate(results).map { "\($0.model) \($0.code.rawValue)" }, [
            "bad not_ready", "unsure review_reasons",
        ])
    }
}
