import Tensor
import Weights

/// Receives a named layer output of input number `item` (image or prompt, counted from 0
/// in the order given) during a forward pass; the fidelity tests compare these with
/// open_clip's layer by layer.
typealias LayerTrace = (_ layer: String, _ item: Int, _ output: Tensor) -> Void

/// How many images or prompts go through the transformer blocks together: the linear
/// layers then multiply (batch · tokens) rows at once, which the GEMM kernels run far
/// more efficiently than one image's 50 rows. Results do not depend on it beyond rounding.
public let defaultTransformerBatch = 8

/// open_clip's `VisionTransformer` (class-token pooling, learnable positional embedding,
/// ln_pre, no attentional pooler): weights under `visual.`.
public struct VisionTransformer: Sendable {
    public let config: ViTConfig
    let activation: Activation
    let patchWeight: WeightTensor          // conv1 (width, 3, patch, patch), no bias
    let classEmbedding: WeightTensor       // (width)
    let positionalEmbedding: WeightTensor  // (grid² + 1, width)
    let lnPre: LayerNormLayer
    let blocks: [ResidualAttentionBlock]
    let lnPost: LayerNormLayer
    let projection: WeightTensor           // (width, outputDim)

    /// `precision`: the arithmetic of the transformer blocks' linear layers (`Precision`);
    /// the patch embedding, attention, norms and the projection stay fp32.
    init(_ source: TensorSource, config: ViTConfig, activation: Activation, precision: Precision = .fp32) throws {
        guard config.patchSize > 0, config.imageSize >= config.patchSize, config.width > 0, config.layers >= 0 else {
            throw CLIPError.badConfig("ViT patch \(config.patchSize), image \(config.imageSize), width \(config.width)")
        }
        self.config = config
        self.activation = activation
        let w = config.width
        patchWeight = try source.take(OpenCLIPNames.visualConv1, [w, 3, config.patchSize, config.patchSize])
        classEmbedding = try source.take(OpenCLIPNames.visualClassEmbedding, [w])
        positionalEmbedding = try source.take(OpenCLIPNames.visualPositionalEmbedding, [config.gridSize * config.gridSize + 1, w])
        lnPre = try LayerNormLayer(source, OpenCLIPNames.visualLayerNormPre, width: w)
        blocks = try (0..<config.layers).map {
            try ResidualAttentionBlock(
                source, OpenCLIPNames.Block(OpenCLIPNames.visualBlocks, $0), width: w, heads: config.heads,
                hidden: config.mlpWidth, activation: activation, precision: precision)
        }
        lnPost = try LayerNormLayer(source, OpenCLIPNames.visualLayerNormPost, width: w)
        projection = try source.take(OpenCLIPNames.visualProjection, [w, config.outputDim])
    }

    /// Image embeddings (N, outputDim), not normalised, for `images` (N, 3, S, S) with
    /// S = `config.imageSize`, already preprocessed (resized, cropped, mean/std-normalised).
    public func encode(images: Tensor, batch: Int = defaultTransformerBatch) throws -> Tensor {
        try encode(images: images, batch: batch, trace: nil)
    }

    func encode(images: Tensor, batch: Int = defaultTransformerBatch, trace: LayerTrace?) throws -> Tensor {
        let size = config.imageSize
        try checkImages(images, size: size)
        let count = images.shape[0], imageStride = 3 * size * size
        var output = [Float](zeros: count * config.outputDim)
        images.scalars.withUnsafeBufferPointer { pixels in
            output.withUnsafeMutableBufferPointer { output in
                var first = 0
                while first < count {
                    let group = min(max(batch, 1), count - first)
                    forward(
                        pixels.baseAddress! + first * imageStride, images: group,
                        into: output.baseAddress! + first * config.outputDim,
                        trace: trace.map { trace in { layer, item, tensor in trace(layer, first + item, tensor) } })
                    first += group
                }
            }
        }
        return Tensor(shape: [count, config.outputDim], scalars: output)
    }

    /// `images` consecutive images (3, S, S) → their embeddings (images, outputDim).
    private func forward(_ pixels: UnsafePointer<Float>, images: Int, into embeddings: UnsafeMutablePointer<Float>, trace: LayerTrace?) {
        let width = config.width, grid = config.gridSize, patches = grid * grid, tokens = patches + 1
        let size = config.imageSize, sequenceStride = tokens * width
        var patchMap = [Float](zeros: images * width * patches)
        var x = [Float](zeros: images * sequenceStride)
        var pooled = [Float](zeros: images * width)
        patchMap.withUnsafeMutableBufferPointer { patchMap in
        x.withUnsafeMutableBufferPointer { xBuffer in
        pooled.withUnsafeMutableBufferPointer { pooled in
            let x = xBuffer.baseAddress!
            func sequence(_ n: Int, rows: Range<Int>) -> Tensor {
                Tensor(shape: [rows.count, width], scalars: Array(xBuffer[(n * sequenceStride + rows.lowerBound * width)..<(n * sequenceStride + rows.upperBound * width)]))
            }
            Kernels.conv2d(
                input: pixels, batch: images, inChannels: 3, height: size, width: size,
                weight: patchWeight.pointer, bias: nil, outChannels: width,
                kernelHeight: config.patchSize, kernelWidth: config.patchSize,
                stride: config.patchSize, padding: 0, output: patchMap.baseAddress!)  // (images, width, grid, grid)
            for n in 0..<images {
                let base = x + n * sequenceStride, map = patchMap.baseAddress! + n * width * patches
                // Transpose to token rows after the class token; add positions.
                for c in 0..<width { base[c] = classEmbedding.values[c] }
                for p in 0..<patches {
                    for c in 0..<width { base[(p + 1) * width + c] = map[c * patches + p] }
                }                                                                       // (1 + grid², width)
                trace?("image.conv1", n, sequence(n, rows: 1..<tokens))
                addInPlace(base, positionalEmbedding.pointer, count: tokens * width)
            }
            lnPre(x, rows: images * tokens, into: x)                                    // (images · tokens, width)
            for n in 0..<images { trace?("image.ln_pre", n, sequence(n, rows: 0..<tokens)) }
            let scratch = BlockScratch(rows: images * tokens, blocks: blocks)
            // Only the class token leaves the tower: without a trace, the last block computes
            // its row alone (same values, 6 % fewer FLOPs for ViT-B/32).
            let fullBlocks = trace == nil && !blocks.isEmpty ? blocks.count - 1 : blocks.count
            for (index, block) in blocks.prefix(fullBlocks).enumerated() {
                block.forward(x, sequences: images, tokens: tokens, causal: false, scratch: scratch)  // (images · tokens, width)
                for n in 0..<images { trace?("image.resblocks.\(index)", n, sequence(n, rows: 0..<tokens)) }
            }
            let classTokens = UnsafeMutablePointer<Float>.allocate(capacity: images * width)
            defer { classTokens.deallocate() }
            if fullBlocks < blocks.count {
                blocks[fullBlocks].forwardFirstToken(x, sequences: images, tokens: tokens, scratch: scratch, into: classTokens)
            } else {
                for n in 0..<images { (classTokens + n * width).update(from: x + n * sequenceStride, count: width) }
            }                                                                           // (images, width)
            for n in 0..<images {
                lnPost(classTokens + n * width, rows: 1, into: pooled.baseAddress! + n * width)  // (width) — class token
                trace?("image.ln_post", n, Tensor(shape: [width], scalars: Array(pooled[(n * width)..<((n + 1) * width)])))
            }
            Kernels.matmul(
                a: pooled.baseAddress!, b: projection.pointer, c: embeddings,
                m: images, n: config.outputDim, k: width)                               // (images, outputDim)
        }
        }
        }
    }
}

/// Checks that `images` is (N, 3, size, size) with N ≥ 1 and finite values.
func checkImages(_ images: Tensor, size: Int) throws {
    guard images.rank == 4, images.shape[1] == 3, images.shape[2] == size, images.shape[3] == size else {
        throw CLIPError.badInput("images must be (N, 3, \(size), \(size)), got \(images.shape)")
    }
    guard images.shape[0] > 0 else { throw CLIPError.badInput("no images") }
    guard images.scalars.allSatisfy({ $0.isFinite }) else {
        throw CLIPError.badInput("images contain NaN or infinite values")
    }
}
