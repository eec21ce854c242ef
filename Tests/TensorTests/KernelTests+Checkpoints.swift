import Foundation
import XCTest
@testable import Tensor

/// `checkpointArgmax` against `matmul` over each checkpoint's leading columns followed by
/// `LinearAlgebra.argmax`: the same sums bit for bit, so the same indices, ties included.
final class CheckpointArgmaxTests: XCTestCase {
    override func tearDown() {
        ThreadPool.shared.setThreadCount(ThreadPool.defaultThreadCount)
        super.tearDown()
    }

    /// What the kernel must return, from the blocked products it replaces: for each checkpoint a
    /// `matmul` of the first k columns of X (strided in place) and rows of V, then argmax per row.
    func expected(
        x: [Float], rows: Int, rowStride: Int, v: [Float], vRowStride: Int, columns: Int, checkpoints: [Int], bias: [Float]? = nil
    ) -> (indices: [Int32], logits: [Float]) {
        var indices = [Int32](repeating: 0, count: rows * checkpoints.count)
        var logits = [Float]()
        for (t, k) in checkpoints.enumerated() {
            var c = [Float](repeating: 0, count: rows * columns)
            x.withUnsafeBufferPointer { xp in
                v.withUnsafeBufferPointer { vp in
                    c.withUnsafeMutableBufferPointer { cp in
                        Kernels.matmul(
                            a: xp.baseAddress!, aRowStride: rowStride, aColumnStride: 1, b: vp.baseAddress!, bRowStride: vRowStride,
                            c: cp.baseAddress!, cRowStride: columns, m: rows, n: columns, k: k, accumulate: false)
                        if let bias { for r in 0..<rows { for c in 0..<columns { cp[r * columns + c] += bias[c] } } }
                        for r in 0..<rows {
                            indices[r * checkpoints.count + t] = Int32(LinearAlgebra.argmax(cp.baseAddress! + r * columns, count: columns))
                        }
                    }
                }
            }
            logits = c
        }
        return (indices, logits)
    }

    func run(
        x: [Float], rows: Int, rowStride: Int, v: [Float], vRowStride: Int, columns: Int, checkpoints: [Int], keepLogits: Bool,
        bias: [Float]? = nil
    ) -> (indices: [Int32], logits: [Float]) {
        var indices = [Int32](repeating: -1, count: rows * checkpoints.count)
        var logits = [Float](repeating: .nan, count: keepLogits ? rows * columns : 0)
        x.withUnsafeBufferPointer { xp in
            v.withUnsafeBufferPointer { vp in
                indices.withUnsafeMutableBufferPointer { ip in
                    logits.withUnsafeMutableBufferPointer { lp in
                        (bias ?? []).withUnsafeBufferPointer { bp in
                            Kernels.checkpointArgmax(
                                x: xp.baseAddress!, rows: rows, rowStride: rowStride, v: vp.baseAddress!, vRowStride: vRowStride,
                                columns: columns, checkpoints: checkpoints, bias: bias == nil ? nil : bp.baseAddress!,
                                logits: keepLogits ? lp.baseAddress! : nil, indices: ip.baseAddress!)
                        }
                    }
                }
            }
        }
        return (indices, logits)
    }

    /// Odd shapes: rows not a multiple of the 6-row tile nor of the 96-row block, columns with a
    /// partial last panel (and fewer than one vector), one checkpoint or many, X and V read
    /// through strides wider than the product; one and two threads.
    func testMatchesBlockedProductsBitForBit() {
        let shapes: [(rows: Int, columns: Int, depth: Int, checkpoints: [Int])] = [
            (1, 1, 1, [1]), (5, 7, 9, [1, 4, 9]), (13, 33, 40, [3, 7, 20, 39, 40]),
            (229, 1000, 77, [4, 8, 16, 31, 46, 62, 77]), (100, 64, 33, [33]), (97, 17, 12, [2, 12]),
        ]
        for threads in [1, 2] {
            ThreadPool.shared.setThreadCount(threads)
            for (index, shape) in shapes.enumerated() {
                var random = SplitMix(seed: UInt64(900 + index))
                let rowStride = shape.depth + 3, vRowStride = shape.columns + 5
                let x = random.floats(shape.rows * rowStride), v = random.floats(shape.depth * vRowStride)
                let want = expected(
                    x: x, rows: shape.rows, rowStride: rowStride, v: v, vRowStride: vRowStride, columns: shape.columns,
                    checkpoints: shape.checkpoints)
                // A bias as `linear`'s store adds it: after the sum, before the comparison.
                let bias = random.floats(shape.columns, scale: 0.5)
                let wantBiased = expected(
                    x: x, rows: shape.rows, rowStride: rowStride, v: v, vRowStride: vRowStride, columns: shape.columns,
                    checkpoints: shape.checkpoints, bias: bias)
                for keepLogits in [false, true] {
                    for biased in [false, true] {
                        let got = run(
                            x: x, rows: shape.rows, rowStride: rowStride, v: v, vRowStride: vRowStride, columns: shape.columns,
                            checkpoints: shape.checkpoints, keepLogits: keepLogits, bias: biased ? bias : nil)
                        let reference = biased ? wantBiased : want
                        XCTAssertEqual(got.indices, reference.indices, "shape \(index) threads \(threads) bias \(biased)")
                        if keepLogits {
                            XCTAssertEqual(
                                got.logits.map(\.bitPattern), reference.logits.map(\.bitPattern), "logits, shape \(index) threads \(threads) bias \(biased)")
                        }
                    }
                }
            }
        }
    }

    /// Ties go to the first column — within a vector, across the two halves of a panel and
    /// across panels — and columns past the end (zero-padded in the last panel) never win,
    /// even when every real logit is negative.
    func testTiesTakeTheFirstColumnAndPaddingNeverWins() {
        let columns = 70, depth = 2
        // Row 0: all equal → column 0. Row 1: maximum at 5, 21, 40 and 69 → 5. Row 2: maximum at
        // 37 and 64 (second panel, then third) → 37. Row 3: all logits negative → the largest, 69.
        var v = [Float](repeating: 0, count: depth * columns)
        for c in 0..<columns { v[c] = 1 }
        let rows: [[Float]] = [[0, 0], [0, 1], [0, 1], [0, 1]]
        var row1 = [Float](repeating: 0, count: columns), row2 = row1, row3 = row1
        for c in [5, 21, 40, 69] { row1[c] = 2 }
        for c in [37, 64] { row2[c] = 3 }
        for c in 0..<columns { row3[c] = -Float(columns - c) }
        let second = [[Float](repeating: 0, count: columns), row1, row2, row3]
        for c in 0..<columns { v[columns + c] = 0 }
        // X = rows × 2; V row 1 differs per X row, so give each X row its own call.
        var got = [Int32]()
        for r in 0..<rows.count {
            var vr = v
            for c in 0..<columns { vr[columns + c] = second[r][c] }
            got += run(x: rows[r], rows: 1, rowStride: depth, v: vr, vRowStride: columns, columns: columns, checkpoints: [1, 2], keepLogits: false).indices
        }
        XCTAssertEqual(got, [0, 0, 0, 5, 0, 37, 0, 69])
    }
}
