import Foundation
import XCTest
@testable import Probes
@testable import Results

/// ObjectNet's scoring rule (a prediction is correct when it is any class of the label's group)
/// in every probe that counts correct predictions, against numpy (robustness.json, grouped_scoring).
final class ClassGroupTests: XCTestCase {
    var expected: [String: Any] { EffectiveRobustnessTests.fixture["grouped_scoring"] as! [String: Any] }
    var groups: [Int] { expected["groups"] as! [Int] }
    var labels: [Int] { expected["labels"] as! [Int] }

    func testZeroShotCountsAnyClassOfTheGroup() throws {
        let head = try Fixture.matrix("head.npy"), shift = try Fixture.matrix("shift.npy")
        let scores = try ZeroShot.scores(embeddings: shift, head: head, labels: labels, groups: groups)
        XCTAssertEqual(scores.labelRanks, expected["ranks"] as? [Int])
        let grouped = try XCTUnwrap(ZeroShot.result(scores: scores, labels: labels, classCount: head.rows, groups: groups))
        XCTAssertEqual(grouped.top1Correct, expected["top1_correct"] as? Int)
        XCTAssertEqual(grouped.top5Correct, expected["top5_correct"] as? Int)
        let exact = try XCTUnwrap(ZeroShot.result(
            scores: try ZeroShot.scores(embeddings: shift, head: head, labels: labels), labels: labels, classCount: head.rows))
        XCTAssertEqual(exact.top1Correct, expected["exact_top1_correct"] as? Int)
        XCTAssertGreaterThan(grouped.top1Correct, exact.top1Correct)
        XCTAssertThrowsError(try ZeroShot.scores(embeddings: shift, head: head, labels: labels, groups: [0, 1]))
    }

    /// The suite: zero-shot, the pruning curves at 0 % pruned, the bootstrap and the linear
    /// probe all use the group rule on the grouped domain, and only there.
    func testSuiteScoresTheGroupedDomainByGroup() throws {
        let head = try Fixture.matrix("head.npy")
        let reference = DomainEmbeddings(name: "reference", embeddings: try Fixture.matrix("reference.npy"), labels: try Fixture.labels("reference_labels.txt"))
        let objectNet = DomainEmbeddings(name: "objectnet", embeddings: try Fixture.matrix("shift.npy"), labels: labels, classGroups: groups)
        let plain = DomainEmbeddings(name: "plain", embeddings: objectNet.embeddings, labels: labels)
        var options = ProbeOptions()
        options.runDistance = false
        options.bootstrapResamples = 50
        let results = try ProbeSuite.run(model: "m", head: head, reference: reference, shifts: [objectNet, plain], options: options)
        let grouped = try XCTUnwrap(results[1].results.zeroShot), exact = try XCTUnwrap(results[2].results.zeroShot)
        XCTAssertEqual(grouped.top1Correct, expected["top1_correct"] as? Int)
        XCTAssertEqual(exact.top1Correct, expected["exact_top1_correct"] as? Int)
        let curve = try XCTUnwrap(results[1].results.directions?.coordinateCurve.first { $0.prunedFraction == 0 })
        XCTAssertEqual(curve.accuracy, grouped.top1, accuracy: 1e-12)
        let difference = try XCTUnwrap(grouped.differenceFromReference)
        XCTAssertEqual(difference.difference, grouped.top1 - results[0].results.zeroShot!.top1, accuracy: 1e-12)
        // The linear probe predicts classes of the head: any class of the group counts on the grouped domain.
        let probeGrouped = try XCTUnwrap(results[1].results.linearProbe), probeExact = try XCTUnwrap(results[2].results.linearProbe)
        XCTAssertGreaterThanOrEqual(probeGrouped.accuracy, probeExact.accuracy)
    }
}
