import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Support
@testable import Tensor

/// The linear probe at 1,000 classes against scikit-learn's full λ path
/// (Fixtures/linear_probe_1000.json, made by make_linear_probe_1000.py): a problem large enough
/// for the fp32 products, their stopping rule and the λ search on a subset of 100 classes.
final class LinearProbeBenchmarkTests: XCTestCase {
    static func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("linear_probe_1000.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The script's seeded reference, draw for draw: class means uniform in [−½, ½)^d, image i of
    /// class i % classes = signal · mean + uniform noise in [−½, ½)^d, outlier dimensions scaled.
    static func reference(_ fixture: [String: Any]) throws -> (Matrix<Float>, [Int]) {
        let classes = try XCTUnwrap(fixture["classes"] as? Int), perClass = try XCTUnwrap(fixture["per_class"] as? Int)
        let d = try XCTUnwrap(fixture["dimensions"] as? Int), signal = try XCTUnwrap(fixture["signal"] as? Double)
        let outliers = try XCTUnwrap(fixture["outliers"] as? [Int]), scale = try XCTUnwrap(fixture["outlier_scale"] as? Double)
        var generator = SplitMix64(seed: UInt64(try XCTUnwrap(fixture["data_seed"] as? Int)))
        let means = (0..<(classes * d)).map { _ in generator.unit() - 0.5 }
        let n = classes * perClass
        let labels = (0..<n).map { $0 % classes }
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            var row = (0..<d).map { j in signal * means[labels[i] * d + j] + (generator.unit() - 0.5) }
            for j in outliers { row[j] *= scale }
            for j in 0..<d { x[i * d + j] = Float(row[j]) }
        }
        return (Matrix(unchecked: n, d, x), labels)
    }

    /// Mean cross-entropy + λ/2 |W|² of `model` on `rows` of the L2-normalised reference, in fp64.
    static func objective(_ model: LogisticRegression, features: Matrix<Double>, labels: [Int], l2: Double) -> Double {
        let z = model.decisionFunction(features)
        let k = z.columns
        var loss = 0.0
        for i in 0..<z.rows {
            let row = Array(z.values[(i * k)..<((i + 1) * k)])
            let top = row.max()!
            loss += top + log(row.reduce(0) { $0 + exp($1 - top) }) - row[labels[i]]
        }
        return loss / Double(z.rows) + 0.5 * l2 * model.weights.values.reduce(0) { $0 + $1 * $1 }
    }

    func testThousandClassProbeMatchesSklearnFullPath() throws {
        let fixture = try Self.fixture()
        let (reference, labels) = try Self.reference(fixture)
        let firstRow = try XCTUnwrap(fixture["first_row"] as? [Double])
        for j in 0..<firstRow.count { XCTAssertEqual(Double(reference.values[j]), firstRow[j], accuracy: 1e-6) }
        let classes = try XCTUnwrap(fixture["classes"] as? Int)
        let seed = UInt64(try XCTUnwrap(fixture["split_seed"] as? Int))
        let options = LinearProbeOptions()
        let fitted = try XCTUnwrap(LinearProbe.fit(reference: reference, labels: labels, classCount: classes, options: options, seed: seed))
        XCTAssertTrue(fitted.singlePrecision, "the fixture is meant to exercise the fp32 fit")
        XCTAssertEqual(fitted.searchClasses, 100)
        XCTAssertEqual(fitted.trainCount, try XCTUnwrap(fixture["train_count"] as? Int))
        XCTAssertEqual(fitted.l2, try XCTUnwrap(fixture["l2"] as? Double))
        XCTAssertTrue(fitted.model.converged)
        let test = fitted.testRows
        XCTAssertEqual(test.count, try XCTUnwrap(fixture["test_count"] as? Int))
        let result = try XCTUnwrap(LinearProbe.result(
            fitted, embeddings: reference.selectingRows(test), labels: test.map { labels[$0] }))
        XCTAssertEqual(result.searchClasses, 100)
        XCTAssertEqual(result.accuracy, try XCTUnwrap(fixture["test_accuracy"] as? Double), accuracy: 0.005)
        // The objective at the chosen λ: scikit-learn's (tol = 1e-8) is the optimum, so ours is at
        // least that up to rounding, and the stopping rule leaves it within 5 × 10⁻⁴ relative.
        let split = LinearProbe.split(labels: labels, classCount: classes, options: options, seed: seed)
        let features = reference.converted(to: Double.self).rowNormalized().selectingRows(split.train)
        let ours = Self.objective(fitted.model, features: features, labels: split.train.map { labels[$0] }, l2: fitted.l2)
        let sklearn = try XCTUnwrap(fixture["objective"] as? Double)
        XCTAssertGreaterThan(ours, sklearn * (1 - 1e-6))
        XCTAssertLessThan(ours, sklearn * (1 + 5e-4))
    }
}
