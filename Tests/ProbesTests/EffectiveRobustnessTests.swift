import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Support

/// Effective robustness against Fixtures/robustness.json (make_robustness_fixtures.py): the
/// fits with numpy.polyfit, the bootstraps replayed in Python with the same SplitMix64 draws.
final class EffectiveRobustnessTests: XCTestCase {
    typealias Probe = EffectiveRobustnessProbe

    nonisolated(unsafe) static let fixture: [String: Any] = {
        let data = try! Data(contentsOf: Fixture.directory.appendingPathComponent("robustness.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func baseline(_ name: String) -> [Probe.BaselinePoint] {
        let points = (fixture["baselines"] as! [String: Any])[name] as! [[String: Any]]
        return points.map { p in
            let counts = { (key: String) -> Probe.Counts? in
                (p[key] as? [Int]).map { Probe.Counts(correct: $0[0], total: $0[1]) }
            }
            return Probe.BaselinePoint(
                model: p["model"] as! String, referenceAccuracy: (p["x"] as! NSNumber).doubleValue,
                accuracy: (p["y"] as! NSNumber).doubleValue, referenceCounts: counts("reference_counts"), counts: counts("counts"))
        }
    }

    static var grid: [Double] { (fixture["grid"] as! [NSNumber]).map(\.doubleValue) }

    func testEmpiricalLogitIsLogitOfHalfCorrectedRate() {
        for row in Self.fixture["empirical_logit"] as! [[NSNumber]] {
            assertClose(Statistics.empiricalLogit(successes: row[0].intValue, trials: row[1].intValue), row[2].doubleValue, relative: 1e-13)
        }
    }

    /// No clamp: an accuracy of 0 or 1 has no logit (it used to be clamped to ±13.8).
    func testPlainLogitHasNoClamp() {
        XCTAssertEqual(Statistics.logit(0), -.infinity)
        XCTAssertEqual(Statistics.logit(1), .infinity)
        assertClose(Statistics.sigmoid(Statistics.logit(0.37)), 0.37, relative: 1e-14)
    }

    /// The testbed-style baseline: the 0 % point is left out, the measured point enters with
    /// empirical logits; line and band equal numpy's and the replayed bootstrap.
    func testFitLeavesOutDegeneratePointsAndMatchesNumpy() throws {
        let points = Self.baseline("testbed")
        let expected = (Self.fixture["fits"] as! [String: Any])["testbed"] as! [String: Any]
        let fit = try XCTUnwrap(Probe.fit(baseline: points, sources: [], resamples: 300, seed: 3, bandGrid: Self.grid))
        assertClose(fit.slope, (expected["slope"] as! NSNumber).doubleValue, relative: 1e-12)
        assertClose(fit.intercept, (expected["intercept"] as! NSNumber).doubleValue, relative: 1e-12)
        XCTAssertEqual(fit.pointCount, (expected["point_count"] as! NSNumber).intValue)
        XCTAssertFalse(fit.points!.contains { $0.accuracy == 0 })
        let band = expected["band"] as! [[NSNumber]]
        XCTAssertEqual(fit.band.count, band.count)
        for (mine, theirs) in zip(fit.band, band) {
            XCTAssertEqual(mine.referenceAccuracy, theirs[0].doubleValue, accuracy: 1e-12)
            XCTAssertEqual(mine.fitted, theirs[1].doubleValue, accuracy: 1e-12)
            XCTAssertEqual(mine.lower, theirs[2].doubleValue, accuracy: 1e-10)
            XCTAssertEqual(mine.upper, theirs[3].doubleValue, accuracy: 1e-10)
        }
        let check = Probe.BaselineCheck(points)
        XCTAssertEqual(check.excluded.map(\.model), ["m7"])
        XCTAssertNil(check.limitation)
    }

    /// Two distinct points (one repeated): a line but no band, and the reason is stated.
    func testTwoDistinctPointsGiveALineWithoutBand() throws {
        let points = Self.baseline("two")
        let fit = try XCTUnwrap(Probe.fit(baseline: points, sources: [], resamples: 300, seed: 3, bandGrid: Self.grid))
        XCTAssertEqual(fit.band, [])
        XCTAssertEqual(Probe.BaselineCheck(points).limitation, .tooFewDistinctPoints)
        XCTAssertEqual(Probe.BaselineCheck(Array(points.prefix(1))).limitation, .tooFewBaselinePoints)
        XCTAssertEqual(Probe.BaselineCheck([points[1], points[2]]).limitation, .singleReferenceAccuracy)
        XCTAssertNil(Probe.fit(baseline: [points[1], points[2]], sources: [], seed: 1))
        let atFloor = Probe.BaselinePoint(model: "rn50", referenceAccuracy: 0.76, accuracy: 0)
        XCTAssertEqual(Probe.BaselineCheck([atFloor]).limitation, .noBaselinePoints)
    }

    /// Three distinct points: a band, from resamples that skip the single-x picks.
    func testThreeDistinctPointsGiveABandMatchingTheReplay() throws {
        let expected = (Self.fixture["fits"] as! [String: Any])["three"] as! [String: Any]
        let fit = try XCTUnwrap(Probe.fit(baseline: Self.baseline("three"), sources: [], resamples: 300, seed: 3, bandGrid: Self.grid))
        for (mine, theirs) in zip(fit.band, expected["band"] as! [[NSNumber]]) {
            XCTAssertEqual(mine.lower, theirs[2].doubleValue, accuracy: 1e-10)
            XCTAssertEqual(mine.upper, theirs[3].doubleValue, accuracy: 1e-10)
        }
        XCTAssertTrue(fit.band.contains { $0.upper - $0.lower > 0.01 })
    }

    /// A resample's correct count is drawn from Binomial(n, k/n) — what resampling n images with
    /// replacement gives; the table equals scipy.stats.binom.pmf.
    func testResampledCountIsTheBinomialDistribution() {
        for row in Self.fixture["binomial"] as! [[NSNumber]] {
            let k = row[0].intValue, n = row[1].intValue, j = row[2].intValue
            let table = ResampledCount(AccuracyCounts(correct: k, total: n))
            let i = j - table.lowest
            let pmf = i < 0 || i >= table.cumulative.count ? 0 : table.cumulative[i] - (i > 0 ? table.cumulative[i - 1] : 0)
            XCTAssertEqual(pmf, row[3].doubleValue, accuracy: 1e-12, "\(j) of \(n), p = \(k)/\(n)")
        }
        var generator = SplitMix64(seed: 3)
        XCTAssertEqual(ResampledCount(AccuracyCounts(correct: 0, total: 9)).draw(&generator), 0)
        XCTAssertEqual(ResampledCount(AccuracyCounts(correct: 9, total: 9)).draw(&generator), 9)
    }

    /// Every interval of the fixture: ER and relative accuracy, same draws as Python.
    func testIntervalsReplayThePythonBootstrap() throws {
        for case let row as [String: Any] in Self.fixture["intervals"] as! [Any] {
            let ref = row["reference"] as! [Int], shift = row["shift"] as! [Int]
            let baseline = (row["baseline"] as? String).map(Self.baseline)
            let result = Probe.interval(
                reference: .init(correct: ref[0], total: ref[1]), shift: .init(correct: shift[0], total: shift[1]), baseline: baseline,
                resamples: row["resamples"] as! Int, seed: UInt64(row["seed"] as! Int))
            let label = "\(ref) \(shift) \(row["baseline"] ?? "none")"
            /// The interval equals the fixture's pair, or both are absent.
            func check(_ interval: Interval?, _ key: String, accuracy: Double) {
                guard let pair = (row[key] as? [NSNumber])?.map(\.doubleValue) else { return XCTAssertNil(interval, "\(key) \(label)") }
                XCTAssertEqual(interval?.lower ?? .nan, pair[0], accuracy: accuracy, "\(key) \(label)")
                XCTAssertEqual(interval?.upper ?? .nan, pair[1], accuracy: accuracy, "\(key) \(label)")
            }
            check(result.effectiveRobustness, "er_ci", accuracy: 1e-10)
            check(result.relativeAccuracy, "ra_ci", accuracy: 1e-12)
            XCTAssertEqual(result.lineResamples, row["line_resamples"] as? Int, label)
            // The point estimate, with the candidate's counts.
            if let er = row["er"] as? NSNumber, let baseline {
                let fit = try XCTUnwrap(Probe.fit(baseline: baseline, sources: [], resamples: 10, seed: 1))
                let point = Probe.point(
                    domain: "s", referenceAccuracy: Double(ref[0]) / Double(ref[1]), accuracy: Double(shift[0]) / Double(shift[1]),
                    fit: fit, referenceCounts: .init(correct: ref[0], total: ref[1]))
                assertClose(point.effectiveRobustness, er.doubleValue, relative: 1e-10, label)
                if let ci = result.effectiveRobustness {
                    XCTAssertLessThan(ci.lower, er.doubleValue, label)
                    XCTAssertGreaterThan(ci.upper, er.doubleValue, label)
                }
            }
        }
    }

    /// The limitation travels with an interval that has no ER part.
    func testIntervalSaysWhyThereIsNoERInterval() {
        let two = Probe.interval(
            reference: .init(correct: 140, total: 200), shift: .init(correct: 95, total: 180), baseline: Self.baseline("two"),
            resamples: 50, seed: 1)
        XCTAssertNil(two.effectiveRobustness)
        XCTAssertEqual(two.limitation, .tooFewDistinctPoints)
        XCTAssertNotNil(two.relativeAccuracy)
        let none = Probe.interval(reference: .init(correct: 140, total: 200), shift: .init(correct: 95, total: 180), baseline: nil, resamples: 50, seed: 1)
        XCTAssertNil(none.limitation)
        XCTAssertNil(none.lineResamples)
    }

    /// The run's points carry the intervals of `interval(...)` with the seed derived from the
    /// domain's position, resampling the fit's own points; a shift without a fit says why.
    func testSuitePointsCarryTheirIntervals() throws {
        func zeroShot(_ correct: Int, _ n: Int) -> ProbeResults {
            let ci = Statistics.clopperPearson(successes: correct, trials: n)!
            return ProbeResults(zeroShot: ZeroShotResult(
                count: n, top1Correct: correct, top1: Double(correct) / Double(n), top1CI: ci, top5Correct: n, top5: 1, top5CI: ci, perClass: []))
        }
        let probes = [
            ModelDomainProbes(model: "m", domain: "r", results: zeroShot(140, 200)),
            ModelDomainProbes(model: "m", domain: "s", results: zeroShot(95, 180)),
            ModelDomainProbes(model: "m", domain: "u", results: zeroShot(60, 100)),
        ]
        let fit = try XCTUnwrap(Probe.fit(baseline: Self.baseline("three"), sources: [], resamples: 100, seed: 3))
        let robustness = ProbeSuite.effectiveRobustness(
            model: "m", referenceDomain: "r", probes: probes, baselines: ["s": fit], unfitted: ["u": []], intervalSeed: 99,
            intervalResamples: 200)
        XCTAssertEqual(robustness.points.map(\.domain), ["s", "u"])
        let expected = Probe.interval(
            reference: .init(correct: 140, total: 200), shift: .init(correct: 95, total: 180), baseline: fit.points, resamples: 200,
            seed: SplitMix64.derive(99, index: 1))
        XCTAssertNotNil(expected.effectiveRobustness)
        XCTAssertEqual(robustness.points[0].intervals, expected)
        let unfitted = try XCTUnwrap(robustness.points[1].intervals)
        XCTAssertNil(unfitted.effectiveRobustness)
        XCTAssertEqual(unfitted.limitation, .noBaselinePoints)
        XCTAssertEqual(unfitted.seed, SplitMix64.derive(99, index: 2))
        // Without a seed, no intervals (as before they existed).
        XCTAssertNil(ProbeSuite.effectiveRobustness(model: "m", referenceDomain: "r", probes: probes, baselines: ["s": fit]).points[0].intervals)
    }
}
