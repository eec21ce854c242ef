/// Colour conversion of the JPEG decoder: libjpeg-turbo's jdcolor.c fixed-point
/// YCbCr→RGB (16 fraction bits, the same products its lookup tables hold), YCCK→CMYK,
/// and Pillow's inversion of Adobe CMYK ("CMYK;I").
///
/// Index arithmetic in the per-pixel loops wraps (`&*`, `&+`): `count` is an image width already
/// checked against the pixel limit, so no index can overflow, and an overflow check per sample
/// would keep the loops from vectorising.
enum JPEGColor {
    // FIX(x) = Int(x * 65536 + 0.5), jdcolor.c's SCALEBITS = 16.
    // 32-bit lanes suffice: |FIX(1.772)·128| < 2^24.
    static let crToR: Int32 = 91881    // FIX(1.40200)
    static let cbToB: Int32 = 116130   // FIX(1.77200)
    static let crToG: Int32 = 46802    // FIX(0.71414)
    static let cbToG: Int32 = 22554    // FIX(0.34414)
    static let oneHalf: Int32 = 1 << 15

    @inline(__always)
    static func clamp(_ value: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: value < 0 ? 0 : (value > 255 ? 255 : value))
    }

    /// The three offsets added to Y: (Cr→R, Cb,Cr→G, Cb→B), each as jdcolor.c rounds it.
    @inline(__always)
    static func chromaOffsets(cb: UInt8, cr: UInt8) -> (Int32, Int32, Int32) {
        let cbCentred = Int32(cb) &- 128
        let crCentred = Int32(cr) &- 128
        let red = (crToR &* crCentred &+ oneHalf) >> 16
        let green = (-cbToG &* cbCentred &+ oneHalf &+ -crToG &* crCentred) >> 16
        let blue = (cbToB &* cbCentred &+ oneHalf) >> 16
        return (red, green, blue)
    }

    /// YCbCr → interleaved RGB for `count` pixels.
    @inline(__always)
    static func ycbcrToRGB(
        _ y: UnsafePointer<UInt8>, _ cb: UnsafePointer<UInt8>, _ cr: UnsafePointer<UInt8>,
        _ output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        for x in 0..<count {
            let luma = Int32(y[x])
            let (red, green, blue) = chromaOffsets(cb: cb[x], cr: cr[x])
            output[3 &* x] = clamp(luma &+ red)
            output[3 &* x &+ 1] = clamp(luma &+ green)
            output[3 &* x &+ 2] = clamp(luma &+ blue)
        }
    }

    /// Three planes → interleaved RGB unchanged (Adobe transform 0 or 'R','G','B' ids).
    @inline(__always)
    static func interleave3(
        _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ c: UnsafePointer<UInt8>,
        _ output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        for x in 0..<count {
            output[3 &* x] = a[x]
            output[3 &* x &+ 1] = b[x]
            output[3 &* x &+ 2] = c[x]
        }
    }

    /// Four CMYK planes → interleaved CMYK, inverted as Pillow's "CMYK;I" raw mode does.
    @inline(__always)
    static func invertedCMYK(
        _ c: UnsafePointer<UInt8>, _ m: UnsafePointer<UInt8>, _ y: UnsafePointer<UInt8>, _ k: UnsafePointer<UInt8>,
        _ output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        for x in 0..<count {
            output[4 &* x] = 255 &- c[x]
            output[4 &* x &+ 1] = 255 &- m[x]
            output[4 &* x &+ 2] = 255 &- y[x]
            output[4 &* x &+ 3] = 255 &- k[x]
        }
    }

    /// YCCK → CMYK (jdcolor.c ycck_cmyk_convert: C,M,Y = 255 − R,G,B of the YCC triple,
    /// K unchanged), then inverted as Pillow's "CMYK;I" raw mode does.
    @inline(__always)
    static func ycckToInvertedCMYK(
        _ y: UnsafePointer<UInt8>, _ cb: UnsafePointer<UInt8>, _ cr: UnsafePointer<UInt8>, _ k: UnsafePointer<UInt8>,
        _ output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        for x in 0..<count {
            let luma = Int32(y[x])
            let (red, green, blue) = chromaOffsets(cb: cb[x], cr: cr[x])
            output[4 &* x] = 255 &- clamp(255 &- (luma &+ red))
            output[4 &* x &+ 1] = 255 &- clamp(255 &- (luma &+ green))
            output[4 &* x &+ 2] = 255 &- clamp(255 &- (luma &+ blue))
            output[4 &* x &+ 3] = 255 &- k[x]
        }
    }
}
