import Tensor
import Weights

/// open_clip's text tower as the `CLIP` class holds it (top-level names, no prefix):
/// token + positional embedding, causal pre-LN blocks, ln_final, the features at the
/// end-of-text position (the largest token id, first occurrence, as `argmax`), then
/// `@ text_projection`.
///
/// Each prompt runs only up to its end-of-text token: with the causal mask, positions
/// after it cannot influence it, so the result equals running all `contextLength`
/// positions (to rounding) at a fraction of the cost for short prompts.
public struct TextTransformer: Sendable {
    public let config: TextConfig
    let tokenEmbedding: WeightTensor       // (vocabSize, width)
    let positionalEmbedding: WeightTensor  // (contextLength, width)
    let blocks: [ResidualAttentionBlock]
    let lnFinal: LayerNormLayer
    let projection: WeightTensor           // (width, outputDim)

    init(_ source: TensorSource, config: TextConfig, activation: Activation) throws {
        guard config.contextLength > 0, config.vocabSize > 0, config.width > 0 else {
            throw CLIPError.badConfig("text context \(config.contextLength), vocabulary \(config.vocabSize), width \(config.width)")
        }
        self.config = config
        let w = config.width
        tokenEmbedding = try source.take(OpenCLIPNames.tokenEmbedding, [config.vocabSize, w])
        positionalEmbedding = try source.take(OpenCLIPNames.textPositionalEmbedding, [config.contextLength, w])
        blocks = try (0..<config.layers).map {
            try ResidualAttentionBlock(
                source, OpenCLIPNames.Block(OpenCLIPNames.textBlocks, $0), width: w, heads: config.heads,
                hidden: config.mlpWidth, activation: activation)
        }
        lnFinal = try LayerNormLayer(source, OpenCLIPNames.textLayerNormFinal, width: w)
        projection = try source.take(OpenCLIPNames.textProjection, [w, config.outputDim])
    }

    /// Text embeddings (N, outputDim), not normalised, for token rows as the tokenizer
    /// writes them (start, ids, end, zero padding; at most `contextLength` ids each).
    public func encode(tokens: [[Int32]]) throws -> Tensor {
        try encode(tokens: tokens, trace: nil)
    }

    func encode(tokens rows: [[Int32]], trace: LayerTrace?) throws -> Tensor {
        guard !rows.isEmpty else { throw CLIPError.badInput("no prompts") }
        var output = [Float](zeros: rows.count * config.outputDim)
        for (n, row) in rows.enumerated() {
            guard !row.isEmpty, row.count <= config.contextLength else {
                throw CLIPError.badInput("prompt \(n) has \(row.count) tokens; 1...\(config.contextLength) allowed")
            }
            if let bad = row.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw CLIPError.badInput("prompt \(n) has token id \(bad) outside 0..<\(config.vocabSize)")
            }
            output.withUnsafeMutableBufferPointer { output in
                forward(row, into: output.baseAddress! + n * config.outputDim, trace: trace)
            }
        }
        return Tensor(shape: [rows.count, config.outputDim], scalars: output)
    }

    /// One prompt → its embedding (outputDim).
    private func forward(_ row: [Int32], into embedding: UnsafeMutablePointer<Float>, trace: LayerTrace?) {
        let width = config.width
        // torch's argmax: the first position holding the largest id (end-of-text).
        var end = 0
        for (position, id) in row.enumerated() where id > row[end] { end = position }
        let tokens = end + 1
        var x = [Float](zeros: tokens * width)
        var pooled = [Float](zeros: width)
        x.withUnsafeMutableBufferPointer { xBuffer in
        pooled.withUnsafeMutableBufferPointer { pooled in
            let x = xBuffer.baseAddress!
            for t in 0..<tokens {
                let id = Int(row[t])
                for c in 0..<width { x[t * width + c] = tokenEmbedding.values[id * width + c] }
            }                                                                   // (tokens, width)
            trace?("text.token_embedding", Tensor(shape: [tokens, width], scalars: Array(xBuffer)))
            addInPlace(x, positionalEmbedding.pointer, count: tokens * width)
            for (index, block) in blocks.enumerated() {
                block.forward(x, tokens: tokens, causal: true)                  // (tokens, width)
                trace?("text.resblocks.\(index)", Tensor(shape: [tokens, width], scalars: Array(xBuffer)))
            }
            lnFinal(x + end * width, rows: 1, into: pooled.baseAddress!)        // (width) — end-of-text row
            trace?("text.ln_final", Tensor(shape: [width], scalars: Array(pooled)))
            Kernels.matmul(a: pooled.baseAddress!, b: projection.pointer, c: embedding, m: 1, n: config.outputDim, k: width)  // (outputDim)
        }
        }
    }
}
