import Dispatch

/// A dense row-major matrix of `Float` or `Double` — the one container the probes use.
///
/// Row `i` occupies `values[i * columns ..< (i + 1) * columns]`. Embeddings arrive as
/// `Matrix<Float>` (n images × d dimensions); statistics that cancel (covariances,
/// eigenproblems) run in `Matrix<Double>`.
public struct Matrix<Scalar: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Scalar]

    /// Throws `LinearAlgebraError.shape` if `values` does not hold `rows × columns` numbers.
    public init(rows: Int, columns: Int, values: [Scalar]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw LinearAlgebraError.shape("\(values.count) values do not fill a \(rows)×\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.rows = rows
        self.columns = columns
        self.values = [Scalar](repeating: 0, count: rows * columns)
    }

    /// Wraps values already known to fit (internal use; the public init checks).
    package init(unchecked rows: Int, _ columns: Int, _ values: [Scalar]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Scalar {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ i: Int) -> ArraySlice<Scalar> { values[(i * columns)..<((i + 1) * columns)] }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var out = [Scalar]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out += values[(i * columns)..<((i + 1) * columns)] }
        return Matrix(unchecked: indices.count, columns, out)
    }

    /// The columns at `indices`, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        // The indices are checked once here; the copy then runs without per-element checks.
        precondition(indices.allSatisfy { (0..<columns).contains($0) }, "column index out of range")
        let width = indices.count, count = rows * width
        guard count > 0 else { return Matrix(unchecked: rows, width, []) }
        let out = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            values.withUnsafeBufferPointer { source in
                indices.withUnsafeBufferPointer { index in
                    for i in 0..<rows {
                        let row = source.baseAddress! + i * columns, target = buffer.baseAddress! + i * width
                        for c in 0..<width { target[c] = row[index[c]] }
                    }
                }
            }
            initialized = count
        }
        return Matrix(unchecked: rows, width, out)
    }

    public func transposed() -> Matrix {
        var out = [Scalar](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { t in
                let block = 32
                for i0 in stride(from: 0, to: rows, by: block) {
                    for j0 in stride(from: 0, to: columns, by: block) {
                        for i in i0..<min(i0 + block, rows) {
                            for j in j0..<min(j0 + block, columns) { t[j * rows + i] = a[i * columns + j] }
                        }
                    }
                }
            }
        }
        return Matrix(unchecked: columns, rows, out)
    }

    /// Every row divided by its Euclidean norm (rows of norm 0 stay 0).
    public func rowNormalized() -> Matrix {
        var out = values
        let d = columns
        let sums = rowSumsOfSquares()
        out.withUnsafeMutableBufferPointer { x in
            for i in 0..<rows {
                let sum = sums[i]
                guard sum > 0 else { continue }
                let inverse = Scalar(1 / sum.squareRoot())
                for j in 0..<d { x[i * d + j] *= inverse }
            }
        }
        return Matrix(unchecked: rows, columns, out)
    }

    /// `Σ_j Double(x_ij)²` per row, each summed in fp64 in increasing j. A sum in that order is
    /// a chain of dependent additions (it cannot be vectorised without changing its rounding),
    /// so eight rows are summed side by side, one vector lane each: eight chains at a time,
    /// each row's sum exactly as a loop over the row alone computes it.
    public func rowSumsOfSquares() -> [Double] {
        typealias Lanes = SIMD8<Double>
        let d = columns, group = Lanes.scalarCount
        var sums = [Double](repeating: 0, count: rows)
        guard d > 0 else { return sums }
        values.withUnsafeBufferPointer { x in
            var i = 0
            while i + group <= rows {
                let base = x.baseAddress! + i * d
                var sum = Lanes()
                for j in 0..<d {
                    var v = Lanes()
                    for lane in 0..<group { v[lane] = Double(base[lane * d + j]) }
                    sum += v * v
                }
                for lane in 0..<group { sums[i + lane] = sum[lane] }
                i += group
            }
            while i < rows {
                var sum = 0.0
                for j in 0..<d { let v = Double(x[i * d + j]); sum += v * v }
                sums[i] = sum
                i += 1
            }
        }
        return sums
    }

    public func converted<Other: BinaryFloatingPoint & Sendable>(to _: Other.Type) -> Matrix<Other> {
        Matrix<Other>(unchecked: rows, columns, values.map { Other($0) })
    }

    /// `self · other`.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "inner dimensions differ")
        if let a = self as? Matrix<Float>, let b = other as? Matrix<Float> {
            return LinearAlgebra.product(a, b, transposingB: false) as! Matrix
        }
        var out = Matrix(zeros: rows, other.columns)
        LinearAlgebra.multiplyAdd(self, other, into: &out)
        return out
    }

    /// `self · otherᵀ` — e.g. logits `H · Wᵀ`.
    public func multiplied(byTransposeOf other: Matrix) -> Matrix {
        precondition(columns == other.columns, "inner dimensions differ")
        if let a = self as? Matrix<Float>, let b = other as? Matrix<Float> {
            return LinearAlgebra.product(a, b, transposingB: true) as! Matrix
        }
        if other.rows < LinearAlgebra.dotProductColumns {
            return LinearAlgebra.dotProducts(self, other)
        }
        return multiplied(by: other.transposed())
    }
}

/// Dense products and decompositions used by the probes.
///
/// fp32 products go to `Tensor.Kernels` (`matmul` / `linear`, SIMD and threaded on
/// Tensor's pool); fp64 products (covariances, logistic regression) use the blocked loop
/// below, split over the same pool.
public enum LinearAlgebra {
    /// Below this many output columns, `A · Bᵀ` is computed as row-by-row dot products.
    static let dotProductColumns = 16

    /// fp32 `a · b` or `a · bᵀ` through Tensor's kernels.
    static func product(_ a: Matrix<Float>, _ b: Matrix<Float>, transposingB: Bool) -> Matrix<Float> {
        let m = a.rows, k = a.columns, n = transposingB ? b.rows : b.columns
        var out = [Float](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return Matrix(unchecked: m, n, out) }
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    if transposingB {
                        Kernels.linear(input: ap.baseAddress!, rows: m, inFeatures: k, weight: bp.baseAddress!, bias: nil, outFeatures: n, output: cp.baseAddress!)
                    } else {
                        Kernels.matmul(a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!, m: m, n: n, k: k)
                    }
                }
            }
        }
        return Matrix(unchecked: m, n, out)
    }

    /// `a · bᵀ` for few rows of `b`: each output is a dot product of two contiguous rows,
    /// with four partial sums.
    static func dotProducts<T: BinaryFloatingPoint & Sendable>(_ a: Matrix<T>, _ b: Matrix<T>) -> Matrix<T> {
        let m = a.rows, n = b.rows, k = a.columns
        var out = [T](repeating: 0, count: m * n)
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    var first = 0
                    if T.self == Double.self, m >= 4, k >= 4 {
                        ap.withMemoryRebound(to: Double.self) { ad in
                            bp.withMemoryRebound(to: Double.self) { bd in
                                cp.withMemoryRebound(to: Double.self) { cd in
                                    first = dotProductsOfFourRows(ad.baseAddress!, bd.baseAddress!, cd.baseAddress!, m: m, n: n, k: k)
                                }
                            }
                        }
                    }
                    for i in first..<m {
                        let x = ap.baseAddress! + i * k
                        for j in 0..<n {
                            let y = bp.baseAddress! + j * k
                            var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
                            var p = 0
                            while p + 4 <= k {
                                s0 += x[p] * y[p]
                                s1 += x[p + 1] * y[p + 1]
                                s2 += x[p + 2] * y[p + 2]
                                s3 += x[p + 3] * y[p + 3]
                                p += 4
                            }
                            while p < k {
                                s0 += x[p] * y[p]
                                p += 1
                            }
                            cp[i * n + j] = (s0 + s1) + (s2 + s3)
                        }
                    }
                }
            }
        }
        return Matrix(unchecked: m, n, out)
    }

    /// `dotProducts` for fp64 rows of `a` four at a time: each row's four partial sums are the
    /// lanes of one vector (lane l takes the terms p ≡ l mod 4, as `s0 … s3` do), so four rows'
    /// dependent sums advance at once; tails and the final `(s0 + s1) + (s2 + s3)` as there.
    /// Same numbers. Returns the first row left to the plain loop.
    static func dotProductsOfFourRows(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int
    ) -> Int {
        typealias Lanes = SIMD4<Double>
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        var i = 0
        while i + 4 <= m {
            let x0 = a + i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k
            for j in 0..<n {
                let y = b + j * k
                var s0 = Lanes(), s1 = Lanes(), s2 = Lanes(), s3 = Lanes()
                var p = 0
                while p + 4 <= k {
                    let yv = load(y + p)
                    s0 += load(x0 + p) * yv
                    s1 += load(x1 + p) * yv
                    s2 += load(x2 + p) * yv
                    s3 += load(x3 + p) * yv
                    p += 4
                }
                @inline(__always) func finish(_ x: UnsafePointer<Double>, _ s: Lanes, row: Int) {
                    var first = s[0]
                    for q in p..<k { first += x[q] * y[q] }
                    c[row * n + j] = (first + s[1]) + (s[2] + s[3])
                }
                finish(x0, s0, row: i)
                finish(x1, s1, row: i + 1)
                finish(x2, s2, row: i + 2)
                finish(x3, s3, row: i + 3)
            }
            i += 4
        }
        return i
    }

    /// `c += a · b` (a: m×k, b: k×n, c: m×n), rows split over Tensor's pool when large.
    ///
    /// i-p-j order so the innermost loop streams a row of `b` into a row of `c` and
    /// vectorises; a block of 64 `p` values keeps the `b` panel in cache.
    static func multiplyAdd<T: BinaryFloatingPoint & Sendable>(_ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>) {
        precondition(a.columns == b.rows && c.rows == a.rows && c.columns == b.columns, "shapes do not match")
        let m = a.rows, k = a.columns, n = b.columns
        guard m > 0, n > 0, k > 0 else { return }
        if let af = a as? Matrix<Float>, let bf = b as? Matrix<Float>, m * n * k >= 1 << 18 {
            let product = product(af, bf, transposingB: false)
            c.values.withUnsafeMutableBufferPointer { cp in
                product.values.withUnsafeBufferPointer { pp in
                    for t in 0..<(m * n) { cp[t] += T(pp[t]) }
                }
            }
            return
        }
        // The register-blocked kernel needs a few full 6-row tiles to pay for packing `b`
        // (a 1-row product — a binary model's gradient — stays on the streaming loop).
        if T.self == Double.self, m >= 4 * DoubleGEMM.tileRows, m * n * k >= 1 << 16 {
            a.values.withUnsafeBufferPointer { ap in
                b.values.withUnsafeBufferPointer { bp in
                    c.values.withUnsafeMutableBufferPointer { cp in
                        ap.withMemoryRebound(to: Double.self) { ad in
                            bp.withMemoryRebound(to: Double.self) { bd in
                                cp.withMemoryRebound(to: Double.self) { cd in
                                    DoubleGEMM.multiply(
                                        a: ad.baseAddress!, aRowStride: k, aColumnStride: 1, b: bd.baseAddress!, bRowStride: n,
                                        c: cd.baseAddress!, cRowStride: n, m: m, n: n, k: k, accumulate: true)
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    let cBase = cp.baseAddress!
                    let aBase = UnsafeMutablePointer(mutating: ap.baseAddress!)
                    let bBase = UnsafeMutablePointer(mutating: bp.baseAddress!)
                    let body: (Int, Int) -> Void = { index, count in
                        let chunk = (m + count - 1) / count
                        let start = index * chunk, end = min(m, start + chunk)
                        guard start < end else { return }
                        gemmRows(aBase, bBase, cBase, rows: start..<end, n: n, k: k)
                    }
                    if m * n * k < 1 << 20 || m < 2 { body(0, 1) } else { ThreadPool.shared.run(body) }
                }
            }
        }
    }

    /// The lower-triangular Cholesky factor `L` (`L Lᵀ = A`) of the symmetric `order × order`
    /// matrix whose lower triangle `a` holds (row-major, `a[i·order + j]` for `j ≤ i`), written
    /// over that triangle; the upper triangle is neither read nor written. Column by column, each
    /// prefix sum a `SymmetricEigen.dot` of two contiguous row prefixes. Returns false, with `a`
    /// partly overwritten, at the first pivot not above `minimumPivot` (a matrix that is not
    /// clearly positive definite).
    package static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, order n: Int, minimumPivot: Double) -> Bool {
        for j in 0..<n {
            let pivot = a[j * n + j] - SymmetricEigen.dot(a + j * n, a + j * n, count: j)
            guard pivot > minimumPivot else { return false }
            let root = pivot.squareRoot()
            a[j * n + j] = root
            for i in (j + 1)..<max(n, j + 1) {
                a[i * n + j] = (a[i * n + j] - SymmetricEigen.dot(a + i * n, a + j * n, count: j)) / root
            }
        }
        return true
    }

    /// `fᵀ · s · f` for a square `s` and a lower-triangular `f` (zero above the diagonal, as a
    /// Cholesky factor): the numbers `f.transposed().multiplied(by: s).multiplied(by: f)` gives,
    /// but both products skip the depth blocks that meet only f's zeros (`DoubleGEMM`'s
    /// triangular flags) — about a third of their work at 768 × 768.
    package static func congruence(_ s: Matrix<Double>, lowerTriangular f: Matrix<Double>) -> Matrix<Double> {
        let d = f.rows
        precondition(f.columns == d && s.rows == d && s.columns == d, "shapes do not match")
        // `multiplyAdd` takes DoubleGEMM from this size on; below it the plain products.
        guard d >= 4 * DoubleGEMM.tileRows, d * d * d >= 1 << 16 else { return f.transposed().multiplied(by: s).multiplied(by: f) }
        func product(_ a: Matrix<Double>, _ b: Matrix<Double>, aUpperTriangular: Bool, bLowerTriangular: Bool) -> Matrix<Double> {
            var out = [Double](repeating: 0, count: d * d)
            a.values.withUnsafeBufferPointer { ap in
                b.values.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        DoubleGEMM.multiply(
                            a: ap.baseAddress!, aRowStride: d, aColumnStride: 1, b: bp.baseAddress!, bRowStride: d,
                            c: cp.baseAddress!, cRowStride: d, m: d, n: d, k: d, accumulate: true,
                            aUpperTriangular: aUpperTriangular, bLowerTriangular: bLowerTriangular)
                    }
                }
            }
            return Matrix(unchecked: d, d, out)
        }
        let left = product(f.transposed(), s, aUpperTriangular: true, bLowerTriangular: false)  // fᵀ s
        return product(left, f, aUpperTriangular: false, bLowerTriangular: true)
    }

    /// `xᵀ x` (d×d) for x (n×d): `DoubleGEMM` reads `xᵀ` in place through strides and
    /// computes only the tiles touching the upper triangle, which is then mirrored.
    public static func gram(_ x: Matrix<Double>) -> Matrix<Double> {
        let n = x.rows, d = x.columns
        var out = [Double](repeating: 0, count: d * d)
        guard n > 0, d > 0 else { return Matrix(unchecked: d, d, out) }
        x.values.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { cp in
                DoubleGEMM.multiply(
                    a: xp.baseAddress!, aRowStride: 1, aColumnStride: d, b: xp.baseAddress!, bRowStride: d,
                    c: cp.baseAddress!, cRowStride: d, m: d, n: d, k: n, accumulate: false, upperOnly: true)
            }
        }
        for i in 0..<d { for j in 0..<i { out[i * d + j] = out[j * d + i] } }
        return Matrix(unchecked: d, d, out)
    }

    @inline(__always)
    static func gemmRows<T: BinaryFloatingPoint>(
        _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ c: UnsafeMutablePointer<T>,
        rows: Range<Int>, n: Int, k: Int
    ) {
        let panel = 64  // 64 rows of b stay in L2 for widths up to ~2k doubles
        var p0 = 0
        while p0 < k {
            let p1 = min(k, p0 + panel)
            for i in rows {
                let cRow = c + i * n
                let aRow = a + i * k
                var p = p0
                // Four rows of b per pass: four multiply-adds per load/store of c.
                while p + 4 <= p1 {
                    let a0 = aRow[p], a1 = aRow[p + 1], a2 = aRow[p + 2], a3 = aRow[p + 3]
                    let b0 = b + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n
                    for j in 0..<n { cRow[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] }
                    p += 4
                }
                while p < p1 {
                    let ap = aRow[p]
                    let bRow = b + p * n
                    for j in 0..<n { cRow[j] += ap * bRow[j] }
                    p += 1
                }
            }
            p0 = p1
        }
    }
}

extension LinearAlgebra {
    /// Lanes of the fp32 reductions below.
    static let lanes = 16

    /// The index of the largest of `count` finite values (the first one on ties, as
    /// numpy.argmax), in one pass: each of 16 lanes keeps its largest value and where it
    /// was first seen (a strict `>` keeps the earlier index), then the lanes are reduced to
    /// the largest value at the smallest index, then the tail is scanned.
    @inline(__always)
    package static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
        guard count > 0 else { return 0 }
        var best = x[0]
        var index = 0
        var i = 0
        if count >= lanes {
            let raw = UnsafeRawPointer(x)
            var values = raw.loadUnaligned(as: SIMD16<Float>.self)
            var positions = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            var current = positions
            let step = SIMD16<Int32>(repeating: Int32(lanes))
            i = lanes
            while i + lanes <= count {
                current &+= step
                let candidate = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let better = candidate .> values
                values.replace(with: candidate, where: better)
                positions.replace(with: current, where: better)
                i += lanes
            }
            best = values[0]
            index = Int(positions[0])
            for lane in 1..<lanes {
                let value = values[lane], position = Int(positions[lane])
                if value > best || (value == best && position < index) {
                    best = value
                    index = position
                }
            }
        }
        while i < count {
            if x[i] > best {
                best = x[i]
                index = i
            }
            i += 1
        }
        return index
    }
}
