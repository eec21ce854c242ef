/// The inverse DCT of the JPEG decoder: libjpeg-turbo's accurate integer IDCT
/// (jidctint.c "islow", the Loeffler–Ligtenberg–Moschytz algorithm with 13-bit
/// constants and 2 extra bits between passes), which Pillow uses by default.
///
/// Bit-exact with libjpeg-turbo for every input, including its wrap-around range limit
/// on corrupt coefficients: dequantised values are products of two 16-bit numbers, the
/// pass-1 workspace is 32-bit, and the output is `rangeLimit[value & 1023]`.
enum JPEGIDCT {
    // FIX(x) = round(x * 2^13).
    static let constBits = 13
    static let pass1Bits = 2
    static let fix_0_298631336 = 2446
    static let fix_0_390180644 = 3196
    static let fix_0_541196100 = 4433
    static let fix_0_765366865 = 6270
    static let fix_0_899976223 = 7373
    static let fix_1_175875602 = 9633
    static let fix_1_501321110 = 12299
    static let fix_1_847759065 = 15137
    static let fix_1_961570560 = 16069
    static let fix_2_053119869 = 16819
    static let fix_2_562915447 = 20995
    static let fix_3_072711026 = 25172

    /// libjpeg's post-IDCT range limit for a descaled value `x` (without the +128 level
    /// shift): x+128 clamped to 0…255 for |x| < 512, wrapping with period 1024 beyond.
    @inline(__always)
    static func rangeLimit(_ x: Int) -> UInt8 {
        let wrapped = ((x &+ 512) & 1023) &- 512 &+ 128
        return UInt8(truncatingIfNeeded: wrapped < 0 ? 0 : (wrapped > 255 ? 255 : wrapped))
    }

    /// Inverse-transforms one block.
    /// - Parameters:
    ///   - coefficients: 64 quantised coefficients in natural (row-major) order.
    ///   - quant: 64 quantisation values in natural order, as libjpeg's 16-bit multiplier table.
    ///   - output: top-left sample of the 8×8 destination; rows are `stride` bytes apart.
    @inline(__always)
    static func islow(
        coefficients: UnsafePointer<Int16>, quant: UnsafePointer<Int16>,
        output: UnsafeMutablePointer<UInt8>, stride: Int
    ) {
        // 64 Int32 of workspace on the stack (a tuple, so no allocation).
        var workspace: (SIMD32<Int32>, SIMD32<Int32>) = (.zero, .zero)
        withUnsafeMutableBytes(of: &workspace) { raw in
            let ws = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            columnPass(coefficients, quant, ws)
            rowPass(ws, output, stride)
        }
    }

    @inline(__always)
    private static func columnPass(_ input: UnsafePointer<Int16>, _ quant: UnsafePointer<Int16>, _ ws: UnsafeMutablePointer<Int32>) {
        for column in 0..<8 {
            let c = input + column
            let q = quant + column
            @inline(__always) func dequant(_ row: Int) -> Int { Int(Int32(c[row * 8]) &* Int32(q[row * 8])) }
            if c[8] == 0, c[16] == 0, c[24] == 0, c[32] == 0, c[40] == 0, c[48] == 0, c[56] == 0 {
                let dc = Int32(truncatingIfNeeded: dequant(0) << pass1Bits)
                for row in 0..<8 { ws[row * 8 + column] = dc }
                continue
            }
            // Even part.
            var z2 = dequant(2)
            var z3 = dequant(6)
            var z1 = (z2 &+ z3) &* fix_0_541196100
            var tmp2 = z1 &+ z3 &* -fix_1_847759065
            var tmp3 = z1 &+ z2 &* fix_0_765366865
            z2 = dequant(0)
            z3 = dequant(4)
            var tmp0 = (z2 &+ z3) << constBits
            var tmp1 = (z2 &- z3) << constBits
            let tmp10 = tmp0 &+ tmp3
            let tmp13 = tmp0 &- tmp3
            let tmp11 = tmp1 &+ tmp2
            let tmp12 = tmp1 &- tmp2
            // Odd part.
            tmp0 = dequant(7)
            tmp1 = dequant(5)
            tmp2 = dequant(3)
            tmp3 = dequant(1)
            z1 = tmp0 &+ tmp3
            z2 = tmp1 &+ tmp2
            z3 = tmp0 &+ tmp2
            var z4 = tmp1 &+ tmp3
            let z5 = (z3 &+ z4) &* fix_1_175875602
            tmp0 = tmp0 &* fix_0_298631336
            tmp1 = tmp1 &* fix_2_053119869
            tmp2 = tmp2 &* fix_3_072711026
            tmp3 = tmp3 &* fix_1_501321110
            z1 = z1 &* -fix_0_899976223
            z2 = z2 &* -fix_2_562915447
            z3 = z3 &* -fix_1_961570560
            z4 = z4 &* -fix_0_390180644
            z3 = z3 &+ z5
            z4 = z4 &+ z5
            tmp0 = tmp0 &+ z1 &+ z3
            tmp1 = tmp1 &+ z2 &+ z4
            tmp2 = tmp2 &+ z2 &+ z3
            tmp3 = tmp3 &+ z1 &+ z4

            let shift = constBits - pass1Bits
            let round = 1 << (shift - 1)
            @inline(__always) func out(_ value: Int) -> Int32 { Int32(truncatingIfNeeded: (value &+ round) >> shift) }
            ws[0 * 8 + column] = out(tmp10 &+ tmp3)
            ws[7 * 8 + column] = out(tmp10 &- tmp3)
            ws[1 * 8 + column] = out(tmp11 &+ tmp2)
            ws[6 * 8 + column] = out(tmp11 &- tmp2)
            ws[2 * 8 + column] = out(tmp12 &+ tmp1)
            ws[5 * 8 + column] = out(tmp12 &- tmp1)
            ws[3 * 8 + column] = out(tmp13 &+ tmp0)
            ws[4 * 8 + column] = out(tmp13 &- tmp0)
        }
    }

    @inline(__always)
    private static func rowPass(_ ws: UnsafeMutablePointer<Int32>, _ output: UnsafeMutablePointer<UInt8>, _ stride: Int) {
        let shift = constBits + pass1Bits + 3
        let round = 1 << (shift - 1)
        for row in 0..<8 {
            let w = ws + row * 8
            let o = output + row * stride
            if w[1] == 0, w[2] == 0, w[3] == 0, w[4] == 0, w[5] == 0, w[6] == 0, w[7] == 0 {
                let dc = rangeLimit((Int(w[0]) &+ (1 << (pass1Bits + 2))) >> (pass1Bits + 3))
                for column in 0..<8 { o[column] = dc }
                continue
            }
            // Even part.
            var z2 = Int(w[2])
            var z3 = Int(w[6])
            var z1 = (z2 &+ z3) &* fix_0_541196100
            var tmp2 = z1 &+ z3 &* -fix_1_847759065
            var tmp3 = z1 &+ z2 &* fix_0_765366865
            var tmp0 = (Int(w[0]) &+ Int(w[4])) << constBits
            var tmp1 = (Int(w[0]) &- Int(w[4])) << constBits
            let tmp10 = tmp0 &+ tmp3
            let tmp13 = tmp0 &- tmp3
            let tmp11 = tmp1 &+ tmp2
            let tmp12 = tmp1 &- tmp2
            // Odd part.
            tmp0 = Int(w[7])
            tmp1 = Int(w[5])
            tmp2 = Int(w[3])
            tmp3 = Int(w[1])
            z1 = tmp0 &+ tmp3
            z2 = tmp1 &+ tmp2
            z3 = tmp0 &+ tmp2
            var z4 = tmp1 &+ tmp3
            let z5 = (z3 &+ z4) &* fix_1_175875602
            tmp0 = tmp0 &* fix_0_298631336
            tmp1 = tmp1 &* fix_2_053119869
            tmp2 = tmp2 &* fix_3_072711026
            tmp3 = tmp3 &* fix_1_501321110
            z1 = z1 &* -fix_0_899976223
            z2 = z2 &* -fix_2_562915447
            z3 = z3 &* -fix_1_961570560
            z4 = z4 &* -fix_0_390180644
            z3 = z3 &+ z5
            z4 = z4 &+ z5
            tmp0 = tmp0 &+ z1 &+ z3
            tmp1 = tmp1 &+ z2 &+ z4
            tmp2 = tmp2 &+ z2 &+ z3
            tmp3 = tmp3 &+ z1 &+ z4

            @inline(__always) func out(_ value: Int) -> UInt8 { rangeLimit((value &+ round) >> shift) }
            o[0] = out(tmp10 &+ tmp3)
            o[7] = out(tmp10 &- tmp3)
            o[1] = out(tmp11 &+ tmp2)
            o[6] = out(tmp11 &- tmp2)
            o[2] = out(tmp12 &+ tmp1)
            o[5] = out(tmp12 &- tmp1)
            o[3] = out(tmp13 &+ tmp0)
            o[4] = out(tmp13 &- tmp0)
        }
    }
}
