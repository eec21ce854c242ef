import XCTest
@testable import Probes
@testable import Results

final class VerdictTests: XCTestCase {
    func distance(auc: Double) -> DistanceResult {
        DistanceResult(frechet: 1, mmd2: 0.1, mmdBandwidth: 1, mmdPValue: 0.01, mmdPermutations: 200, mmdSampleSize: 100,
                       frechetSampleSize: 100, auc: auc, aucFolds: 5, aucSampleSize: 200, seed: 0)
    }

    /// An unlabelled reference gives no ATC estimate; an unlabelled shift that a classifier tells
    /// from the reference at AUC 0.95 still gets its watch.
    func testStrongUnlabelledShiftWithoutATC() {
        let criteria = Criteria(minAccuracy: 0.8)
        let strong = Verdict.shift(model: "m", domain: "u", isReference: false, probes: ProbeResults(distance: distance(auc: 0.95)),
                                   referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertEqual(strong.status, .watch)
        XCTAssertEqual(strong.reasons.map(\.code.rawValue), ["strong_unlabelled_shift", "no_criterion_evaluated"])
        let withATC = Verdict.shift(model: "m", domain: "u", isReference: false,
                                    probes: ProbeResults(atc: ATCResult(threshold: 0.5, estimate: 0.9), distance: distance(auc: 0.95)),
                                    referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertEqual(withATC.reasons.map(\.code.rawValue), ["strong_unlabelled_shift"])
        let weak = Verdict.shift(model: "m", domain: "u", isReference: false, probes: ProbeResults(distance: distance(auc: 0.6)),
                                 referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertFalse(weak.reasons.contains { $0.code == .strongUnlabelledShift })
        XCTAssertEqual(weak.status, .notAssessed)
    }

    func labelled(top1 correct: Int, of n: Int) -> ProbeResults { .labelled(top1: correct, of: n) }

    /// Issue #13 item 2: a domain where nothing could be checked is `not_assessed`, and a model
    /// is never `pass` while one of its domains is.
    func testNoEvidenceIsNotAPass() {
        let criteria = Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.1, minEffectiveRobustness: -0.05)
        let reference = Verdict.shift(model: "m", domain: "r", isReference: true, probes: ProbeResults(),
                                      referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertEqual(reference.status, .notAssessed)
        XCTAssertEqual(reference.reasons.map(\.code.rawValue), ["no_criterion_evaluated"])
        let unlabelledShift = Verdict.shift(model: "m", domain: "u", isReference: false, probes: ProbeResults(),
                                            referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertEqual(unlabelledShift.status, .notAssessed)
        XCTAssertEqual(Verdict.model("m", shifts: [reference, unlabelledShift]).status, .notAssessed)

        let labelledShift = Verdict.shift(model: "m", domain: "s", isReference: false, probes: labelled(top1: 900, of: 1000),
                                          referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertEqual(labelledShift.status, .pass)
        let model = Verdict.model("m", shifts: [reference, labelledShift])
        XCTAssertEqual(model.status, .notAssessed)
        XCTAssertEqual(model.reasons.map(\.code.rawValue), ["no_criterion_evaluated"])
        XCTAssertEqual(model.reasons[0].domain, "r")

        // Watch and fail outrank missing evidence; a model with no verdict at all has no evidence.
        let low = Verdict.shift(model: "m", domain: "s", isReference: false, probes: labelled(top1: 500, of: 1000),
                                referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertEqual(Verdict.model("m", shifts: [reference, low]).status, .fail)
        XCTAssertEqual(Verdict.model("m", shifts: []).status, .notAssessed)
        XCTAssertEqual(VerdictStatus.allCases.sorted(), [.pass, .notAssessed, .watch, .fail])
    }

    func point(er: Double?, interval: Interval?, limitation: BaselineLimitation? = nil) -> RobustnessPoint {
        RobustnessPoint(
            domain: "s", referenceAccuracy: 0.9, accuracy: 0.7, relativeAccuracy: 0.7 / 0.9, drop: 0.2, effectiveRobustness: er,
            intervals: CandidateInterval(effectiveRobustness: interval, relativeAccuracy: nil, resamples: 1000, lineResamples: 1000,
                                         seed: 1, limitation: limitation))
    }

    /// Issue #13 item 1: `below_baseline_trend` fires only when the whole 95 % interval of ER lies
    /// below `min_effective_robustness`; an ER without an interval judges nothing.
    func testBelowBaselineTrendJudgesTheInterval() {
        func verdict(_ point: RobustnessPoint, _ criteria: Criteria = Criteria(minEffectiveRobustness: -0.05)) -> ShiftVerdict {
            Verdict.shift(model: "m", domain: "s", isReference: false, probes: labelled(top1: 700, of: 1000),
                          referenceAccuracy: 0.9, robustness: point, criteria: criteria)
        }
        let clearly = verdict(point(er: -0.08, interval: Interval(lower: -0.12, upper: -0.06)))
        XCTAssertEqual(clearly.status, .watch)
        XCTAssertEqual(clearly.reasons.map(\.code.rawValue), ["below_baseline_trend"])
        XCTAssertEqual(clearly.reasons[0].value, -0.08)
        XCTAssertEqual(clearly.reasons[0].limit, -0.05)
        // The same estimate with an interval reaching above the margin: checked, and passes.
        let uncertain = verdict(point(er: -0.08, interval: Interval(lower: -0.15, upper: -0.01)))
        XCTAssertEqual(uncertain.status, .pass)
        XCTAssertEqual(uncertain.reasons.map(\.code.rawValue), ["criteria_met"])
        // The margin is the pilot's.
        XCTAssertEqual(verdict(point(er: -0.08, interval: Interval(lower: -0.12, upper: -0.06)), Criteria(minEffectiveRobustness: -0.1)).status, .pass)
        // No interval (fewer than 3 distinct baseline points): no judgement, and nothing else was checked.
        let noInterval = verdict(point(er: -0.3, interval: nil, limitation: .tooFewDistinctPoints))
        XCTAssertEqual(noInterval.status, .notAssessed)
        XCTAssertEqual(noInterval.reasons.map(\.code.rawValue), ["no_criterion_evaluated"])
    }
}
