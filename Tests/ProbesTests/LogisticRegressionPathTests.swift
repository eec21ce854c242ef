import Foundation
import XCTest
@testable import Probes
@testable import Support
@testable import Tensor

/// L-BFGS's initial inverse Hessian in `LogisticRegression.Path` (`CurvatureModel`): it must be
/// the inverse of the curvature model the documentation states, or the fits only get slower.
final class LogisticRegressionPathTests: XCTestCase {
    /// Four classes with 3, 5, 2 and 20 rows in 6 dimensions: the first three keep their own rows'
    /// curvature (at most `ownRowsLimit` rows), the last the Kronecker model. `apply` inverts,
    /// per class, `diag(a'_c e_j + λ, a'_c) + (1/n) Σ_own w_i x̂_i x̂_iᵀ` built here from the
    /// probabilities at a random point.
    func testCurvatureModelInvertsTheStatedMatrix() throws {
        let counts = [3, 5, 2, 20], d = 6, k = counts.count, lambda = 1e-3
        XCTAssertLessThan(counts.dropLast().max()!, LogisticRegression.Path.ownRowsLimit)
        XCTAssertGreaterThan(counts.last!, LogisticRegression.Path.ownRowsLimit)
        var generator = SplitMix64(seed: 7)
        let labels = counts.enumerated().flatMap { c, m in [Int](repeating: c, count: m) }
        let n = labels.count
        let features = Matrix(unchecked: n, d, (0..<(n * d)).map { t in generator.unit() - 0.5 + (t % d == labels[t / d] ? 1 : 0) })
        let path = try LogisticRegression.Path(features: features, labels: labels, classCount: k, singlePrecision: false)
        let point = LogisticRegression(
            weights: Matrix(unchecked: k, d, (0..<(k * d)).map { _ in 4 * generator.unit() - 2 }),
            intercepts: (0..<k).map { _ in generator.unit() - 0.5 }, classCount: k, iterations: 0, converged: false)
        path.start(from: point)
        _ = path.fit(l2: lambda, tolerance: 0, maxIterations: 0)  // evaluates the objective at `point` only
        let model = LogisticRegression.Path.CurvatureModel(path: path, lambda: lambda)

        let z = point.decisionFunction(features)
        var a = [Double](repeating: 0, count: k), w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let top = (0..<k).map { z[i, $0] }.max()!
            let sum = (0..<k).reduce(0.0) { $0 + exp(z[i, $1] - top) }
            for c in 0..<k {
                let p = exp(z[i, c] - top) / sum
                a[c] += p * (1 - p) / Double(n)
                if c == labels[i] { w[i] = p * (1 - p) }
            }
        }
        let e = path.axes.eigenvalues, x = path.axes.rotated
        let q = (0..<(k * (d + 1))).map { _ in generator.unit() - 0.5 }
        var product = [Double](repeating: 0, count: q.count)
        for c in 0..<k {
            let own = labels.indices.filter { labels[$0] == c && counts[c] <= LogisticRegression.Path.ownRowsLimit }
            let rest = max(a[c] - own.reduce(0.0) { $0 + w[$1] } / Double(n), 0)
            var matrix = [[Double]](repeating: [Double](repeating: 0, count: d + 1), count: d + 1)
            for j in 0..<d { matrix[j][j] = rest * e[j] + lambda }
            matrix[d][d] = max(rest, 1e-8)
            for i in own {
                let row = (0..<d).map { x[i, $0] } + [1]
                for r in 0...d { for s in 0...d { matrix[r][s] += w[i] / Double(n) * row[r] * row[s] } }
            }
            let vector = (0..<d).map { q[c * d + $0] } + [q[k * d + c]]
            for r in 0...d {
                let value = (0...d).reduce(0.0) { $0 + matrix[r][$1] * vector[$1] }
                if r < d { product[c * d + r] = value } else { product[k * d + c] = value }
            }
        }
        let recovered = model.apply(product)
        for t in q.indices { XCTAssertEqual(recovered[t], q[t], accuracy: 1e-9) }
        XCTAssertEqual(LBFGS.dot(product, recovered), LBFGS.dot(product, q), accuracy: 1e-12)
    }

    /// The refit from the subset's start with classes that have no training rows (the head has
    /// more classes than the reference shows): it converges, never predicts those classes, and
    /// ends where the same fit from zeros ends.
    func testRefitStartWithClassesWithoutRows() throws {
        let present = 140, classCount = 150, perClass = 6, d = 16
        var generator = SplitMix64(seed: 11)
        let means = (0..<(present * d)).map { _ in generator.unit() - 0.5 }
        let labels = (0..<(present * perClass)).map { $0 % present }
        let values = labels.flatMap { label in (0..<d).map { j in Float(2 * means[label * d + j] + generator.unit() - 0.5) } }
        let reference = Matrix(unchecked: labels.count, d, values)
        let options = LinearProbeOptions()
        let fitted = try XCTUnwrap(LinearProbe.fit(reference: reference, labels: labels, classCount: classCount, options: options, seed: 3))
        XCTAssertEqual(fitted.searchClasses, 100)
        XCTAssertFalse(fitted.singlePrecision)
        XCTAssertTrue(fitted.model.converged)
        XCTAssertTrue(fitted.model.weights.values.allSatisfy(\.isFinite) && fitted.model.intercepts.allSatisfy(\.isFinite))
        let features = reference.converted(to: Double.self).rowNormalized()
        let predictions = fitted.model.predict(features)
        XCTAssertTrue(predictions.allSatisfy { $0 < present })
        let split = LinearProbe.split(labels: labels, classCount: classCount, options: options, seed: 3)
        let zeros = try LogisticRegression.Path(
            features: features.selectingRows(split.train), labels: split.train.map { labels[$0] }, classCount: classCount,
            singlePrecision: false)
            .fit(l2: fitted.l2, tolerance: 1e-7, maxIterations: options.maxIterations)
        XCTAssertTrue(zeros.converged)
        let scale = zeros.weights.values.map(abs).max()!
        for (a, b) in zip(fitted.model.weights.values, zeros.weights.values) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale) }
        let agree = zip(predictions, zeros.predict(features)).filter { $0 == $1 }.count
        XCTAssertEqual(agree, labels.count)
    }
}
