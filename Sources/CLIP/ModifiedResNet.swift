import Foundation
import Tensor
import Weights

/// A feature map of one image, (channels, height, width) row-major.
struct FeatureMap {
    var values: [Float]
    var channels: Int
    var height: Int
    var width: Int

    var tensor: Tensor { Tensor(shape: [channels, height, width], scalars: values) }
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

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        var y = FeatureMap(values: [], channels: outChannels, height: outputSize(x.height), width: outputSize(x.width))
        y.values = [Float](zeros: outChannels * y.height * y.width)
        x.values.withUnsafeBufferPointer { input in
        weight.withUnsafeBufferPointer { weight in
        bias.withUnsafeBufferPointer { bias in
        y.values.withUnsafeMutableBufferPointer { output in
            Kernels.conv2d(
                input: input.baseAddress!, inChannels: inChannels, height: x.height, width: x.width,
                weight: weight.baseAddress!, bias: bias.baseAddress!, outChannels: outChannels,
                kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding,
                output: output.baseAddress!)
        }
        }
        }
        }
        return y
    }
}

/// `relu` in place on a feature map.
func relu(_ x: inout FeatureMap) {
    let count = x.values.count
    x.values.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: count) }
}

/// `AvgPool2d(kernel)` (stride = kernel, no padding, floor) on a feature map.
func averagePool(_ x: FeatureMap, _ kernel: Int) -> FeatureMap {
    var y = FeatureMap(values: [], channels: x.channels, height: (x.height - kernel) / kernel + 1, width: (x.width - kernel) / kernel + 1)
    y.values = [Float](zeros: y.channels * y.height * y.width)
    x.values.withUnsafeBufferPointer { input in
        y.values.withUnsafeMutableBufferPointer { output in
            Kernels.avgPool2d(
                input: input.baseAddress!, channels: x.channels, height: x.height, width: x.width,
                kernel: kernel, stride: kernel, output: output.baseAddress!)
        }
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

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        var out = conv1(x)                                  // (planes, H, W)
        relu(&out)
        out = conv2(out)                                    // (planes, H, W)
        relu(&out)
        if stride > 1 { out = averagePool(out, stride) }    // (planes, H/s, W/s)
        out = conv3(out)                                    // (4·planes, H/s, W/s)
        let identity = downsample.map { $0(stride > 1 ? averagePool(x, stride) : x) } ?? x
        out.values.withUnsafeMutableBufferPointer { o in
            identity.values.withUnsafeBufferPointer { i in addInPlace(o.baseAddress!, i.baseAddress!, count: o.count) }
        }
        relu(&out)
        return out
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

    /// Image embeddings (N, outputDim), not normalised, for preprocessed `images` (N, 3, S, S).
    public func encode(images: Tensor) throws -> Tensor {
        try encode(images: images, trace: nil)
    }

    func encode(images: Tensor, trace: LayerTrace?) throws -> Tensor {
        let size = config.imageSize
        try checkImages(images, size: size)
        let count = images.shape[0], imageStride = 3 * size * size
        var output = [Float](zeros: count * config.outputDim)
        for n in 0..<count {
            let image = FeatureMap(
                values: Array(images.scalars[(n * imageStride)..<((n + 1) * imageStride)]), channels: 3, height: size, width: size)
            let embedding = forward(image, trace: trace.map { trace in { layer, _, tensor in trace(layer, n, tensor) } })
            output.replaceSubrange((n * config.outputDim)..<((n + 1) * config.outputDim), with: embedding)
        }
        return Tensor(shape: [count, config.outputDim], scalars: output)
    }

    private func forward(_ image: FeatureMap, trace: LayerTrace?) -> [Float] {
        // Stem.
        var x = stem[0](image)                                  // (width/2, S/2, S/2)
        relu(&x)
        x = stem[1](x)                                          // (width/2, S/2, S/2)
        relu(&x)
        x = stem[2](x)                                          // (width, S/2, S/2)
        relu(&x)
        x = averagePool(x, 2)                                   // (width, S/4, S/4)
        trace?("image.stem", 0, x.tensor)
        // Residual stages.
        for (index, stage) in stages.enumerated() {
            for block in stage { x = block(x) }                 // (4·width·2^i, S/2^(i+2), same)
            trace?("image.layer\(index + 1)", 0, x.tensor)
        }
        return attentionPool(x)                                 // (outputDim)
    }

    /// `AttentionPool2d`: tokens = [mean of positions] + positions, plus positional
    /// embedding; only the mean token's attention output is needed (open_clip returns x[0]).
    private func attentionPool(_ x: FeatureMap) -> [Float] {
        let positions = x.height * x.width, tokens = positions + 1, d = embedDim
        var sequence = [Float](zeros: tokens * d)
        for c in 0..<d {
            var sum: Float = 0
            for p in 0..<positions {
                let value = x.values[c * positions + p]
                sequence[(p + 1) * d + c] = value
                sum += value
            }
            sequence[c] = sum / Float(positions)
        }                                                       // (tokens, embedDim)
        var query = [Float](zeros: d)
        var keys = [Float](zeros: tokens * d)
        var values = [Float](zeros: tokens * d)
        var attended = [Float](zeros: d)
        var output = [Float](zeros: config.outputDim)
        sequence.withUnsafeMutableBufferPointer { s in
        query.withUnsafeMutableBufferPointer { q in
        keys.withUnsafeMutableBufferPointer { k in
        values.withUnsafeMutableBufferPointer { v in
        attended.withUnsafeMutableBufferPointer { a in
        output.withUnsafeMutableBufferPointer { o in
            addInPlace(s.baseAddress!, poolPositional.pointer, count: tokens * d)
            queryProjection(s.baseAddress!, rows: 1, into: q.baseAddress!)        // (1, embedDim)
            keyProjection(s.baseAddress!, rows: tokens, into: k.baseAddress!)     // (tokens, embedDim)
            valueProjection(s.baseAddress!, rows: tokens, into: v.baseAddress!)   // (tokens, embedDim)
            Kernels.attention(
                query: q.baseAddress!, key: k.baseAddress!, value: v.baseAddress!, rowStride: d,
                queryLength: 1, keyLength: tokens, heads: config.heads, headDim: d / config.heads,
                causal: false, output: a.baseAddress!)                            // (1, embedDim)
            outputProjection(a.baseAddress!, rows: 1, into: o.baseAddress!)       // (outputDim)
        }
        }
        }
        }
        }
        }
        return output
    }
}
