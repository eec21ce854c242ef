import XCTest
@testable import Probes
import Results

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
        XCTAssertEqual(strong.reasons.map(\.code), ["strong_unlabelled_shift"])
        let withATC = Verdict.shift(model: "m", domain: "u", isReference: false,
                                    probes: ProbeResults(atc: ATCResult(threshold: 0.5, estimate: 0.9), distance: distance(auc: 0.95)),
                                    referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        XCTAssertEqual(withATC.reasons.map(\.code), ["strong_unlabelled_shift"])
        let weak = Verdict.shift(model: "m", domain: "u", isReference: false, probes: ProbeResults(distance: distance(auc: 0.6)),
                                 referenceAccuracy: nil, robustness: nil, criteria: criteria)
        XCTAssertFalse(weak.reasons.contains { $0.code == "strong_unlabelled_shift" })
    }
}
