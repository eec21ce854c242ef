import BF16Kernel
import Foundation
import XCTest
@testable import Tensor

/// `linear` with a `PackedWeight` (fp32 and bf16) and the bf16 building blocks.
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
                let packed = PackedWeight(weight: weight, outFeatures: shape.n, inFeatures: shape.k, precision: .fp32)
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
            for precision in Precision.allCases {
                let packed = PackedWeight(weight: weight, outFeatures: shape.n, inFeatures: shape.k, precision: precision)
                let plain = run(count: shape.m * shape.n) { Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, output: $0) }
                for (activation, separate) in [(Kernels.FusedActivation.gelu, Kernels.gelu), (.quickGelu, Kernels.quickGelu)] {
                    let fused = run(count: shape.m * shape.n) {
                        Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, activation: activation, output: $0)
                    }
                    var expected = plain
                    expected.withUnsafeMutableBufferPointer { separate($0.baseAddress!, $0.count) }
                    XCTAssertEqual(fused.map(\.bitPattern), expected.map(\.bitPattern), "\(activation) \(precision) \(shape)")
                }
                var accumulated = start
                accumulated.withUnsafeMutableBufferPointer {
                    Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, accumulate: true, output: $0.baseAddress!)
                }
                let expected = zip(start, plain).map { $0 + $1 }
                XCTAssertEqual(accumulated.map(\.bitPattern), expected.map(\.bitPattern), "accumulate \(precision) \(shape)")
            }
        }
    }

    /// bf16 `linear` is `linearBF16Reference` bit for bit (with whichever micro-kernel this
    /// CPU runs), on odd shapes and thread counts, and close to the fp32 product.
    func testBF16LinearMatchesItsReferenceBitForBit() {
        for threads in [1, 2, 3] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in Self.packedShapes.enumerated() {
                var random = SplitMix(seed: UInt64(4000 + index * 10 + threads))
                let input = random.floats(shape.m * shape.k, scale: 3), weight = random.floats(shape.n * shape.k), bias = random.floats(shape.n)
                let packed = PackedWeight(weight: weight, outFeatures: shape.n, inFeatures: shape.k, precision: .bf16)
                let fast = run(count: shape.m * shape.n) { Kernels.linear(input: input, rows: shape.m, weight: packed, bias: bias, output: $0) }
                let reference = run(count: shape.m * shape.n) {
                    Kernels.linearBF16Reference(
                        input: input, rows: shape.m, inFeatures: shape.k, weight: weight, bias: bias, outFeatures: shape.n, output: $0)
                }
                XCTAssertEqual(fast.map(\.bitPattern), reference.map(\.bitPattern), "bf16 \(shape) threads \(threads) (\(Kernels.bf16KernelName))")
                let fp32 = run(count: shape.m * shape.n) {
                    Kernels.linearReference(
                        input: input, rows: shape.m, inFeatures: shape.k, weight: weight, bias: bias, outFeatures: shape.n, output: $0)
                }
                // Two roundings to 8 significant bits per product: relative error ~2^-8 per term.
                let scale = fp32.reduce(Float(0)) { max($0, abs($1)) }
                let worst = zip(fast, fp32).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                XCTAssertLessThanOrEqual(worst, 0.02 * scale * Float(shape.k).squareRoot(), "bf16 vs fp32 \(shape)")
            }
        }
    }

    /// The AVX512_BF16 micro-kernel and the portable one agree bit for bit on the same
    /// operands (skipped where the CPU lacks the instruction).
    func testBF16KernelsAgreeBitForBit() throws {
        guard shiftlens_bf16_supported() != 0 else { throw XCTSkip("this CPU has no AVX512_BF16") }
        var random = SplitMix(seed: 5000)
        for (pairs, validRows) in [(1, 8), (7, 8), (384, 8), (1536, 3), (33, 1), (100, 7)] {
            let x = (0..<(8 * pairs)).map { _ in randomPair(&random) }
            let panel = (0..<(32 * pairs)).map { _ in randomPair(&random) }
            var hardware = [Float](repeating: .nan, count: 8 * 32), portable = hardware
            x.withUnsafeBufferPointer { x in
                panel.withUnsafeBufferPointer { panel in
                    shiftlens_bf16_kernel_8x32(pairs, x.baseAddress!, pairs, validRows, panel.baseAddress!, &hardware, 0)
                    Kernels.microKernelBF16Portable8x32(
                        pairs: pairs, x: x.baseAddress!, rowStride: pairs, validRows: validRows, panel: panel.baseAddress!, tile: &portable)
                }
            }
            XCTAssertEqual(hardware.map(\.bitPattern), portable.map(\.bitPattern), "\(pairs) pairs, \(validRows) rows")
        }
    }

    /// Two bf16 values of magnitude 2^-20…2^20 (random sign and significand) in one word.
    private func randomPair(_ random: inout SplitMix) -> UInt32 {
        func one() -> UInt32 {
            let bits = random.next()
            let exponent = UInt32(127 - 20 + Int(bits % 41)), significand = UInt32((bits >> 8) & 0x7F), sign = UInt32((bits >> 16) & 1)
            return sign << 15 | exponent << 7 | significand
        }
        return one() | one() << 16
    }

    /// `bf16Bits` rounds as PyTorch's `tensor.to(torch.bfloat16)` (fixture from
    /// `Fixtures/make_bf16_fixture.py`), except that subnormals flush to signed zero.
    func testBF16RoundingMatchesPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bf16_rounding.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let inputs = try XCTUnwrap(object?["float32_bits"] as? [UInt32]), expected = try XCTUnwrap(object?["bfloat16_bits"] as? [UInt16])
        XCTAssertEqual(inputs.count, expected.count)
        var checked = 0
        for (input, want) in zip(inputs, expected) {
            let value = Float(bitPattern: input)
            let got = Kernels.bf16Bits(value)
            if value.isSubnormal {
                XCTAssertEqual(got, UInt16(input >> 16) & 0x8000, "subnormal \(value) flushes to a signed zero")
            } else if value.isNaN {
                XCTAssertTrue(Kernels.float(bf16: got).isNaN, "NaN stays NaN")
            } else {
                XCTAssertEqual(got, want, "\(value) (0x\(String(input, radix: 16)))")
                checked += 1
            }
            // The vector form agrees lane by lane.
            let lanes = Kernels.bf16Bits(SIMD16<Float>(repeating: value))
            XCTAssertEqual(UInt16(truncatingIfNeeded: lanes[7]), got)
        }
        XCTAssertGreaterThan(checked, 1000)
        // Rows of mixed values (NaN, zeros, subnormals, ties side by side) through the vector
        // path of convertToBF16Pairs, 32 floats at a time plus an odd tail: every pair word
        // is the scalar rounding of its two floats.
        let floats = inputs.map { Float(bitPattern: $0) }, columns = 32 * 5 + 3, rows = floats.count / columns
        var words = [UInt32](repeating: 0, count: rows * (columns + 1) / 2)
        floats.withUnsafeBufferPointer { source in
            words.withUnsafeMutableBufferPointer { destination in
                Kernels.convertToBF16Pairs(
                    source.baseAddress!, rows: rows, columns: columns, rowStride: columns,
                    into: destination.baseAddress!, pairStride: (columns + 1) / 2)
            }
        }
        XCTAssertGreaterThan(rows, 5)
        for r in 0..<rows {
            for q in 0..<(columns + 1) / 2 {
                let even = UInt32(Kernels.bf16Bits(floats[r * columns + 2 * q]))
                let odd = 2 * q + 1 < columns ? UInt32(Kernels.bf16Bits(floats[r * columns + 2 * q + 1])) : 0
                XCTAssertEqual(words[r * (columns + 1) / 2 + q], even | odd << 16, "row \(r), pair \(q)")
            }
        }
    }
}
