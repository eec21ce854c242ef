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

    init(_ source: TensorSource, _ names: OpenCLIPNames.Block, width: Int, heads: Int, hidden: Int, activation: Activation) throws {
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
            bias: try source.take(names.inProjectionBias, [3 * width]), in: width, out: 3 * width)
        outProjection = try LinearLayer(source, names.outProjection, in: width, out: width)
        ln2 = try LayerNormLayer(source, names.layerNorm2, width: width)
        fc = try LinearLayer(source, names.mlpUp, in: width, out: hidden)
        projection = try LinearLayer(source, names.mlpDown, in: hidden, out: width)
    }

    /// Runs the block in place on `x` (sequences · tokens, width): `sequences` independent
    /// sequences of `tokens` rows each, stacked so that every linear layer sees all rows at
    /// once. With `causal`, token `i` attends to `0...i` of its own sequence.
    func forward(_ x: UnsafeMutablePointer<Float>, sequences: Int, tokens: Int, causal: Bool) {
        let rows = sequences * tokens
        var normed = [Float](zeros: rows * width)
        var qkv = [Float](zeros: rows * 3 * width)
        var mixed = [Float](zeros: rows * width)
        var expanded = [Float](zeros: rows * hidden)
        normed.withUnsafeMutableBufferPointer { normed in
        qkv.withUnsafeMutableBufferPointer { qkv in
        mixed.withUnsafeMutableBufferPointer { mixed in
        expanded.withUnsafeMutableBufferPointer { expanded in
            let h = normed.baseAddress!, q = qkv.baseAddress!, m = mixed.baseAddress!, e = expanded.baseAddress!
            // Attention.
            ln1(x, rows: rows, into: h)                                     // (rows, width)
            inProjection(h, rows: rows, into: q)                            // (rows, 3·width) = [q | k | v]
            for s in 0..<sequences {
                let qkvRows = q + s * tokens * 3 * width
                Kernels.attention(
                    query: qkvRows, key: qkvRows + width, value: qkvRows + 2 * width, rowStride: 3 * width,
                    queryLength: tokens, keyLength: tokens, heads: heads, headDim: width / heads,
                    causal: causal, output: m + s * tokens * width)         // (tokens, width) per sequence
            }
            outProjection(m, rows: rows, into: h)                           // (rows, width)
            addInPlace(x, h, count: rows * width)
            // MLP.
            ln2(x, rows: rows, into: h)                                     // (rows, width)
            fc(h, rows: rows, into: e)                                      // (rows, hidden)
            activation.apply(e, count: rows * hidden)
            projection(e, rows: rows, into: h)                              // (rows, width)
            addInPlace(x, h, count: rows * width)
        }
        }
        }
        }
    }
}
