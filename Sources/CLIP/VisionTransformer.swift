import Tensor
import Weights

/// Receives a named layer output of one input (image or prompt) during a forward pass;
/// the fidelity tests compare these with open_clip's layer by layer.
typealias LayerTrace = (_ layer: String, _ output: Tensor) -> Void

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

    init(_ source: TensorSource, config: ViTConfig, activation: Activation) throws {
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
                hidden: config.mlpWidth, activation: activation)
        }
        lnPost = try LayerNormLayer(source, OpenCLIPNames.visualLayerNormPost, width: w)
        projection = try source.take(OpenCLIPNames.visualProjection, [w, config.outputDim])
    }

    /// Image embeddings (N, outputDim), not normalised, for `images` (N, 3, S, S) with
    /// S = `config.imageSize`, already preprocessed (resized, cropped, mean/std-normalised).
    public func encode(images: Tensor) throws -> Tensor {
        try encode(images: images, trace: nil)
    }

    func encode(images: Tensor, trace: LayerTrace?) throws -> Tensor {
        let size = config.imageSize
        try checkImages(images, size: size)
        let count = images.shape[0], imageStride = 3 * size * size
        var output = [Float](zeros: count * config.outputDim)
        images.scalars.withUnsafeBufferPointer { pixels in
            output.withUnsafeMutableBufferPointer { output in
                for n in 0..<count {
                    forward(pixels.baseAddress! + n * imageStride, into: output.baseAddress! + n * config.outputDim, trace: trace)
                }
            }
        }
        return Tensor(shape: [count, config.outputDim], scalars: output)
    }

    /// One image (3, S, S) → its embedding (outputDim).
    private func forward(_ image: UnsafePointer<Float>, into embedding: UnsafeMutablePointer<Float>, trace: LayerTrace?) {
        let width = config.width, grid = config.gridSize, patches = grid * grid, tokens = patches + 1
        var patchMap = [Float](zeros: width * patches)
        var x = [Float](zeros: tokens * width)
        var pooled = [Float](zeros: width)
        patchMap.withUnsafeMutableBufferPointer { patchMap in
        x.withUnsafeMutableBufferPointer { xBuffer in
        pooled.withUnsafeMutableBufferPointer { pooled in
            let x = xBuffer.baseAddress!
            Kernels.conv2d(
                input: image, inChannels: 3, height: config.imageSize, width: config.imageSize,
                weight: patchWeight.pointer, bias: nil, outChannels: width,
                kernelHeight: config.patchSize, kernelWidth: config.patchSize,
                stride: config.patchSize, padding: 0, output: patchMap.baseAddress!)   // (width, grid, grid)
            // Transpose to token rows after the class token; add positions.
            for c in 0..<width { x[c] = classEmbedding.values[c] }
            for p in 0..<patches {
                for c in 0..<width { x[(p + 1) * width + c] = patchMap[c * patches + p] }
            }                                                                           // (1 + grid², width)
            trace?("image.conv1", Tensor(shape: [patches, width], scalars: Array(xBuffer[width...])))
            addInPlace(x, positionalEmbedding.pointer, count: tokens * width)
            lnPre(x, rows: tokens, into: x)                                             // (tokens, width)
            trace?("image.ln_pre", Tensor(shape: [tokens, width], scalars: Array(xBuffer)))
            for (index, block) in blocks.enumerated() {
                block.forward(x, tokens: tokens, causal: false)                         // (tokens, width)
                trace?("image.resblocks.\(index)", Tensor(shape: [tokens, width], scalars: Array(xBuffer)))
            }
            lnPost(x, rows: 1, into: pooled.baseAddress!)                              // (width) — class token
            trace?("image.ln_post", Tensor(shape: [width], scalars: Array(pooled)))
            Kernels.matmul(a: pooled.baseAddress!, b: projection.pointer, c: embedding, m: 1, n: config.outputDim, k: width)  // (outputDim)
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
