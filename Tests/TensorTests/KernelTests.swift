import Foundation
import XCTest
@testable import Tensor

/// Every fast kernel against its `…Reference` twin on odd shapes (1, 7, 33, 257, …, sizes
/// that are not multiples of the 6 × 32 tile), at several thread counts.
final class KernelTests: XCTestCase {
    /// The default tolerance: `max|fast − reference| ≤ 1e-5 · max|reference|` over the output.
    static let tolerance: Float = 1e-5

    override func tearDown() {
        ThreadPool.shared.setThreadCount(ThreadPool.defaultThreadCount)
        super.tearDown()
    }

    func testLinearMatchesReference() {
        let shapes: [(m: Int, k: Int, n: Int)] = [
            (1, 1, 1), (1, 7, 1), (7, 33, 5), (33, 257, 7), (50, 64, 96), (257, 33, 130), (65, 768, 37), (13, 3072, 12),
        ]
        for threads in [1, 2, 3] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in shapes.enumerated() {
                var random = SplitMix(seed: UInt64(index * 10 + threads))
                let input = random.floats(shape.m * shape.k)
                let weight = random.floats(shape.n * shape.k)
                let bias = random.floats(shape.n)
                for useBias in [true, false] {
                    let fast = run(count: shape.m * shape.n) { out in
                        Kernels.linear(
                            input: input, rows: shape.m, inFeatures: shape.k, weight: weight,
                            bias: useBias ? bias : nil, outFeatures: shape.n, output: out)
                    }
                    let reference = run(count: shape.m * shape.n) { out in
                        Kernels.linearReference(
                            input: input, rows: shape.m, inFeatures: shape.k, weight: weight,
                            bias: useBias ? bias : nil, outFeatures: shape.n, output: out)
                    }
                    assertClose(fast, reference, "linear \(shape) bias \(useBias) threads \(threads)")
                }
            }
        }
    }

    /// Random small shapes (every residue modulo the 6 × 32 tile) at 1–3 threads.
    func testRandomShapesMatchReference() {
        var random = SplitMix(seed: 900)
        for trial in 0..<60 {
            let m = 1 + Int(random.next() % 70), n = 1 + Int(random.next() % 40), k = 1 + Int(random.next() % 90)
            ThreadPool.shared.setThreadCount(1 + trial % 3)
            let a = random.floats(m * k), w = random.floats(n * k), bias = random.floats(n), b = random.floats(k * n)
            let fast = run(count: m * n) {
                Kernels.linear(input: a, rows: m, inFeatures: k, weight: w, bias: bias, outFeatures: n, output: $0)
            }
            let reference = run(count: m * n) {
                Kernels.linearReference(input: a, rows: m, inFeatures: k, weight: w, bias: bias, outFeatures: n, output: $0)
            }
            assertClose(fast, reference, "linear m \(m) k \(k) n \(n)")
            let fastProduct = run(count: m * n) { Kernels.matmul(a: a, b: b, c: $0, m: m, n: n, k: k) }
            let referenceProduct = run(count: m * n) { Kernels.matmulReference(a: a, b: b, c: $0, m: m, n: n, k: k) }
            assertClose(fastProduct, referenceProduct, "matmul m \(m) n \(n) k \(k)")
        }
    }

    /// Kernels called from several threads at once (the pool runs all but one caller
    /// inline, each with its own scratch) still match the reference.
    func testConcurrentCallersMatchReference() {
        ThreadPool.shared.setThreadCount(2)
        let (m, k, n) = (70, 96, 45)
        var random = SplitMix(seed: 950)
        let inputs = (0..<4).map { _ in random.floats(m * k) }
        let weight = random.floats(n * k), bias = random.floats(n)
        let expected = inputs.map { input in
            run(count: m * n) {
                Kernels.linearReference(input: input, rows: m, inFeatures: k, weight: weight, bias: bias, outFeatures: n, output: $0)
            }
        }
        let results = Results(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { caller in
            for _ in 0..<20 {
                var out = [Float](repeating: .nan, count: m * n)
                out.withUnsafeMutableBufferPointer {
                    Kernels.linear(
                        input: inputs[caller], rows: m, inFeatures: k, weight: weight, bias: bias, outFeatures: n,
                        output: $0.baseAddress!)
                }
                results.set(caller, out)
            }
        }
        for caller in 0..<inputs.count { assertClose(results.get(caller), expected[caller], "concurrent caller \(caller)") }
    }

    func testMatmulMatchesReference() {
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 5, 33), (33, 7, 257), (6, 32, 64), (50, 77, 1), (257, 65, 19)]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in shapes.enumerated() {
                var random = SplitMix(seed: UInt64(100 + index))
                let a = random.floats(shape.m * shape.k), b = random.floats(shape.k * shape.n)
                let fast = run(count: shape.m * shape.n) { Kernels.matmul(a: a, b: b, c: $0, m: shape.m, n: shape.n, k: shape.k) }
                let reference = run(count: shape.m * shape.n) {
                    Kernels.matmulReference(a: a, b: b, c: $0, m: shape.m, n: shape.n, k: shape.k)
                }
                assertClose(fast, reference, "matmul \(shape) threads \(threads)")
            }
        }
    }

    /// The strided form on sub-blocks of larger arrays: a transposed `A`, a column range of
    /// `B`, accumulation into part of `c`; what lies outside the written block is untouched.
    func testStridedMatmulMatchesReference() {
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 5, 33), (33, 70, 77), (100, 33, 19)]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in shapes.enumerated() {
                let (m, n, k) = shape
                var random = SplitMix(seed: UInt64(300 + index))
                // A is stored transposed (k × (m + 3)), B is columns 2..<2+n of a k × (n + 5) array,
                // c is rows/columns 1.. of an (m + 2) × (n + 4) array.
                let aStride = m + 3, bStride = n + 5, cStride = n + 4
                let a = random.floats(k * aStride), b = random.floats(k * bStride)
                let start = random.floats((m + 2) * cStride)
                for accumulate in [false, true] {
                    typealias Strided = (
                        UnsafePointer<Float>, Int, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int, Int, Int, Int, Bool
                    ) -> Void
                    func product(_ kernel: Strided) -> [Float] {
                        var c = start
                        a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer {
                                    kernel(ap.baseAddress!, 1, aStride, bp.baseAddress! + 2, bStride, $0.baseAddress! + cStride + 1, cStride, m, n, k, accumulate)
                                }
                            }
                        }
                        return c
                    }
                    let fast = product(Kernels.matmul(a:aRowStride:aColumnStride:b:bRowStride:c:cRowStride:m:n:k:accumulate:))
                    let reference = product(Kernels.matmulStridedReference(a:aRowStride:aColumnStride:b:bRowStride:c:cRowStride:m:n:k:accumulate:))
                    assertClose(fast, reference, "strided matmul \(shape) accumulate \(accumulate) threads \(threads)")
                    for i in 0..<(m + 2) {
                        for j in 0..<cStride where !(1...m).contains(i) || !(1...n).contains(j) {
                            XCTAssertEqual(fast[i * cStride + j], start[i * cStride + j], "element (\(i), \(j)) outside the block changed")
                        }
                    }
                }
            }
        }
    }

    func testConv2dMatchesReference() {
        // (inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
            (1, 1, 1, 1, 1, 1, 1, 0),
            (3, 17, 13, 7, 3, 3, 2, 1),
            (5, 9, 9, 33, 1, 1, 1, 0),
            (4, 8, 11, 6, 1, 1, 2, 0),
            (2, 15, 15, 3, 7, 7, 2, 3),
            (8, 7, 7, 65, 3, 3, 1, 1),
            (3, 64, 64, 10, 32, 32, 32, 0),  // ViT patch embedding: stride = kernel
            (6, 5, 12, 4, 2, 3, 1, 2),  // non-square kernel, padding wider than needed
            (2, 40, 40, 7, 3, 3, 1, 1),  // few rows, many panels: each work item packs its own panels
        ]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, c) in cases.enumerated() {
                let (inChannels, height, width, outChannels, kh, kw, stride, padding) = c
                var random = SplitMix(seed: UInt64(200 + index))
                let input = random.floats(inChannels * height * width)
                let weight = random.floats(outChannels * inChannels * kh * kw)
                let bias = random.floats(outChannels)
                let outHeight = (height + 2 * padding - kh) / stride + 1, outWidth = (width + 2 * padding - kw) / stride + 1
                let count = outChannels * outHeight * outWidth
                for useBias in [true, false] {
                    let fast = run(count: count) {
                        Kernels.conv2d(
                            input: input, inChannels: inChannels, height: height, width: width, weight: weight,
                            bias: useBias ? bias : nil, outChannels: outChannels, kernelHeight: kh, kernelWidth: kw,
                            stride: stride, padding: padding, output: $0)
                    }
                    let reference = run(count: count) {
                        Kernels.conv2dReference(
                            input: input, inChannels: inChannels, height: height, width: width, weight: weight,
                            bias: useBias ? bias : nil, outChannels: outChannels, kernelHeight: kh, kernelWidth: kw,
                            stride: stride, padding: padding, output: $0)
                    }
                    assertClose(fast, reference, "conv2d \(c) bias \(useBias) threads \(threads)")
                }
            }
        }
    }

    /// Batched convolution: panels span image boundaries (7×7 maps give 49 columns per image).
    func testBatchedConv2dMatchesReference() {
        // (batch, inChannels, height, width, outChannels, kernel, stride, padding)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
            (3, 16, 7, 7, 13, 1, 1, 0),
            (2, 5, 7, 7, 7, 3, 1, 1),
            (4, 3, 9, 11, 5, 3, 2, 1),
            (5, 2, 3, 3, 33, 1, 1, 0),  // 9 columns per image: several images per panel
            (1, 4, 6, 6, 6, 3, 1, 1),
            (3, 4, 20, 20, 9, 3, 1, 1),  // 1200 columns: per-item packing across image boundaries
        ]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, c) in cases.enumerated() {
                let (batch, inChannels, height, width, outChannels, kernel, stride, padding) = c
                var random = SplitMix(seed: UInt64(250 + index))
                let input = random.floats(batch * inChannels * height * width)
                let weight = random.floats(outChannels * inChannels * kernel * kernel), bias = random.floats(outChannels)
                let outHeight = (height + 2 * padding - kernel) / stride + 1, outWidth = (width + 2 * padding - kernel) / stride + 1
                let count = batch * outChannels * outHeight * outWidth
                let fast = run(count: count) {
                    Kernels.conv2d(
                        input: input, batch: batch, inChannels: inChannels, height: height, width: width, weight: weight,
                        bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                        stride: stride, padding: padding, output: $0)
                }
                // The batched reference is, by definition, one single-image reference call per image.
                let reference = run(count: count) { out in
                    input.withUnsafeBufferPointer { images in
                        for b in 0..<batch {
                            Kernels.conv2dReference(
                                input: images.baseAddress! + b * inChannels * height * width,
                                inChannels: inChannels, height: height, width: width, weight: weight,
                                bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: padding, output: out + b * outChannels * outHeight * outWidth)
                        }
                    }
                }
                assertClose(fast, reference, "batched conv2d \(c) threads \(threads)")
            }
        }
    }

    func testAttentionMatchesReference() {
        // (queryLength, keyLength, heads, headDim, causal, extra row stride)
        let cases: [(Int, Int, Int, Int, Bool, Int)] = [
            (1, 1, 1, 1, false, 0), (1, 1, 1, 1, true, 0),
            (7, 7, 2, 5, true, 3),
            (50, 50, 12, 64, false, 0),
            (77, 77, 8, 64, true, 0),
            (33, 45, 3, 16, false, 1),
            (45, 33, 3, 16, true, 0),  // more queries than keys
            (33, 45, 2, 7, true, 5),
            (70, 257, 1, 33, false, 2),
        ]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, c) in cases.enumerated() {
                let (queryLength, keyLength, heads, headDim, causal, extra) = c
                let width = heads * headDim
                // One packed QKV buffer: row t holds q | k | v (+ padding), as a fused projection writes it.
                let rowStride = 3 * width + extra
                var random = SplitMix(seed: UInt64(300 + index))
                let packed = random.floats(max(queryLength, keyLength) * rowStride, scale: 2)
                let count = queryLength * width
                let fast = run(count: count) { out in
                    packed.withUnsafeBufferPointer { p in
                        let base = p.baseAddress!
                        Kernels.attention(
                            query: base, key: base + width, value: base + 2 * width, rowStride: rowStride,
                            queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim, causal: causal,
                            output: out)
                    }
                }
                let reference = run(count: count) { out in
                    packed.withUnsafeBufferPointer { p in
                        let base = p.baseAddress!
                        Kernels.attentionReference(
                            query: base, key: base + width, value: base + 2 * width, rowStride: rowStride,
                            queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim, causal: causal,
                            output: out)
                    }
                }
                assertClose(fast, reference, "attention \(c) threads \(threads)")
            }
        }
    }

    func testLayerNormMatchesReferenceAndMayAlias() {
        for (index, shape) in [(1, 1), (5, 7), (3, 33), (50, 768), (257, 17)].enumerated() {
            var random = SplitMix(seed: UInt64(400 + index))
            // Offset inputs so mean subtraction matters.
            let input = random.floats(shape.0 * shape.1).map { $0 + 3 }
            let gamma = random.floats(shape.1), beta = random.floats(shape.1)
            let fast = run(count: input.count) {
                Kernels.layerNorm(input: input, rows: shape.0, columns: shape.1, gamma: gamma, beta: beta, epsilon: 1e-5, output: $0)
            }
            let reference = run(count: input.count) {
                Kernels.layerNormReference(
                    input: input, rows: shape.0, columns: shape.1, gamma: gamma, beta: beta, epsilon: 1e-5, output: $0)
            }
            assertClose(fast, reference, "layerNorm \(shape)")
            var inPlace = input
            inPlace.withUnsafeMutableBufferPointer { p in
                Kernels.layerNorm(
                    input: p.baseAddress!, rows: shape.0, columns: shape.1, gamma: gamma, beta: beta, epsilon: 1e-5,
                    output: p.baseAddress!)
            }
            assertClose(inPlace, reference, "layerNorm in place \(shape)")
        }
    }

    func testSoftmaxRowsMatchesReference() {
        for (index, shape) in [(1, 1), (3, 17), (50, 50), (7, 1000), (300, 257)].enumerated() {
            var random = SplitMix(seed: UInt64(500 + index))
            let x = random.floats(shape.0 * shape.1, scale: 20)
            var fast = x, reference = x
            fast.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: shape.0, columns: shape.1) }
            reference.withUnsafeMutableBufferPointer {
                Kernels.softmaxRowsReference($0.baseAddress!, rows: shape.0, columns: shape.1)
            }
            // Per element relative to the row's largest probability (≥ 1/columns).
            assertClose(fast, reference, "softmax \(shape)")
        }
    }

    /// GELU: relative 1e-5 where the reference itself is accurate; for x < −2 the
    /// reference's `1 + erff(x/√2)` loses digits to cancellation, so there the bound is
    /// absolute, 2e-7·|x| (see `VectorMath`).
    func testActivationsMatchReference() {
        var values: [Float] = (0..<20_001).map { Float($0 - 10_000) / 1000 }  // [−10, 10] step 1e-3
        values += [0, -0, 1e-30, -1e-30, 88, -88, 200, -200, 1e6, -1e6]
        var random = SplitMix(seed: 600)
        values += random.floats(70_001, scale: 4)  // > 2 × the parallel grain: exercises the pool
        var fast = values, reference = values
        fast.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
        reference.withUnsafeMutableBufferPointer { Kernels.geluReference($0.baseAddress!, count: $0.count) }
        for (i, x) in values.enumerated() {
            let bound = x >= -2 ? 1e-5 * abs(reference[i]) + 1e-30 : 2e-7 * abs(x)
            if abs(fast[i] - reference[i]) > bound {
                XCTFail("gelu(\(x)) = \(fast[i]), reference \(reference[i])")
                break
            }
        }
        fast = values
        reference = values
        fast.withUnsafeMutableBufferPointer { Kernels.quickGelu($0.baseAddress!, count: $0.count) }
        reference.withUnsafeMutableBufferPointer { Kernels.quickGeluReference($0.baseAddress!, count: $0.count) }
        for (i, x) in values.enumerated() where abs(fast[i] - reference[i]) > 1e-5 * abs(reference[i]) + 1e-30 {
            XCTFail("quickGelu(\(x)) = \(fast[i]), reference \(reference[i])")
            break
        }
        fast = values
        reference = values
        fast.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: $0.count) }
        reference.withUnsafeMutableBufferPointer { Kernels.reluReference($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(fast, reference)
    }

    func testVectorMathAccuracy() {
        var worstExp = 0.0, worstCDF = 0.0, worstCDFPositive = 0.0, worstCDFAt: Float = 0
        var x: Float = -87
        while x < 87.9 {
            let v = VectorMath.exp(SIMD16<Float>((0..<16).map { x + Float($0) * 0.0007 }))
            for lane in 0..<16 {
                let exact = Foundation.exp(Double(x + Float(lane) * 0.0007))
                worstExp = max(worstExp, abs(Double(v[lane]) - exact) / exact)
            }
            x += 0.0113
        }
        x = -8.4
        while x < 8.4 {
            let input = SIMD16<Float>((0..<16).map { x + Float($0) * 0.0005 })
            let v = VectorMath.standardNormalCDF(input)
            for lane in 0..<16 {
                let exact = 0.5 * erfc(-Double(input[lane]) / 2.0.squareRoot())
                let error = abs(Double(v[lane]) - exact) / exact
                if error > worstCDF { (worstCDF, worstCDFAt) = (error, input[lane]) }
                if input[lane] >= 0 { worstCDFPositive = max(worstCDFPositive, error) }
            }
            x += 0.0071
        }
        XCTAssertLessThan(worstExp, 4e-7, "exp max relative error")
        XCTAssertLessThan(worstCDF, 1e-6, "Φ max relative error (at \(worstCDFAt))")
        XCTAssertLessThan(worstCDFPositive, 3e-7, "Φ max relative error for x ≥ 0")
        print("VectorMath: exp max relative error \(worstExp), Φ \(worstCDF) at x = \(worstCDFAt), Φ(x ≥ 0) \(worstCDFPositive)")
        XCTAssertEqual(VectorMath.exp(SIMD16(repeating: 0))[0], 1)
    }

    func testAvgPool2dMatchesReference() {
        // (channels, height, width, kernel, stride)
        for (index, c) in [(1, 1, 1, 1, 1), (3, 8, 8, 2, 2), (2, 7, 9, 3, 2), (1, 14, 14, 14, 14), (64, 56, 56, 2, 2), (5, 33, 17, 2, 1)]
            .enumerated()
        {
            var random = SplitMix(seed: UInt64(700 + index))
            let input = random.floats(c.0 * c.1 * c.2)
            let count = c.0 * ((c.1 - c.3) / c.4 + 1) * ((c.2 - c.3) / c.4 + 1)
            let fast = run(count: count) {
                Kernels.avgPool2d(input: input, channels: c.0, height: c.1, width: c.2, kernel: c.3, stride: c.4, output: $0)
            }
            let reference = run(count: count) {
                Kernels.avgPool2dReference(input: input, channels: c.0, height: c.1, width: c.2, kernel: c.3, stride: c.4, output: $0)
            }
            assertClose(fast, reference, "avgPool2d \(c)")
        }
    }

    // MARK: - Helpers

    func run(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        // NaN-filled so that an element the kernel forgets to write fails the comparison.
        var out = [Float](repeating: .nan, count: count)
        out.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return out
    }

    func assertClose(_ fast: [Float], _ reference: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fast.count, reference.count, label, file: file, line: line)
        let scale = reference.reduce(Float(0)) { max($0, abs($1)) }
        var worst: Float = 0
        for (a, b) in zip(fast, reference) {
            guard a.isFinite else {
                XCTFail("\(label): non-finite output \(a)", file: file, line: line)
                return
            }
            worst = max(worst, abs(a - b))
        }
        XCTAssertLessThanOrEqual(worst, Self.tolerance * max(scale, .leastNormalMagnitude), "\(label): max abs error \(worst), scale \(scale)", file: file, line: line)
    }
}

/// Per-caller results written from several threads.
private final class Results: @unchecked Sendable {
    // @unchecked Sendable: `values` is only touched while `lock` is held.
    private let lock = NSLock()
    private var values: [[Float]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ index: Int, _ value: [Float]) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> [Float] { lock.withLock { values[index] } }
}

/// A small deterministic generator (SplitMix64) for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` values uniform in [−scale, scale).
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
    }
}
