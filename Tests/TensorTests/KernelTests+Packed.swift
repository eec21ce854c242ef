import Foundation
import XCTest
@testable import Tensor

/// `linear` with a `PackedWeight` and its fused epilogues.
extension KernelTests {
    static let packedShapes: [(m: Int, k: Int, n: Int)] = [
        (1, 1, 1), (1, 7, 1), (7, 33, 5), (33, 257, 7), (50, 64, 96), (257, 33, 130), (65, 768, 37), (13, 3072, 12), (100, 96, 48),
    ]

    /// fp32 packed panels compute exactly the raw-pointer `linear`'s sums (the embeddings of
    /// a model do not change when its layers repack their weights), and rows do not depend
    /// on how many rows share the call.
    func testPackedLinearGivesTheRawLinearsBits() {
        for threads in [1, 2, 3] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in Self.packedShapes.enumerated() {
                var random = SplitMix(seed: UInt64(2000 + index * 10 + threads))
                let input = random.floats(shape.m * shape.k), weight = random.floats(shape.n * shape.k), bias = random.floats(shape.n)
                let packed = PackedWeight(weight: weight, outFeatures: shape.n, inFeatures: shape.k)
                for useBias in [true, false] {
                    let fast = run(count: shape.m * shape.n) {
                        Kernels.linear(input: input, rows: shape.m, weight: packed, bias: useBias ? bias : nil, output: $0)
                    }
                    let raw = run(count: shape.m * shape.n) {
                        Kernels.linear(
                            input: input, rows: shape.m, inFeatures: shape.k, weight: weight,
                            bias: useBias ? bias : nil, outFeatures: shape.n, output: $0)
                    }
                    XCTAssertEqual(fast.map(\.bitPattern), raw.map(\.bitPattern), "packed fp32 \(shape) bias \(useBias) threads \(threads)")
                }
                let lastRow = run(count: shape.n) { out in
                    input.withUnsafeBufferPointer {
                        Kernels.linear(input: $0.baseAddress! + (shape.m - 1) * shape.k, rows: 1, weight: packed, bias: bias, output: out)
                    }
                }
                let all = run(count: shape.m * shape.n) { Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, output: $0) }
                XCTAssertEqual(lastRow.map(\.bitPattern), all.suffix(shape.n).map(\.bitPattern), "row alone \(shape)")
            }
        }
    }

    /// The store's activation and residual add give the bits of the separate steps.
    func testFusedEpiloguesGiveTheSeparateStepsBits() {
        ThreadPool.shared.setThreadCount(2)
        for (index, shape) in Self.packedShapes.enumerated() {
            var random = SplitMix(seed: UInt64(3000 + index))
            let input = random.floats(shape.m * shape.k, scale: 2), weight = random.floats(shape.n * shape.k), bias = random.floats(shape.n)
            let start = random.floats(shape.m * shape.n)
            let packed = PackedWeight(weight: weight, outFeatures: shape.n, inFeatures: shape.k)
            let plain = run(count: shape.m * shape.n) { Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, output: $0) }
            for (activation, separate) in [(Kernels.FusedActivation.gelu, Kernels.gelu), (.quickGelu, Kernels.quickGelu)] {
                let fused = run(count: shape.m * shape.n) {
                    Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, activation: activation, output: $0)
                }
                var expected = plain
                expected.withUnsafeMutableBufferPointer { separate($0.baseAddress!, $0.count) }
                XCTAssertEqual(fused.map(\.bitPattern), expected.map(\.bitPattern), "\(activation) \(shape)")
            }
            var accumulated = start
            accumulated.withUnsafeMutableBufferPointer {
                Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, accumulate: true, output: $0.baseAddress!)
            }
            let expected = zip(start, plain).map { $0 + $1 }
            XCTAssertEqual(accumulated.map(\.bitPattern), expected.map(\.bitPattern), "accumulate \(shape)")
        }
    }
}
