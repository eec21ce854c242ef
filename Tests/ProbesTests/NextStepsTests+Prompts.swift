import XCTest
@testable import Probes
@testable import Results

/// Rule 3, `improve_prompts`: only when the reference's chosen templates gain with the whole paired
/// interval above 0; after `deploy_limited_trial`, before `collect_labels`; the shifts where the gain holds.
extension NextStepsTests {
    func prompts(ensemble: Int, subset: Int, gain: (Double, Double)) -> PromptsResult {
        func accuracy(_ k: Int) -> PromptAccuracy { PromptAccuracy(correct: k, count: 1000, accuracy: Double(k) / 1000, ci: Interval(lower: 0, upper: 1)) }
        return PromptsResult(
            templates: ["a {c}", "a photo of a {c}", "art of a {c}"].map { PromptAccuracy(template: $0, correct: 0, count: 1000, accuracy: 0, ci: Interval(lower: 0, upper: 1)) },
            ensemble: accuracy(ensemble),
            subset: PromptSubset(templates: [0, 2], accuracy: accuracy(subset), gain: BootstrapDifference(
                difference: Double(subset - ensemble) / 1000, ci: Interval(lower: gain.0, upper: gain.1), resamples: 1000, seed: 0)))
    }

    func testImprovePromptsOnlyWhenTheReferenceGainIsAboveZero() throws {
        var results = RunResults(
            pilot: PilotSummary(name: "p", title: "p", language: "en"), runID: "r", createdAt: "r", toolVersion: "t",
            models: ["good", "unsure"].map { ModelSummary(name: $0, sha256: $0, family: "f", activation: "gelu") },
            domains: [DomainSummary(name: "ref", role: .reference, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "fog", role: .shift, isLabelled: true, imageCount: 1000)],
            probes: ["good", "unsure"].flatMap { model in
                [("ref", 900), ("night", 870), ("fog", 880)].map { ModelDomainProbes(model: model, domain: $0.0, results: labelled($0.1, of: 1000)) }
            },
            effectiveRobustness: [], verdicts: Verdicts(models: [verdict("good", .pass), verdict("unsure", .watch)], shifts: []),
            criteria: Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.05), seeds: Seeds(base: 0))
        results.labelsNeeded = [
            LabelsNeeded(code: .settleMinAccuracy, model: "unsure", domain: "night", accuracy: 0.8, estimated: false, threshold: 0.8, labelled: 1000, total: 1300, capped: false),
        ]
        func set(_ model: String, _ domain: String, _ prompts: PromptsResult) {
            let index = results.probes.firstIndex { $0.model == model && $0.domain == domain }!
            results.probes[index].results.prompts = prompts
        }
        // Reference gains: good's interval above 0, unsure's touching 0 (not shown).
        set("good", "ref", prompts(ensemble: 900, subset: 930, gain: (0.012, 0.048)))
        set("good", "night", prompts(ensemble: 870, subset: 890, gain: (0.004, 0.036)))
        set("good", "fog", prompts(ensemble: 880, subset: 885, gain: (-0.01, 0.02)))
        set("unsure", "ref", prompts(ensemble: 900, subset: 910, gain: (0, 0.02)))
        var steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.map { "\($0.model) \($0.code.rawValue)" }, ["good deploy_limited_trial", "good improve_prompts", "unsure collect_labels", "unsure prefer_model"])
        let step = steps[1]
        XCTAssertEqual(step.domain, "ref")
        XCTAssertEqual(step.value ?? 0, 0.93, accuracy: 1e-12)
        XCTAssertEqual(step.limit ?? 0, 0.9, accuracy: 1e-12)
        XCTAssertEqual(step.ci, Interval(lower: 0.012, upper: 0.048))
        XCTAssertEqual(step.templates, ["a {c}", "art of a {c}"])
        XCTAssertEqual(step.domains, ["night"], "the shifts where the gain's interval is above 0 too")

        // For a watch it comes before the labels: the labels rest on the head the prompts make.
        set("unsure", "ref", prompts(ensemble: 900, subset: 910, gain: (0.001, 0.02)))
        steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.filter { $0.model == "unsure" }.map(\.code), [.improvePrompts, .collectLabels, .preferModel])
        XCTAssertEqual(steps.first { $0.model == "unsure" }?.domains, [])
    }
}
