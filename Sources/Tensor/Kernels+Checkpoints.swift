/// The running argmax of a product at several depths — the pruning curves' kernel.
///
/// A pruning curve needs, for every row of X and every kept width k of a list, the argmax over
/// the columns of `Σ_{p < k} X[r, p] · V[p, c]`. Computed as one accumulating `matmul` per block
/// between the widths, the GEMM runs at depths of a few dozen and reloads and stores the output
/// at every block (the curves ran at ~65–75 % of a plain product's rate). Here each 6 × 32 tile is
/// accumulated over the full depth in registers, as `gemm`'s micro-kernel does, and at each
/// checkpoint depth its rows are folded into a running per-lane maximum (value and column) kept
/// for every row and checkpoint; the 16 lanes are reduced once at the end. Every sum is the one
/// `matmul` computes for the same leading columns: one fp32 fused multiply–add chain in
/// increasing `p`, whatever the blocking.
///
/// Columns are kept as Float lanes (exact below 2²⁴): a select under a Float comparison is one
/// masked move, while the standard library's Int32 select under it compiles to a loop over the
/// lanes. The 6 × 32 step is written out here as in `microKernel6x32` rather than shared: kernel
/// files keep their SIMD code file-local (see Kernels+GEMM.swift), since debug builds compile
/// files separately and would call a shared helper once per step.

private let lanes = 16
private let panelWidth = 32
private let tileRows = 6
/// Rows of X per work item: a block (~288 KB at depth 768) and one panel stay in the 1 MB L2
/// while the block meets every panel.
private let blockRows = 96

@inline(__always)
private func load(_ p: UnsafeRawPointer, _ offset: Int = 0) -> SIMD16<Float> { p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) }

extension Kernels {
    /// For every row `r < rows` of X (`X[r, p] = x[r·rowStride + p]`) and every checkpoint `t`,
    /// `indices[r·checkpoints.count + t] = argmax_c Σ_{p < checkpoints[t]} X[r, p] · V[p, c]`
    /// over `c < columns`, with `V[p, c] = v[p·vRowStride + c]`: the first column on ties, as
    /// `LinearAlgebra.argmax` and numpy's argmax. `checkpoints` must increase strictly, from
    /// at least 1. With `logits`, the sums at the last checkpoint are written there too
    /// (`rows × columns`, row-major). Each sum is bit for bit the element `matmul` computes
    /// over the same leading columns. Rows are dealt over `pool` in blocks; the results do
    /// not depend on the split. With `bias`, `bias[c]` is added to column c's sums before they
    /// are compared (and written), as `linear`'s store adds it. Inputs must be finite (a NaN sum
    /// is never a maximum).
    package static func checkpointArgmax(
        x: UnsafePointer<Float>, rows: Int, rowStride: Int,
        v: UnsafePointer<Float>, vRowStride: Int, columns: Int,
        checkpoints: [Int], bias: UnsafePointer<Float>? = nil, logits: UnsafeMutablePointer<Float>? = nil,
        indices: UnsafeMutablePointer<Int32>, pool: ThreadPool = .shared
    ) {
        precondition(!checkpoints.isEmpty && checkpoints[0] >= 1 && zip(checkpoints, checkpoints.dropFirst()).allSatisfy { $0 < $1 },
                     "checkpoints must increase strictly from at least 1")
        precondition(columns >= 1 && columns <= 1 << 24, "columns out of range")
        guard rows > 0 else { return }
        let depth = checkpoints.last!
        let panelCount = (columns + panelWidth - 1) / panelWidth
        let panelUnits = depth * panelWidth
        // Thread-local scratch (`Scratch`): repeated calls neither allocate nor fault pages.
        Scratch.withBuffer(count: panelCount * panelUnits, slot: .panels) { packed in
            pool.parallelFor(count: panelCount) { range in
                for j in range { pack(.rows(v, rowStride: vRowStride), panel: j, depth: depth, columns: columns, into: packed + j * panelUnits) }
            }
            let blocks = (rows + blockRows - 1) / blockRows
            let queue = ThreadPool.WorkQueue(count: blocks)
            let slots = blockRows * checkpoints.count
            pool.run { _, _ in
                // Each participant's running maxima: values then columns, `slots` vectors each.
                Scratch.withBuffer(count: 2 * slots * lanes, slot: .maxima) { best in
                    best.withMemoryRebound(to: SIMD16<Float>.self, capacity: 2 * slots) { vectors in
                        checkpoints.withUnsafeBufferPointer { checkpointBuffer in
                            while let block = queue.take() {
                                let r0 = block * blockRows, count = min(blockRows, rows - r0)
                                checkpointArgmaxBlock(
                                    x: x + r0 * rowStride, rows: count, rowStride: rowStride, panels: packed, panelCount: panelCount,
                                    columns: columns, checkpoints: checkpointBuffer, bias: bias, logits: logits.map { $0 + r0 * columns },
                                    bestValues: vectors, bestColumns: vectors + slots,
                                    indices: indices + r0 * checkpointBuffer.count)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One block of rows against every packed panel (see `checkpointArgmax`).
    private static func checkpointArgmaxBlock(
        x: UnsafePointer<Float>, rows: Int, rowStride: Int, panels: UnsafePointer<Float>, panelCount: Int, columns: Int,
        checkpoints: UnsafeBufferPointer<Int>, bias: UnsafePointer<Float>?, logits: UnsafeMutablePointer<Float>?,
        bestValues: UnsafeMutablePointer<SIMD16<Float>>, bestColumns: UnsafeMutablePointer<SIMD16<Float>>,
        indices: UnsafeMutablePointer<Int32>
    ) {
        typealias Vector = SIMD16<Float>
        let checkpointCount = checkpoints.count, depth = checkpoints[checkpointCount - 1]
        bestValues.initialize(repeating: Vector(repeating: -.infinity), count: rows * checkpointCount)
        bestColumns.initialize(repeating: Vector(), count: rows * checkpointCount)
        let laneColumns = Vector(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        for j in 0..<panelCount {
            let t0 = j * panelWidth, valid = min(panelWidth, columns - t0)
            let columnsLow = laneColumns + Float(t0), columnsHigh = columnsLow + Float(lanes)
            // Lanes past `columns` (zero-padded in the panel) must never win.
            let outsideLow = columnsLow .>= Float(columns), outsideHigh = columnsHigh .>= Float(columns)
            let panel = UnsafeRawPointer(panels + j * depth * panelWidth)
            // This panel's bias (zero past `columns`, where the lanes are masked anyway).
            var biasLow = Vector(), biasHigh = Vector()
            if let bias { for t in 0..<valid { if t < lanes { biasLow[t] = bias[t0 + t] } else { biasHigh[t - lanes] = bias[t0 + t] } } }
            /// Folds row `r`'s two vectors at checkpoint `t` into its running maximum.
            @inline(__always)
            func fold(_ low: Vector, _ high: Vector, row r: Int, checkpoint t: Int) {
                var low = low, high = high
                if bias != nil {
                    low += biasLow
                    high += biasHigh
                }
                if valid < panelWidth {
                    low = low.replacing(with: -.infinity, where: outsideLow)
                    high = high.replacing(with: -.infinity, where: outsideHigh)
                }
                // Ties keep the lower column: the high half wins only when strictly greater.
                let takeHigh = high .> low
                let value = low.replacing(with: high, where: takeHigh)
                let column = columnsLow.replacing(with: columnsHigh, where: takeHigh)
                let slot = r * checkpointCount + t
                // Panels come in increasing column order: a later panel wins only when strictly greater.
                // (`replacing` on loaded values: the in-place `replace` through the pointer compiles to a loop over lanes.)
                let best = bestValues[slot], bestColumn = bestColumns[slot]
                let better = value .> best
                bestValues[slot] = best.replacing(with: value, where: better)
                bestColumns[slot] = bestColumn.replacing(with: column, where: better)
            }
            @inline(__always)
            func write(_ low: Vector, _ high: Vector, row r: Int) {
                guard let logits else { return }
                let low = bias != nil ? low + biasLow : low, high = bias != nil ? high + biasHigh : high
                let out = logits + r * columns + t0
                if valid == panelWidth {
                    UnsafeMutableRawPointer(out).storeBytes(of: low, as: Vector.self)
                    UnsafeMutableRawPointer(out + lanes).storeBytes(of: high, as: Vector.self)
                } else {
                    for lane in 0..<min(lanes, valid) { out[lane] = low[lane] }
                    for lane in lanes..<max(lanes, valid) { out[lane] = high[lane - lanes] }
                }
            }
            var r = 0
            while r < rows {
                let validRows = min(tileRows, rows - r), last = validRows - 1
                let xr = x + r * rowStride
                let o1 = min(1, last) * rowStride, o2 = min(2, last) * rowStride, o3 = min(3, last) * rowStride
                let o4 = min(4, last) * rowStride, o5 = min(5, last) * rowStride
                var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
                var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
                var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
                var p = 0
                var xp = xr
                var bp = panel
                for t in 0..<checkpointCount {
                    let end = checkpoints[t]
                    for _ in p..<end {
                        let b0 = load(bp), b1 = load(bp, 64)
                        var a = Vector(repeating: xp[0])
                        c00.addProduct(a, b0); c01.addProduct(a, b1)
                        a = Vector(repeating: xp[o1])
                        c10.addProduct(a, b0); c11.addProduct(a, b1)
                        a = Vector(repeating: xp[o2])
                        c20.addProduct(a, b0); c21.addProduct(a, b1)
                        a = Vector(repeating: xp[o3])
                        c30.addProduct(a, b0); c31.addProduct(a, b1)
                        a = Vector(repeating: xp[o4])
                        c40.addProduct(a, b0); c41.addProduct(a, b1)
                        a = Vector(repeating: xp[o5])
                        c50.addProduct(a, b0); c51.addProduct(a, b1)
                        xp += 1
                        bp += 128
                    }
                    p = end
                    fold(c00, c01, row: r, checkpoint: t)
                    if validRows > 1 { fold(c10, c11, row: r + 1, checkpoint: t) }
                    if validRows > 2 { fold(c20, c21, row: r + 2, checkpoint: t) }
                    if validRows > 3 { fold(c30, c31, row: r + 3, checkpoint: t) }
                    if validRows > 4 { fold(c40, c41, row: r + 4, checkpoint: t) }
                    if validRows > 5 { fold(c50, c51, row: r + 5, checkpoint: t) }
                }
                precondition(p == depth)
                if logits != nil {
                    write(c00, c01, row: r)
                    if validRows > 1 { write(c10, c11, row: r + 1) }
                    if validRows > 2 { write(c20, c21, row: r + 2) }
                    if validRows > 3 { write(c30, c31, row: r + 3) }
                    if validRows > 4 { write(c40, c41, row: r + 4) }
                    if validRows > 5 { write(c50, c51, row: r + 5) }
                }
                r += tileRows
            }
        }
        // The 16 lanes of each running maximum: the largest value, the lowest column among equals.
        for slot in 0..<(rows * checkpointCount) {
            let values = bestValues[slot], columnsOfLanes = bestColumns[slot]
            let best = values.max()
            var column = Float.infinity
            for lane in 0..<lanes where values[lane] == best && columnsOfLanes[lane] < column { column = columnsOfLanes[lane] }
            indices[slot] = column.isFinite ? Int32(column) : 0
        }
    }
}
