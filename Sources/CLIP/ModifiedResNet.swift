import Foundation
import Tensor
import Weights

/// Feature maps of `images` images, (images, channels, height, width) row-major: the
/// whole batch goes through every convolution as one GEMM (small late-stage maps fill
/// the GEMM panels only when several images share them).
struct FeatureMap {
    var values: [Float]
    var images: Int = 1
    var channels: Int
    var height: Int
    var width: Int

    /// Image `n`'s map (channels, height, width).
    func tensor(_ n: Int) -> Tensor {
        let count = channels * height * width
        return Tensor(shape: [channels, height, width], scalars: Array(values[(n * count)..<((n + 1) * count)]))
    }
}

/// A bias-free convolution followed by eval-mode `BatchNorm2d` (eps 1e-5), folded at load
/// time into one convolution with bias: `w' = w·γ/√(var+ε)`, `b' = β − mean·γ/√(var+ε)`
/// (computed in Double, stored as Float).
struct FoldedConvolution: Sendable {
    static let batchNormEpsilon = 1e-5
    let weight: [Float]
    let bias: [Float]
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int

    /// `conv` names the convolution's weight tensor, `bn` the batch-norm module.
    init(_ source: TensorSource, conv: String, batchNorm bn: String,
         in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) throws {
        let raw = try source.take(conv, [outChannels, inChannels, kernel, kernel])
        let gamma = try source.take(OpenCLIPNames.weight(bn), [outChannels])
        let beta = try source.take(OpenCLIPNames.bias(bn), [outChannels])
        let mean = try source.take(OpenCLIPNames.runningMean(bn), [outChannels])
        let variance = try source.take(OpenCLIPNames.runningVariance(bn), [outChannels])
        let perOutput = inChannels * kernel * kernel
        var weight = [Float](zeros: outChannels * perOutput)
        var bias = [Float](zeros: outChannels)
        for o in 0..<outChannels {
            let scale = Double(gamma.values[o]) / (Double(variance.values[o]) + Self.batchNormEpsilon).squareRoot()
            guard scale.isFinite else {
                throw CLIPError.checkpoint(.corrupt(path: source.stateDict.path, message: "\(bn).running_var[\(o)] gives a non-finite scale"))
            }
            for i in 0..<perOutput { weight[o * perOutput + i] = Float(Double(raw.values[o * perOutput + i]) * scale) }
            bias[o] = Float(Double(beta.values[o]) - Double(mean.values[o]) * scale)
        }
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

    /// The convolution, then ReLU (fused into the convolution's store, same bits).
    func callAsFunction(_ x: FeatureMap, relu: Bool) -> FeatureMap {
        let height = outputSize(x.height), width = outputSize(x.width)
        // Every element is written by the convolution: no zero fill first.
        let values = [Float](unsafeUninitializedCapacity: x.images * outChannels * height * width) { output, count in
            run(x, activation: relu ? .relu : nil, accumulate: false, output: output.baseAddress!)
            count = output.count
        }
        return FeatureMap(values: values, images: x.images, channels: outChannels, height: height, width: width)
    }

    /// `relu(residual + convolution(x))` — a bottleneck's last convolution, its shortcut and
    /// its ReLU in one pass over `residual`'s storage (same bits as the separate steps).
    func callAsFunction(_ x: FeatureMap, addingTo residual: consuming FeatureMap) -> FeatureMap {
        precondition(
            residual.images == x.images && residual.channels == outChannels
                && residual.height == outputSize(x.height) && residual.width == outputSize(x.width),
            "residual shape")
        residual.values.withUnsafeMutableBufferPointer { output in
            run(x, activation: .relu, accumulate: true, output: output.baseAddress!)
        }
        return residual
    }

    private func run(_ x: FeatureMap, activation: Kernels.FusedActivation?, accumulate: Bool, output: UnsafeMutablePointer<Float>) {
        x.values.withUnsafeBufferPointer { input in
        weight.withUnsafeBufferPointer { weight in
        bias.withUnsafeBufferPointer { bias in
            Kernels.conv2d(
                input: input.baseAddress!, batch: x.images, inChannels: inChannels, height: x.height, width: x.width,
                weight: weight.baseAddress!, bias: bias.baseAddress!, outChannels: outChannels,
                kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding,
                activation: activation, accumulate: accumulate, output: output)
        }
        }
        }
    }
}

/// `AvgPool2d(kernel)` (stride = kernel, no padding, floor) on a feature map.
func averagePool(_ x: FeatureMap, _ kernel: Int) -> FeatureMap {
    var y = FeatureMap(
        values: [], images: x.images, channels: x.channels, height: (x.height - kernel) / kernel + 1, width: (x.width - kernel) / kernel + 1)
    // Every element is written by the pool: no zero fill first.
    y.values = [Float](unsafeUninitializedCapacity: x.images * y.channels * y.height * y.width) { output, count in
        x.values.withUnsafeBufferPointer { input in
            Kernels.avgPool2d(
                input: input.baseAddress!, channels: x.images * x.channels, height: x.height, width: x.width,
                kernel: kernel, stride: kernel, output: output.baseAddress!)
        }
        count = output.count
    }
    return y
}

/// open_clip's `Bottleneck` (expansion 4): 1×1 → 3×3 → avgpool(stride) → 1×1, every
/// convolution with stride 1 (anti-aliased downsampling); the shortcut is
/// avgpool(stride) → 1×1 → BN when the stride or the channel count changes.
struct Bottleneck: Sendable {
    static let expansion = 4
    let conv1: FoldedConvolution
    let conv2: FoldedConvolution
    let conv3: FoldedConvolution
    let downsample: FoldedConvolution?
    let stride: Int

    init(_ source: TensorSource, _ names: OpenCLIPNames.Bottleneck, inPlanes: Int, planes: Int, stride: Int) throws {
        let outPlanes = planes * Self.expansion
        conv1 = try FoldedConvolution(source, conv: names.conv(1), batchNorm: names.norm(1), in: inPlanes, out: planes, kernel: 1)
        conv2 = try FoldedConvolution(source, conv: names.conv(2), batchNorm: names.norm(2), in: planes, out: planes, kernel: 3, padding: 1)
        conv3 = try FoldedConvolution(source, conv: names.conv(3), batchNorm: names.norm(3), in: planes, out: outPlanes, kernel: 1)
        if stride > 1 || inPlanes != outPlanes {
            downsample = try FoldedConvolution(
                source, conv: names.downsampleConv, batchNorm: names.downsampleNorm, in: inPlanes, out: outPlanes, kernel: 1)
        } else {
            downsample = nil
        }
        self.stride = stride
    }

    /// `x` is consumed: without a downsample it is the shortcut, and the last convolution
    /// adds into its storage.
    func callAsFunction(_ x: consuming FeatureMap) -> FeatureMap {
        var out = conv1(x, relu: true)                      // (planes, H, W)
        out = conv2(out, relu: true)                        // (planes, H, W)
        if stride > 1 { out = averagePool(out, stride) }    // (planes, H/s, W/s)
        let identity: FeatureMap                            // (4·planes, H/s, W/s)
        if let downsample {
            identity = stride > 1 ? downsample(averagePool(x, stride), relu: false) : downsample(x, relu: false)
        } else {
            identity = x
        }
        return conv3(out, addingTo: consume identity)       // relu(identity + conv3(out)): (4·planes, H/s, W/s)
    }
}

/// open_clip's `ModifiedResNet`: 3-convolution stem with average pooling, four stages of
/// bottlenecks, and `AttentionPool2d` (the mean token attends over all positions).
/// Weights under `visual.`; every BatchNorm is folded into its convolution at load.
public struct ModifiedResNet: Sendable {
    public let config: ModifiedResNetConfig
    let stem: [FoldedConvolution]
    let stages: [[Bottleneck]]
    let embedDim: Int
    let poolPositional: WeightTensor        // (spatial² + 1, embedDim)
    let queryProjection: LinearLayer
    let keyProjection: LinearLayer
    let valueProjection: LinearLayer
    let outputProjection: LinearLayer       // c_proj (outputDim, embedDim)

    init(_ source: TensorSource, config: ModifiedResNetConfig) throws {
        let width = config.width
        guard width >= 2, width % 2 == 0, config.layers.count == 4, config.layers.allSatisfy({ $0 >= 1 }), config.imageSize >= 32 else {
            throw CLIPError.badConfig("ModifiedResNet layers \(config.layers), width \(config.width), image \(config.imageSize)")
        }
        self.config = config
        stem = [
            try FoldedConvolution(
                source, conv: OpenCLIPNames.weight(OpenCLIPNames.stemConv(1)), batchNorm: OpenCLIPNames.stemNorm(1),
                in: 3, out: width / 2, kernel: 3, stride: 2, padding: 1),
            try FoldedConvolution(
                source, conv: OpenCLIPNames.weight(OpenCLIPNames.stemConv(2)), batchNorm: OpenCLIPNames.stemNorm(2),
                in: width / 2, out: width / 2, kernel: 3, padding: 1),
            try FoldedConvolution(
                source, conv: OpenCLIPNames.weight(OpenCLIPNames.stemConv(3)), batchNorm: OpenCLIPNames.stemNorm(3),
                in: width / 2, out: width, kernel: 3, padding: 1),
        ]
        var inPlanes = width
        var stages: [[Bottleneck]] = []
        var size = (stem[0].outputSize(config.imageSize)) / 2
        for (index, blocks) in config.layers.enumerated() {
            let planes = width << index
            let stride = index == 0 ? 1 : 2
            var stage: [Bottleneck] = []
            for block in 0..<blocks {
                stage.append(try Bottleneck(
                    source, OpenCLIPNames.Bottleneck(stage: index + 1, index: block), inPlanes: inPlanes, planes: planes,
                    stride: block == 0 ? stride : 1))
                inPlanes = planes * Bottleneck.expansion
            }
            if stride > 1 { size /= stride }
            stages.append(stage)
        }
        self.stages = stages
        embedDim = width * 32
        let spatial = config.imageSize / 32
        guard size == spatial else {
            throw CLIPError.badConfig("image size \(config.imageSize) gives a \(size)×\(size) final map, attention pool expects \(spatial)×\(spatial)")
        }
        guard config.heads > 0, embedDim % config.heads == 0 else {
            throw CLIPError.badConfig("attention-pool width \(embedDim) is not divisible by \(config.heads) heads")
        }
        poolPositional = try source.take(OpenCLIPNames.attentionPoolPositionalEmbedding, [spatial * spatial + 1, embedDim])
        queryProjection = try LinearLayer(source, OpenCLIPNames.attentionPoolProjection("q_proj"), in: embedDim, out: embedDim)
        keyProjection = try LinearLayer(source, OpenCLIPNames.attentionPoolProjection("k_proj"), in: embedDim, out: embedDim)
        valueProjection = try LinearLayer(source, OpenCLIPNames.attentionPoolProjection("v_proj"), in: embedDim, out: embedDim)
        outputProjection = try LinearLayer(source, OpenCLIPNames.attentionPoolProjection("c_proj"), in: embedDim, out: config.outputDim)
    }

    /// The most images one pass takes, whatever `batch` asks: at 224 px, groups of 32 ran
    /// 13 % fewer images per CPU-second than groups of 8 (RN50, `shiftlens bench`, 2 threads)
    /// and peaked at 1.2 GB resident instead of 0.7 — the stem's maps (images × 32 × 112²
    /// floats) outgrow the caches, while 8 images already fill the GEMM panels of the 7×7 stage.
    public static let maximumGroup = 8

    /// Image embeddings (N, outputDim), not normalised, for preprocessed `images` (N, 3, S, S).
    /// Up to `batch` images (at most `maximumGroup`) share each pass: every convolution
    /// runs as one GEMM over the group. Results do not depend on the grouping beyond rounding.
    public func encode(images: Tensor, batch: Int = defaultTransformerBatch) throws -> Tensor {
        try encode(images: images, batch: batch, trace: nil)
    }

    func encode(images: Tensor, batch: Int = defaultTransformerBatch, trace: LayerTrace?) throws -> Tensor {
        let size = config.imageSize
        try checkImages(images, size: size)
        let count = images.shape[0], imageStride = 3 * size * size
        var output = [Float](zeros: count * config.outputDim)
        var first = 0
        while first < count {
            let group = min(max(batch, 1), Self.maximumGroup, count - first)
            let pixels = FeatureMap(
                values: Array(images.scalars[(first * imageStride)..<((first + group) * imageStride)]),
                images: group, channels: 3, height: size, width: size)
            let offset = first
            let embeddings = forward(pixels, trace: trace.map { trace in { layer, item, tensor in trace(layer, offset + item, tensor) } })
            output.replaceSubrange((first * config.outputDim)..<((first + group) * config.outputDim), with: embeddings)
            first += group
        }
        return Tensor(shape: [count, config.outputDim], scalars: output)
    }

    /// A group of images (images, 3, S, S) → their embeddings (images, outputDim).
    private func forward(_ pixels: FeatureMap, trace: LayerTrace?) -> [Float] {
        // Stem.
        var x = stem[0](pixels, relu: true)                     // (images, width/2, S/2, S/2)
        x = stem[1](x, relu: true)                              // (images, width/2, S/2, S/2)
        x = stem[2](x, relu: true)                              // (images, width, S/2, S/2)
        x = averagePool(x, 2)                                   // (images, width, S/4, S/4)
        if let trace { for n in 0..<x.images { trace("image.stem", n, x.tensor(n)) } }
        // Residual stages.
        for (index, stage) in stages.enumerated() {
            for block in stage { x = block(consume x) }         // (images, 4·width·2^i, S/2^(i+2), same)
            if let trace { for n in 0..<x.images { trace("image.layer\(index + 1)", n, x.tensor(n)) } }
        }
        return attentionPool(x)                                 // (images, outputDim)
    }

    /// `AttentionPool2d`: tokens = [mean of positions] + positions, plus positional
    /// embedding; only the mean token's attention output is needed (open_clip returns x[0]).
    /// The projections run over every image's tokens at once.
    private func attentionPool(_ x: FeatureMap) -> [Float] {
        let images = x.images, positions = x.height * x.width, tokens = positions + 1, d = embedDim
        var sequence = [Float](zeros: images * tokens * d)
        var queries = [Float](zeros: images * d)
        var keys = [Float](zeros: images * tokens * d)
        var values = [Float](zeros: images * tokens * d)
        var attended = [Float](zeros: images * d)
        var output = [Float](zeros: images * config.outputDim)
        x.values.withUnsafeBufferPointer { x in
        sequence.withUnsafeMutableBufferPointer { s in
        queries.withUnsafeMutableBufferPointer { q in
        keys.withUnsafeMutableBufferPointer { k in
        values.withUnsafeMutableBufferPointer { v in
        attended.withUnsafeMutableBufferPointer { a in
        output.withUnsafeMutableBufferPointer { o in
            for n in 0..<images {
                let map = x.baseAddress! + n * d * positions, rows = s.baseAddress! + n * tokens * d
                for c in 0..<d {
                    var sum: Float = 0
                    for p in 0..<positions {
                        let value = map[c * positions + p]
                        rows[(p + 1) * d + c] = value
                        sum += value
                    }
                    rows[c] = sum / Float(positions)
                }                                                               // (tokens, embedDim)
                addInPlace(rows, poolPositional.pointer, count: tokens * d)
                // The mean token (row 0) is the query: gather it to row n of `queries`' input.
                (a.baseAddress! + n * d).update(from: rows, count: d)
            }
            queryProjection(a.baseAddress!, rows: images, into: q.baseAddress!)          // (images, embedDim)
            keyProjection(s.baseAddress!, rows: images * tokens, into: k.baseAddress!)   // (images · tokens, embedDim)
            valueProjection(s.baseAddress!, rows: images * tokens, into: v.baseAddress!) // (images · tokens, embedDim)
            for n in 0..<images {
                Kernels.attention(
                    query: q.baseAddress! + n * d, key: k.baseAddress! + n * tokens * d, value: v.baseAddress! + n * tokens * d,
                    rowStride: d, queryLength: 1, keyLength: tokens, heads: config.heads, headDim: d / config.heads,
                    causal: false, output: a.baseAddress! + n * d)                   // (1, embedDim)
            }
            outputProjection(a.baseAddress!, rows: images, into: o.baseAddress!)       // (images, outputDim)
        }
        }
        }
        }
        }
        }
        }
        return output
    }
}
