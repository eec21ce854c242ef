import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Tensor

/// The few-shot learning curve against Fixtures/few_shot.json (make_few_shot_fixtures.py: the
/// same SplitMix64 draws, scikit-learn fits, scipy's beta quantiles).
final class FewShotTests: XCTestCase {
    static func cases() throws -> [[String: Any]] {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("few_shot.json"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try XCTUnwrap(object["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        return cases
    }

    static func zeroShotCorrect(_ embeddings: Matrix<Float>, head: Matrix<Float>, labels: [Int]) throws -> [Bool] {
        let scores = try ZeroShot.scores(embeddings: embeddings, head: head, labels: labels)
        return ZeroShot.outcomes(scores, labels: labels).map { $0 == 1 }
    }

    func testCurveMatchesSklearnOnTheSameDraws() throws {
        let head = try Fixture.matrix("head.npy")
        for item in try Self.cases() {
            let name = try XCTUnwrap(item["name"] as? String), domain = try XCTUnwrap(item["domain"] as? String)
            let embeddings = try Fixture.matrix("\(domain).npy"), labels = try Fixture.labels("\(domain)_labels.txt")
            var options = FewShotOptions()
            options.draws = try XCTUnwrap(item["draws"] as? Int)
            options.maxShots = try XCTUnwrap(item["max_shots"] as? Int)
            options.l2 = try XCTUnwrap(item["l2"] as? Double)
            options.sampleClasses = item["max_classes"] as? Int
            let seed = UInt64(try XCTUnwrap(item["seed"] as? Int))
            let (curve, note) = try FewShot.curve(
                embeddings: embeddings, labels: labels, zeroShotCorrect: Self.zeroShotCorrect(embeddings, head: head, labels: labels),
                options: options, seed: seed)
            XCTAssertNil(note)
            let result = try XCTUnwrap(curve, name)
            XCTAssertEqual(result.classes, item["classes"] as? Int, name)
            XCTAssertEqual(result.minImagesPerClass, item["min_images_per_class"] as? Int, name)
            let points = try XCTUnwrap(item["points"] as? [[String: Any]])
            XCTAssertEqual(result.points.map(\.shots), points.map { $0["shots"] as! Int }, name)
            for (point, expected) in zip(result.points, points) {
                let context = "\(name) k = \(point.shots)"
                XCTAssertEqual(point.trainCount, expected["train_count"] as? Int, context)
                XCTAssertEqual(point.testCount, expected["test_count"] as? Int, context)
                // Every draw's correct count as scikit-learn's, so the mean and extremes are exact.
                XCTAssertEqual(point.accuracy, try XCTUnwrap(expected["accuracy"] as? Double), accuracy: 1e-12, context)
                XCTAssertEqual(point.minAccuracy, try XCTUnwrap(expected["min_accuracy"] as? Double), accuracy: 1e-12, context)
                XCTAssertEqual(point.maxAccuracy, try XCTUnwrap(expected["max_accuracy"] as? Double), accuracy: 1e-12, context)
                XCTAssertEqual(point.zeroShotAccuracy, try XCTUnwrap(expected["zero_shot_accuracy"] as? Double), accuracy: 1e-12, context)
                let ci = try XCTUnwrap(expected["ci"] as? [Double])
                assertClose(point.ci.lower, ci[0], relative: 1e-9, context)
                assertClose(point.ci.upper, ci[1], relative: 1e-9, context)
            }
        }
    }

    func testShotsStopWhereAClassWouldHaveNoTestImage() {
        XCTAssertEqual(FewShot.shots(minImagesPerClass: 17, maxShots: 16), [1, 2, 4, 8, 16])
        XCTAssertEqual(FewShot.shots(minImagesPerClass: 16, maxShots: 16), [1, 2, 4, 8])
        XCTAssertEqual(FewShot.shots(minImagesPerClass: 40, maxShots: 10), [1, 2, 4, 8])
        XCTAssertEqual(FewShot.shots(minImagesPerClass: 1, maxShots: 16), [])
    }

    func testTooFewImagesGiveANoteInsteadOfACurve() throws {
        let embeddings = try Matrix<Float>(rows: 5, columns: 2, values: [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, 0.5, 0.5])
        let (curve, note) = try FewShot.curve(
            embeddings: embeddings, labels: [0, 0, 1, 1, 2], zeroShotCorrect: [Bool](repeating: true, count: 5),
            options: FewShotOptions(), seed: 1)
        XCTAssertNil(curve)
        XCTAssertEqual(note, ProbeNote(.fewShotTooFew, count: 1))
    }

    func testMoreClassesThanTheLimitGiveANote() throws {
        let embeddings = try Fixture.matrix("reference.npy"), labels = try Fixture.labels("reference_labels.txt")
        var options = FewShotOptions()
        options.maxClasses = 7
        let (curve, note) = try FewShot.curve(
            embeddings: embeddings, labels: labels, zeroShotCorrect: [Bool](repeating: false, count: labels.count), options: options, seed: 1)
        XCTAssertNil(curve)
        XCTAssertEqual(note, ProbeNote(.fewShotTooManyClasses, count: 8))
    }

    func testAssessFindsTheFirstShotReachingTheCriterion() {
        let point = { (k: Int, accuracy: Double) in
            FewShotPoint(shots: k, trainCount: k, testCount: 10, accuracy: accuracy, ci: Interval(lower: 0, upper: 1),
                         minAccuracy: accuracy, maxAccuracy: accuracy, zeroShotAccuracy: 0.4)
        }
        var result = FewShotResult(draws: 5, l2: 1e-3, seed: 0, classes: 2, minImagesPerClass: 20,
                                   points: [point(1, 0.5), point(2, 0.7), point(4, 0.82), point(8, 0.9)])
        FewShot.assess(&result, minAccuracy: 0.8)
        XCTAssertEqual(result.code, .reachesMinAccuracy)
        XCTAssertEqual(result.shotsReaching, 4)
        FewShot.assess(&result, minAccuracy: 0.95)
        XCTAssertEqual(result.code, .shortOfMinAccuracy)
        XCTAssertNil(result.shotsReaching)
        XCTAssertEqual(result.threshold, 0.95)
    }
}
