import CLIP
import Foundation
import Probes
import Support
import Tensor
import Weights

/// Timed runs of the kernels on the shapes CLIP's encoders use (ViT-B/32 at batch 8,
/// ModifiedResNet-50 at 224²), for `shiftlens bench-kernels`.
///
/// Inputs are random; throughput does not depend on values. Each case is run once to
/// warm up (thread start, scratch growth, page faults), then `iterations` times; the
/// result keeps every iteration's GFLOP/s so callers report min/median/max.
package enum KernelBenchmark {
    /// One benchmarked call shape.
    package struct Case {
        package let name: String
        /// Floating-point operations per run (2 per multiply-add), or elements processed
        /// for element-wise kernels (see `unit`).
        package let flops: Double
        /// "GFLOP/s", "Gelem/s" for element-wise kernels, or "images/s".
        package var unit = "GFLOP/s"
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

    package struct Result: Sendable {
        package let name: String
        package let threads: Int
        /// "GFLOP/s" or "Gelem/s".
        package let unit: String
        /// GFLOP/s (or Gelem/s) of each timed iteration (wall clock), in run order.
        let gigaflops: [Double]
        /// GFLOP per second of CPU time the whole process used over all timed iterations
        /// (all threads): the kernels' efficiency per busy core, insensitive to other
        /// processes taking the cores away (which wall-clock numbers are not on a shared
        /// machine). Parked pool threads use no CPU time.
        package let gigaflopsPerCPUSecond: Double

        package var minimum: Double { gigaflops.min() ?? 0 }
        package var maximum: Double { gigaflops.max() ?? 0 }
        package var median: Double { Statistics.median(gigaflops) ?? 0 }
    }

    /// ViT-B/32 batch 8 (8 × 50 tokens): the four linear shapes, attention over the
    /// batch; ModifiedResNet-50 convolutions at batch 8 (one batched call); element-wise
    /// kernels at ViT-B/32 batch-8 sizes.
    package static func standardCases() -> [Case] {
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
        cases += probeLinearAlgebra()
        cases.append(visionTransformerB32())
        cases.append(modifiedResNet50())
        return cases
    }

    /// The probes' fp64 linear algebra at CLIP's width (d = 768): the covariance of 10,000
    /// embeddings (upper-only Gram, GFLOP/s counting the d(d+1)/2 · n multiply-adds needed),
    /// Fréchet's `Fᵀ Σ₂ F` and the symmetric eigendecomposition of a covariance, eigenvalues
    /// only (Fréchet) and with vectors (principal axes, head basis), in calls/s.
    static func probeLinearAlgebra(d: Int = 768, n: Int = 10_000) -> [Case] {
        func centred(_ rows: Int) -> Matrix<Double> {
            let values = randomBuffer(rows * d)
            return Matrix(unchecked: rows, d, (0..<(rows * d)).map { Double(values[$0]) * (1 + Double($0 % d) / 64) })
        }
        /// A covariance with a spread-out spectrum, as an embedding covariance has.
        func covariance() -> Matrix<Double> { LinearAlgebra.gram(centred(2 * d)) }
        return [
            Case(name: "fp64 gram \(n)×\(d) (covariance, upper)", flops: Double(n) * Double(d * (d + 1))) {
                let x = centred(n)
                return { _ = LinearAlgebra.gram(x) }
            },
            Case(name: "fp64 congruence Fᵀ·Σ·F \(d) (Fréchet, F lower)", flops: 2 * Double(d * d * d)) {
                let s = covariance()
                var f = centred(d)
                for i in 0..<d { for j in (i + 1)..<d { f.values[i * d + j] = 0 } }
                return { _ = LinearAlgebra.congruence(s, lowerTriangular: f) }
            },
            Case(name: "symmetric eigen \(d) values (Fréchet)", flops: 1, unit: "calls/s") {
                let s = covariance()
                return { _ = try! SymmetricEigen(s, computeVectors: false) }
            },
            Case(name: "symmetric eigen \(d) with vectors (principal axes)", flops: 1, unit: "calls/s") {
                let s = covariance()
                return { _ = try! SymmetricEigen(s) }
            },
        ]
    }

    /// The ViT-B/32 image tower of `CLIP.VisionTransformer` — the code `shiftlens` runs — on
    /// seeded random weights, encoding `batch` random 224² images per call. The rate unit is
    /// images/s; 8.8 GFLOP per image.
    static func visionTransformerB32(batch: Int = 8) -> Case {
        let config = VisionConfig.vit(ViTConfig(width: 768, layers: 12, heads: 12, patchSize: 32, imageSize: 224, outputDim: 512))
        return tower(name: "ViT-B/32 tower, batch \(batch), synthetic weights", config, batch: batch)
    }

    /// The RN50 image tower of `CLIP.ModifiedResNet` (stem, stages [3, 4, 6, 3], attention
    /// pooling) on seeded random weights, `batch` random 224² images per call. Rate unit:
    /// images/s; ~11.6 GFLOP per image.
    static func modifiedResNet50(batch: Int = 8) -> Case {
        let config = VisionConfig.resnet(ModifiedResNetConfig(layers: [3, 4, 6, 3], width: 64, heads: 32, imageSize: 224, outputDim: 1024))
        return tower(name: "RN50 tower, batch \(batch), synthetic weights", config, batch: batch)
    }

    static func tower(name: String, _ vision: VisionConfig, batch: Int) -> Case {
        Case(name: name, flops: Double(batch), unit: "images/s") {
            let model: CLIPModel
            do {
                model = try CLIPModel(checkpoint: seededWeights(vision, seed: 7), config: CLIPConfig(
                    vision: vision, text: nil, activation: .gelu, activationSource: "benchmark"))
            } catch {
                preconditionFailure("the seeded \(name) does not fit its own architecture: \(error)")
            }
            let size = vision.imageSize
            var generator = SplitMix64(seed: 11)
            let images = Tensor(shape: [batch, 3, size, size], scalars: (0..<(batch * 3 * size * size)).map { _ in Float(generator.unit()) - 0.5 })
            return {
                do { _ = try model.encodeImages(images, batch: batch) } catch { preconditionFailure("\(name): \(error)") }
            }
        }
    }

    /// Every tensor open_clip has for `vision`, filled from SplitMix64: uniform weights scaled by
    /// 1/√fan-in (activations stay O(1) through the tower), unit norm scales and running variances,
    /// zero biases and running means. Speed does not depend on the values.
    static func seededWeights(_ vision: VisionConfig, seed: UInt64) -> StateDict {
        var generator = SplitMix64(seed: seed)
        var tensors: [String: WeightTensor] = [:]
        for (name, shape) in OpenCLIPNames.expectedShapes(vision: vision, text: nil).required.sorted(by: { $0.key < $1.key }) {
            let count = shape.reduce(1, *)
            let storage = OwnedFloats(count: count)
            let isNorm = name.hasSuffix(".running_var") || ((name.contains(".bn") || name.contains("ln_") || name.contains("downsample.1")) && name.hasSuffix(".weight"))
            if isNorm {
                for i in 0..<count { storage.pointer[i] = 1 }
            } else if !(name.hasSuffix(".bias") || name.hasSuffix(".running_mean")) {
                let scale = 2 / Float(max(1, shape.dropFirst().reduce(1, *))).squareRoot()
                for i in 0..<count { storage.pointer[i] = (Float(generator.unit()) - 0.5) * scale }
            }
            tensors[name] = WeightTensor(name: name, shape: shape, values: storage.buffer, storage: storage)
        }
        return StateDict(tensors: tensors, path: "seeded weights")
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

    /// Runs `benchmarkCase` on the shared pool as it is sized (the caller sizes it: `threads`
    /// is recorded in the result).
    package static func measure(_ benchmarkCase: Case, threads: Int, iterations: Int) -> Result {
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
    package static var loadAverage: String {
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

    /// The CPU model (or "unknown CPU") and the processor count.
    package static var machineDescription: String {
        "\(MachineProbe.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) active processors"
    }
}
