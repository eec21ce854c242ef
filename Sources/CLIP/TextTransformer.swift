import Tensor
import Weights

/// open_clip's text tower as the `CLIP` class holds it (top-level names, no prefix):
/// token + positional embedding, causal pre-LN blocks, ln_final, the features at the
/// end-of-text position (the largest token id, first occurrence, as `argmax`), then
/// `@ text_projection`.
///
/// Each prompt runs only up to its end-of-text token: with the causal mask, positions
/// after it cannot influence it, so the result equals running all `contextLength`
/// positions (to rounding) at a fraction of the cost for short prompts. Prompts are
/// grouped by length into batches that run to the longest end position of the group.
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
    public func encode(tokens: [[Int32]], batch: Int = defaultTransformerBatch) throws -> Tensor {
        try encode(tokens: tokens, batch: batch, trace: nil)
    }

    func encode(tokens rows: [[Int32]], batch: Int = defaultTransformerBatch, trace: LayerTrace?) throws -> Tensor {
        guard !rows.isEmpty else { throw CLIPError.badInput("no prompts") }
        var ends: [Int] = []
        for (n, row) in rows.enumerated() {
            guard !row.isEmpty, row.count <= config.contextLength else {
                throw CLIPError.badInput("prompt \(n) has \(row.count) tokens; 1...\(config.contextLength) allowed")
            }
            if let bad = row.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw CLIPError.badInput("prompt \(n) has token id \(bad) outside 0..<\(config.vocabSize)")
            }
            // torch's argmax: the first position holding the largest id (end-of-text).
            var end = 0
            for (position, id) in row.enumerated() where id > row[end] { end = position }
            ends.append(end)
        }
        let order = rows.indices.sorted { (ends[$0], $0) < (ends[$1], $1) }
        var output = [Float](zeros: rows.count * config.outputDim)
        output.withUnsafeMutableBufferPointer { output in
            var first = 0
            while first < order.count {
                let group = Array(order[first..<min(first + max(batch, 1), order.count)])
                forward(group.map { rows[$0] }, ends: group.map { ends[$0] }, into: output.baseAddress!, items: group, trace: trace)
                first += group.count
            }
        }
        return Tensor(shape: [rows.count, config.outputDim], scalars: output)
    }

    /// A group of prompts → their embeddings, written to row `items[i]` of `embeddings`.
    private func forward(_ prompts: [[Int32]], ends: [Int], into embeddings: UnsafeMutablePointer<Float>, items: [Int], trace: LayerTrace?) {
        let width = config.width, count = prompts.count
        let tokens = (ends.max() ?? 0) + 1, sequenceStride = tokens * width
        var x = [Float](zeros: count * sequenceStride)
        var pooled = [Float](zeros: count * width)
        var projected = [Float](zeros: count * config.outputDim)
        x.withUnsafeMutableBufferPointer { xBuffer in
        pooled.withUnsafeMutableBufferPointer { pooled in
        projected.withUnsafeMutableBufferPointer { projected in
            let x = xBuffer.baseAddress!
            func sequence(_ n: Int) -> Tensor {
                let rows = ends[n] + 1
                return Tensor(shape: [rows, width], scalars: Array(xBuffer[(n * sequenceStride)..<(n * sequenceStride + rows * width)]))
            }
            for (n, row) in prompts.enumerated() {
                let base = x + n * sequenceStride
                // Rows past a prompt's end (its padding) are computed but never read.
                for t in 0..<min(tokens, row.count) {
                    let id = Int(row[t])
                    for c in 0..<width { base[t * width + c] = tokenEmbedding.values[id * width + c] }
                }                                                                       // (tokens, width)
                trace?("text.token_embedding", items[n], sequence(n))
                addInPlace(base, positionalEmbedding.pointer, count: tokens * width)
            }
            let scratch = BlockScratch(rows: count * tokens, blocks: blocks)
            for (index, block) in blocks.enumerated() {
                block.forward(x, sequences: count, tokens: tokens, causal: true, scratch: scratch)  // (count · tokens, width)
                for n in 0..<count { trace?("text.resblocks.\(index)", items[n], sequence(n)) }
            }
            for n in 0..<count {
                lnFinal(x + n * sequenceStride + ends[n] * width, rows: 1, into: pooled.baseAddress! + n * width)  // (width) — end-of-text row
                trace?("text.ln_final", items[n], Tensor(shape: [width], scalars: Array(pooled[(n * width)..<((n + 1) * width)])))
            }
            Kernels.matmul(
                a: pooled.baseAddress!, b: projection.pointer, c: projected.baseAddress!,
                m: count, n: config.outputDim, k: width)                                // (count, outputDim)
            for n in 0..<count {
                (embeddings + items[n] * config.outputDim).update(from: projected.baseAddress! + n * config.outputDim, count: config.outputDim)
            }
        }
        }
        }
    }
}
