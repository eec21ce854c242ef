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

    /// The reduction with the update and the next product in one pass, in SIMD lanes, gives bit
    /// for bit what EISPACK's two passes with scalar updates give — with and without the
    /// transformation (its accumulation four columns at a time), on sizes around the SIMD
    /// width, a CLIP-sized one, and with zero rows (the step that skips its Householder vector,
    /// before, after and between ordinary steps).
    func testFusedReductionIsBitIdenticalToTred2() {
        var generator = SplitMix64(seed: 23)
        for n in [1, 2, 3, 4, 9, 17, 40, 64, 101, 770] {
            let patterns = n > 101 ? [[Int]()] : [[Int](), [n - 1], [0, n / 2], Array(stride(from: 1, to: n, by: 3))]
            for zeroRows in patterns {
                var a = [Double](repeating: 0, count: n * n)
                for i in 0..<n where !zeroRows.contains(i) {
                    for j in 0...i where !zeroRows.contains(j) {
                        let value = generator.unit() - 0.5
                        a[i * n + j] = value
                        a[j * n + i] = value
                    }
                }
                for accumulate in [false, true] {
                    func reduce(_ body: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void) -> [[Double]] {
                        var v = a, d = [Double](repeating: 0, count: n), e = d
                        v.withUnsafeMutableBufferPointer { v in
                            d.withUnsafeMutableBufferPointer { d in e.withUnsafeMutableBufferPointer { e in body(v, d, e) } }
                        }
                        return [v, d, e]
                    }
                    let fused = reduce { SymmetricEigen.tridiagonalize($0, $1, $2, n: n, accumulate: accumulate) }
                    let plain = reduce { SymmetricEigen.tridiagonalizeReference($0, $1, $2, n: n, accumulate: accumulate) }
                    XCTAssertEqual(fused, plain, "n = \(n), zero rows \(zeroRows), accumulate \(accumulate)")
                }
            }
        }
    }

    /// Column selection (any order, repeats) equals a plain loop; empty selections keep the rows.
    func testSelectingColumnsMatchesPlainLoop() throws {
        var generator = SplitMix64(seed: 29)
        for (rows, columns) in [(1, 1), (3, 7), (17, 40)] {
            let m = try Matrix<Float>(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(generator.unit()) })
            for indices in [[Int](), [columns - 1], (0..<columns).reversed().map { $0 }, (0..<(2 * columns)).map { _ in generator.index(below: columns) }] {
                let selected = m.selectingColumns(indices)
                XCTAssertEqual(selected.rows, rows)
                XCTAssertEqual(selected.columns, indices.count)
                XCTAssertEqual(selected.values, (0..<rows).flatMap { i in indices.map { m[i, $0] } })
            }
        }
    }

    /// Row sums of squares, eight rows at a time, equal the plain per-row fp64 loop bit for bit
    /// (Float and Double rows, a remainder of rows, no columns).
    func testRowSumsOfSquaresEqualPlainLoops() throws {
        var generator = SplitMix64(seed: 43)
        for (rows, columns) in [(0, 3), (5, 0), (1, 1), (8, 7), (19, 33), (17, 768)] {
            let values = (0..<(rows * columns)).map { _ in generator.unit() * 6 - 3 }
            let expected = (0..<rows).map { i in
                (0..<columns).reduce(0.0) { sum, j in let v = Double(Float(values[i * columns + j])); return sum + v * v }
            }
            let expectedDouble = (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + values[i * columns + $1] * values[i * columns + $1] } }
            XCTAssertEqual(try Matrix<Float>(rows: rows, columns: columns, values: values.map { Float($0) }).rowSumsOfSquares(), expected)
            XCTAssertEqual(try Matrix<Double>(rows: rows, columns: columns, values: values).rowSumsOfSquares(), expectedDouble)
        }
    }

    /// `fᵀ s f` for a lower-triangular f skips only blocks of zeros: the same numbers as the
    /// two full products, on sizes below and above the blocked kernel's thresholds and with
    /// depths across several of its blocks.
    func testCongruenceWithTriangularFactorEqualsFullProducts() throws {
        var generator = SplitMix64(seed: 47)
        for d in [5, 30, 200, 401] {
            var f = Matrix<Double>(zeros: d, d), s = Matrix<Double>(zeros: d, d)
            for i in 0..<d {
                for j in 0...i { f.values[i * d + j] = generator.unit() - 0.5 }
                for j in 0...i {
                    let value = generator.unit() * 2 - 1
                    s.values[i * d + j] = value
                    s.values[j * d + i] = value
                }
            }
            let expected = f.transposed().multiplied(by: s).multiplied(by: f)
            XCTAssertEqual(LinearAlgebra.congruence(s, lowerTriangular: f).values, expected.values, "d = \(d)")
        }
    }

    /// fp64 dot products four rows at a time give the plain loop's numbers bit for bit (row
    /// counts with a remainder, depths with a tail, one and several columns).
    func testFourRowDotProductsEqualThePlainLoop() throws {
        var generator = SplitMix64(seed: 53)
        for (m, n, k) in [(4, 1, 4), (7, 1, 769), (9, 3, 6), (1601, 1, 768), (5, 15, 33)] {
            let a = try Matrix<Double>(rows: m, columns: k, values: (0..<(m * k)).map { _ in generator.unit() - 0.5 })
            let b = try Matrix<Double>(rows: n, columns: k, values: (0..<(n * k)).map { _ in generator.unit() - 0.5 })
            var expected = [Double](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var s = [0.0, 0.0, 0.0, 0.0]
                    var p = 0
                    while p + 4 <= k {
                        for l in 0..<4 { s[l] += a[i, p + l] * b[j, p + l] }
                        p += 4
                    }
                    while p < k { s[0] += a[i, p] * b[j, p]; p += 1 }
                    expected[i * n + j] = (s[0] + s[1]) + (s[2] + s[3])
                }
            }
            XCTAssertEqual(LinearAlgebra.dotProducts(a, b).values, expected, "\(m) × \(n) × \(k)")
        }
    }

    /// The in-place Cholesky factor reproduces the matrix (`L Lᵀ = A` to rounding) on sizes with
    /// and without a dot product's vector tail, leaves the upper triangle alone, and refuses a
    /// matrix with a pivot at or below the floor (indefinite; semi-definite with a floor of 0).
    func testCholeskyInPlaceFactorsAndRefusesIndefiniteMatrices() throws {
        var generator = SplitMix64(seed: 59)
        for n in [1, 2, 7, 8, 16, 33] {
            // A = B Bᵀ + n I: symmetric positive definite.
            let b = try Matrix<Double>(rows: n, columns: n, values: (0..<(n * n)).map { _ in generator.unit() - 0.5 })
            var a = b.multiplied(byTransposeOf: b)
            for i in 0..<n { a.values[i * n + i] += Double(n) }
            var work = a
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { work.values[i * n + j] = .nan } }
            XCTAssertTrue(work.values.withUnsafeMutableBufferPointer { LinearAlgebra.choleskyInPlace($0.baseAddress!, order: n, minimumPivot: 0) })
            var l = Matrix<Double>(zeros: n, n)
            for i in 0..<n {
                for j in 0..<n where j <= i { l.values[i * n + j] = work.values[i * n + j] }
                for j in (i + 1)..<max(n, i + 1) { XCTAssertTrue(work.values[i * n + j].isNaN, "upper triangle written at n = \(n)") }
            }
            let product = l.multiplied(byTransposeOf: l)
            for t in 0..<(n * n) { XCTAssertEqual(product.values[t], a.values[t], accuracy: 1e-12 * Double(n), "n = \(n)") }
        }
        var indefinite: [Double] = [1, 0, 2, 1]  // [[1, 2], [2, 1]]: eigenvalues 3 and −1
        XCTAssertFalse(LinearAlgebra.choleskyInPlace(&indefinite, order: 2, minimumPivot: 0))
        var singular: [Double] = [1, 0, 1, 1]  // [[1, 1], [1, 1]]: second pivot 0
        XCTAssertFalse(LinearAlgebra.choleskyInPlace(&singular, order: 2, minimumPivot: 0))
        var small: [Double] = [1e-12]
        XCTAssertFalse(LinearAlgebra.choleskyInPlace(&small, order: 1, minimumPivot: 1e-10))
    }
}
