/// Fused multi-head attention on the GEMM micro-kernel.
///
/// Work items are (head, block of 32 queries); each item holds only its own
/// `visibleKeys × 32` score tile (transposed: one key per row, one query per lane), so
/// the full `heads × queryLength × keyLength` score tensor never exists.
///
/// Per item: pack the block's queries as a `headDim × 32` panel; scoresᵀ = K_h · panel
/// (keys as broadcast rows, read in place); softmax down each lane (scale, causal mask,
/// max, vector exp, normalise); outputᵀ = V_hᵀ · scoresᵀ (value columns as broadcast
/// rows, read in place with stride `rowStride`), stored transposed into the output.
/// Probabilities are normalised before the weighted sum (the reference divides after);
/// the difference is one rounding per element.
// Tile geometry and SIMD helpers are private to each kernel file on purpose: debug builds
// compile files separately (no whole-module optimisation) and then only inline and
// constant-fold same-file code; a shared `static let` or helper costs a call per use.
private let lanes = 16
private let panelWidth = 32
private let tileRows = 6

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func store(_ v: SIMD16<Float>, to p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

extension Kernels {
    static func attentionFast(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        queryLength: Int, keyLength: Int, heads: Int, headDim: Int, causal: Bool,
        output: UnsafeMutablePointer<Float>
    ) {
        let width = heads * headDim
        let scale = 1 / Float(headDim).squareRoot()
        let blocks = (queryLength + panelWidth - 1) / panelWidth
        ThreadPool.shared.parallelFor(count: heads * blocks) { items in
            let capacity = (keyLength + headDim) * panelWidth + tileRows * panelWidth
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { buffer in
                let queries = buffer.baseAddress!
                let scores = queries + headDim * panelWidth
                let tile = scores + keyLength * panelWidth
                for item in items {
                    let head = item / blocks, block = item % blocks
                    let q0 = block * panelWidth
                    let validQueries = min(panelWidth, queryLength - q0)
                    let visible = causal ? min(keyLength, q0 + validQueries) : keyLength
                    let headOffset = head * headDim

                    // (headDim, 32) queries of this block.
                    pack(
                        .transposedRows(query + headOffset, rowStride: rowStride), panel: block,
                        depth: headDim, columns: queryLength, into: queries)
                    // (visible, 32) raw scores, one key per row.
                    var j0 = 0
                    while j0 < visible {
                        let rows = min(tileRows, visible - j0)
                        microKernel6x32(
                            depth: headDim, x: key + j0 * rowStride + headOffset, rowStride: rowStride, columnStride: 1,
                            validRows: rows, panel: queries, tile: tile)
                        storeTile(
                            tile, rows: rows, columns: panelWidth, rowOffset: j0, columnOffset: 0,
                            output: .direct(scores, rowStride: panelWidth), epilogue: Epilogue())
                        j0 += tileRows
                    }
                    softmaxColumns(scores, keys: visible, firstQuery: q0, causal: causal, scale: scale)
                    // (headDim, 32) outputs, stored transposed into (query, width).
                    var d0 = 0
                    while d0 < headDim {
                        let rows = min(tileRows, headDim - d0)
                        microKernel6x32(
                            depth: visible, x: value + headOffset + d0, rowStride: 1, columnStride: rowStride,
                            validRows: rows, panel: scores, tile: tile)
                        storeTile(
                            tile, rows: rows, columns: validQueries, rowOffset: d0, columnOffset: q0,
                            output: .transposed(output + headOffset, rowStride: width), epilogue: Epilogue())
                        d0 += tileRows
                    }
                }
            }
        }
    }
}
