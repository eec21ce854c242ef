import XCTest
@testable import Tensor

/// `conv2d`'s exact contract, beyond closeness to `conv2dReference`: every output element is
/// the fp32 sum the GEMM forms over the patch matrix (im2col) in increasing depth order,
/// plus the bias — however the convolution reads its input — and the fused ReLU and
/// residual add give the bits of the separate steps.
extension KernelTests {
    /// (batch, inChannels, height, width, outChannels, kernel, stride, padding)
    static let convShapes: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 5, 9, 9, 33, 1, 1, 0),  // 1×1, 81 columns: two full panels and a tail
        (3, 16, 7, 7, 13, 1, 1, 0),  // 7×7 maps: panels across images
        (2, 7, 8, 12, 7, 1, 1, 0),  // 96 columns per image: panels end on image boundaries
        (3, 9, 10, 11, 5, 1, 1, 0),  // 110 columns per image: full panels inside images, tails across
        (4, 3, 11, 9, 6, 1, 2, 0),  // 1×1 stride 2
        (2, 300, 10, 10, 340, 1, 1, 0),  // 1×1 with two row blocks
        (2, 5, 7, 7, 7, 3, 1, 1),
        (3, 4, 20, 20, 9, 3, 1, 1),
        (2, 6, 33, 35, 8, 3, 1, 1),  // rows longer than a panel
        (3, 3, 17, 13, 7, 3, 2, 1),  // stride 2 (ModifiedResNet's first stem convolution)
        (1, 2, 5, 12, 4, 3, 1, 2),  // padding wider than needed
        (2, 70, 14, 14, 160, 3, 1, 1),  // depth 630: two row blocks
    ]

    /// Seeded operands of one of `convShapes`.
    struct ConvOperands {
        var input: [Float], weight: [Float], bias: [Float]
        var outHeight: Int, outWidth: Int

        init(_ shape: (Int, Int, Int, Int, Int, Int, Int, Int), random: inout SplitMix) {
            let (batch, inChannels, height, width, outChannels, kernel, stride, padding) = shape
            input = random.floats(batch * inChannels * height * width, scale: 2)
            weight = random.floats(outChannels * inChannels * kernel * kernel)
            bias = random.floats(outChannels)
            outHeight = (height + 2 * padding - kernel) / stride + 1
            outWidth = (width + 2 * padding - kernel) / stride + 1
        }
    }

    func testConv2dIsTheGEMMOfItsPatchMatrixBitForBit() {
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in Self.convShapes.enumerated() {
                let (batch, inChannels, height, width, outChannels, kernel, stride, padding) = shape
                var random = SplitMix(seed: UInt64(6000 + index))
                let operands = ConvOperands(shape, random: &random)
                let (input, weight, bias) = (operands.input, operands.weight, operands.bias)
                let (outHeight, outWidth) = (operands.outHeight, operands.outWidth)
                let positions = outHeight * outWidth, columns = batch * positions, depth = inChannels * kernel * kernel
                // The patch matrix (depth, batch · positions), zeros where a patch leaves the image.
                var patches = [Float](repeating: 0, count: depth * columns)
                for b in 0..<batch {
                    for c in 0..<inChannels {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let p = (c * kernel + ky) * kernel + kx
                                for oy in 0..<outHeight {
                                    for ox in 0..<outWidth {
                                        let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                        guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                        patches[p * columns + b * positions + oy * outWidth + ox] =
                                            input[((b * inChannels + c) * height + iy) * width + ix]
                                    }
                                }
                            }
                        }
                    }
                }
                let product = run(count: outChannels * columns) {
                    Kernels.matmul(a: weight, b: patches, c: $0, m: outChannels, n: columns, k: depth)
                }
                var expected = [Float](repeating: 0, count: batch * outChannels * positions)
                for b in 0..<batch {
                    for o in 0..<outChannels {
                        for s in 0..<positions {
                            expected[(b * outChannels + o) * positions + s] = product[o * columns + b * positions + s] + bias[o]
                        }
                    }
                }
                let fast = run(count: expected.count) {
                    Kernels.conv2d(
                        input: input, batch: batch, inChannels: inChannels, height: height, width: width, weight: weight,
                        bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                        stride: stride, padding: padding, output: $0)
                }
                XCTAssertEqual(fast.map(\.bitPattern), expected.map(\.bitPattern), "conv2d \(shape) threads \(threads)")
            }
        }
    }

    func testFusedConvolutionEpiloguesGiveTheSeparateStepsBits() {
        ThreadPool.shared.setThreadCount(2)
        for (index, shape) in Self.convShapes.enumerated() {
            let (batch, inChannels, height, width, outChannels, kernel, stride, padding) = shape
            var random = SplitMix(seed: UInt64(6100 + index))
            let operands = ConvOperands(shape, random: &random)
            let (input, weight, bias) = (operands.input, operands.weight, operands.bias)
            let count = batch * outChannels * operands.outHeight * operands.outWidth
            let residual = random.floats(count, scale: 2)
            func convolve(_ activation: Kernels.FusedActivation?, accumulate: Bool) -> [Float] {
                var out = accumulate ? residual : [Float](repeating: .nan, count: count)
                out.withUnsafeMutableBufferPointer {
                    Kernels.conv2d(
                        input: input, batch: batch, inChannels: inChannels, height: height, width: width, weight: weight,
                        bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                        stride: stride, padding: padding, activation: activation, accumulate: accumulate, output: $0.baseAddress!)
                }
                return out
            }
            let plain = convolve(nil, accumulate: false)
            let relu = { (values: [Float]) -> [Float] in
                var values = values
                values.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: $0.count) }
                return values
            }
            let sum = zip(residual, plain).map { $0 + $1 }
            XCTAssertEqual(convolve(.relu, accumulate: false).map(\.bitPattern), relu(plain).map(\.bitPattern), "relu \(shape)")
            XCTAssertEqual(convolve(nil, accumulate: true).map(\.bitPattern), sum.map(\.bitPattern), "accumulate \(shape)")
            XCTAssertEqual(convolve(.relu, accumulate: true).map(\.bitPattern), relu(sum).map(\.bitPattern), "accumulate, relu \(shape)")
            XCTAssertTrue(plain.contains { $0 < 0 } && sum.contains { $0 < 0 }, "the ReLU has something to clip \(shape)")
        }
    }
}
