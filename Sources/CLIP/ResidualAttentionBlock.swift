import Tensor
import Weights

/// One pre-LN transformer block of open_clip's `ResidualAttentionBlock`, shared by the
/// vision and text towers:
///
///     x = x + out_proj(MHA(ln_1(x)))      packed in_proj (3·width, width), heads split width
///     x = x + c_proj(act(c_fc(ln_2(x))))   hidden width read from c_fc (4·width for every CLIP)
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

    init(_ source: TensorSource, _ prefix: String, width: Int, heads: Int, activation: Activation) throws {
        guard heads > 0, width % heads == 0 else {
            throw CLIPError.badConfig("width \(width) is not divisible by \(heads) heads")
        }
        self.width = width
        self.heads = heads
        self.activation = activation
        ln1 = try LayerNormLayer(source, prefix + ".ln_1", width: width)
        // nn.MultiheadAttention's packed projection is named in_proj_weight / in_proj_bias.
        inProjection = LinearLayer(
            weight: try source.take(prefix + ".attn.in_proj_weight", [3 * width, width]),
            bias: try source.take(prefix + ".attn.in_proj_bias", [3 * width]), in: width, out: 3 * width)
        outProjection = try LinearLayer(source, prefix + ".attn.out_proj", in: width, out: width)
        ln2 = try LayerNormLayer(source, prefix + ".ln_2", width: width)
        let fcWeight = try source.takeAnyShape(prefix + ".mlp.c_fc.weight")
        guard fcWeight.shape.count == 2, fcWeight.shape[1] == width, fcWeight.shape[0] > 0 else {
            throw CLIPError.checkpoint(.wrongShape(
                name: fcWeight.name, expected: [4 * width, width], found: fcWeight.shape, path: source.stateDict.path))
        }
        hidden = fcWeight.shape[0]
        fc = LinearLayer(
            weight: fcWeight, bias: try source.take(prefix + ".mlp.c_fc.bias", [hidden]), in: width, out: hidden)
        projection = try LinearLayer(source, prefix + ".mlp.c_proj", in: hidden, out: width)
    }

    /// Runs the block in place on `x` (tokens, width). With `causal`, token `i` attends to `0...i`.
    func forward(_ x: UnsafeMutablePointer<Float>, tokens: Int, causal: Bool) {
        var normed = [Float](zeros: tokens * width)
        var qkv = [Float](zeros: tokens * 3 * width)
        var mixed = [Float](zeros: tokens * width)
        var expanded = [Float](zeros: tokens * hidden)
        normed.withUnsafeMutableBufferPointer { normed in
        qkv.withUnsafeMutableBufferPointer { qkv in
        mixed.withUnsafeMutableBufferPointer { mixed in
        expanded.withUnsafeMutableBufferPointer { expanded in
            let h = normed.baseAddress!, q = qkv.baseAddress!, m = mixed.baseAddress!, e = expanded.baseAddress!
            // Attention.
            ln1(x, rows: tokens, into: h)                                   // (tokens, width)
            inProjection(h, rows: tokens, into: q)                          // (tokens, 3·width) = [q | k | v]
            Kernels.attention(
                query: q, key: q + width, value: q + 2 * width, rowStride: 3 * width,
                queryLength: tokens, keyLength: tokens, heads: heads, headDim: width / heads,
                causal: causal, output: m)                                  // (tokens, width)
            outProjection(m, rows: tokens, into: h)                         // (tokens, width)
            addInPlace(x, h, count: tokens * width)
            // MLP.
            ln2(x, rows: tokens, into: h)                                   // (tokens, width)
            fc(h, rows: tokens, into: e)                                    // (tokens, hidden)
            activation.apply(e, count: tokens * hidden)
            projection(e, rows: tokens, into: h)                            // (tokens, width)
            addInPlace(x, h, count: tokens * width)
        }
        }
        }
        }
    }
}
