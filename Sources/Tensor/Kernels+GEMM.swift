/// The GEMM core behind `linear`, `matmul`, `conv2d` and `attention`.
///
/// Every product here is computed as `tile[r, t] = Σ_p X[r, p] · V[p, t]` where
///
/// - **X** (the *broadcast operand*) is read in place through two strides,
///   `X[r, p] = x[r·rowStride + p·columnStride]` — for `linear` and `conv2d` that is the
///   weight itself, straight from the memory-mapped checkpoint, so weights are never
///   repacked or cached (the reason no `PackedWeights` API exists: nothing to invalidate
///   when a caller frees or rewrites a buffer at a reused address);
/// - **V** (the *vector operand*) is packed per call into panels of `panelWidth` = 32
///   columns, `k` rows each, zero-padded — the activations for `linear`, the im2col
///   patches for `conv2d`, `B` for `matmul`. Packing is O(k·columns), negligible next to
///   the O(rows·k·columns) product.
///
/// The micro-kernel keeps a 6 × 32 tile in 12 `SIMD16<Float>` accumulators (one FMA per
/// broadcast element and vector, 8 loads per 12 FMAs) and runs over the full depth `k`
/// without splitting it, so each output element is one fp32 sum in increasing `p`
/// order — the same order as the reference twins. Cache blocking: a block of X rows
/// (~256 KB) is swept against a group of packed panels (~384 KB), both resident in the
/// 1 MB L2; each 6-row slice of X (≤ 18 KB for k = 768) stays in L1 across the group.
// Tile geometry and SIMD helpers are private to each kernel file on purpose: debug builds
// compile files separately (no whole-module optimisation) and then only inline and
// constant-fold same-file code; a shared `static let` or helper costs a call per use.
private let lanes = 16
/// Columns per packed panel: two 16-lane vectors.
private let panelWidth = 32
/// Rows of X per micro-kernel call.
private let tileRows = 6

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func store(_ v: SIMD16<Float>, to p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

extension Kernels {

    /// How one packed panel of the vector operand is produced.
    enum VectorOperand {
        /// `V[p, t] = source[t·rowStride + p]` — rows of activations (`linear`'s input).
        case transposedRows(UnsafePointer<Float>, rowStride: Int)
        /// `V[p, t] = source[p·rowStride + t]` — a row-major (k, columns) matrix (`matmul`'s B).
        case rows(UnsafePointer<Float>, rowStride: Int)
        /// `V[(c, ky, kx), t] = image_b[c, oy·s − pad + ky, ox·s − pad + kx]` with
        /// `t = b·positions + oy·outWidth + ox` — the im2col matrix of a batch of images
        /// side by side, built panel by panel.
        case im2col(Im2Col)
    }

    struct Im2Col {
        /// The first image; image `b` starts at `images + b·channels·height·width`.
        var images: UnsafePointer<Float>
        var channels: Int, height: Int, width: Int
        var kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int
        var outWidth: Int
        /// Output positions per image, `outHeight·outWidth`.
        var positions: Int
    }

    /// Where the tile `tile[r, t]` (X row `r`, vector column `t`) goes.
    enum OutputLayout {
        /// `c[r·rowStride + t]`.
        case direct(UnsafeMutablePointer<Float>, rowStride: Int)
        /// `c[t·rowStride + r]`.
        case transposed(UnsafeMutablePointer<Float>, rowStride: Int)
        /// Columns are (image, position) pairs, `t = b·positions + s`, and each image has
        /// its own `rowsPerImage × positions` block: `c[(b·rowsPerImage + r)·positions + s]`.
        case batched(UnsafeMutablePointer<Float>, rowsPerImage: Int, positions: Int)
        /// `c[r·rowStride + t] += tile[r, t]` — a product added to what `c` holds.
        case accumulating(UnsafeMutablePointer<Float>, rowStride: Int)
    }

    /// `output(r, t) = Σ_p X[r, p] · V[p, t] + (bias?[r] ?? 0)` for `r < rows`, `t < columns`.
    /// `k` must be ≥ 1.
    static func gemm(
        rows: Int, columns: Int, depth k: Int,
        x: UnsafePointer<Float>, xRowStride: Int, xColumnStride: Int,
        vector: VectorOperand, output: OutputLayout, bias: UnsafePointer<Float>?,
        pool: ThreadPool = .shared
    ) {
        let panelCount = (columns + panelWidth - 1) / panelWidth
        let panelFloats = k * panelWidth
        // Blocking: ~64 K floats of X per row block, ~96 K floats of panels per group,
        // then smaller blocks until there are enough items to balance the threads.
        var rowBlock = max(tileRows, min(rows.roundedUp(to: tileRows), (65_536 / k) / tileRows * tileRows))
        var groupPanels = max(1, min(panelCount, 98_304 / panelFloats))
        let wantedItems = 8 * pool.threadCount
        while (rows + rowBlock - 1) / rowBlock * ((panelCount + groupPanels - 1) / groupPanels) < wantedItems {
            if groupPanels > 1 {
                groupPanels = (groupPanels + 1) / 2
            } else if rowBlock > tileRows {
                rowBlock = max(tileRows, (rowBlock / 2).roundedUp(to: tileRows))
            } else {
                break
            }
        }
        let rowBlocks = (rows + rowBlock - 1) / rowBlock
        let groups = (panelCount + groupPanels - 1) / groupPanels

        /// Item `item`: rows of its row block × panels of its group, panels read from `packed`.
        func compute(item: Int, packed: UnsafePointer<Float>, firstPackedPanel: Int, tile: UnsafeMutablePointer<Float>) {
            let group = item / rowBlocks, block = item % rowBlocks
            let rowStart = block * rowBlock, rowEnd = min(rows, rowStart + rowBlock)
            let panelStart = group * groupPanels, panelEnd = min(panelCount, panelStart + groupPanels)
            var r0 = rowStart
            while r0 < rowEnd {
                let validRows = min(tileRows, rowEnd - r0)
                for panel in panelStart..<panelEnd {
                    let t0 = panel * panelWidth
                    let source = packed + (panel - firstPackedPanel) * panelFloats
                    if columns - t0 <= lanes {
                        // A half-empty last panel (400 = 12·32 + 16 rows at ViT-B/32 batch 8).
                        microKernel6x16(
                            depth: k, x: x + r0 * xRowStride, rowStride: xRowStride, columnStride: xColumnStride,
                            validRows: validRows, panel: source, tile: tile)
                    } else {
                        microKernel6x32(
                            depth: k, x: x + r0 * xRowStride, rowStride: xRowStride, columnStride: xColumnStride,
                            validRows: validRows, panel: source, tile: tile)
                    }
                    storeTile(
                        tile, rows: validRows, columns: min(panelWidth, columns - t0),
                        rowOffset: r0, columnOffset: t0, output: output, bias: bias)
                }
                r0 += tileRows
            }
        }

        if rowBlocks == 1 {
            // Every item owns a distinct panel group: pack it right before use, into the
            // running thread's scratch, so panels go from packing to the kernel through
            // L2 (im2col of a batch can be tens of MB).
            let queue = ThreadPool.WorkQueue(count: groups)
            pool.run { _, _ in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: tileRows * panelWidth) { tileBuffer in
                    Scratch.withBuffer(count: groupPanels * panelFloats) { packed in
                        while let item = queue.take() {
                            let panelStart = item * groupPanels, panelEnd = min(panelCount, panelStart + groupPanels)
                            for panel in panelStart..<panelEnd {
                                pack(vector, panel: panel, depth: k, columns: columns, into: packed + (panel - panelStart) * panelFloats)
                            }
                            compute(item: item, packed: packed, firstPackedPanel: panelStart, tile: tileBuffer.baseAddress!)
                        }
                    }
                }
            }
            return
        }
        // Row blocks share panels: pack all of them once, then compute. The buffer is the
        // caller's thread-local scratch so steady-state calls neither allocate nor fault pages.
        Scratch.withBuffer(count: panelCount * panelFloats) { packed in
            pool.parallelFor(count: panelCount) { range in
                for panel in range {
                    pack(vector, panel: panel, depth: k, columns: columns, into: packed + panel * panelFloats)
                }
            }
            let queue = ThreadPool.WorkQueue(count: rowBlocks * groups)
            pool.run { _, _ in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: tileRows * panelWidth) { tileBuffer in
                    while let item = queue.take() {
                        compute(item: item, packed: packed, firstPackedPanel: 0, tile: tileBuffer.baseAddress!)
                    }
                }
            }
        }
    }

    /// Packs panel `panel` (columns `32·panel ..< 32·panel + 32`) of the vector operand:
    /// `destination[p·32 + t] = V[p, 32·panel + t]`, zero beyond `columns`.
    static func pack(
        _ vector: VectorOperand, panel: Int, depth k: Int, columns: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let t0 = panel * panelWidth
        let valid = min(panelWidth, columns - t0)
        if valid < panelWidth { destination.initialize(repeating: 0, count: k * panelWidth) }
        switch vector {
        case .transposedRows(let source, let rowStride):
            // Read each source row 16 floats at a time; write each lane with stride 32.
            // Written as explicit extracts because the auto-vectoriser turns the plain
            // double loop into scatter/gather instructions, which are slow on this CPU.
            for t in 0..<valid {
                let row = source + (t0 + t) * rowStride
                var p = 0
                while p + lanes <= k {
                    scatter16(load(row + p), to: destination + p * panelWidth + t, stride: panelWidth)
                    p += lanes
                }
                while p < k {
                    destination[p * panelWidth + t] = row[p]
                    p += 1
                }
            }
        case .rows(let source, let rowStride):
            for p in 0..<k {
                let row = source + p * rowStride + t0
                let out = destination + p * panelWidth
                if valid == panelWidth {
                    out.update(from: row, count: panelWidth)
                } else {
                    out.update(from: row, count: valid)
                }
            }
        case .im2col(let geometry):
            packIm2Col(geometry, firstColumn: t0, validColumns: valid, depth: k, into: destination)
        }
    }

    private static func packIm2Col(
        _ g: Im2Col, firstColumn t0: Int, validColumns valid: Int, depth k: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let plane = g.height * g.width
        let imageSize = g.channels * plane
        if g.kernelHeight == 1, g.kernelWidth == 1, g.stride == 1, g.padding == 0 {
            // 1×1 stride-1 convolution: the patch matrix is the images themselves; split
            // the panel where it crosses from one image into the next.
            var t = 0
            while t < valid {
                let b = (t0 + t) / g.positions, s = (t0 + t) % g.positions
                let length = min(valid - t, g.positions - s)
                let source = g.images + b * imageSize + s
                for c in 0..<g.channels { copy(source + c * plane, to: destination + c * panelWidth + t, count: length) }
                t += length
            }
            return
        }
        // The panel's positions split into runs along one output row of one image (at
        // most 32 runs), computed once; then per patch row (c, ky, kx) and run the source
        // is one input row read with stride `stride`, bounds resolved per run.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 5 * panelWidth) { runs in
            var runCount = 0
            var t = 0
            while t < valid {
                let b = (t0 + t) / g.positions, s = (t0 + t) % g.positions
                let oy = s / g.outWidth, ox = s % g.outWidth
                let length = min(valid - t, g.outWidth - ox)
                runs[5 * runCount] = t
                runs[5 * runCount + 1] = length
                runs[5 * runCount + 2] = oy * g.stride - g.padding
                runs[5 * runCount + 3] = ox * g.stride - g.padding
                runs[5 * runCount + 4] = b * imageSize
                runCount += 1
                t += length
            }
            var p = 0
            for c in 0..<g.channels {
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let out = destination + p * panelWidth
                        for run in 0..<runCount {
                            let runOut = out + runs[5 * run], length = runs[5 * run + 1]
                            let iy = runs[5 * run + 2] + ky
                            guard iy >= 0 && iy < g.height else {
                                for i in 0..<length { runOut[i] = 0 }
                                continue
                            }
                            // Input column of run element i: ix0 + i·stride; in bounds for i in lo..<hi.
                            let ix0 = runs[5 * run + 3] + kx
                            let lo = min(length, ix0 >= 0 ? 0 : (-ix0 + g.stride - 1) / g.stride)
                            let hi = max(lo, min(length, ix0 >= g.width ? 0 : (g.width - 1 - ix0) / g.stride + 1))
                            for i in 0..<lo { runOut[i] = 0 }
                            let line = g.images + runs[5 * run + 4] + c * plane + iy * g.width + ix0
                            if g.stride == 1 {
                                copy(line + lo, to: runOut + lo, count: hi - lo)
                            } else {
                                var i = lo
                                while i < hi {
                                    runOut[i] = line[i * g.stride]
                                    i += 1
                                }
                            }
                            for i in hi..<length { runOut[i] = 0 }
                        }
                        p += 1
                    }
                }
            }
            precondition(p == k, "im2col depth mismatch")
        }
    }

    /// A short inline copy (≤ 32 floats here), cheaper than a `memmove` call.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + lanes <= count {
            store(load(source + i), to: destination + i)
            i += lanes
        }
        while i < count {
            destination[i] = source[i]
            i += 1
        }
    }

    /// `tile[r·32 + t] = Σ_{p<k} X[r, p] · panel[p·32 + t]` for `r < 6`. Rows at or beyond
    /// `validRows` repeat the last valid row (their results are discarded by the store).
    @inline(__always)
    static func microKernel6x32(
        depth k: Int, x: UnsafePointer<Float>, rowStride: Int, columnStride: Int, validRows: Int,
        panel: UnsafePointer<Float>, tile: UnsafeMutablePointer<Float>
    ) {
        typealias Vector = SIMD16<Float>
        let last = validRows - 1
        let o1 = min(1, last) * rowStride, o2 = min(2, last) * rowStride, o3 = min(3, last) * rowStride
        let o4 = min(4, last) * rowStride, o5 = min(5, last) * rowStride
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        var xp = x
        var bp = UnsafeRawPointer(panel)
        for _ in 0..<k {
            let b0 = bp.loadUnaligned(as: Vector.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 64, as: Vector.self)
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
            xp += columnStride
            bp += 128
        }
        let out = UnsafeMutableRawPointer(tile)
        out.storeBytes(of: c00, toByteOffset: 0, as: Vector.self)
        out.storeBytes(of: c01, toByteOffset: 64, as: Vector.self)
        out.storeBytes(of: c10, toByteOffset: 128, as: Vector.self)
        out.storeBytes(of: c11, toByteOffset: 192, as: Vector.self)
        out.storeBytes(of: c20, toByteOffset: 256, as: Vector.self)
        out.storeBytes(of: c21, toByteOffset: 320, as: Vector.self)
        out.storeBytes(of: c30, toByteOffset: 384, as: Vector.self)
        out.storeBytes(of: c31, toByteOffset: 448, as: Vector.self)
        out.storeBytes(of: c40, toByteOffset: 512, as: Vector.self)
        out.storeBytes(of: c41, toByteOffset: 576, as: Vector.self)
        out.storeBytes(of: c50, toByteOffset: 640, as: Vector.self)
        out.storeBytes(of: c51, toByteOffset: 704, as: Vector.self)
    }

    /// `microKernel6x32` for the first 16 columns of the panel only (writes tile lanes 0..<16).
    @inline(__always)
    static func microKernel6x16(
        depth k: Int, x: UnsafePointer<Float>, rowStride: Int, columnStride: Int, validRows: Int,
        panel: UnsafePointer<Float>, tile: UnsafeMutablePointer<Float>
    ) {
        typealias Vector = SIMD16<Float>
        let last = validRows - 1
        let o1 = min(1, last) * rowStride, o2 = min(2, last) * rowStride, o3 = min(3, last) * rowStride
        let o4 = min(4, last) * rowStride, o5 = min(5, last) * rowStride
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        var xp = x
        var bp = UnsafeRawPointer(panel)
        for _ in 0..<k {
            let b = bp.loadUnaligned(as: Vector.self)
            c0.addProduct(Vector(repeating: xp[0]), b)
            c1.addProduct(Vector(repeating: xp[o1]), b)
            c2.addProduct(Vector(repeating: xp[o2]), b)
            c3.addProduct(Vector(repeating: xp[o3]), b)
            c4.addProduct(Vector(repeating: xp[o4]), b)
            c5.addProduct(Vector(repeating: xp[o5]), b)
            xp += columnStride
            bp += 128
        }
        let out = UnsafeMutableRawPointer(tile)
        out.storeBytes(of: c0, toByteOffset: 0, as: Vector.self)
        out.storeBytes(of: c1, toByteOffset: 128, as: Vector.self)
        out.storeBytes(of: c2, toByteOffset: 256, as: Vector.self)
        out.storeBytes(of: c3, toByteOffset: 384, as: Vector.self)
        out.storeBytes(of: c4, toByteOffset: 512, as: Vector.self)
        out.storeBytes(of: c5, toByteOffset: 640, as: Vector.self)
    }

    /// Writes the valid `rows × columns` corner of a 6 × 32 tile, adding `bias[rowOffset + r]`.
    @inline(__always)
    static func storeTile(
        _ tile: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowOffset: Int, columnOffset: Int,
        output: OutputLayout, bias: UnsafePointer<Float>?
    ) {
        switch output {
        case .direct(let c, let rowStride), .accumulating(let c, let rowStride):
            let adding: Bool
            if case .accumulating = output { adding = true } else { adding = false }
            for r in 0..<rows {
                let b = bias?[rowOffset + r] ?? 0
                let source = tile + r * panelWidth
                let destination = c + (rowOffset + r) * rowStride + columnOffset
                if columns == panelWidth {
                    let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(destination)
                    let splat = SIMD16<Float>(repeating: b)
                    var low = raw.loadUnaligned(as: SIMD16<Float>.self) + splat
                    var high = raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) + splat
                    if adding {
                        low = out.loadUnaligned(as: SIMD16<Float>.self) + low
                        high = out.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) + high
                    }
                    out.storeBytes(of: low, as: SIMD16<Float>.self)
                    out.storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
                } else if adding {
                    for t in 0..<columns { destination[t] += source[t] + b }
                } else {
                    for t in 0..<columns { destination[t] = source[t] + b }
                }
            }
        case .batched(let c, let rowsPerImage, let positions):
            var t = 0
            while t < columns {
                let b = (columnOffset + t) / positions, s = (columnOffset + t) % positions
                let length = min(columns - t, positions - s)
                for r in 0..<rows {
                    let bias = bias?[rowOffset + r] ?? 0
                    let source = tile + r * panelWidth + t
                    let destination = c + (b * rowsPerImage + rowOffset + r) * positions + s
                    for i in 0..<length { destination[i] = source[i] + bias }
                }
                t += length
            }
        case .transposed(let c, let rowStride):
            guard rows == tileRows else {
                for t in 0..<columns {
                    let destination = c + (columnOffset + t) * rowStride + rowOffset
                    for r in 0..<rows { destination[r] = tile[r * panelWidth + t] + (bias?[rowOffset + r] ?? 0) }
                }
                return
            }
            // Six rows: each output row t gets 6 consecutive floats, one lane of each of
            // the six row vectors (explicit extracts; see `pack` on why not a plain loop).
            for half in 0..<2 where half * lanes < columns {
                let count = min(lanes, columns - half * lanes)
                var v = (
                    load(tile + half * lanes), load(tile + panelWidth + half * lanes),
                    load(tile + 2 * panelWidth + half * lanes), load(tile + 3 * panelWidth + half * lanes),
                    load(tile + 4 * panelWidth + half * lanes), load(tile + 5 * panelWidth + half * lanes))
                if let bias {
                    let b = bias + rowOffset
                    v.0 += b[0]; v.1 += b[1]; v.2 += b[2]; v.3 += b[3]; v.4 += b[4]; v.5 += b[5]
                }
                let base = c + (columnOffset + half * lanes) * rowStride + rowOffset
                @inline(__always) func put(_ lane: Int) {
                    guard lane < count else { return }
                    let d = base + lane * rowStride
                    d[0] = v.0[lane]; d[1] = v.1[lane]; d[2] = v.2[lane]
                    d[3] = v.3[lane]; d[4] = v.4[lane]; d[5] = v.5[lane]
                }
                put(0); put(1); put(2); put(3); put(4); put(5); put(6); put(7)
                put(8); put(9); put(10); put(11); put(12); put(13); put(14); put(15)
            }
        }
    }

    /// `destination[i·stride] = v[i]` for the 16 lanes.
    @inline(__always)
    static func scatter16(_ v: SIMD16<Float>, to d: UnsafeMutablePointer<Float>, stride s: Int) {
        d[0] = v[0]; d[s] = v[1]; d[2 * s] = v[2]; d[3 * s] = v[3]
        d[4 * s] = v[4]; d[5 * s] = v[5]; d[6 * s] = v[6]; d[7 * s] = v[7]
        d[8 * s] = v[8]; d[9 * s] = v[9]; d[10 * s] = v[10]; d[11 * s] = v[11]
        d[12 * s] = v[12]; d[13 * s] = v[13]; d[14 * s] = v[14]; d[15 * s] = v[15]
    }
}

extension Int {
    /// The smallest multiple of `step` that is ≥ `self` (for non-negative values).
    @inline(__always)
    func roundedUp(to step: Int) -> Int { (self + step - 1) / step * step }
}
