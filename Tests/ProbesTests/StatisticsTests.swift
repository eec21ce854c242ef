import XCTest
@testable import Probes
import Support

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

    func testLogitClampsAndSigmoidInverts() {
        XCTAssertTrue(Statistics.logit(0).isFinite)
        XCTAssertTrue(Statistics.logit(1).isFinite)
        assertClose(Statistics.sigmoid(Statistics.logit(0.37)), 0.37, relative: 1e-14)
        XCTAssertEqual(Statistics.sigmoid(-1000), 0)
        XCTAssertEqual(Statistics.sigmoid(1000), 1)
    }

    /// The one-pass vector argmax equals numpy's rule (the first index of the maximum) for
    /// every length around the 16-lane width, with many ties and the maximum anywhere.
    func testArgmaxReturnsTheFirstMaximum() {
        var generator = SplitMix64(seed: 77)
        for count in 1...70 {
            for _ in 0..<40 {
                // Few distinct values, so ties between lanes, within a lane and in the tail abound.
                let values = (0..<count).map { _ in Float(generator.index(below: 4)) - 2 }
                let expected = values.firstIndex(of: values.max()!)!
                let found = values.withUnsafeBufferPointer { LinearAlgebra.argmax($0.baseAddress!, count: count) }
                XCTAssertEqual(found, expected, "\(values)")
            }
        }
    }

    /// Every product path (fp32 kernels, fp64 blocked loop and register-blocked GEMM, dot
    /// products, symmetric Gram) against a plain triple loop on odd sizes — depths above and
    /// below `DoubleGEMM.depthBlock`, partial 6 × 16 tiles.
    func testProductPathsAgreeWithPlainLoops() throws {
        var generator = SplitMix64(seed: 5)
        for (m, k, n) in [(1, 1, 1), (7, 33, 5), (33, 7, 257), (70, 130, 90), (13, 401, 37), (403, 45, 20)] {
            let a = try Matrix<Double>(rows: m, columns: k, values: (0..<(m * k)).map { _ in generator.unit() - 0.5 })
            let b = try Matrix<Double>(rows: k, columns: n, values: (0..<(k * n)).map { _ in generator.unit() - 0.5 })
            var expected = [Double](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += a[i, p] * b[p, j] } } }
            let double = a.multiplied(by: b)
            let viaTranspose = a.multiplied(byTransposeOf: b.transposed())
            let single = a.converted(to: Float.self).multiplied(by: b.converted(to: Float.self))
            let singleT = a.converted(to: Float.self).multiplied(byTransposeOf: b.transposed().converted(to: Float.self))
            for t in 0..<(m * n) {
                XCTAssertEqual(double.values[t], expected[t], accuracy: 1e-12)
                XCTAssertEqual(viaTranspose.values[t], expected[t], accuracy: 1e-12)
                XCTAssertEqual(Double(single.values[t]), expected[t], accuracy: 1e-5)
                XCTAssertEqual(Double(singleT.values[t]), expected[t], accuracy: 1e-5)
            }
            let gram = LinearAlgebra.gram(a)
            let plain = a.transposed().multiplied(by: a)
            for t in 0..<(k * k) { XCTAssertEqual(gram.values[t], plain.values[t], accuracy: 1e-12) }
            var accumulated = single
            LinearAlgebra.multiplyAdd(a.converted(to: Float.self), b.converted(to: Float.self), into: &accumulated)
            for t in 0..<(m * n) { XCTAssertEqual(Double(accumulated.values[t]), 2 * expected[t], accuracy: 2e-5) }
            var accumulatedDouble = double
            LinearAlgebra.multiplyAdd(a, b, into: &accumulatedDouble)
            for t in 0..<(m * n) { XCTAssertEqual(accumulatedDouble.values[t], 2 * expected[t], accuracy: 1e-12) }
        }
    }
}
