import BF16Kernel
import Foundation

// The lane count and SIMD helpers are private to each kernel file on purpose: debug builds
// compile files separately (no whole-module optimisation) and then only inline and
// constant-fold same-file code; a shared `static let` or helper costs a call per use.
private let lanes = 16
private let panelWidth = 32
/// Rows per bf16 micro-kernel call: 8 × 32 outputs in 16 vector accumulators.
let tileRowsBF16 = 8

/// bfloat16 rounding and the bf16 GEMM micro-kernels.
///
/// A bf16 value is the upper half of an fp32 bit pattern; two of them share a 32-bit word
/// (the even index in the low half), the operand unit of `vdpbf16ps`. The GEMM's bf16
/// operands are such *pair words*: rows of activations (`convertToBF16Pairs`) and the
/// panels of a `PackedWeight`.
///
/// Two micro-kernels compute the same thing: the AVX512_BF16 one in C (BF16Kernel) where
/// the CPU has the instruction, and `microKernelBF16Portable8x32` everywhere else. Per pair
/// word both add the high halves' product to the fp32 accumulator, then the low halves'
/// (each product exact in fp32, each addition rounded to nearest even), as Intel defines
/// `vdpbf16ps` and as this machine's AMD CPU computes it (checked on 32 M random pairs) —
/// so bf16 embeddings are bit-identical with and without the instruction, except that the
/// instruction flushes subnormal results to zero (values below 1.2e−38, which CLIP
/// activations and weights never produce: the rounding here already flushes subnormal
/// inputs).
extension Kernels {
    /// Which bf16 micro-kernel runs: "avx512_bf16" or "portable". `SHIFTLENS_BF16_KERNEL=portable`
    /// in the environment forces the portable one (to compare the two).
    public static let bf16KernelName: String = bf16Hardware ? "avx512_bf16" : "portable"

    static let bf16Hardware: Bool = {
        if ProcessInfo.processInfo.environment["SHIFTLENS_BF16_KERNEL"] == "portable" { return false }
        return shiftlens_bf16_supported() != 0
    }()

    /// `x` rounded to bfloat16 (nearest, ties to even), as the bf16's 16 bits. Zero and
    /// subnormal inputs give a signed zero; NaN stays NaN; values rounding past the largest
    /// bf16 become infinite.
    @inline(__always)
    static func bf16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        if bits & 0x7F80_0000 == 0 { return UInt16(truncatingIfNeeded: bits >> 16) & 0x8000 }
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    /// `bf16Bits` on 16 lanes, each result in the low half of its lane. The two special
    /// cases are selected with all-ones / all-zero lane masks made by integer arithmetic, not
    /// `replace(with:where:)`, which the compiler turned into a loop over the lanes (the
    /// rounding of activations was then 15 % of a bf16 ViT-B/32 profile).
    @inline(__always)
    static func bf16Bits(_ v: SIMD16<Float>) -> SIMD16<UInt32> {
        let bits = unsafeBitCast(v, to: SIMD16<UInt32>.self)
        let high = bits &>> 16
        let rounded = (bits &+ 0x7FFF &+ (high & 1)) &>> 16
        // NaN: |bits| > 0x7F80_0000, so 0x7F80_0000 − |bits| wraps below zero (its top bit set).
        let nan = 0 &- ((0x7F80_0000 &- (bits & 0x7FFF_FFFF)) &>> 31)
        // Zero or subnormal: exponent 0, so exponent − 1 wraps to all ones (top bit set).
        let tiny = 0 &- (((bits & 0x7F80_0000) &- 1) &>> 31)
        return (rounded & ~(nan | tiny)) | ((high | 0x40) & nan) | (high & 0x8000 & tiny)
    }

    /// The fp32 value of bf16 bits.
    @inline(__always)
    public static func float(bf16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Rows of fp32 values → rows of bf16 pair words: `destination[r·pairStride + q]` holds
    /// `source[r·rowStride + 2q]` (low half) and `source[r·rowStride + 2q + 1]` (high half;
    /// 0 past `columns`), for `q < (columns + 1) / 2`. Rows are split over the pool when
    /// there are many.
    static func convertToBF16Pairs(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int,
        into destination: UnsafeMutablePointer<UInt32>, pairStride: Int
    ) {
        let work: (Range<Int>) -> Void = { range in
            for r in range {
                let from = source + r * rowStride, to = destination + r * pairStride
                var c = 0
                while c + panelWidth <= columns {
                    let low = bf16Bits(UnsafeRawPointer(from + c).loadUnaligned(as: SIMD16<Float>.self))
                    let high = bf16Bits(UnsafeRawPointer(from + c + lanes).loadUnaligned(as: SIMD16<Float>.self))
                    let even = SIMD16<UInt32>(lowHalf: low.evenHalf, highHalf: high.evenHalf)
                    let odd = SIMD16<UInt32>(lowHalf: low.oddHalf, highHalf: high.oddHalf)
                    UnsafeMutableRawPointer(to + c / 2).storeBytes(of: even | (odd &<< 16), as: SIMD16<UInt32>.self)
                    c += panelWidth
                }
                while c < columns {
                    let even = UInt32(bf16Bits(from[c]))
                    let odd = c + 1 < columns ? UInt32(bf16Bits(from[c + 1])) : 0
                    to[c / 2] = even | odd << 16
                    c += 2
                }
            }
        }
        if rows * columns >= 2 * elementwiseGrain && rows > 1 {
            ThreadPool.shared.parallelFor(count: rows, work)
        } else {
            work(0..<rows)
        }
    }

    /// The bf16 micro-kernel: `tile[r·32 + t] = Σ_q x_r[q] · panel[q·32 + t]` over `pairs`
    /// pair words (see the type's notes for the order of the two products in a word), with
    /// `x_r = x + min(r, validRows − 1)·rowStride`; rows at or beyond `validRows` repeat
    /// the last valid one (their results are discarded by the store).
    @inline(__always)
    static func microKernelBF16(
        pairs: Int, x: UnsafePointer<UInt32>, rowStride: Int, validRows: Int,
        panel: UnsafePointer<UInt32>, tile: UnsafeMutablePointer<Float>
    ) {
        if bf16Hardware {
            shiftlens_bf16_kernel_8x32(pairs, x, rowStride, validRows, panel, tile, 0)
        } else {
            microKernelBF16Portable8x32(pairs: pairs, x: x, rowStride: rowStride, validRows: validRows, panel: panel, tile: tile)
        }
    }

    /// `microKernelBF16` in portable Swift: two fp32 FMAs per pair word and lane, the high
    /// halves first (each product is exact, so an FMA rounds exactly as `vdpbf16ps` does).
    static func microKernelBF16Portable8x32(
        pairs: Int, x: UnsafePointer<UInt32>, rowStride: Int, validRows: Int,
        panel: UnsafePointer<UInt32>, tile: UnsafeMutablePointer<Float>
    ) {
        typealias Vector = SIMD16<Float>
        typealias Words = SIMD16<UInt32>
        let last = validRows - 1
        let rowsX = (
            x, x + min(1, last) * rowStride, x + min(2, last) * rowStride, x + min(3, last) * rowStride,
            x + min(4, last) * rowStride, x + min(5, last) * rowStride, x + min(6, last) * rowStride,
            x + min(7, last) * rowStride)
        var c = (
            Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(),
            Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector())
        let highMask = Words(repeating: 0xFFFF_0000)
        var bp = UnsafeRawPointer(panel)
        @inline(__always) func high(_ w: Words) -> Vector { unsafeBitCast(w & highMask, to: Vector.self) }
        @inline(__always) func low(_ w: Words) -> Vector { unsafeBitCast(w &<< 16, to: Vector.self) }
        @inline(__always) func step(_ a: UInt32, _ h0: Vector, _ h1: Vector, _ l0: Vector, _ l1: Vector, _ c0: inout Vector, _ c1: inout Vector) {
            let ah = Vector(repeating: Float(bitPattern: a & 0xFFFF_0000)), al = Vector(repeating: Float(bitPattern: a << 16))
            c0.addProduct(ah, h0); c1.addProduct(ah, h1)
            c0.addProduct(al, l0); c1.addProduct(al, l1)
        }
        for q in 0..<pairs {
            let w0 = bp.loadUnaligned(as: Words.self), w1 = bp.loadUnaligned(fromByteOffset: 64, as: Words.self)
            let h0 = high(w0), h1 = high(w1), l0 = low(w0), l1 = low(w1)
            step(rowsX.0[q], h0, h1, l0, l1, &c.0, &c.1)
            step(rowsX.1[q], h0, h1, l0, l1, &c.2, &c.3)
            step(rowsX.2[q], h0, h1, l0, l1, &c.4, &c.5)
            step(rowsX.3[q], h0, h1, l0, l1, &c.6, &c.7)
            step(rowsX.4[q], h0, h1, l0, l1, &c.8, &c.9)
            step(rowsX.5[q], h0, h1, l0, l1, &c.10, &c.11)
            step(rowsX.6[q], h0, h1, l0, l1, &c.12, &c.13)
            step(rowsX.7[q], h0, h1, l0, l1, &c.14, &c.15)
            bp += panelWidth * MemoryLayout<UInt32>.stride
        }
        let out = UnsafeMutableRawPointer(tile)
        withUnsafeBytes(of: &c) { out.copyMemory(from: $0.baseAddress!, byteCount: tileRowsBF16 * 2 * 64) }
    }
}
