import Foundation
import Probes
import Support
import Tensor

/// Timed runs of the kernels on the shapes CLIP's encoders use (ViT-B/32 at batch 8,
/// ModifiedResNet-50 at 224²), for `shiftlens bench-kernels`.
///
/// Inputs are random; throughput does not depend on values. Each case is run once to
/// warm up (thread start, scratch growth, page faults), then `iterations` times; the
/// result keeps every iteration's GFLOP/s so callers report min/median/max.
public enum KernelBenchmark {
    /// One benchmarked call shape.
    public struct Case {
        public let name: String
        /// Floating-point operations per run (2 per multiply-add), or elements processed
        /// for element-wise kernels (see `unit`).
        public let flops: Double
        /// "GFLOP/s", "Gelem/s" for element-wise kernels, or "images/s".
        public var unit = "GFLOP/s"
        /// Divides work per second into `unit` (1e9 for the G-units).
        var scale: Double { unit.hasPrefix("G") ? 1e9 : 1 }
        /// Allocates the case's buffers and returns the timed body.
        let prepare: () -> () -> Void
        /// Run before each timed iteration, outside the timing (restores in-place inputs).
        var reset: (() -> Void)?

        init(name: String, flops: Double, unit: String = "GFLOP/s", prepare: @escaping () -> () -> Void) {
            self.name = name
            self.flops = flops
            self.unit = unit
            self.prepare = prepare
        }
    }

    public struct Result: Sendable {
        public let name: String
        public let threads: Int
        /// "GFLOP/s" or "Gelem/s".
        public let unit: String
        /// GFLOP/s (or Gelem/s) of each timed iteration (wall clock), in run order.
        public let gigaflops: [Double]
        /// GFLOP per second of CPU time the whole process used over all timed iterations
        /// (all threads): the kernels' efficiency per busy core, insensitive to other
        /// processes taking the cores away (which wall-clock numbers are not on a shared
        /// machine). Parked pool threads use no CPU time.
        public let gigaflopsPerCPUSecond: Double

        public var minimum: Double { gigaflops.min() ?? 0 }
        public var maximum: Double { gigaflops.max() ?? 0 }
        public var median: Double { Statistics.median(gigaflops) ?? 0 }
    }

    /// ViT-B/32 batch 8 (8 × 50 tokens): the four linear shapes, attention over the
    /// batch; ModifiedResNet-50 convolutions at batch 8 (one batched call); element-wise
    /// kernels at ViT-B/32 batch-8 sizes.
    public static func standardCases() -> [Case] {
        let rows = 8 * 50
        var cases = [
            linear(rows: rows, inFeatures: 768, outFeatures: 2304, label: "attn in_proj"),
            linear(rows: rows, inFeatures: 768, outFeatures: 768, label: "attn out_proj"),
            linear(rows: rows, inFeatures: 768, outFeatures: 3072, label: "mlp c_fc"),
            linear(rows: rows, inFeatures: 3072, outFeatures: 768, label: "mlp c_proj"),
            attention(batch: 8, tokens: 50, heads: 12, headDim: 64),
            attention(batch: 2, tokens: 197, heads: 12, headDim: 64),
            attention(batch: 8, tokens: 77, heads: 8, headDim: 64, causal: true),
        ]
        cases += [
            conv(inChannels: 32, size: 112, outChannels: 32, kernel: 3, label: "stem conv2"),
            conv(inChannels: 64, size: 56, outChannels: 64, kernel: 3, label: "layer1 conv2"),
            conv(inChannels: 64, size: 56, outChannels: 256, kernel: 1, label: "layer1 conv3"),
            conv(inChannels: 128, size: 28, outChannels: 512, kernel: 1, label: "layer2 conv3"),
            conv(inChannels: 256, size: 14, outChannels: 256, kernel: 3, label: "layer3 conv2"),
            conv(inChannels: 512, size: 7, outChannels: 512, kernel: 3, label: "layer4 conv2"),
            conv(inChannels: 512, size: 7, outChannels: 2048, kernel: 1, label: "layer4 conv3"),
        ]
        cases += [
            elementwise(name: "gelu 400×3072", count: rows * 3072) { Kernels.gelu($0, count: rows * 3072) },
            elementwise(name: "quickGelu 400×3072", count: rows * 3072) { Kernels.quickGelu($0, count: rows * 3072) },
            elementwise(name: "layerNorm 400×768", count: rows * 768) { x in
                Kernels.layerNorm(input: x, rows: rows, columns: 768, gamma: x, beta: x, epsilon: 1e-5, output: x + rows * 768)
            },
            elementwise(name: "softmaxRows 96×50×50", count: 96 * 50 * 50) { Kernels.softmaxRows($0, rows: 96 * 50, columns: 50) },
        ]
        cases.append(visionTransformerB32())
        cases.append(modifiedResNet50())
        return cases
    }

    /// The whole ViT-B/32 image tower on random weights, as a sequence of kernel calls:
    /// patch embedding (batched conv), 12 pre-norm residual blocks (layerNorm, QKV
    /// linear, attention per image, output linear, layerNorm, MLP with GELU), final
    /// layerNorm and projection of the class tokens. Twelve distinct weight sets, as in
    /// a real checkpoint (weights stream from memory, not from cache). The rate unit is
    /// images/s; 8.8 GFLOP per image.
    public static func visionTransformerB32(batch: Int = 8) -> Case {
        let width = 768, tokens = 50, layers = 12, hidden = 3072, heads = 12, embed = 512
        let rows = batch * tokens
        let benchmarkCase = Case(name: "ViT-B/32 tower, batch \(batch), synthetic weights", flops: Double(batch), unit: "images/s") {
            let images = randomBuffer(batch * 3 * 224 * 224)
            let patchWeight = randomBuffer(width * 3 * 32 * 32)
            let classAndPositions = randomBuffer(tokens * width)
            struct Layer {
                let ln1, qkvWeight, qkvBias, outWeight, outBias, ln2, fcWeight, fcBias, projWeight, projBias: UnsafeMutablePointer<Float>
            }
            // Small weights keep activations well inside fp32 range across 12 residual blocks.
            func weights(_ count: Int) -> UnsafeMutablePointer<Float> {
                let w = randomBuffer(count)
                for i in 0..<count { w[i] *= 0.05 }
                return w
            }
            let blocks = (0..<layers).map { _ in
                Layer(
                    ln1: randomBuffer(2 * width), qkvWeight: weights(3 * width * width), qkvBias: randomBuffer(3 * width),
                    outWeight: weights(width * width), outBias: randomBuffer(width), ln2: randomBuffer(2 * width),
                    fcWeight: weights(hidden * width), fcBias: randomBuffer(hidden),
                    projWeight: weights(width * hidden), projBias: randomBuffer(width))
            }
            let lnPost = randomBuffer(2 * width), projection = weights(width * embed)
            let patches = UnsafeMutablePointer<Float>.allocate(capacity: batch * width * 49)
            let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            let h = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            let qkv = UnsafeMutablePointer<Float>.allocate(capacity: rows * 3 * width)
            let attended = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            let mlp = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
            let classTokens = UnsafeMutablePointer<Float>.allocate(capacity: batch * width)
            let embeddings = UnsafeMutablePointer<Float>.allocate(capacity: batch * embed)
            return {
                // (batch, width, 7·7) patch embeddings → (batch·50, width) tokens.
                Kernels.conv2d(
                    input: images, batch: batch, inChannels: 3, height: 224, width: 224, weight: patchWeight, bias: nil,
                    outChannels: width, kernelHeight: 32, kernelWidth: 32, stride: 32, padding: 0, output: patches)
                for b in 0..<batch {
                    for t in 0..<tokens {
                        let row = x + (b * tokens + t) * width
                        for c in 0..<width {
                            row[c] = classAndPositions[t * width + c] + (t == 0 ? 0 : patches[(b * width + c) * 49 + t - 1])
                        }
                    }
                }
                Kernels.layerNorm(input: x, rows: rows, columns: width, gamma: lnPost, beta: lnPost + width, epsilon: 1e-5, output: x)
                for layer in blocks {
                    Kernels.layerNorm(input: x, rows: rows, columns: width, gamma: layer.ln1, beta: layer.ln1 + width, epsilon: 1e-5, output: h)
                    Kernels.linear(input: h, rows: rows, inFeatures: width, weight: layer.qkvWeight, bias: layer.qkvBias, outFeatures: 3 * width, output: qkv)
                    for b in 0..<batch {
                        let base = UnsafePointer(qkv) + b * tokens * 3 * width
                        Kernels.attention(
                            query: base, key: base + width, value: base + 2 * width, rowStride: 3 * width,
                            queryLength: tokens, keyLength: tokens, heads: heads, headDim: width / heads, causal: false,
                            output: attended + b * tokens * width)
                    }
                    Kernels.linear(input: attended, rows: rows, inFeatures: width, weight: layer.outWeight, bias: layer.outBias, outFeatures: width, output: h)
                    addInPlace(x, h, count: rows * width)
                    Kernels.layerNorm(input: x, rows: rows, columns: width, gamma: layer.ln2, beta: layer.ln2 + width, epsilon: 1e-5, output: h)
                    Kernels.linear(input: h, rows: rows, inFeatures: width, weight: layer.fcWeight, bias: layer.fcBias, outFeatures: hidden, output: mlp)
                    Kernels.gelu(mlp, count: rows * hidden)
                    Kernels.linear(input: mlp, rows: rows, inFeatures: hidden, weight: layer.projWeight, bias: layer.projBias, outFeatures: width, output: h)
                    addInPlace(x, h, count: rows * width)
                }
                for b in 0..<batch { (classTokens + b * width).update(from: x + b * tokens * width, count: width) }
                Kernels.layerNorm(input: classTokens, rows: batch, columns: width, gamma: lnPost, beta: lnPost + width, epsilon: 1e-5, output: classTokens)
                Kernels.matmul(a: classTokens, b: projection, c: embeddings, m: batch, n: embed, k: width)
            }
        }
        return benchmarkCase
    }

    /// The ModifiedResNet-50 image tower (CLIP RN50) on random weights, as a sequence of
    /// kernel calls at batch `batch`: 3-conv stem with average pooling, bottleneck stages
    /// [3, 4, 6, 3] with anti-aliased (average-pool) downsampling, attention pooling
    /// (50 keys, one query, 32 heads) and its output projection. Batch norms are taken as
    /// folded into the convolutions' biases. Rate unit: images/s; ~12.2 GFLOP per image.
    public static func modifiedResNet50(batch: Int = 8) -> Case {
        Case(name: "RN50 tower, batch \(batch), synthetic weights", flops: Double(batch), unit: "images/s") {
            var steps: [() -> Void] = []
            func activations(_ count: Int) -> UnsafeMutablePointer<Float> {
                UnsafeMutablePointer<Float>.allocate(capacity: count)
            }
            /// Uniform weights scaled by 1/√fanIn so activations stay O(1) through the tower.
            func weights(_ count: Int, fanIn: Int) -> UnsafeMutablePointer<Float> {
                let w = randomBuffer(count)
                let scale = 2 / Float(fanIn).squareRoot()
                for i in 0..<count { w[i] *= scale }
                return w
            }
            /// Appends a convolution of the whole batch (+ ReLU); returns the output buffer.
            func conv(
                _ input: UnsafeMutablePointer<Float>, _ channels: Int, _ size: Int, _ outChannels: Int, kernel: Int,
                stride: Int = 1, relu: Bool = true
            ) -> UnsafeMutablePointer<Float> {
                let outSize = (size + 2 * (kernel / 2) - kernel) / stride + 1
                let weight = weights(outChannels * channels * kernel * kernel, fanIn: channels * kernel * kernel)
                let bias = randomBuffer(outChannels)
                let output = activations(batch * outChannels * outSize * outSize)
                steps.append {
                    Kernels.conv2d(
                        input: input, batch: batch, inChannels: channels, height: size, width: size, weight: weight,
                        bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel, stride: stride,
                        padding: kernel / 2, output: output)
                    if relu { Kernels.relu(output, count: batch * outChannels * outSize * outSize) }
                }
                return output
            }
            func pool(_ input: UnsafeMutablePointer<Float>, _ channels: Int, _ size: Int) -> UnsafeMutablePointer<Float> {
                let output = activations(batch * channels * (size / 2) * (size / 2))
                steps.append {
                    Kernels.avgPool2d(
                        input: input, channels: batch * channels, height: size, width: size, kernel: 2, stride: 2, output: output)
                }
                return output
            }
            let images = randomBuffer(batch * 3 * 224 * 224)
            // Stem: (3, 224²) → (32, 112²) → (32, 112²) → (64, 112²) → pool → (64, 56²).
            var x = conv(images, 3, 224, 32, kernel: 3, stride: 2)
            x = conv(x, 32, 112, 32, kernel: 3)
            x = conv(x, 32, 112, 64, kernel: 3)
            x = pool(x, 64, 112)
            var channels = 64, size = 56
            for (planes, blocks, stride) in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)] {
                for block in 0..<blocks {
                    let blockStride = block == 0 ? stride : 1
                    var y = conv(x, channels, size, planes, kernel: 1)
                    y = conv(y, planes, size, planes, kernel: 3)
                    let outSize = size / blockStride
                    if blockStride > 1 { y = pool(y, planes, size) }
                    y = conv(y, planes, outSize, 4 * planes, kernel: 1, relu: false)
                    var identity = x
                    if blockStride > 1 || channels != 4 * planes {
                        let pooled = blockStride > 1 ? pool(x, channels, size) : x
                        identity = conv(pooled, channels, outSize, 4 * planes, kernel: 1, relu: false)
                    }
                    let sum = y, residual = identity, count = batch * 4 * planes * outSize * outSize
                    steps.append {
                        for i in 0..<count { sum[i] += residual[i] }
                        Kernels.relu(sum, count: count)
                    }
                    x = sum
                    channels = 4 * planes
                    size = outSize
                }
            }
            // Attention pooling: tokens = [mean; 49 positions] + positional embedding,
            // one query (the mean token), 32 heads of 64, then c_proj 2048 → 1024.
            let width = channels, tokens = size * size + 1, heads = 32, outputWidth = 1024
            let positional = randomBuffer(tokens * width)
            let qWeight = weights(width * width, fanIn: width), kvWeight = weights(2 * width * width, fanIn: width)
            let qBias = randomBuffer(width), kvBias = randomBuffer(2 * width)
            let cWeight = weights(outputWidth * width, fanIn: width), cBias = randomBuffer(outputWidth)
            let sequence = activations(tokens * width), query = activations(width), keyValue = activations(tokens * 2 * width)
            let attended = activations(width), pooledOutput = activations(batch * outputWidth)
            let features = x
            steps.append {
                for b in 0..<batch {
                    let image = features + b * width * (tokens - 1)
                    for c in 0..<width {
                        var mean: Float = 0
                        for t in 1..<tokens {
                            let value = image[c * (tokens - 1) + t - 1]
                            sequence[t * width + c] = value + positional[t * width + c]
                            mean += value
                        }
                        sequence[c] = mean / Float(tokens - 1) + positional[c]
                    }
                    Kernels.linear(input: sequence, rows: 1, inFeatures: width, weight: qWeight, bias: qBias, outFeatures: width, output: query)
                    Kernels.linear(
                        input: sequence, rows: tokens, inFeatures: width, weight: kvWeight, bias: kvBias, outFeatures: 2 * width,
                        output: keyValue)
                    // One query row; `rowStride` is only used for rows ≥ 1, so the key/value stride serves.
                    Kernels.attention(
                        query: query, key: keyValue, value: keyValue + width, rowStride: 2 * width,
                        queryLength: 1, keyLength: tokens, heads: heads, headDim: width / heads, causal: false, output: attended)
                    Kernels.linear(
                        input: attended, rows: 1, inFeatures: width, weight: cWeight, bias: cBias, outFeatures: outputWidth,
                        output: pooledOutput + b * outputWidth)
                }
            }
            return { for step in steps { step() } }
        }
    }

    private static func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// An element-wise kernel on a buffer of `2·count` values (layerNorm writes the second
    /// half). The input is restored from a pristine copy before each timed iteration so
    /// that in-place kernels never run on their own outputs (repeated GELU would drift
    /// into denormals).
    static func elementwise(name: String, count: Int, _ body: @escaping (UnsafeMutablePointer<Float>) -> Void) -> Case {
        let pristine = randomBuffer(2 * count), buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * count)
        for i in 0..<(2 * count) { pristine[i] *= 8 }  // values in [−4, 4)
        var benchmarkCase = Case(name: name, flops: Double(count), unit: "Gelem/s") { { body(buffer) } }
        benchmarkCase.reset = { buffer.update(from: pristine, count: 2 * count) }
        return benchmarkCase
    }

    /// Runs `benchmarkCase` on `threads` threads of the shared pool (restoring the
    /// previous count afterwards).
    public static func measure(_ benchmarkCase: Case, threads: Int, iterations: Int) -> Result {
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        pool.setThreadCount(threads)
        defer { pool.setThreadCount(previous) }
        let body = benchmarkCase.prepare()
        benchmarkCase.reset?()
        body()
        var gigaflops: [Double] = []
        var cpuSeconds = 0.0
        for _ in 0..<max(1, iterations) {
            benchmarkCase.reset?()
            let cpuStart = CPUTime.process
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            cpuSeconds += CPUTime.process - cpuStart
            gigaflops.append(benchmarkCase.flops / seconds / benchmarkCase.scale)
        }
        return Result(
            name: benchmarkCase.name, threads: threads, unit: benchmarkCase.unit, gigaflops: gigaflops,
            gigaflopsPerCPUSecond: benchmarkCase.flops * Double(gigaflops.count) / cpuSeconds / benchmarkCase.scale)
    }

    /// The 1-minute load average (Linux), to judge how contended a run was.
    public static var loadAverage: String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func linear(rows m: Int, inFeatures k: Int, outFeatures n: Int, label: String) -> Case {
        Case(name: "linear \(m)×\(k)→\(n) (\(label))", flops: 2 * Double(m * n * k)) {
            let input = randomBuffer(m * k), weight = randomBuffer(n * k), bias = randomBuffer(n)
            let output = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
            return {
                Kernels.linear(input: input, rows: m, inFeatures: k, weight: weight, bias: bias, outFeatures: n, output: output)
            }
        }
    }

    /// Counts the multiply-adds actually needed (about half the pairs when causal).
    static func attention(batch: Int, tokens: Int, heads: Int, headDim: Int, causal: Bool = false) -> Case {
        let width = heads * headDim
        let pairs = causal ? tokens * (tokens + 1) / 2 : tokens * tokens
        let flops = Double(batch) * 4 * Double(pairs * width)
        let label = "attention \(batch)×(\(tokens) tokens, \(heads)×\(headDim)\(causal ? ", causal" : ""))"
        return Case(name: label, flops: flops) {
            let qkv = randomBuffer(batch * tokens * 3 * width)
            let output = UnsafeMutablePointer<Float>.allocate(capacity: batch * tokens * width)
            return {
                for b in 0..<batch {
                    let base = UnsafePointer(qkv) + b * tokens * 3 * width
                    Kernels.attention(
                        query: base, key: base + width, value: base + 2 * width, rowStride: 3 * width,
                        queryLength: tokens, keyLength: tokens, heads: heads, headDim: headDim, causal: causal,
                        output: output + b * tokens * width)
                }
            }
        }
    }

    static func conv(inChannels: Int, size: Int, outChannels: Int, kernel: Int, label: String, batch: Int = 8) -> Case {
        let padding = kernel / 2
        let flops = 2 * Double(batch * outChannels * size * size * inChannels * kernel * kernel)
        return Case(name: "conv \(batch)×\(inChannels)→\(outChannels) \(kernel)×\(kernel) @\(size)² (\(label))", flops: flops) {
            let input = randomBuffer(batch * inChannels * size * size)
            let weight = randomBuffer(outChannels * inChannels * kernel * kernel), bias = randomBuffer(outChannels)
            let output = UnsafeMutablePointer<Float>.allocate(capacity: batch * outChannels * size * size)
            return {
                Kernels.conv2d(
                    input: input, batch: batch, inChannels: inChannels, height: size, width: size, weight: weight, bias: bias,
                    outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel, stride: 1, padding: padding,
                    output: output)
            }
        }
    }

    /// Benchmark buffers live for the whole process (a handful of megabytes).
    private static func randomBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        var state: UInt32 = 2_463_534_242
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            buffer[i] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
        return buffer
    }

    /// The CPU model from /proc/cpuinfo (Linux) or "unknown CPU", and the processor count.
    public static var machineDescription: String {
        var model = "unknown CPU"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) active processors"
    }
}
