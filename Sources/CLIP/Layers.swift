import Tensor
import Weights

/// `torch.nn.Linear`: weight (outFeatures, inFeatures), optional bias (outFeatures). The
/// weight is repacked once, at `precision`, into the GEMM's panels (`PackedWeight`).
struct LinearLayer: Sendable {
    let weight: PackedWeight
    let bias: WeightTensor?
    let inFeatures: Int
    let outFeatures: Int

    init(
        _ source: TensorSource, _ prefix: String, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true,
        precision: Precision = .fp32
    ) throws {
        let weight = try source.take(OpenCLIPNames.weight(prefix), [outFeatures, inFeatures])
        self.init(
            weight: weight, bias: hasBias ? try source.take(OpenCLIPNames.bias(prefix), [outFeatures]) : nil,
            in: inFeatures, out: outFeatures, precision: precision)
    }

    init(weight: WeightTensor, bias: WeightTensor?, in inFeatures: Int, out outFeatures: Int, precision: Precision = .fp32) {
        self.weight = PackedWeight(weight: weight.pointer, outFeatures: outFeatures, inFeatures: inFeatures, precision: precision)
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// `output` (rows, outFeatures) ← `input` (rows, inFeatures) · weightᵀ + bias, then
    /// `activation`; with `accumulate`, `output +=` the product instead (a residual add).
    func callAsFunction(
        _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
        activation: Activation? = nil, accumulate: Bool = false
    ) {
        Kernels.linear(
            input: input, rows: rows, weight: weight, bias: bias?.pointer, activation: activation?.fused,
            accumulate: accumulate, output: output)
    }
}

/// `torch.nn.LayerNorm(width)` with PyTorch's default epsilon 1e-5 (open_clip never changes it).
struct LayerNormLayer: Sendable {
    static let epsilon: Float = 1e-5
    let gamma: WeightTensor
    let beta: WeightTensor
    let width: Int

    init(_ source: TensorSource, _ prefix: String, width: Int) throws {
        gamma = try source.take(OpenCLIPNames.weight(prefix), [width])
        beta = try source.take(OpenCLIPNames.bias(prefix), [width])
        self.width = width
    }

    /// Normalises `rows` rows of `width` values; `input` and `output` may be the same buffer.
    func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        Kernels.layerNorm(
            input: input, rows: rows, columns: width,
            gamma: gamma.pointer, beta: beta.pointer, epsilon: Self.epsilon, output: output)
    }
}

extension Activation {
    /// The same function applied by the GEMM's store (`LinearLayer(…, activation:)`).
    var fused: Kernels.FusedActivation {
        switch self {
        case .gelu: return .gelu
        case .quickGelu: return .quickGelu
        }
    }
}

/// `x[i] += y[i]` — the residual connection (memory-bound; not worth a kernel).
@inline(__always)
func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { x[i] += y[i] }
}

extension Array where Element == Float {
    /// A zero-filled scratch buffer.
    init(zeros count: Int) {
        self.init(repeating: 0, count: count)
    }
}
