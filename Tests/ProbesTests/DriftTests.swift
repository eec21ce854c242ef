import Foundation
import XCTest
@testable import Probes
@testable import Results

/// Drift against Fixtures/drift.json (make_drift_fixtures.py: Wilson bounds as roots of the score
/// equation by scipy's brentq, Newcombe's hybrid interval in numpy, z from scipy.stats.norm).
final class DriftTests: XCTestCase {
    static func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("drift.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testWilsonAndNewcombeMatchScipy() throws {
        let fixture = try Self.fixture()
        XCTAssertEqual(try XCTUnwrap(fixture["z"] as? Double), Drift.z95, accuracy: 1e-15)
        for row in try XCTUnwrap(fixture["wilson"] as? [[String: Any]]) {
            let k = try XCTUnwrap(row["k"] as? Int), n = try XCTUnwrap(row["n"] as? Int)
            let interval = try XCTUnwrap(Drift.wilson(successes: k, trials: n))
            XCTAssertEqual(interval.lower, try XCTUnwrap(row["lower"] as? Double), accuracy: 1e-12, "\(k)/\(n)")
            XCTAssertEqual(interval.upper, try XCTUnwrap(row["upper"] as? Double), accuracy: 1e-12, "\(k)/\(n)")
        }
        let rows = try XCTUnwrap(fixture["newcombe"] as? [[String: Any]])
        XCTAssertGreaterThan(rows.count, 5)
        for row in rows {
            let k1 = try XCTUnwrap(row["k1"] as? Int), n1 = try XCTUnwrap(row["n1"] as? Int)
            let k0 = try XCTUnwrap(row["k0"] as? Int), n0 = try XCTUnwrap(row["n0"] as? Int)
            let interval = try XCTUnwrap(Drift.newcombe(successes: k1, trials: n1, versus: k0, trials: n0))
            XCTAssertEqual(interval.lower, try XCTUnwrap(row["lower"] as? Double), accuracy: 1e-12, "\(k1)/\(n1) vs \(k0)/\(n0)")
            XCTAssertEqual(interval.upper, try XCTUnwrap(row["upper"] as? Double), accuracy: 1e-12, "\(k1)/\(n1) vs \(k0)/\(n0)")
        }
        XCTAssertNil(Drift.newcombe(successes: 0, trials: 0, versus: 1, trials: 2))
    }

    /// An image statistic's drift: Welch's interval from the two stored summaries (mean, count,
    /// Student-t interval) equals scipy's ttest_ind(equal_var=False) interval on the raw samples.
    func testImageMeanDriftMatchesScipyWelchFromTheStoredSummaries() throws {
        let rows = try XCTUnwrap(try Self.fixture()["image_mean"] as? [[String: Any]])
        XCTAssertFalse(rows.isEmpty)
        func summary(_ side: Any?) throws -> ImageStatisticsSummary.MeanSummary {
            let side = try XCTUnwrap(side as? [String: Any])
            return ImageStatisticsSummary.MeanSummary(
                measure: .brightness, count: try XCTUnwrap(side["count"] as? Int), mean: try XCTUnwrap(side["mean"] as? Double),
                interval: Interval(lower: try XCTUnwrap(side["lower"] as? Double), upper: try XCTUnwrap(side["upper"] as? Double)))
        }
        for row in rows {
            let now = try summary(row["now"]), then = try summary(row["then"])
            let interval = try XCTUnwrap(Statistics.welchInterval(try XCTUnwrap(Drift.moments(now)), try XCTUnwrap(Drift.moments(then)), level: 0.95))
            XCTAssertEqual(interval.lower, try XCTUnwrap(row["lower"] as? Double), accuracy: 1e-9)
            XCTAssertEqual(interval.upper, try XCTUnwrap(row["upper"] as? Double), accuracy: 1e-9)
        }
    }

    func labelled(_ correct: Int, of n: Int) -> ProbeResults { .labelled(top1: correct, of: n) }

    func unlabelled(estimate: Double, of n: Int) -> ProbeResults {
        var results = ProbeResults(atc: ATCResult(threshold: 0.5, estimate: estimate))
        results.labelFree = [
            LabelFreeEstimate(score: .negativeEntropy, threshold: -0.3, count: n, estimate: 0.99, actualAccuracy: nil, error: nil),
            LabelFreeEstimate(score: .maxConfidence, threshold: 0.5, count: n, estimate: estimate, actualAccuracy: nil, error: nil),
        ]
        return results
    }

    func run(_ id: String, models: [ModelSummary], probes: [ModelDomainProbes]) -> RunResults {
        RunResults(
            pilot: PilotSummary(name: "p", title: "p", language: "en"), runID: id, createdAt: id, toolVersion: "t", models: models,
            domains: [DomainSummary(name: "reference", role: .reference, isLabelled: true, imageCount: 400),
                      DomainSummary(name: "low-light", role: .shift, isLabelled: true, imageCount: 400),
                      DomainSummary(name: "site", role: .shift, isLabelled: false, imageCount: 300)],
            probes: probes, effectiveRobustness: [], verdicts: Verdicts(models: [], shifts: []), criteria: Criteria(), seeds: Seeds(base: 0))
    }

    /// Models are matched by checkpoint, not by name; baselines and models the previous run did not
    /// evaluate are not compared; a labelled set compares top-1, an unlabelled one the ATC-MC estimate.
    func testComparesTheSameCheckpointsOnTheSameImageSets() throws {
        let previous = run("2026-11-02", models: [
            ModelSummary(name: "vit old name", sha256: "aa", family: "ViT-B/32", activation: "gelu"),
            ModelSummary(name: "base", sha256: "bb", family: "RN50", activation: "relu", isBaseline: true),
        ], probes: [
            ModelDomainProbes(model: "vit old name", domain: "reference", results: labelled(360, of: 400)),
            ModelDomainProbes(model: "vit old name", domain: "low-light", results: labelled(284, of: 400)),
            ModelDomainProbes(model: "vit old name", domain: "site", results: unlabelled(estimate: 0.8, of: 300)),
            ModelDomainProbes(model: "base", domain: "low-light", results: labelled(200, of: 400)),
        ])
        let current = run("2026-12-02", models: [
            ModelSummary(name: "vit", sha256: "aa", family: "ViT-B/32", activation: "gelu"),
            ModelSummary(name: "base", sha256: "bb", family: "RN50", activation: "relu", isBaseline: true),
            ModelSummary(name: "new", sha256: "cc", family: "ViT-B/16", activation: "gelu"),
        ], probes: [
            ModelDomainProbes(model: "vit", domain: "reference", results: labelled(362, of: 400)),
            ModelDomainProbes(model: "vit", domain: "low-light", results: labelled(232, of: 400)),
            ModelDomainProbes(model: "vit", domain: "site", results: unlabelled(estimate: 0.6, of: 300)),
            ModelDomainProbes(model: "base", domain: "low-light", results: labelled(100, of: 400)),
            ModelDomainProbes(model: "new", domain: "low-light", results: labelled(100, of: 400)),
        ])
        let drift = Drift.compare(current: current, previous: previous)
        XCTAssertEqual(drift.previousRunID, "2026-11-02")
        XCTAssertEqual(drift.comparisons.map { "\($0.model ?? "-") \($0.domain) \($0.code.rawValue) \($0.drifted)" }, [
            "vit reference accuracy false", "vit low-light accuracy true", "vit site estimated_accuracy true",
        ])
        let fell = drift.comparisons[1]
        XCTAssertEqual(fell.previous, 0.71)
        XCTAssertEqual(fell.current, 0.58)
        XCTAssertEqual(fell.difference, 0.58 - 0.71, accuracy: 1e-15)
        // The fixture's (232/400 vs 284/400) row.
        let expected = try XCTUnwrap(Drift.newcombe(successes: 232, trials: 400, versus: 284, trials: 400))
        XCTAssertEqual(fell.ci, expected)
        XCTAssertLessThan(fell.ci.upper, 0)
        let estimated = drift.comparisons[2]
        XCTAssertEqual(estimated.previousCount, 300)
        XCTAssertEqual(estimated.ci, Drift.newcombe(successes: 180, trials: 300, versus: 240, trials: 300))
    }

    /// Image statistics are compared per image set, whatever the models: every mean both runs have
    /// and the grayscale share; a darker set drifts in brightness, not in contrast.
    func testImageStatisticsAreComparedPerImageSet() throws {
        func statistics(brightness: Double, gray: Int) -> ImageStatisticsSummary {
            ImageStatisticsSummary(imageCount: 100, means: [
                .init(measure: .brightness, count: 100, mean: brightness, interval: Interval(lower: brightness - 0.02, upper: brightness + 0.02)),
                .init(measure: .contrast, count: 100, mean: 0.2, interval: Interval(lower: 0.19, upper: 0.21)),
                .init(measure: .jpegQuality, count: 1, mean: 90, interval: nil),
            ], grayscale: .init(count: gray, share: Double(gray) / 100, interval: nil))
        }
        var previous = run("a", models: [], probes: []), current = run("b", models: [], probes: [])
        previous.domains[1].imageStatistics = statistics(brightness: 0.55, gray: 0)
        current.domains[1].imageStatistics = statistics(brightness: 0.21, gray: 30)
        let drift = Drift.compare(current: current, previous: previous)
        XCTAssertEqual(drift.comparisons.map { "\($0.domain) \($0.code.rawValue) \($0.measure?.rawValue ?? "-") \($0.drifted)" }, [
            "low-light image_mean brightness true", "low-light image_mean contrast false", "low-light grayscale_share - true",
        ])
        XCTAssertNil(drift.comparisons[0].model)
        XCTAssertEqual(drift.comparisons[2].ci, Drift.newcombe(successes: 30, trials: 100, versus: 0, trials: 100))
    }

    /// The same results again: every comparison made, none drifted.
    func testAnUnchangedRerunHasNoDrift() {
        let models = [ModelSummary(name: "vit", sha256: "aa", family: "ViT-B/32", activation: "gelu")]
        let probes = [ModelDomainProbes(model: "vit", domain: "low-light", results: labelled(284, of: 400)),
                      ModelDomainProbes(model: "vit", domain: "site", results: unlabelled(estimate: 0.8, of: 300))]
        let drift = Drift.compare(current: run("b", models: models, probes: probes), previous: run("a", models: models, probes: probes))
        XCTAssertEqual(drift.comparisons.count, 2)
        XCTAssertFalse(drift.comparisons.contains { $0.drifted })
        XCTAssertEqual(drift.comparisons.map(\.difference), [0, 0])
    }
}
