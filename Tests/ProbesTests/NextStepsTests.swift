import XCTest
@testable import Probes
@testable import Results

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

    /// A curve of 10 classes × 20 images: per k, the mean, its interval and zero-shot on the same test images.
    func curve(_ points: [(shots: Int, mean: Double, lower: Double, upper: Double)]) -> FewShotResult {
        FewShotResult(draws: 5, l2: 1e-3, seed: 0, classes: 10, minImagesPerClass: 20, points: points.map {
            FewShotPoint(shots: $0.shots, trainCount: 10 * $0.shots, testCount: 200 - 10 * $0.shots, accuracy: $0.mean,
                         ci: Interval(lower: $0.lower, upper: $0.upper), minAccuracy: $0.mean - 0.02, maxAccuracy: $0.mean + 0.02,
                         zeroShotAccuracy: 0.41)
        })
    }

    /// "bad" misses the minimum of 80 % on the image sets named in its verdict; "other", a watch,
    /// keeps more of its accuracy. Curves only where given.
    func adaptationRun(missing: [String], curves: [String: FewShotResult], minAccuracy: Double? = 0.8) -> RunResults {
        func probes(_ model: String, _ domain: String, _ correct: Int) -> ModelDomainProbes {
            var results = labelled(correct, of: 200)
            if model == "bad" { results.fewShot = curves[domain] }
            return ModelDomainProbes(model: model, domain: domain, results: results)
        }
        let reasons = missing.map { VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: 0.41, limit: 0.8, domain: $0) }
            + [VerdictReason(code: .relativeDropAboveMaximum, status: .fail, value: 0.5, limit: 0.1, domain: "night")]
        return RunResults(
            pilot: PilotSummary(name: "p", title: "p", language: "en"), runID: "r", createdAt: "r", toolVersion: "t",
            models: ["bad", "other"].map { ModelSummary(name: $0, sha256: $0, family: "f", activation: "gelu") },
            domains: [DomainSummary(name: "ref", role: .reference, isLabelled: true, imageCount: 200),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 200),
                      DomainSummary(name: "fog", role: .shift, isLabelled: true, imageCount: 200)],
            probes: [probes("bad", "ref", 180), probes("bad", "night", 82), probes("bad", "fog", 82),
                     probes("other", "ref", 180), probes("other", "night", 150), probes("other", "fog", 150)],
            effectiveRobustness: [],
            verdicts: Verdicts(models: [ModelVerdict(model: "bad", status: .fail, reasons: reasons), verdict("other", .watch)], shifts: []),
            criteria: Criteria(minAccuracy: minAccuracy, maxRelativeDrop: 0.1), seeds: Seeds(base: 0))
    }

    /// Adapt: the smallest k whose interval clears the minimum — not the first whose mean does —
    /// with its numbers, after collect_labels and before prefer_model.
    func testAdaptRecommendsTheSmallestKWhoseIntervalClearsTheMinimum() throws {
        let night = curve([(1, 0.60, 0.53, 0.67), (2, 0.82, 0.76, 0.87), (4, 0.86, 0.80, 0.91), (8, 0.90, 0.84, 0.94)])
        var results = adaptationRun(missing: ["night"], curves: ["night": night])
        var steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.map { "\($0.model) \($0.code.rawValue)" }, ["bad adapt", "bad prefer_model", "other review_reasons"])
        XCTAssertEqual(steps[0], NextStep(model: "bad", code: .adapt, domain: "night", value: 0.86, limit: 0.8, labels: 40, shots: 4,
                                          ci: Interval(lower: 0.80, upper: 0.91), zeroShot: 0.41))
        // A watch whose labels settle it collects them first.
        results.verdicts.models[0] = ModelVerdict(model: "bad", status: .watch, reasons: [
            VerdictReason(code: .accuracyUncertain, status: .watch, value: 0.78, limit: 0.8, domain: "night")])
        results.labelsNeeded = [LabelsNeeded(code: .settleMinAccuracy, model: "bad", domain: "night", accuracy: 0.78, estimated: false,
                                             threshold: 0.8, labelled: 200, total: 900, capped: false)]
        steps = NextSteps.evaluate(results).filter { $0.model == "bad" }
        XCTAssertEqual(steps.map(\.code), [.collectLabels, .adapt, .preferModel])
        XCTAssertEqual(steps[1].shots, 4)
    }

    /// Several image sets under the minimum: the step names the one needing the largest k and
    /// counts the labels of all.
    func testAdaptOverSeveralImageSetsCountsEveryLabel() throws {
        let night = curve([(1, 0.70, 0.63, 0.77), (2, 0.85, 0.80, 0.90), (4, 0.90, 0.85, 0.94)])
        let fog = curve([(1, 0.60, 0.53, 0.67), (2, 0.75, 0.68, 0.81), (4, 0.84, 0.79, 0.89), (8, 0.88, 0.82, 0.93)])
        let step = try XCTUnwrap(NextSteps.evaluate(adaptationRun(missing: ["night", "fog"], curves: ["night": night, "fog": fog])).first)
        XCTAssertEqual(step.code, .adapt)
        XCTAssertEqual(step.domain, "fog")
        XCTAssertEqual(step.shots, 8)
        XCTAssertEqual(step.domains, ["night", "fog"])
        XCTAssertEqual(step.labels, 20 + 80)
        XCTAssertEqual(step.value, 0.88)
    }

    /// Short: when one image set's curve never clears the minimum, no adapt step; the shortfall
    /// (largest k) comes after prefer_model, and replaces not_ready when it is the only step.
    func testAdaptationShortWhenNoKClearsTheMinimum() throws {
        let night = curve([(1, 0.70, 0.63, 0.77), (2, 0.85, 0.80, 0.90)])
        let fog = curve([(1, 0.60, 0.53, 0.67), (2, 0.75, 0.68, 0.81), (4, 0.82, 0.77, 0.87), (8, 0.79, 0.72, 0.85)])
        var results = adaptationRun(missing: ["night", "fog"], curves: ["night": night, "fog": fog])
        XCTAssertEqual(NextSteps.evaluate(results).filter { $0.model == "bad" }.map(\.code), [.preferModel, .adaptationShort])
        results.verdicts.models.removeLast()
        XCTAssertEqual(NextSteps.evaluate(results), [
            NextStep(model: "bad", code: .adaptationShort, domain: "fog", value: 0.79, limit: 0.8, shots: 8,
                     ci: Interval(lower: 0.72, upper: 0.85), zeroShot: 0.41),
        ])
    }

    /// No adaptation step without the minimum, without a set under it, or when a set under it has
    /// no curve (and none is short).
    func testNoAdaptationStepWithoutItsEvidence() throws {
        let night = curve([(1, 0.86, 0.80, 0.91)])
        func codes(_ results: RunResults) -> [NextStep.Code] { NextSteps.evaluate(results).filter { $0.model == "bad" }.map(\.code) }
        XCTAssertEqual(codes(adaptationRun(missing: ["night"], curves: ["night": night])), [.adapt, .preferModel])
        XCTAssertEqual(codes(adaptationRun(missing: ["night"], curves: ["night": night], minAccuracy: nil)), [.preferModel])
        XCTAssertEqual(codes(adaptationRun(missing: [], curves: ["night": night])), [.preferModel])
        XCTAssertEqual(codes(adaptationRun(missing: ["night"], curves: [:])), [.preferModel])
        XCTAssertEqual(codes(adaptationRun(missing: ["night", "fog"], curves: ["night": night])), [.preferModel])
        var alone = adaptationRun(missing: ["night"], curves: [:])
        alone.verdicts.models.removeLast()
        XCTAssertEqual(codes(alone), [.notReady])
    }
}
