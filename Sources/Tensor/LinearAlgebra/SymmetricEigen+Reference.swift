extension SymmetricEigen {
    /// The plain EISPACK tred2 loop that `tridiagonalize` reorders: per step a symmetric
    /// matrix–vector pass and then a rank-2 update pass over the remaining triangle. Same
    /// results, bit for bit (`LinearAlgebraTests`).
    static func tridiagonalizeReference(
        _ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
        _ e: UnsafeMutableBufferPointer<Double>, n: Int, accumulate: Bool
    ) {
        @inline(__always) func at(_ r: Int, _ c: Int) -> Int { c * n + r }
        for j in 0..<n { d[j] = v[at(n - 1, j)] }
        var i = n - 1
        while i > 0 {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[at(i - 1, j)]
                    v[at(i, j)] = 0
                    v[at(j, i)] = 0
                }
            } else {
                // Householder vector from the scaled row i.
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                // e = A u (lower triangle of the leading i×i block).
                for j in 0..<i {
                    f = d[j]
                    v[at(j, i)] = f
                    let column = j * n
                    // The column below the diagonal: its dot product with u and an axpy into e
                    // (two loops, so both vectorise).
                    g = e[j] + v[at(j, j)] * f
                    if j + 1 < i {
                        g += dot(v.baseAddress! + column + j + 1, d.baseAddress! + j + 1, count: i - j - 1)
                        for k in (j + 1)..<i { e[k] += v[column + k] * f }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                // Rank-2 update A -= u qᵀ + q uᵀ.
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    let column = j * n
                    for k in j..<i { v[column + k] -= f * e[k] + g * d[k] }
                    d[j] = v[at(i - 1, j)]
                    v[at(i, j)] = 0
                }
            }
            d[i] = h
            i -= 1
        }
        finishReduction(v, d, e, n: n, accumulate: accumulate, reflection: reflectReference)
    }

    /// tred2's step of the accumulation with the update in a scalar loop, as `reflect` before
    /// it ran four columns at a time in SIMD lanes. Same results, bit for bit (`LinearAlgebraTests`).
    static func reflectReference(_ v: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>, i: Int, n: Int) {
        let h = d[i + 1]
        let next = (i + 1) * n
        for k in 0...i { d[k] = v[next + k] / h }
        for j in 0...i {
            let column = j * n
            let g = dot(v.baseAddress! + next, v.baseAddress! + column, count: i + 1)
            for k in 0...i { v[column + k] -= g * d[k] }
        }
    }
}
