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
}
