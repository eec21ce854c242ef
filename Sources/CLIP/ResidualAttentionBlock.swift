import Tensor
import Weights

/// One pre-LN transformer block of open_clip's `ResidualAttentionBlock`, shared by the
/// vision and text towers:
///
///     x = x + out_proj(MHA(ln_1(x)))      packed in_proj (3·width, width), heads split width
///     x = x + c_proj(act(c_fc(ln_2(x))))   hidden = the config's mlpWidth (4·width for most CLIPs)
///
/// Layer-scale, qk-norm and the other open_clip block variants are not supported; their
/// tensors would be reported as unexpected by `CLIPModel`.
struct ResidualAttentionBlock: Sendable {
    let width: Int
    let heads: Int
    let hidden: Int
    let activation: Activation
    let ln1: LayerNormLayer
    let inProjection: LinearLayer
    let outProjection: LinearLayer
    let ln2: LayerNormLayer
    let fc: LinearLayer
    let projection: LinearLayer

    /// `precision`: the arithmetic of the block's four linear layers (`Precision`).
    init(
        _ source: TensorSource, _ names: OpenCLIPNames.Block, width: Int, heads: Int, hidden: Int, activation: Activation,
        precision: Precision = .fp32
    ) throws {
        guard heads > 0, width % heads == 0 else {
            throw CLIPError.badConfig("width \(width) is not divisible by \(heads) heads")
        }
        guard hidden > 0 else { throw CLIPError.badConfig("MLP width \(hidden)") }
        self.width = width
        self.heads = heads
        self.activation = activation
        self.hidden = hidden
        ln1 = try LayerNormLayer(source, names.layerNorm1, width: width)
        inProjection = LinearLayer(
            weight: try source.take(names.inProjectionWeight, [3 * width, width]),
            bias: try source.take(names.inProjectionBias, [3 * width]), in: width, out: 3 * width, precision: precision)
        outProjection = try LinearLayer(source, names.outProjection, in: width, out: width, precision: precision)
        ln2 = try LayerNormLayer(source, names.layerNorm2, width: width)
        fc = try LinearLayer(source, names.mlpUp, in: width, out: hidden, precision: precision)
        projection = try LinearLayer(source, names.mlpDown, in: hidden, out: width, precision: precision)
    }

    /// Runs the block in place on `x` (sequences · tokens, width): `sequences` independent
    /// sequences of `tokens` rows each, stacked so that every linear layer sees all rows at
    /// once. With `causal`, token `i` attends to `0...i` of its own sequence. `scratch`
    /// must hold at least `sequences · tokens` rows for this block's sizes.
    func forward(_ x: UnsafeMutablePointer<Float>, sequences: Int, tokens: Int, causal: Bool, scratch: BlockScratch) {
        attend(x, sequences: sequences, tokens: tokens, queries: tokens, causal: causal, scratch: scratch)
        finish(attended: scratch.mixed, rows: sequences * tokens, residual: x, scratch: scratch)
    }

    /// The block's output for the first token of every sequence only — the class token the
    /// vision tower pools — written to `first` (sequences, width). Attention still reads
    /// every token's key and value, but the attention query, output projection and MLP run
    /// on `sequences` rows instead of `sequences · tokens` (ViT-B/32: 6 % of the tower's
    /// FLOPs). Each row is computed exactly as `forward` computes it (same bits): every
    /// kernel's result for a row or query is independent of the others.
    func forwardFirstToken(
        _ x: UnsafePointer<Float>, sequences: Int, tokens: Int, scratch: BlockScratch, into first: UnsafeMutablePointer<Float>
    ) {
        attend(x, sequences: sequences, tokens: tokens, queries: 1, causal: false, scratch: scratch)
        for s in 0..<sequences { (first + s * width).update(from: x + s * tokens * width, count: width) }
        finish(attended: scratch.mixed, rows: sequences, residual: first, scratch: scratch)
    }

    /// `ln_1`, the qkv projection of every row, and attention for the first `queries` tokens of
    /// each sequence against all its tokens: `scratch.mixed` (sequences · queries, width).
    private func attend(_ x: UnsafePointer<Float>, sequences: Int, tokens: Int, queries: Int, causal: Bool, scratch: BlockScratch) {
        let rows = sequences * tokens
        precondition(scratch.fits(rows: rows, width: width, hidden: hidden), "block scratch too small")
        let h = scratch.normed, q = scratch.qkv, m = scratch.mixed
        ln1(x, rows: rows, into: h)                                     // (rows, width)
        inProjection(h, rows: rows, into: q)                            // (rows, 3·width) = [q | k | v]
        for s in 0..<sequences {
            let qkvRows = q + s * tokens * 3 * width
            Kernels.attention(
                query: qkvRows, key: qkvRows + width, value: qkvRows + 2 * width, rowStride: 3 * width,
                queryLength: queries, keyLength: tokens, heads: heads, headDim: width / heads,
                causal: causal, output: m + s * queries * width)        // (queries, width) per sequence
        }
    }

    /// The rest of the block on `rows` rows: `x += out_proj(attended)`, then the MLP,
    /// `x += c_proj(act(c_fc(ln_2(x))))`; the bias, activation and residual add happen in
    /// the GEMM's store.
    private func finish(attended m: UnsafePointer<Float>, rows: Int, residual x: UnsafeMutablePointer<Float>, scratch: BlockScratch) {
        let h = scratch.normed, e = scratch.expanded
        outProjection(m, rows: rows, into: x, accumulate: true)         // x += (rows, width)
        ln2(x, rows: rows, into: h)                                     // (rows, width)
        fc(h, rows: rows, into: e, activation: activation)              // (rows, hidden), activated
        projection(e, rows: rows, into: x, accumulate: true)            // x += (rows, width)
    }
}

/// Working memory of `ResidualAttentionBlock.forward`, allocated once per forward pass and
/// shared by all of a tower's blocks: fresh multi-megabyte buffers per block cost page
/// faults and zero-filling (~3 % of a ViT-B/32 pass in a profile). Every buffer is fully
/// written before it is read, so it is left uninitialised.
final class BlockScratch {
    let rows: Int
    let width: Int
    let hidden: Int
    let normed: UnsafeMutablePointer<Float>    // (rows, width)
    let qkv: UnsafeMutablePointer<Float>       // (rows, 3·width)
    let mixed: UnsafeMutablePointer<Float>     // (rows, width)
    let expanded: UnsafeMutablePointer<Float>  // (rows, hidden)

    /// Room for `rows` rows through `blocks` (the largest MLP among them).
    init(rows: Int, blocks: [ResidualAttentionBlock]) {
        self.rows = rows
        width = blocks.map(\.width).max() ?? 0
        hidden = blocks.map(\.hidden).max() ?? 0
        normed = .allocate(capacity: max(rows * width, 1))
        qkv = .allocate(capacity: max(rows * 3 * width, 1))
        mixed = .allocate(capacity: max(rows * width, 1))
        expanded = .allocate(capacity: max(rows * hidden, 1))
    }

    func fits(rows: Int, width: Int, hidden: Int) -> Bool {
        rows <= self.rows && width <= self.width && hidden <= self.hidden
    }

    deinit {
        normed.deallocate()
        qkv.deallocate()
        mixed.deallocate()
        expanded.deallocate()
    }
}
