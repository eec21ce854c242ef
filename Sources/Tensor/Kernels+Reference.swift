import Foundation

/// Plain reference kernels: the definition of what each fast kernel in `Kernels`
/// computes. Straightforward loops with fp32 accumulation in the obvious order;
/// the fast twins must match them to ~1e-5 relative on every shape.
///
/// Shapes are documented per kernel; every buffer is row-major and densely packed.
extension Kernels {
    /// `output[m, n] = Σ_k input[m, k] · weight[n, k] + bias[n]` — PyTorch's `Linear`
    /// (weight stored as (outFeatures, inFeatures)).
    static func linearReference(
        input: UnsafePointer<Float>, rows m: Int, inFeatures k: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures n: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += input[i * k + p] * weight[j * k + p] }
                output[i * n + j] = sum + (bias?[j] ?? 0)
            }
        }
    }

    /// `linear` at bf16: `input` and `weight` rounded to bfloat16 (`bf16Bits`), then per output
    /// element one fp32 sum over the pairs `(2q, 2q + 1)` in increasing `q`, each pair adding
    /// the product at `2q + 1` before the one at `2q` (as `vdpbf16ps` does; bf16 products
    /// are exact in fp32), then the bias.
    static func linearBF16Reference(
        input: UnsafePointer<Float>, rows m: Int, inFeatures k: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures n: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        func rounded(_ values: UnsafePointer<Float>, _ index: Int, count: Int) -> Float {
            index < count ? float(bf16: bf16Bits(values[index])) : 0
        }
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                var q = 0
                while 2 * q < k {
                    sum += rounded(input + i * k, 2 * q + 1, count: k) * rounded(weight + j * k, 2 * q + 1, count: k)
                    sum += rounded(input + i * k, 2 * q, count: k) * rounded(weight + j * k, 2 * q, count: k)
                    q += 1
                }
                output[i * n + j] = sum + (bias?[j] ?? 0)
            }
        }
    }

    /// `c[m, n] = Σ_k a[m, k] · b[k, n]`.
    static func matmulReference(
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * k + p] * b[p * n + j] }
                c[i * n + j] = sum
            }
        }
    }

    /// `matmul(a:aRowStride:aColumnStride:b:bRowStride:c:cRowStride:m:n:k:accumulate:)` by
    /// the definition: one fp32 sum per element in increasing `p`, then stored or added.
    static func matmulStridedReference(
        a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Float>, bRowStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * aRowStride + p * aColumnStride] * b[p * bRowStride + j] }
                if accumulate { c[i * cRowStride + j] += sum } else { c[i * cRowStride + j] = sum }
            }
        }
    }

    /// Layer norm over the last dimension: `(x - mean) / sqrt(var + eps) · gamma + beta`,
    /// biased variance, as `torch.nn.LayerNorm`. `input` and `output` may alias.
    static func layerNormReference(
        input: UnsafePointer<Float>, rows: Int, columns: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let x = input + r * columns
            var mean: Float = 0
            for c in 0..<columns { mean += x[c] }
            mean /= Float(columns)
            var variance: Float = 0
            for c in 0..<columns { variance += (x[c] - mean) * (x[c] - mean) }
            variance /= Float(columns)
            let inverse = 1 / (variance + epsilon).squareRoot()
            let y = output + r * columns
            for c in 0..<columns { y[c] = (x[c] - mean) * inverse * gamma[c] + beta[c] }
        }
    }

    /// Softmax of each row, in place, max-subtracted.
    static func softmaxRowsReference(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = x + r * columns
            var maximum = -Float.infinity
            for c in 0..<columns { maximum = max(maximum, row[c]) }
            var sum: Float = 0
            for c in 0..<columns {
                row[c] = expf(row[c] - maximum)
                sum += row[c]
            }
            for c in 0..<columns { row[c] /= sum }
        }
    }

    /// Exact GELU, `x · Φ(x)` with erf (PyTorch's default `nn.GELU()`), in place.
    static func geluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] / Float(2).squareRoot())) }
    }

    /// QuickGELU, `x · σ(1.702 x)` (OpenAI's CLIP weights), in place.
    static func quickGeluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] / (1 + expf(-1.702 * x[i])) }
    }

    /// `max(x, 0)`, in place.
    static func reluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(x[i], 0) }
    }

    /// 2-D convolution of one image, `input` (inChannels, height, width) →
    /// `output` (outChannels, outHeight, outWidth) with
    /// `outHeight = (height + 2·padding − kernelHeight) / stride + 1` (likewise width);
    /// `weight` is (outChannels, inChannels, kernelHeight, kernelWidth), zero padding.
    static func conv2dReference(
        input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let outHeight = (height + 2 * padding - kernelHeight) / stride + 1
        let outWidth = (width + 2 * padding - kernelWidth) / stride + 1
        for o in 0..<outChannels {
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    var sum: Float = bias?[o] ?? 0
                    for c in 0..<inChannels {
                        for ky in 0..<kernelHeight {
                            let iy = y * stride - padding + ky
                            if iy < 0 || iy >= height { continue }
                            for kx in 0..<kernelWidth {
                                let ix = x * stride - padding + kx
                                if ix < 0 || ix >= width { continue }
                                sum += input[(c * height + iy) * width + ix]
                                    * weight[((o * inChannels + c) * kernelHeight + ky) * kernelWidth + kx]
                            }
                        }
                    }
                    output[(o * outHeight + y) * outWidth + x] = sum
                }
            }
        }
    }

    /// `conv2dReference` applied to each of `batch` images: `input` (batch, inChannels,
    /// height, width) → `output` (batch, outChannels, outHeight, outWidth); with
    /// `accumulate` added to `output`, then `activation` on the result.
    static func conv2dReference(
        input: UnsafePointer<Float>, batch: Int, inChannels: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
        activation: FusedActivation? = nil, accumulate: Bool = false,
        output: UnsafeMutablePointer<Float>
    ) {
        guard stride > 0 else { return }
        let outHeight = (height + 2 * padding - kernelHeight) / stride + 1
        let outWidth = (width + 2 * padding - kernelWidth) / stride + 1
        guard outHeight > 0, outWidth > 0 else { return }
        let perImage = outChannels * outHeight * outWidth
        var product = [Float](repeating: 0, count: perImage)
        for b in 0..<max(0, batch) {
            let out = output + b * perImage
            product.withUnsafeMutableBufferPointer { product in
                conv2dReference(
                    input: input + b * inChannels * height * width, inChannels: inChannels, height: height, width: width,
                    weight: weight, bias: bias, outChannels: outChannels,
                    kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
                    output: product.baseAddress!)
                for i in 0..<perImage { out[i] = accumulate ? out[i] + product[i] : product[i] }
            }
            switch activation {
            case .gelu?: geluReference(out, count: perImage)
            case .quickGelu?: quickGeluReference(out, count: perImage)
            case .relu?: reluReference(out, count: perImage)
            case nil: break
            }
        }
    }

    /// Average pooling without padding, `input` (channels, height, width) →
    /// (channels, (height − kernel)/stride + 1, (width − kernel)/stride + 1).
    static func avgPool2dReference(
        input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>
    ) {
        let outHeight = (height - kernel) / stride + 1
        let outWidth = (width - kernel) / stride + 1
        let scale = 1 / Float(kernel * kernel)
        for c in 0..<channels {
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    var sum: Float = 0
                    for ky in 0..<kernel {
                        for kx in 0..<kernel { sum += input[(c * height + y * stride + ky) * width + x * stride + kx] }
                    }
                    output[(c * outHeight + y) * outWidth + x] = sum * scale
                }
            }
        }
    }

    /// Multi-head scaled dot-product attention for one sequence.
    ///
    /// `query` is (queryLength, heads·headDim) and `key`/`value` are
    /// (keyLength, heads·headDim), each row laid out head after head (as PyTorch's
    /// `MultiheadAttention` splits its projections). With `causal`, query `i` sees keys
    /// `0...i`. Scores are scaled by `1/√headDim`. `output` is (queryLength, heads·headDim).
    /// `rowStride` is the distance between consecutive rows of query/key/value (so the
    /// three can live interleaved in one packed QKV buffer); the output is dense.
    static func attentionReference(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        queryLength: Int, keyLength: Int, heads: Int, headDim: Int, causal: Bool,
        output: UnsafeMutablePointer<Float>
    ) {
        let width = heads * headDim
        let scale = 1 / Float(headDim).squareRoot()
        var scores = [Float](repeating: 0, count: keyLength)
        for h in 0..<heads {
            for i in 0..<queryLength {
                let visible = causal ? min(i + 1, keyLength) : keyLength
                var maximum = -Float.infinity
                for j in 0..<visible {
                    var dot: Float = 0
                    for d in 0..<headDim { dot += query[i * rowStride + h * headDim + d] * key[j * rowStride + h * headDim + d] }
                    scores[j] = dot * scale
                    maximum = max(maximum, scores[j])
                }
                var sum: Float = 0
                for j in 0..<visible {
                    scores[j] = expf(scores[j] - maximum)
                    sum += scores[j]
                }
                for d in 0..<headDim {
                    var acc: Float = 0
                    for j in 0..<visible { acc += scores[j] * value[j * rowStride + h * headDim + d] }
                    output[i * width + h * headDim + d] = acc / sum
                }
            }
        }
    }
}
