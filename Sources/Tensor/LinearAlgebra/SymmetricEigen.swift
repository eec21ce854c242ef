import Foundation

/// Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal
/// form followed by the implicit QL algorithm with Wilkinson-style shifts (the EISPACK
/// tred2/tql2 pair, Wilkinson & Reinsch 1971).
///
/// Eigenvalues come out ascending; eigenvector `k` is `vectors[k]` (unit length, sign
/// arbitrary as in LAPACK). Working storage is column-major so every inner loop is
/// contiguous. Accuracy: eigenvalues to ~1e-13 of the largest, as numpy.linalg.eigh.
/// Cost ≈ (4/3)n³ for the reduction plus ≈ 6n³ when vectors are wanted.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    /// `vectors[k]` belongs to `values[k]`; empty when only values were asked for.
    public let vectors: [[Double]]

    /// Decomposes `matrix` (n×n, symmetric; only symmetry up to rounding is assumed —
    /// the lower triangle is what is read). Throws `LinearAlgebraError.shape` if not square and
    /// `.invalid` on a non-finite entry.
    public init(_ matrix: Matrix<Double>, computeVectors: Bool = true) throws {
        guard matrix.rows == matrix.columns else { throw LinearAlgebraError.shape("eigendecomposition needs a square matrix, got \(matrix.rows)×\(matrix.columns)") }
        guard matrix.values.allSatisfy(\.isFinite) else { throw LinearAlgebraError.invalid("matrix has a non-finite entry") }
        let n = matrix.rows
        if n == 0 {
            values = []
            vectors = []
            return
        }
        // v(r, c) lives at storage[c * n + r]; the input is symmetric so its row-major
        // values are also its column-major values.
        var storage = matrix.values
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        storage.withUnsafeMutableBufferPointer { v in
            d.withUnsafeMutableBufferPointer { d in
                e.withUnsafeMutableBufferPointer { e in
                    SymmetricEigen.tridiagonalize(v, d, e, n: n, accumulate: computeVectors)
                    SymmetricEigen.implicitQL(v, d, e, n: n, rotateVectors: computeVectors)
                }
            }
        }
        let order = (0..<n).sorted { d[$0] < d[$1] }
        values = order.map { d[$0] }
        if computeVectors {
            vectors = order.map { k in Array(storage[(k * n)..<((k + 1) * n)]) }
        } else {
            vectors = []
        }
    }

    /// `Σ a[k]·b[k]` with eight partial sums (a serial fp64 sum does not vectorise).
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var partial = SIMD8<Double>()
        var k = 0
        while k + 8 <= count {
            partial = partial.addingProduct(
                UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<Double>.self), UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<Double>.self))
            k += 8
        }
        var sum = partial.sum()
        while k < count {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }

    /// `dot(a, b0)` … `dot(a, b3)` in one sweep over `a`: four independent chains of partial
    /// sums (one chain waits on its own additions), each summed exactly as `dot` sums it.
    @inline(__always)
    static func dot4(
        _ a: UnsafePointer<Double>, _ b0: UnsafePointer<Double>, _ b1: UnsafePointer<Double>,
        _ b2: UnsafePointer<Double>, _ b3: UnsafePointer<Double>, count: Int
    ) -> SIMD4<Double> {
        typealias V = SIMD8<Double>
        var p0 = V(), p1 = V(), p2 = V(), p3 = V()
        var k = 0
        while k + 8 <= count {
            let x = UnsafeRawPointer(a + k).loadUnaligned(as: V.self)
            p0 = p0.addingProduct(x, UnsafeRawPointer(b0 + k).loadUnaligned(as: V.self))
            p1 = p1.addingProduct(x, UnsafeRawPointer(b1 + k).loadUnaligned(as: V.self))
            p2 = p2.addingProduct(x, UnsafeRawPointer(b2 + k).loadUnaligned(as: V.self))
            p3 = p3.addingProduct(x, UnsafeRawPointer(b3 + k).loadUnaligned(as: V.self))
            k += 8
        }
        var sum = SIMD4(p0.sum(), p1.sum(), p2.sum(), p3.sum())
        while k < count {
            sum += SIMD4(repeating: a[k]) * SIMD4(b0[k], b1[k], b2[k], b3[k])
            k += 1
        }
        return sum
    }

    /// `y[k] += x[k]·f` for k in 0..<count, eight lanes at a time: each element is the scalar
    /// expression's product and sum (no fused multiply-add), so the results are bit-identical to
    /// the scalar loop's. (A scalar loop over `UnsafeMutableBufferPointer`s does not vectorise:
    /// the index arithmetic keeps its overflow checks.)
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Double>, _ f: Double, to y: UnsafeMutablePointer<Double>, count: Int) {
        typealias V = SIMD8<Double>
        let fv = V(repeating: f)
        var k = 0
        while k + 8 <= count {
            let yk = UnsafeMutableRawPointer(y + k)
            yk.storeBytes(of: yk.loadUnaligned(as: V.self) + UnsafeRawPointer(x + k).loadUnaligned(as: V.self) * fv, as: V.self)
            k += 8
        }
        while k < count {
            y[k] += x[k] * f
            k += 1
        }
    }

    /// `x[k] −= (f·y[k] + g·z[k])` for k in 0..<count — the rank-2 update of one column —
    /// eight lanes at a time, each element as the scalar expression (bit-identical).
    @inline(__always)
    static func subtractRank2(
        _ x: UnsafeMutablePointer<Double>, _ f: Double, _ y: UnsafePointer<Double>, _ g: Double, _ z: UnsafePointer<Double>, count: Int
    ) {
        typealias V = SIMD8<Double>
        let fv = V(repeating: f), gv = V(repeating: g)
        var k = 0
        while k + 8 <= count {
            let xk = UnsafeMutableRawPointer(x + k)
            let update = fv * UnsafeRawPointer(y + k).loadUnaligned(as: V.self) + gv * UnsafeRawPointer(z + k).loadUnaligned(as: V.self)
            xk.storeBytes(of: xk.loadUnaligned(as: V.self) - update, as: V.self)
            k += 8
        }
        while k < count {
            x[k] -= f * y[k] + g * z[k]
            k += 1
        }
    }

    /// One column of the fused reduction pass, below the diagonal (`column[k]` for
    /// k in 0..<count, the diagonal at `column[−1]` already updated): the rank-2 update
    /// `column[k] −= f·e[k] + g·d[k]`, and with the updated values, over the first
    /// `productCount` of them, `au[k] += column[k]·fu` and the returned `Σ column[k]·u[k]` —
    /// in one sweep instead of three. Every number is the one `subtractRank2`, `addScaled` and
    /// `dot` give (the sum has `dot`'s eight partial sums and tail order): bit-identical.
    @inline(__always)
    static func updateColumnAndMultiply(
        _ column: UnsafeMutablePointer<Double>, f: Double, e: UnsafePointer<Double>, g: Double, d: UnsafePointer<Double>, count: Int,
        u: UnsafePointer<Double>, fu: Double, au: UnsafeMutablePointer<Double>, productCount: Int
    ) -> Double {
        typealias V = SIMD8<Double>
        let fv = V(repeating: f), gv = V(repeating: g), fuv = V(repeating: fu)
        var partial = V()
        var k = 0
        while k + 8 <= productCount {
            let ck = UnsafeMutableRawPointer(column + k), auk = UnsafeMutableRawPointer(au + k)
            let update = fv * UnsafeRawPointer(e + k).loadUnaligned(as: V.self) + gv * UnsafeRawPointer(d + k).loadUnaligned(as: V.self)
            let updated = ck.loadUnaligned(as: V.self) - update
            ck.storeBytes(of: updated, as: V.self)
            partial = partial.addingProduct(updated, UnsafeRawPointer(u + k).loadUnaligned(as: V.self))
            auk.storeBytes(of: auk.loadUnaligned(as: V.self) + updated * fuv, as: V.self)
            k += 8
        }
        var sum = partial.sum()
        while k < productCount {
            column[k] -= f * e[k] + g * d[k]
            sum += column[k] * u[k]
            au[k] += column[k] * fu
            k += 1
        }
        subtractRank2(column + k, f, e + k, g, d + k, count: count - k)
        return sum
    }

    /// Householder reduction. On return d holds the diagonal, e[1..<n] the sub-diagonal,
    /// and (when `accumulate`) v the orthogonal transformation.
    ///
    /// EISPACK's tred2 reads the remaining i × i triangle twice per step: once for `A u` and
    /// once for the rank-2 update `A −= u qᵀ + q uᵀ`. Above ~450 rows that triangle no longer
    /// fits in L2, so the reduction streams it from L3 twice per step. Here the update of
    /// step i and the product `A u'` of step i − 1 share one pass: row i − 1 of the updated
    /// matrix (which `u'` is made of) is computed first, then each column is updated and at
    /// once used for `A u'` while it is in L1 (`updateColumnAndMultiply`, in SIMD lanes). Every
    /// number is computed by the same operations in the same order as in
    /// `tridiagonalizeReference`: the results are bit-identical.
    static func tridiagonalize(
        _ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
        _ e: UnsafeMutableBufferPointer<Double>, n: Int, accumulate: Bool
    ) {
        @inline(__always) func at(_ r: Int, _ c: Int) -> Int { c * n + r }
        let base = v.baseAddress!
        // Step i − 1's Householder vector, its `A u'` sums and row i − 1 after step i's update.
        let next = UnsafeMutablePointer<Double>.allocate(capacity: 3 * max(n, 1))
        defer { next.deallocate() }
        let nextU = next, nextAu = next + n, nextRow = next + 2 * n
        /// Scales row `row[0..<i]` into a Householder vector `u` (in place) as tred2 does;
        /// returns (h, e[i]) or nil when the row is zero.
        @inline(__always) func householder(_ row: UnsafeMutablePointer<Double>, _ i: Int) -> (h: Double, subdiagonal: Double)? {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(row[k]) }
            guard scale != 0 else { return nil }
            for k in 0..<i {
                row[k] /= scale
                h += row[k] * row[k]
            }
            let f = row[i - 1]
            var g = h.squareRoot()
            if f > 0 { g = -g }
            h -= f * g
            row[i - 1] = f - g
            return (h, scale * g)
        }
        for j in 0..<n { d[j] = v[at(n - 1, j)] }
        var i = n - 1
        // Whether d[0..<i] already holds step i's vector u, e[0..<i] the sums A u and `h` its h
        // (computed in the previous step's pass).
        var prepared = false
        var h = 0.0
        while i > 0 {
            if !prepared {
                guard let found = householder(d.baseAddress!, i) else {
                    // A zero row: nothing to annihilate.
                    e[i] = d[i - 1]
                    for j in 0..<i {
                        d[j] = v[at(i - 1, j)]
                        v[at(i, j)] = 0
                        v[at(j, i)] = 0
                    }
                    d[i] = 0
                    i -= 1
                    continue
                }
                h = found.h
                e[i] = found.subdiagonal
                for j in 0..<i { e[j] = 0 }
                // e = A u (lower triangle of the leading i×i block).
                for j in 0..<i {
                    let f = d[j]
                    v[at(j, i)] = f
                    let column = j * n
                    var g = e[j] + v[at(j, j)] * f
                    if j + 1 < i {
                        g += dot(base + column + j + 1, d.baseAddress! + j + 1, count: i - j - 1)
                        addScaled(base + column + j + 1, f, to: e.baseAddress! + j + 1, count: i - j - 1)
                    }
                    e[j] = g
                }
            }
            var f = 0.0
            for j in 0..<i {
                e[j] /= h
                f += e[j] * d[j]
            }
            let hh = f / (h + h)
            for j in 0..<i { e[j] -= hh * d[j] }
            // Row i − 1 after the update below, and from it step i − 1's vector.
            for j in 0..<i { nextRow[j] = v[at(i - 1, j)] - (d[j] * e[i - 1] + e[j] * d[i - 1]) }
            var following: (h: Double, subdiagonal: Double)?
            if i > 1 {
                for k in 0..<(i - 1) { nextU[k] = nextRow[k] }
                following = householder(nextU, i - 1)
            }
            let fused = following != nil
            let m = i - 1
            if fused { for j in 0..<m { nextAu[j] = 0 } }
            // Rank-2 update A −= u qᵀ + q uᵀ, column by column; each updated column then adds
            // its share of A u' (over the leading m × m block).
            let dBase = d.baseAddress!, eBase = e.baseAddress!
            for j in 0..<i {
                let fj = d[j], gj = e[j]
                let diagonal = base + j * n + j
                if fused, j < m {
                    // The diagonal, then the rest of the column updated and multiplied in one sweep.
                    diagonal[0] -= fj * e[j] + gj * d[j]
                    let fu = nextU[j]
                    v[at(j, m)] = fu
                    var g = nextAu[j] + diagonal[0] * fu
                    let below = updateColumnAndMultiply(
                        diagonal + 1, f: fj, e: eBase + j + 1, g: gj, d: dBase + j + 1, count: i - j - 1,
                        u: nextU + j + 1, fu: fu, au: nextAu + j + 1, productCount: m - j - 1)
                    if j + 1 < m { g += below }
                    nextAu[j] = g
                } else {
                    subtractRank2(diagonal, fj, eBase + j, gj, dBase + j, count: i - j)
                }
                v[at(i, j)] = 0
            }
            d[i] = h
            if let following {
                for j in 0..<m {
                    d[j] = nextU[j]
                    e[j] = nextAu[j]
                }
                d[m] = nextRow[m]
                e[m] = following.subdiagonal
                h = following.h
                prepared = true
            } else {
                for j in 0..<i { d[j] = nextRow[j] }
                prepared = false
            }
            i -= 1
        }
        finishReduction(v, d, e, n: n, accumulate: accumulate)
    }

    /// After the reduction steps: the transformation (when `accumulate`, each Householder
    /// reflection applied by `reflection`: `reflect`), the diagonal in d.
    static func finishReduction(
        _ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
        _ e: UnsafeMutableBufferPointer<Double>, n: Int, accumulate: Bool,
        reflection: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, _ i: Int, _ n: Int) -> Void = reflect
    ) {
        @inline(__always) func at(_ r: Int, _ c: Int) -> Int { c * n + r }
        if accumulate {
            for i in 0..<(n - 1) {
                v[at(n - 1, i)] = v[at(i, i)]
                v[at(i, i)] = 1
                if d[i + 1] != 0 { reflection(v, d, i, n) }
                for k in 0...i { v[at(k, i + 1)] = 0 }
            }
            for j in 0..<n {
                d[j] = v[at(n - 1, j)]
                v[at(n - 1, j)] = 0
            }
            v[at(n - 1, n - 1)] = 1
        } else {
            // The diagonal after reduction is the last row of the reduced matrix.
            for j in 0..<n { d[j] = v[at(n - 1, j)] }
            // d[j] above held the Householder scalars; the reduced diagonal sits on v's diagonal
            // for j < n − 1 once the rows were processed.
            for j in 0..<(n - 1) { d[j] = v[at(j, j)] }
        }
        e[0] = 0
    }

    /// Step i of the accumulation: the leading (i + 1) × (i + 1) block of v times the reflection
    /// `I − u uᵀ / h` stored in column i + 1 (h in d[i + 1]); d[0...i] is overwritten with u / h.
    /// Four columns at a time: four independent dot-product chains instead of one waiting on its
    /// own additions (each summed as `dot` sums it), the updates in SIMD lanes — the numbers of
    /// `reflectReference`'s loops, bit for bit.
    static func reflect(_ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>, i: Int, n: Int) {
        let h = d[i + 1]
        let next = (i + 1) * n
        for k in 0...i { d[k] = v[next + k] / h }
        let u = UnsafePointer(v.baseAddress! + next), scaled = UnsafePointer(d.baseAddress!)
        var j = 0
        while j + 4 <= i + 1 {
            let column = v.baseAddress! + j * n
            let g = dot4(u, column, column + n, column + 2 * n, column + 3 * n, count: i + 1)
            for c in 0..<4 { addScaled(scaled, -g[c], to: column + c * n, count: i + 1) }
            j += 4
        }
        while j <= i {
            let column = v.baseAddress! + j * n
            addScaled(scaled, -dot(u, column, count: i + 1), to: column, count: i + 1)
            j += 1
        }
    }

    /// Implicit QL iterations on the tridiagonal (d, e); rotations applied to v when asked.
    static func implicitQL(
        _ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
        _ e: UnsafeMutableBufferPointer<Double>, n: Int, rotateVectors: Bool
    ) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, largest = 0.0
        let epsilon = Double.ulpOfOne
        // The rotations of every sweep, recorded in order and applied to v afterwards
        // (`applyRotations`): (c, s) pairs of the sweep i = m − 1 … l, and each sweep's (l, m).
        var rotations = [Double](), sweeps = [(l: Int, m: Int)]()
        for l in 0..<n {
            largest = max(largest, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1 {
                if abs(e[m]) <= epsilon * largest { break }
                m += 1
            }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = (p * p + 1).squareRoot()
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    var i = l + 2
                    while i < n {
                        d[i] -= h
                        i += 1
                    }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    if rotateVectors { sweeps.append((l, m)) }
                    i = m - 1
                    while i >= l {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        if rotateVectors {
                            rotations.append(c)
                            rotations.append(s)
                        }
                        i -= 1
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > epsilon * largest && iterations < 60
            }
            d[l] += f
            e[l] = 0
        }
        if rotateVectors { applyRotations(rotations, sweeps: sweeps, to: v, n: n) }
    }

    /// Applies the QL sweeps' rotations to the rows of v (row i = `v[i·n ..< (i+1)·n]`), in
    /// the order they were made: rotation i of a sweep sets `row(i+1) = s·row(i) + c·row(i+1)`
    /// and `row(i) = c·row(i) − s·row(i+1)`. Each column is rotated independently of the
    /// others, so the whole sequence runs over one block of 32 columns at a time — the block
    /// of every row (n × 256 bytes) stays in the core's cache over all sweeps instead of
    /// streaming all of v once per sweep — and within a sweep the row being rotated down is
    /// carried in registers. Same operations on each number in the same order as rotating
    /// whole rows sweep by sweep: the result is bit-identical.
    static func applyRotations(_ rotations: [Double], sweeps: [(l: Int, m: Int)], to v: UnsafeMutableBufferPointer<Double>, n: Int) {
        typealias Block = SIMD8<Double>
        let base = UnsafeMutableRawPointer(v.baseAddress!)
        rotations.withUnsafeBufferPointer { cs in
            var k0 = 0
            while k0 + 32 <= n {
                var next = 0
                for sweep in sweeps {
                    let last = base + (sweep.m * n + k0) * 8
                    var t0 = last.loadUnaligned(as: Block.self), t1 = last.loadUnaligned(fromByteOffset: 64, as: Block.self)
                    var t2 = last.loadUnaligned(fromByteOffset: 128, as: Block.self), t3 = last.loadUnaligned(fromByteOffset: 192, as: Block.self)
                    var i = sweep.m - 1
                    while i >= sweep.l {
                        let c = Block(repeating: cs[next]), s = Block(repeating: cs[next + 1])
                        next += 2
                        let a = base + (i * n + k0) * 8, b = a + n * 8
                        let a0 = a.loadUnaligned(as: Block.self), a1 = a.loadUnaligned(fromByteOffset: 64, as: Block.self)
                        let a2 = a.loadUnaligned(fromByteOffset: 128, as: Block.self), a3 = a.loadUnaligned(fromByteOffset: 192, as: Block.self)
                        b.storeBytes(of: s * a0 + c * t0, as: Block.self)
                        b.storeBytes(of: s * a1 + c * t1, toByteOffset: 64, as: Block.self)
                        b.storeBytes(of: s * a2 + c * t2, toByteOffset: 128, as: Block.self)
                        b.storeBytes(of: s * a3 + c * t3, toByteOffset: 192, as: Block.self)
                        t0 = c * a0 - s * t0
                        t1 = c * a1 - s * t1
                        t2 = c * a2 - s * t2
                        t3 = c * a3 - s * t3
                        i -= 1
                    }
                    let first = base + (sweep.l * n + k0) * 8
                    first.storeBytes(of: t0, as: Block.self)
                    first.storeBytes(of: t1, toByteOffset: 64, as: Block.self)
                    first.storeBytes(of: t2, toByteOffset: 128, as: Block.self)
                    first.storeBytes(of: t3, toByteOffset: 192, as: Block.self)
                }
                k0 += 32
            }
            // The remaining columns one by one, in the same order.
            for k in k0..<n {
                var next = 0
                for sweep in sweeps {
                    var t = v[sweep.m * n + k]
                    var i = sweep.m - 1
                    while i >= sweep.l {
                        let c = cs[next], s = cs[next + 1]
                        next += 2
                        let a = v[i * n + k]
                        v[(i + 1) * n + k] = s * a + c * t
                        t = c * a - s * t
                        i -= 1
                    }
                    v[sweep.l * n + k] = t
                }
            }
        }
    }
}
