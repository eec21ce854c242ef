/// The fp64 product behind the probes' covariances, Gram matrices and Fréchet terms:
/// `c (+)= A · B` for an m×k `A` read in place through two strides, a row-major k×n `B`
/// and a row-major m×n `c`.
///
/// Register-blocked like Tensor's fp32 GEMM, in fp64: a 6 × 16 tile of `c` lives in
/// 12 `SIMD8<Double>` accumulators; each step broadcasts six elements of `A` and loads
/// two vectors of a packed 16-column panel of `B` (12 FMAs per 8 loads). The depth is
/// cut into blocks of `depthBlock` so one packed block of `B` (`depthBlock` × n) stays in
/// L2 while every row tile sweeps it; the tile is added to `c` after each block. Row tiles
/// are handed out dynamically over Tensor's pool. Summation order: each block's partial
/// sum in increasing `p`, blocks in order — the results equal the naive triple loop to
/// rounding (~1e-16 relative per term), not bit for bit.
enum DoubleGEMM {
    static let tileRows = 6
    static let panelWidth = 16
    static let depthBlock = 192

    /// With `upperOnly` (square `c`), tiles lying entirely below the diagonal are skipped —
    /// for symmetric products whose lower triangle the caller mirrors. With `aUpperTriangular`
    /// (`A[r, p] = 0` for p < r) or `bLowerTriangular` (`B[p, t] = 0` for p < t) a tile skips
    /// the depth blocks that meet only those zeros: they would add a sum of zero products, +0,
    /// which leaves every (finite) element as it is.
    static func multiply(
        a: UnsafePointer<Double>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Double>, bRowStride: Int,
        c: UnsafeMutablePointer<Double>, cRowStride: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, upperOnly: Bool = false,
        aUpperTriangular: Bool = false, bLowerTriangular: Bool = false
    ) {
        guard m > 0, n > 0 else { return }
        if !accumulate {
            for i in 0..<m { (c + i * cRowStride).initialize(repeating: 0, count: n) }
        }
        guard k > 0 else { return }
        let panels = (n + panelWidth - 1) / panelWidth
        let rowTiles = (m + tileRows - 1) / tileRows
        let packed = UnsafeMutablePointer<Double>.allocate(capacity: min(k, depthBlock) * panels * panelWidth)
        defer { packed.deallocate() }
        var p0 = 0
        while p0 < k {
            let depth = min(depthBlock, k - p0)
            // Pack rows p0..<p0+depth of B into 16-column panels, zero-padded.
            ThreadPool.shared.parallelFor(count: panels) { range in
                for panel in range {
                    let t0 = panel * panelWidth, valid = min(panelWidth, n - t0)
                    let destination = packed + panel * depth * panelWidth
                    for p in 0..<depth {
                        let source = b + (p0 + p) * bRowStride + t0
                        let out = destination + p * panelWidth
                        for t in 0..<valid { out[t] = source[t] }
                        for t in valid..<panelWidth { out[t] = 0 }
                    }
                }
            }
            let queue = ThreadPool.WorkQueue(count: rowTiles)
            ThreadPool.shared.run { _, _ in
                // The tile's slice of A, packed p-major (6 values per step, zero past `rows`):
                // one cache line per step instead of six strided reads.
                let slice = UnsafeMutablePointer<Double>.allocate(capacity: depth * tileRows)
                defer { slice.deallocate() }
                while let tile = queue.take() {
                    let r0 = tile * tileRows, rows = min(tileRows, m - r0)
                    if aUpperTriangular && p0 + depth <= r0 { continue }
                    for p in 0..<depth {
                        let source = a + r0 * aRowStride + (p0 + p) * aColumnStride
                        for r in 0..<tileRows { slice[p * tileRows + r] = r < rows ? source[r * aRowStride] : 0 }
                    }
                    let firstPanel = upperOnly ? r0 / panelWidth : 0
                    for panel in firstPanel..<panels {
                        let t0 = panel * panelWidth
                        if bLowerTriangular && p0 + depth <= t0 { break }
                        microKernel(
                            depth: depth, slice: slice, rows: rows, panel: packed + panel * depth * panelWidth,
                            c: c + r0 * cRowStride + t0, cRowStride: cRowStride, columns: min(panelWidth, n - t0))
                    }
                }
            }
            p0 += depth
        }
    }

    /// Adds the `rows` × `columns` (≤ 6 × 16) product of a packed A slice (`depth` × 6) and
    /// one packed panel (`depth` × 16) to `c`.
    @inline(__always)
    static func microKernel(
        depth: Int, slice: UnsafePointer<Double>, rows: Int,
        panel: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, cRowStride: Int, columns: Int
    ) {
        typealias V = SIMD8<Double>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let raw = UnsafeRawPointer(panel)
        for p in 0..<depth {
            let b0 = raw.loadUnaligned(fromByteOffset: p * 128, as: V.self)
            let b1 = raw.loadUnaligned(fromByteOffset: p * 128 + 64, as: V.self)
            let column = slice + p * tileRows
            let a0 = V(repeating: column[0]), a1 = V(repeating: column[1]), a2 = V(repeating: column[2])
            c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1)
            c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1)
            c20 = c20.addingProduct(a2, b0); c21 = c21.addingProduct(a2, b1)
            let a3 = V(repeating: column[3]), a4 = V(repeating: column[4]), a5 = V(repeating: column[5])
            c30 = c30.addingProduct(a3, b0); c31 = c31.addingProduct(a3, b1)
            c40 = c40.addingProduct(a4, b0); c41 = c41.addingProduct(a4, b1)
            c50 = c50.addingProduct(a5, b0); c51 = c51.addingProduct(a5, b1)
        }
        @inline(__always) func add(_ low: V, _ high: V, row r: Int) {
            guard r < rows else { return }
            let out = c + r * cRowStride
            if columns == panelWidth {
                let raw = UnsafeMutableRawPointer(out)
                raw.storeBytes(of: raw.loadUnaligned(as: V.self) + low, as: V.self)
                raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 64, as: V.self) + high, toByteOffset: 64, as: V.self)
            } else {
                for t in 0..<columns { out[t] += t < 8 ? low[t] : high[t - 8] }
            }
        }
        add(c00, c01, row: 0)
        add(c10, c11, row: 1)
        add(c20, c21, row: 2)
        add(c30, c31, row: 3)
        add(c40, c41, row: 4)
        add(c50, c51, row: 5)
    }
}
