import Foundation
import Tensor

/// Row softmax over fp32 scores in 16 vector lanes with Tensor's `VectorMath.exp`
/// (relative error ~1e-7; terms below e⁻⁸⁷ count as ~1e-38 instead of 0), the
/// normaliser accumulated in fp64.
enum Softmax {
    static let lanes = 16

    /// `Σ_c exp(scale · (row[c] − top))`, `top` being the row's maximum: each lane sums at
    /// most 256 terms ≤ 1 in fp32 before it is added to the fp64 total.
    @inline(__always)
    static func denominator(_ row: UnsafePointer<Float>, count: Int, top: Float, scale: Float) -> Double {
        var sums = SIMD16<Float>(repeating: 0)
        let raw = UnsafeRawPointer(row)
        let topVector = SIMD16<Float>(repeating: top), scaleVector = SIMD16<Float>(repeating: scale)
        var total = 0.0
        var c = 0
        while c + lanes <= count {
            sums += VectorMath.exp((raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self) - topVector) * scaleVector)
            c += lanes
            if c % (lanes * 256) == 0 {
                total += lanesSum(sums)
                sums = SIMD16<Float>(repeating: 0)
            }
        }
        total += lanesSum(sums)
        while c < count {
            total += Foundation.exp(Double(scale) * (Double(row[c]) - Double(top)))
            c += 1
        }
        return total
    }

    /// `denominator(...)` and `Σ_c e_c · s_c` with `s_c = scale · (row[c] − top)` and
    /// `e_c = exp(s_c)`, in one pass — the two sums the entropy of the softmax needs:
    /// `H = log S − M / S` for `(S, M)` returned. Accumulated as `denominator` accumulates.
    @inline(__always)
    static func denominatorAndMoment(_ row: UnsafePointer<Float>, count: Int, top: Float, scale: Float) -> (sum: Double, moment: Double) {
        var sums = SIMD16<Float>(repeating: 0), moments = SIMD16<Float>(repeating: 0)
        let raw = UnsafeRawPointer(row)
        let topVector = SIMD16<Float>(repeating: top), scaleVector = SIMD16<Float>(repeating: scale)
        var total = 0.0, moment = 0.0
        var c = 0
        while c + lanes <= count {
            let s = (raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self) - topVector) * scaleVector
            let e = VectorMath.exp(s)
            sums += e
            moments = moments.addingProduct(e, s)
            c += lanes
            if c % (lanes * 256) == 0 {
                total += lanesSum(sums)
                moment += lanesSum(moments)
                sums = SIMD16<Float>(repeating: 0)
                moments = SIMD16<Float>(repeating: 0)
            }
        }
        total += lanesSum(sums)
        moment += lanesSum(moments)
        while c < count {
            let s = Double(scale) * (Double(row[c]) - Double(top))
            let e = Foundation.exp(s)
            total += e
            moment += e * s
            c += 1
        }
        return (total, moment)
    }

    /// Replaces `row[c]` by `exp(row[c] − top) · inverseSum` — the probabilities, when
    /// `inverseSum = 1 / denominator(row, count:, top:, scale: 1)`.
    @inline(__always)
    static func normalize(_ row: UnsafeMutablePointer<Float>, count: Int, top: Float, inverseSum: Float) {
        let raw = UnsafeMutableRawPointer(row)
        let topVector = SIMD16<Float>(repeating: top), inverse = SIMD16<Float>(repeating: inverseSum)
        var c = 0
        while c + lanes <= count {
            let x = raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: VectorMath.exp(x - topVector) * inverse, toByteOffset: c * 4, as: SIMD16<Float>.self)
            c += lanes
        }
        while c < count {
            row[c] = Float(Foundation.exp(Double(row[c]) - Double(top))) * inverseSum
            c += 1
        }
    }

    @inline(__always)
    private static func lanesSum(_ v: SIMD16<Float>) -> Double {
        var total = 0.0
        for lane in 0..<lanes { total += Double(v[lane]) }
        return total
    }
}
