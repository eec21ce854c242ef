/// The GEMM core behind `linear`, `matmul`, `conv2d` and `attention`.
///
/// Every product here is computed as `tile[r, t] = Σ_p X[r, p] · V[p, t]` where
///
/// - **X** (the *broadcast operand*) is read in place: fp32 through two strides,
///   `X[r, p] = x[r·rowStride + p·columnStride]` — activations for `linear` with a
///   `PackedWeight`, the weight itself for `conv2d` and the raw-pointer `linear` — or rows of
///   bf16 pair words (`Kernels+BF16.swift`);
/// - **V** (the *vector operand*) comes in panels of `panelWidth` = 32 columns, `k` rows
///   each, zero-padded: packed ahead of time (a `PackedWeight`), or packed per call — the
///   activations for the raw-pointer `linear`, the im2col patches for `conv2d`, `B` for
///   `matmul`. Packing is O(k·columns), small next to the O(rows·k·columns) product.
///
/// The fp32 micro-kernel keeps a 6 × 32 tile in 12 `SIMD16<Float>` accumulators (one FMA
/// per broadcast element and vector, 8 loads per 12 FMAs) and runs over the full depth `k`
/// without splitting it, so each output element is one fp32 sum in increasing `p` order —
/// the same order as the reference twins, and the same bits whichever operand is X, how
/// many rows a call has and how the work is split. The bf16 micro-kernel keeps an 8 × 32
/// tile over pair words (16 accumulators, 2 panel loads and 8 broadcasts per 16
/// `vdpbf16ps`; the 6-row shape left it ~15 % slower).
///
/// Blocking: a work item is a block of X rows (about 384 KB, kept in L2) against a group of
/// panels; within an item each panel (96 KB for k = 768, streamed from L2) meets every 6-row
/// (bf16: 8-row) slice of the block before the next panel is read, so X leaves memory once per item and
/// each panel once per block. Panels packed per call are packed a slab (≤ 4 MB) at a time,
/// all threads packing, then computed; when one row block covers all of X (convolutions with
/// few output channels) each item packs its panels a few (~256 KB) at a time right before computing them.
// Tile geometry and SIMD helpers are private to each kernel file on purpose: debug builds
// compile files separately (no whole-module optimisation) and then only inline and
// constant-fold same-file code; a shared `static let` or helper costs a call per use.
private let lanes = 16
/// Columns per packed panel: two 16-lane vectors.
private let panelWidth = 32
/// Rows of X per fp32 micro-kernel call (the bf16 one takes `tileRowsBF16` = 8).
private let fp32TileRows = 6
/// Four-byte units of X per row block (~384 KB: a block and a panel share the 1 MB L2).
private let rowBlockUnits = 98_304
/// At most this many X rows per block (bounds the transposed store's staging buffer).
private let maximumRowBlock = 384
/// Four-byte units of per-call packed panels per slab (~4 MB).
private let slabUnits = 1 << 20
/// Four-byte units of panels packed at once when each panel meets all of X once (~256 KB).
private let packBatchUnits = 65_536

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func store(_ v: SIMD16<Float>, to p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

extension Kernels {

    /// How the panels of the vector operand are produced.
    enum VectorOperand {
        /// `V[p, t] = source[t·rowStride + p]` — rows of activations (`linear`'s input).
        case transposedRows(UnsafePointer<Float>, rowStride: Int)
        /// `V[p, t] = source[p·rowStride + t]` — a row-major (k, columns) matrix (`matmul`'s B).
        case rows(UnsafePointer<Float>, rowStride: Int)
        /// `V[(c, ky, kx), t] = image_b[c, oy·s − pad + ky, ox·s − pad + kx]` with
        /// `t = b·positions + oy·outWidth + ox` — the im2col matrix of a batch of images
        /// side by side, built panel by panel.
        case im2col(Im2Col)
        /// Panels packed ahead of time (a `PackedWeight`'s storage): panel `j` starts
        /// `j·k·32` four-byte units after the pointer.
        case packed(UnsafeRawPointer)
    }

    /// The broadcast operand and so the micro-kernel.
    enum BroadcastOperand {
        /// fp32, `X[r, p] = x[r·rowStride + p·columnStride]`.
        case fp32(UnsafePointer<Float>, rowStride: Int, columnStride: Int)
        /// bf16 pair words, `X[r, q] = x[r·rowStride + q]`, against `.packed` bf16 panels.
        case bf16Pairs(UnsafePointer<UInt32>, rowStride: Int)
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
        /// its own `rowsPerImage × positions` block: `c[(b·rowsPerImage + r)·positions + s]`;
        /// when `adding`, the product is added to what `c` holds there.
        case batched(UnsafeMutablePointer<Float>, rowsPerImage: Int, positions: Int, adding: Bool)
        /// `c[r·rowStride + t] += tile[r, t] (+ bias)` — a product added to what `c` holds.
        case accumulating(UnsafeMutablePointer<Float>, rowStride: Int)
    }

    /// An element-wise activation the store can apply (`linear`'s and `conv2d`'s
    /// `activation:`), computed exactly as `gelu` / `quickGelu` / `relu` compute it.
    public enum FusedActivation: Sendable {
        case gelu
        case quickGelu
        case relu
    }

    /// What the store does to each product: `tile + bias`, added to the output when the
    /// layout accumulates, then the activation.
    struct Epilogue {
        /// `bias[r]`, per X row (conv, the raw-pointer `linear`).
        var rowBias: UnsafePointer<Float>?
        /// `bias[t]`, per vector column (`linear` with a `PackedWeight`).
        var columnBias: UnsafePointer<Float>?
        /// Last, on what is stored; `.direct`, `.accumulating` and `.batched` output only.
        var activation: FusedActivation?

        init(rowBias: UnsafePointer<Float>? = nil, columnBias: UnsafePointer<Float>? = nil, activation: FusedActivation? = nil) {
            precondition(rowBias == nil || columnBias == nil, "one bias per product")
            self.rowBias = rowBias
            self.columnBias = columnBias
            self.activation = activation
        }
    }

    /// `output(r, t) = act(Σ_p X[r, p] · V[p, t] + bias)` for `r < rows`, `t < columns`,
    /// with `depth` ≥ 1 four-byte units per row of X (floats, or pair words for bf16).
    static func gemm(
        rows: Int, columns: Int, depth k: Int, x: BroadcastOperand,
        vector: VectorOperand, output: OutputLayout, epilogue: Epilogue = Epilogue(),
        pool: ThreadPool = .shared
    ) {
        let panelCount = (columns + panelWidth - 1) / panelWidth
        let panelUnits = k * panelWidth
        var prepacked: UnsafeRawPointer?
        if case .packed(let panels) = vector { prepacked = panels }
        // Rows of X per micro-kernel call: 6 for fp32, 8 for bf16.
        var tileRows = fp32TileRows
        if case .bf16Pairs = x {
            precondition(prepacked != nil, "bf16 GEMM needs packed panels")
            tileRows = tileRowsBF16
        }
        // Row blocks sized for L2, slabs for L3; then smaller groups and blocks until there
        // are enough items to keep every thread busy to the end.
        var rowBlock = max(tileRows, min(rows.roundedUp(to: tileRows), maximumRowBlock, (rowBlockUnits / k) / tileRows * tileRows))
        let slabPanels = prepacked != nil ? panelCount : max(1, min(panelCount, slabUnits / panelUnits))
        var groupPanels = slabPanels
        let wantedItems = 4 * pool.threadCount
        while (rows + rowBlock - 1) / rowBlock * ((slabPanels + groupPanels - 1) / groupPanels) < wantedItems {
            if groupPanels > 1 {
                groupPanels = (groupPanels + 1) / 2
            } else if rowBlock > tileRows {
                rowBlock = max(tileRows, (rowBlock / 2).roundedUp(to: tileRows))
            } else {
                break
            }
        }
        let rowBlocks = (rows + rowBlock - 1) / rowBlock

        /// Rows of block `block` × panels `panels`, panel `j` read from `panel(j)`.
        func compute(
            block: Int, panels: Range<Int>, panel: (Int) -> UnsafeRawPointer,
            tile: UnsafeMutablePointer<Float>, staging: UnsafeMutablePointer<Float>
        ) {
            let rowStart = block * rowBlock, rowEnd = min(rows, rowStart + rowBlock)
            for j in panels {
                let t0 = j * panelWidth, validColumns = min(panelWidth, columns - t0)
                let source = panel(j)
                var r0 = rowStart
                while r0 < rowEnd {
                    let validRows = min(tileRows, rowEnd - r0)
                    switch x {
                    case .fp32(let x, let rowStride, let columnStride):
                        let panelFloats = source.assumingMemoryBound(to: Float.self)
                        if validColumns <= lanes {
                            microKernel6x16(
                                depth: k, x: x + r0 * rowStride, rowStride: rowStride, columnStride: columnStride,
                                validRows: validRows, panel: panelFloats, tile: tile)
                        } else {
                            microKernel6x32(
                                depth: k, x: x + r0 * rowStride, rowStride: rowStride, columnStride: columnStride,
                                validRows: validRows, panel: panelFloats, tile: tile)
                        }
                    case .bf16Pairs(let x, let rowStride):
                        microKernelBF16(
                            pairs: k, x: x + r0 * rowStride, rowStride: rowStride, validRows: validRows,
                            panel: source.assumingMemoryBound(to: UInt32.self), tile: tile)
                    }
                    if case .transposed = output {
                        // Staged in L1 as (32, block rows), written out per panel below.
                        storeTile(
                            tile, rows: validRows, columns: validColumns, rowOffset: 0, columnOffset: 0,
                            output: .transposed(staging + (r0 - rowStart), rowStride: rowBlock), epilogue: Epilogue())
                    } else {
                        storeTile(
                            tile, rows: validRows, columns: validColumns, rowOffset: r0, columnOffset: t0,
                            output: output, epilogue: epilogue)
                    }
                    r0 += tileRows
                }
                if case .transposed(let c, let rowStride) = output {
                    // Each output row gets the block's rows as one contiguous run.
                    let count = rowEnd - rowStart
                    for t in 0..<validColumns {
                        addBias(
                            staging + t * rowBlock, epilogue.rowBias.map { $0 + rowStart }, count: count,
                            to: c + (t0 + t) * rowStride + rowStart)
                    }
                }
            }
        }

        let scratchFloats = tileRows * panelWidth + (isTransposed(output) ? panelWidth * rowBlock : 0)
        /// Every row block against the packed panels `range`, panel `j` at `base + (j − range.lowerBound)` panels.
        func computeAll(panels range: Range<Int>, base: UnsafeRawPointer) {
            let groups = (range.count + groupPanels - 1) / groupPanels
            let queue = ThreadPool.WorkQueue(count: rowBlocks * groups)
            pool.run { _, _ in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchFloats) { buffer in
                    let tile = buffer.baseAddress!, staging = tile + tileRows * panelWidth
                    while let item = queue.take() {
                        let group = item / rowBlocks, block = item % rowBlocks
                        let groupStart = range.lowerBound + group * groupPanels
                        compute(
                            block: block, panels: groupStart..<min(range.upperBound, groupStart + groupPanels),
                            panel: { base + ($0 - range.lowerBound) * panelUnits * 4 }, tile: tile, staging: staging)
                    }
                }
            }
        }

        if let prepacked {
            computeAll(panels: 0..<panelCount, base: prepacked)
            return
        }
        if rowBlocks == 1 {
            // Every panel meets all of X once: pack a few (~256 KB) right before their
            // products, into the running thread's scratch, so they go from packing to the
            // kernel through L2 (a whole group packed first would reach several MB and go out
            // to L3; one panel at a time leaves the strided reads of 1×1 packing waiting on memory).
            let queue = ThreadPool.WorkQueue(count: (panelCount + groupPanels - 1) / groupPanels)
            let batchPanels = max(1, min(groupPanels, packBatchUnits / panelUnits))
            pool.run { _, _ in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchFloats) { buffer in
                    let tile = buffer.baseAddress!, staging = tile + tileRows * panelWidth
                    Scratch.withBuffer(count: batchPanels * panelUnits) { packed in
                        while let item = queue.take() {
                            let end = min(panelCount, (item + 1) * groupPanels)
                            var first = item * groupPanels
                            while first < end {
                                let panels = first..<min(end, first + batchPanels), start = first
                                for j in panels {
                                    pack(vector, panel: j, depth: k, columns: columns, into: packed + (j - start) * panelUnits)
                                }
                                compute(
                                    block: 0, panels: panels, panel: { UnsafeRawPointer(packed + ($0 - start) * panelUnits) },
                                    tile: tile, staging: staging)
                                first = panels.upperBound
                            }
                        }
                    }
                }
            }
            return
        }
        // Row blocks share panels: pack a slab with every thread, then compute it. The buffer
        // is the caller's thread-local scratch so steady-state calls neither allocate nor
        // fault pages.
        Scratch.withBuffer(count: slabPanels * panelUnits) { packed in
            var slabStart = 0
            while slabStart < panelCount {
                let slabEnd = min(panelCount, slabStart + slabPanels), first = slabStart
                pool.parallelFor(count: slabEnd - slabStart) { range in
                    for j in range {
                        pack(vector, panel: first + j, depth: k, columns: columns, into: packed + j * panelUnits)
                    }
                }
                computeAll(panels: first..<slabEnd, base: UnsafeRawPointer(packed))
                slabStart = slabEnd
            }
        }
    }

    private static func isTransposed(_ output: OutputLayout) -> Bool {
        if case .transposed = output { return true }
        return false
    }

    /// `destination[i] = source[i] + (bias?[i] ?? 0)` for `i < count`.
    @inline(__always)
    private static func addBias(
        _ source: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, count: Int, to destination: UnsafeMutablePointer<Float>
    ) {
        var i = 0
        if let bias {
            while i + lanes <= count {
                store(load(source + i) + load(bias + i), to: destination + i)
                i += lanes
            }
            while i < count {
                destination[i] = source[i] + bias[i]
                i += 1
            }
        } else {
            copy(source, to: destination, count: count)
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
            // 16 floats of each row at a time, written with stride 32 as explicit extracts
            // (the auto-vectoriser turns the plain double loop into scatter/gather
            // instructions, which are slow on this CPU). Depth-major order: the writes of
            // one step stay within 16 rows of the panel (2 KB, in L1) instead of sweeping
            // the whole panel for every source row.
            var p = 0
            while p + lanes <= k {
                for t in 0..<valid {
                    scatter16(load(source + (t0 + t) * rowStride + p), to: destination + p * panelWidth + t, stride: panelWidth)
                }
                p += lanes
            }
            while p < k {
                for t in 0..<valid { destination[p * panelWidth + t] = source[(t0 + t) * rowStride + p] }
                p += 1
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
        case .packed:
            preconditionFailure("packed panels are never packed again")
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
        if g.stride == 1, g.padding == 0 {
            // Stride 1 without padding (`conv2d` pads 3×3 inputs into a copy first): for a run of
            // positions along one output row, every patch row is a run of one input row.
            var t = 0
            while t < valid {
                let b = (t0 + t) / g.positions, s = (t0 + t) % g.positions
                let oy = s / g.outWidth, ox = s % g.outWidth
                let length = min(valid - t, g.outWidth - ox)
                let corner = g.images + b * imageSize + oy * g.width + ox
                var out = destination + t
                for c in 0..<g.channels {
                    for ky in 0..<g.kernelHeight {
                        let line = corner + c * plane + ky * g.width
                        for kx in 0..<g.kernelWidth {
                            copy(line + kx, to: out, count: length)
                            out += panelWidth
                        }
                    }
                }
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

    /// `destination[i] = source[i]` for `i < count`, inline (cheaper than a `memmove` call
    /// for the short runs of packing): 16-float vectors, the last one overlapping the one
    /// before it instead of a scalar tail; 8- or 4-float halves likewise below 16.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        if count >= lanes {
            var i = 0
            while i + lanes < count {
                store(load(source + i), to: destination + i)
                i += lanes
            }
            store(load(source + count - lanes), to: destination + count - lanes)
        } else if count >= 8 {
            copyPair(SIMD8<Float>.self, source, destination, count)
        } else if count >= 4 {
            copyPair(SIMD4<Float>.self, source, destination, count)
        } else {
            for i in 0..<count { destination[i] = source[i] }
        }
    }

    /// Two `V`-sized copies, at the start and at the end of `count` ≥ `V.scalarCount` floats.
    @inline(__always)
    private static func copyPair<V: SIMD>(
        _: V.Type, _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, _ count: Int
    ) where V.Scalar == Float {
        let head = UnsafeRawPointer(source).loadUnaligned(as: V.self)
        let tail = UnsafeRawPointer(source + count - V.scalarCount).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(destination).storeBytes(of: head, as: V.self)
        UnsafeMutableRawPointer(destination + count - V.scalarCount).storeBytes(of: tail, as: V.self)
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

    /// Writes the valid `rows × columns` corner of a 6 × 32 (bf16: 8 × 32) tile, plus the epilogue's bias
    /// (row `rowOffset + r` or column `columnOffset + t`) and activation.
    @inline(__always)
    static func storeTile(
        _ tile: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowOffset: Int, columnOffset: Int,
        output: OutputLayout, epilogue: Epilogue
    ) {
        let bias = epilogue.rowBias
        switch output {
        case .direct(let c, let rowStride), .accumulating(let c, let rowStride):
            let adding: Bool
            if case .accumulating = output { adding = true } else { adding = false }
            // Column bias as two vectors (lanes past `columns` are never stored).
            var columnLow = SIMD16<Float>(), columnHigh = SIMD16<Float>()
            if let columnBias = epilogue.columnBias {
                if columns == panelWidth {
                    columnLow = load(columnBias + columnOffset)
                    columnHigh = load(columnBias + columnOffset + lanes)
                } else {
                    for t in 0..<columns {
                        if t < lanes { columnLow[t] = columnBias[columnOffset + t] } else { columnHigh[t - lanes] = columnBias[columnOffset + t] }
                    }
                }
            }
            for r in 0..<rows {
                let rowSplat = SIMD16<Float>(repeating: bias?[rowOffset + r] ?? 0)
                let source = tile + r * panelWidth
                let destination = c + (rowOffset + r) * rowStride + columnOffset
                var low = load(source), high = load(source + lanes)
                if epilogue.columnBias != nil {
                    low += columnLow
                    high += columnHigh
                } else {
                    low += rowSplat
                    high += rowSplat
                }
                if columns == panelWidth {
                    if adding {
                        low = load(destination) + low
                        high = load(destination + lanes) + high
                    }
                    // Spelled out rather than `activate`: a call per vector here costs more than the GELU.
                    switch epilogue.activation {
                    case .gelu?:
                        low = geluVector(low)
                        high = geluVector(high)
                    case .quickGelu?:
                        low = quickGeluVector(low)
                        high = quickGeluVector(high)
                    case .relu?:
                        low = reluVector(low)
                        high = reluVector(high)
                    case nil:
                        break
                    }
                    store(low, to: destination)
                    store(high, to: destination + lanes)
                } else {
                    if adding {
                        var held = (SIMD16<Float>(), SIMD16<Float>())
                        for t in 0..<columns {
                            if t < lanes { held.0[t] = destination[t] } else { held.1[t - lanes] = destination[t] }
                        }
                        low = held.0 + low
                        high = held.1 + high
                    }
                    low = activate(low, epilogue.activation)
                    high = activate(high, epilogue.activation)
                    for t in 0..<columns { destination[t] = t < lanes ? low[t] : high[t - lanes] }
                }
            }
        case .batched(let c, let rowsPerImage, let positions, let adding):
            // Runs of the tile's columns that stay within one image.
            var t = 0
            while t < columns {
                let b = (columnOffset + t) / positions, s = (columnOffset + t) % positions
                let length = min(columns - t, positions - s)
                for r in 0..<rows {
                    let splat = SIMD16<Float>(repeating: bias?[rowOffset + r] ?? 0)
                    let source = tile + r * panelWidth + t
                    let destination = c + (b * rowsPerImage + rowOffset + r) * positions + s
                    var i = 0
                    while i + lanes <= length {
                        var v = load(source + i) + splat
                        if adding { v = load(destination + i) + v }
                        switch epilogue.activation {
                        case .relu?: v = reluVector(v)
                        case nil: break
                        case let other?: v = activate(v, other)  // not used by convolutions today
                        }
                        store(v, to: destination + i)
                        i += lanes
                    }
                    while i < length {
                        // One lane of the vector steps above (`Swift.max(x, 0)` is `reluVector`'s lane).
                        var value = source[i] + splat[0]
                        if adding { value = destination[i] + value }
                        switch epilogue.activation {
                        case .relu?: value = max(value, 0)
                        case nil: break
                        case let other?: value = activate(SIMD16<Float>(repeating: value), other)[0]
                        }
                        destination[i] = value
                        i += 1
                    }
                }
                t += length
            }
        case .transposed(let c, let rowStride):
            guard rows == fp32TileRows else {
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

    /// `v` after `activation` — the vector step of `gelu`, `quickGelu` and `relu`, so the
    /// same bits as those kernels.
    @inline(__always)
    static func activate(_ v: SIMD16<Float>, _ activation: FusedActivation?) -> SIMD16<Float> {
        switch activation {
        case .gelu?: return geluVector(v)
        case .quickGelu?: return quickGeluVector(v)
        case .relu?: return reluVector(v)
        case nil: return v
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
