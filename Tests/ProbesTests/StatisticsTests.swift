@testable import Probes
@testable import Support
@testable import Tensor
import XCTest

final class StatisticsTests: XCTestCase {
    func testIncompleteBetaMatchesScipy() {
        for row in Fixture.object("betainc") as! [[NSNumber]] {
            let v = row.map(\.doubleValue)
            assertClose(Statistics.regularizedIncompleteBeta(v[0], v[1], v[2]), v[3], relative: 1e-10)
        }
    }

    func testClopperPearsonMatchesScipyBetaPPF() {
        for row in Fixture.object("clopper_pearson") as! [[NSNumber]] {
            let k = row[0].intValue, n = row[1].intValue
            let interval = Statistics.clopperPearson(successes: k, trials: n)!
            assertClose(interval.lower, row[2].doubleValue, relative: 1e-9, floor: 1e-15, "lower \(k)/\(n)")
            assertClose(interval.upper, row[3].doubleValue, relative: 1e-9, floor: 1e-15, "upper \(k)/\(n)")
        }
        XCTAssertNil(Statistics.clopperPearson(successes: 0, trials: 0))
    }

    func testInverseBetaInvertsForward() {
        for (a, b) in [(0.5, 0.5), (2.0, 3.0), (50.0, 2.0), (1.0, 1000.0)] {
            for p in [1e-6, 0.025, 0.5, 0.975, 1 - 1e-6] {
                let x = Statistics.inverseRegularizedIncompleteBeta(p, a, b)
                assertClose(Statistics.regularizedIncompleteBeta(x, a, b), p, relative: 1e-9, "a=\(a) b=\(b)")
            }
        }
    }

    func testSymmetricEigenvaluesMatchNumpy() throws {
        let matrix = try Fixture.matrix("symmetric.npy").converted(to: Double.self)
        let eigen = try SymmetricEigen(matrix)
        let expected = Fixture.doubles("eigenvalues")
        let scale = expected.map(abs).max()!
        for (a, b) in zip(eigen.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-11 * scale) }
        // A v = λ v and orthonormality.
        let n = matrix.rows
        for k in [0, 7, n - 1] {
            let v = eigen.vectors[k]
            for i in 0..<n {
                var av = 0.0
                for j in 0..<n { av += matrix[i, j] * v[j] }
                XCTAssertEqual(av, eigen.values[k] * v[i], accuracy: 1e-10 * scale)
            }
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
        }
        let valuesOnly = try SymmetricEigen(matrix, computeVectors: false)
        for (a, b) in zip(valuesOnly.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-11 * scale) }
    }

    func testPercentileIsNumpyLinear() {
        XCTAssertEqual(Statistics.percentile([1, 2, 3, 4], 50), 2.5)
        XCTAssertEqual(Statistics.percentile([5, 1, 3], 25), 2)
        XCTAssertEqual(Statistics.percentile([7], 97.5), 7)
        XCTAssertNil(Statistics.percentile([], 50))
    }

    /// Selection finds the same two order statistics a sort does, so every percentile is the
    /// sorted array's, bit for bit: sizes around the pivot rule, many ties, sorted, reversed
    /// and constant inputs, and a NaN (which falls back to the sort).
    func testPercentileBySelectionEqualsPercentileOfSorted() {
        var generator = SplitMix64(seed: 31)
        var inputs: [[Double]] = (1...40).map { n in (0..<n).map { _ in Double(generator.index(below: 5)) - 2 } }
        inputs += (0..<5).map { _ in (0..<1001).map { _ in generator.unit() } }
        inputs += [Array(0..<2000).map(Double.init), Array(0..<2000).reversed().map(Double.init), [Double](repeating: 3, count: 500)]
        inputs += [[1, .nan, 0.5]]
        for values in inputs {
            for q in [0, 2.5, 25, 50, 95, 97.5, 100] {
                let expected = Statistics.percentile(sorted: values.sorted(), q)
                let found = Statistics.percentile(values, q)!
                XCTAssertTrue(found == expected || (found.isNaN && expected.isNaN), "q = \(q), \(values.count) values: \(found) vs \(expected)")
            }
        }
    }

    func testRocAUCCountsTiesAsHalf() {
        XCTAssertEqual(Statistics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]), 0.75)
        XCTAssertEqual(Statistics.rocAUC(scores: [1, 1, 1, 1], positives: [false, true, false, true]), 0.5)
        XCTAssertNil(Statistics.rocAUC(scores: [1, 2], positives: [true, true]))
    }

    func testSplitMix64KnownStreamAndDeterminism() {
        // The widely quoted first outputs of SplitMix64 for seed 1234567 (re-checked with a Python transcription).
        var generator = SplitMix64(seed: 1_234_567)
        XCTAssertEqual(generator.next(), 6_457_827_717_110_365_317)
        XCTAssertEqual(generator.next(), 3_203_168_211_198_807_973)
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        XCTAssertEqual(a.permutation(50), b.permutation(50))
        XCTAssertEqual(Set(a.permutation(50)), Set(0..<50))
        XCTAssertNotEqual(SplitMix64.derive(1, stream: .bootstrap), SplitMix64.derive(1, stream: .distance))
    }

    func testBootstrapIsDeterministicAndBracketsTheEstimate() {
        let a = (0..<300).map { Double($0 % 10 < 8 ? 1 : 0) }
        let b = (0..<250).map { Double($0 % 10 < 6 ? 1 : 0) }
        let first = Statistics.bootstrapDifferenceOfMeans(a, b, resamples: 500, seed: 42)!
        let second = Statistics.bootstrapDifferenceOfMeans(a, b, resamples: 500, seed: 42)!
        XCTAssertEqual(first, second)
        assertClose(first.difference, 0.6 - 0.8, relative: 1e-12)
        XCTAssertLessThan(first.ci.lower, first.difference)
        XCTAssertGreaterThan(first.ci.upper, first.difference)
        XCTAssertLessThan(first.ci.upper, 0)  // 20 points apart on ~300 images: clearly negative.
        // Normal approximation of the standard error: the 95 % half-width is ≈ 1.96·0.0377.
        XCTAssertEqual((first.ci.upper - first.ci.lower) / 2, 1.96 * (0.8 * 0.2 / 300 + 0.6 * 0.4 / 250).squareRoot(), accuracy: 0.015)
        XCTAssertNotEqual(Statistics.bootstrapDifferenceOfMeans(a, b, resamples: 500, seed: 43)!.ci, first.ci)
        // Counting the drawn ones gives the interval that adding the drawn outcomes gives.
        var generator = SplitMix64(seed: 42)
        var differences = [Double]()
        for _ in 0..<500 {
            var sumA = 0.0, sumB = 0.0
            for _ in 0..<a.count { sumA += a[generator.index(below: a.count)] }
            for _ in 0..<b.count { sumB += b[generator.index(below: b.count)] }
            differences.append(sumB / Double(b.count) - sumA / Double(a.count))
        }
        differences.sort()
        XCTAssertEqual(first.ci.lower, Statistics.percentile(sorted: differences, 2.5))
        XCTAssertEqual(first.ci.upper, Statistics.percentile(sorted: differences, 97.5))
    }

    /// Equal x values whose rounded mean differs from them have no line (Sxx > 0 by rounding
    /// used to give a steep, meaningless one).
    func testLeastSquaresNeedsTwoDistinctX() {
        XCTAssertNil(Statistics.leastSquaresLine(x: [0.1, 0.1, 0.1], y: [1, 2, 3]))
        XCTAssertNotNil(Statistics.leastSquaresLine(x: [0.1, 0.1, 0.2], y: [1, 2, 3]))
    }

    func testSigmoidSaturatesWithoutOverflow() {
        XCTAssertEqual(Statistics.sigmoid(-1000), 0)
        XCTAssertEqual(Statistics.sigmoid(1000), 1)
    }

    /// L-BFGS's fused pass (`axpyThenDot`) gives, bit for bit, `axpy` followed by `dot`, on
    /// lengths around the eight-lane width.
    func testAxpyThenDotEqualsTheTwoCalls() {
        var generator = SplitMix64(seed: 37)
        for count in [1, 7, 8, 9, 16, 23, 1001] {
            let x = (0..<count).map { _ in generator.unit() - 0.5 }, z = (0..<count).map { _ in generator.unit() * 3 - 1 }
            let start = (0..<count).map { _ in generator.unit() * 1e3 }
            let alpha = generator.unit() - 0.3
            var separate = start
            LBFGS.axpy(alpha, x, &separate)
            let expected = LBFGS.dot(z, separate)
            var fused = start
            XCTAssertEqual(LBFGS.axpyThenDot(alpha, x, &fused, z), expected, "\(count)")
            XCTAssertEqual(fused, separate, "\(count)")
        }
    }

    /// Kurtosis of eight rows at a time (one vector lane each) equals the one-row function bit
    /// for bit, constant rows (nil) and a remainder of rows included.
    func testKurtosisOfRowsEqualsKurtosisOfEachRow() {
        var generator = SplitMix64(seed: 41)
        for columns in [1, 2, 3, 17, 768] {
            for rows in [1, 7, 8, 9, 21] {
                var values = (0..<(rows * columns)).map { _ in Float(generator.unit() * 4 - 1) }
                if rows > 3 { for j in 0..<columns { values[3 * columns + j] = 2.5 } }
                let found = values.withUnsafeBufferPointer { Statistics.pearsonKurtosisOfRows($0.baseAddress!, rows: rows, columns: columns) }
                let expected = (0..<rows).map { i in Statistics.pearsonKurtosis(values[(i * columns)..<((i + 1) * columns)]) }
                XCTAssertEqual(found, expected, "\(rows) × \(columns)")
            }
        }
    }
}
