@testable import Support
@testable import Tensor
import XCTest

final class LinearAlgebraTests: XCTestCase {
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

    /// The QL sweeps' rotations applied 32 columns at a time give, bit for bit, what rotating
    /// whole rows sweep by sweep gives — widths with and without a partial block — and the
    /// eigenvectors so obtained satisfy A v = λ v on a size with a partial block.
    func testBlockedRotationsAreBitIdenticalToRowSweeps() throws {
        var generator = SplitMix64(seed: 19)
        for n in [5, 32, 45, 77] {
            let start = (0..<(n * n)).map { _ in generator.unit() - 0.5 }
            var sweeps = [(l: Int, m: Int)](), rotations = [Double]()
            for _ in 0..<(3 * n) {
                let l = generator.index(below: n - 1), m = l + 1 + generator.index(below: n - 1 - l)
                sweeps.append((l, m))
                for _ in l..<m {
                    let angle = 2 * Double.pi * generator.unit()
                    rotations += [cos(angle), sin(angle)]
                }
            }
            var expected = start
            var next = 0
            for sweep in sweeps {
                for i in stride(from: sweep.m - 1, through: sweep.l, by: -1) {
                    let c = rotations[next], s = rotations[next + 1]
                    next += 2
                    for k in 0..<n {
                        let t = expected[(i + 1) * n + k]
                        expected[(i + 1) * n + k] = s * expected[i * n + k] + c * t
                        expected[i * n + k] = c * expected[i * n + k] - s * t
                    }
                }
            }
            var blocked = start
            blocked.withUnsafeMutableBufferPointer { SymmetricEigen.applyRotations(rotations, sweeps: sweeps, to: $0, n: n) }
            XCTAssertEqual(blocked, expected, "n = \(n)")
        }
        let n = 77
        var a = Matrix<Double>(zeros: n, n)
        for i in 0..<n { for j in 0...i {
            let value = generator.unit() - 0.5
            a.values[i * n + j] = value
            a.values[j * n + i] = value
        } }
        let eigen = try SymmetricEigen(a)
        for k in 0..<n {
            for i in 0..<n {
                var av = 0.0
                for j in 0..<n { av += a[i, j] * eigen.vectors[k][j] }
                XCTAssertEqual(av, eigen.values[k] * eigen.vectors[k][i], accuracy: 1e-12)
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
