import XCTest
@testable import Probes
@testable import Results

/// Rule 3 for the class names: `improve_prompts` with `names` only when the names chosen on the
/// reference change a name and gain there with the whole paired interval above 0; after the
/// templates' step; the shifts where the gain holds.
extension NextStepsTests {
    func names(given: Int, chosen: Int, gain: (Double, Double), changed: Bool = true) -> NamesResult {
        func accuracy(_ k: Int) -> PromptAccuracy { PromptAccuracy(correct: k, count: 1000, accuracy: Double(k) / 1000, ci: Interval(lower: 0, upper: 1)) }
        return NamesResult(alternatives: 3, given: accuracy(given), chosen: NameChoice(
            changes: changed ? [NameChange(classIndex: 2, given: "hex nut", chosen: "nut", count: 100, givenCorrect: 70, chosenCorrect: 90)] : [],
            accuracy: accuracy(chosen), gain: BootstrapDifference(
                difference: Double(chosen - given) / 1000, ci: Interval(lower: gain.0, upper: gain.1), resamples: 1000, seed: 0)))
    }

    func testImprovePromptsForNamesOnlyWhenTheReferenceGainIsAboveZero() throws {
        var results = RunResults(
            pilot: PilotSummary(name: "p", title: "p", language: "en"), runID: "r", createdAt: "r", toolVersion: "t",
            models: [ModelSummary(name: "good", sha256: "good", family: "f", activation: "gelu")],
            domains: [DomainSummary(name: "ref", role: .reference, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 1000),
                      DomainSummary(name: "fog", role: .shift, isLabelled: true, imageCount: 1000)],
            probes: [("ref", 900), ("night", 870), ("fog", 880)].map { ModelDomainProbes(model: "good", domain: $0.0, results: labelled($0.1, of: 1000)) },
            effectiveRobustness: [], verdicts: Verdicts(models: [verdict("good", .pass)], shifts: []),
            criteria: Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.05), seeds: Seeds(base: 0))
        func set(_ domain: String, prompts: PromptsResult? = nil, names: NamesResult? = nil) {
            let index = results.probes.firstIndex { $0.domain == domain }!
            if let prompts { results.probes[index].results.prompts = prompts }
            if let names { results.probes[index].results.names = names }
        }
        set("ref", names: names(given: 900, chosen: 925, gain: (0.01, 0.04)))
        set("night", names: names(given: 870, chosen: 890, gain: (0.004, 0.036)))
        set("fog", names: names(given: 880, chosen: 878, gain: (-0.01, 0.006)))
        var steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.map(\.code), [.deployLimitedTrial, .improvePrompts])
        let step = steps[1]
        XCTAssertEqual(step.domain, "ref")
        XCTAssertNil(step.templates)
        XCTAssertEqual(step.names?.map(\.chosen), ["nut"])
        XCTAssertEqual(step.value ?? 0, 0.925, accuracy: 1e-12)
        XCTAssertEqual(step.limit ?? 0, 0.9, accuracy: 1e-12)
        XCTAssertEqual(step.ci, Interval(lower: 0.01, upper: 0.04))
        XCTAssertEqual(step.domains, ["night"], "the shifts where the gain's interval is above 0 too")

        // With the templates' step too: templates first, then names.
        set("ref", prompts: prompts(ensemble: 900, subset: 930, gain: (0.012, 0.048)))
        steps = NextSteps.evaluate(results)
        XCTAssertEqual(steps.map(\.code), [.deployLimitedTrial, .improvePrompts, .improvePrompts])
        XCTAssertNotNil(steps[1].templates)
        XCTAssertNotNil(steps[2].names)

        // An interval touching 0, or no name changed: no names step.
        set("ref", names: names(given: 900, chosen: 910, gain: (0, 0.02)))
        XCTAssertEqual(NextSteps.evaluate(results).filter { $0.names != nil }, [])
        set("ref", names: names(given: 900, chosen: 900, gain: (0, 0), changed: false))
        XCTAssertEqual(NextSteps.evaluate(results).filter { $0.names != nil }, [])
    }
}
