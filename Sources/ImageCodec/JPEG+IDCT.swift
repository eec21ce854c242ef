/// The inverse DCT of the JPEG decoder: libjpeg-turbo's accurate integer IDCT
/// (jidctint.c "islow", the Loeffler–Ligtenberg–Moschytz algorithm with 13-bit
/// constants and 2 extra bits between passes), which Pillow uses by default.
///
/// `islowReference` follows jidctint.c line by line (64-bit products, 32-bit pass-1
/// workspace, output `rangeLimit[value & 1023]`), so it matches the C code for every
/// input. `islow` computes the same with eight columns (then eight rows) per SIMD
/// vector in 32-bit lanes; the two agree whenever the intermediate sums fit in 32 bits,
/// which holds for dequantised coefficients within ±2^15 — every real image, and the
/// same domain libjpeg-turbo's own SIMD IDCT (16-bit lanes, which Pillow runs) assumes.
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

    /// Inverse-transforms one block (line-by-line jidctint.c; the twin of `islow`).
    /// - Parameters:
    ///   - coefficients: 64 quantised coefficients in natural (row-major) order.
    ///   - quant: 64 quantisation values in natural order, as libjpeg's 16-bit multiplier table.
    ///   - output: top-left sample of the 8×8 destination; rows are `stride` bytes apart.
    @inline(__always)
    static func islowReference(
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

    typealias Lanes = SIMD8<Int32>

    /// A block whose AC coefficients are all zero: the flat value both passes of islow
    /// produce for it (pass 1 shifts DC·q left by 2, pass 2 rounds off 5 bits).
    @inline(__always)
    static func dcOnly(dc: Int16, quant: Int16, output: UnsafeMutablePointer<UInt8>, stride: Int) {
        let pass1 = Int32(truncatingIfNeeded: Int(Int32(dc) &* Int32(quant)) << pass1Bits)
        let value = rangeLimit((Int(pass1) &+ (1 << (pass1Bits + 2))) >> (pass1Bits + 3))
        let row = UInt64(value) &* 0x0101_0101_0101_0101
        for y in 0..<8 {
            UnsafeMutableRawPointer(output + y &* stride).storeBytes(of: row, as: UInt64.self)
        }
    }

    /// Inverse-transforms one block, eight columns and then eight rows at a time.
    /// Same contract as `islowReference` (see the type's notes on the 32-bit domain).
    @inline(__always)
    static func islow(
        coefficients: UnsafePointer<Int16>, quant: UnsafePointer<Int16>,
        output: UnsafeMutablePointer<UInt8>, stride: Int
    ) {
        // Dequantise into 32-bit lanes (a plain loop the compiler vectorises).
        var dequantised: (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) = (.zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero)
        withUnsafeMutableBytes(of: &dequantised) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            for index in 0..<64 {
                d[index] = Int32(coefficients[index]) &* Int32(quant[index])
            }
        }
        // Pass 1: lane j is column j; the eight inputs are the block's rows.
        var (w0, w1, w2, w3, w4, w5, w6, w7) = butterfly(
            dequantised.0, dequantised.1, dequantised.2, dequantised.3,
            dequantised.4, dequantised.5, dequantised.6, dequantised.7,
            roundBits: constBits - pass1Bits)
        // Transpose so that lane i is row i.
        transpose(&w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7)
        // Pass 2: the inputs are the workspace columns; output j is column j, lane i row i.
        var columns = butterfly(w0, w1, w2, w3, w4, w5, w6, w7, roundBits: constBits + pass1Bits + 3)
        columns = (limit(columns.0), limit(columns.1), limit(columns.2), limit(columns.3),
                   limit(columns.4), limit(columns.5), limit(columns.6), limit(columns.7))
        withUnsafeBytes(of: &columns) { raw in
            let m = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            for row in 0..<8 {
                let destination = output + row &* stride
                for column in 0..<8 {
                    destination[column] = UInt8(truncatingIfNeeded: m[column &* 8 &+ row])
                }
            }
        }
    }

    /// `rangeLimit` on every lane (branch-free clamp of the wrapped value to 0…255).
    @inline(__always)
    private static func limit(_ x: Lanes) -> Lanes {
        let wrapped = ((x &+ 512) & 1023) &- 384
        let nonNegative = wrapped & ~(wrapped &>> 31)
        let excess = nonNegative &- 255
        return excess & (excess &>> 31) &+ 255
    }

    /// The 1-D islow butterfly on eight inputs, descaled by `roundBits` with rounding.
    @inline(__always)
    private static func butterfly(
        _ x0: Lanes, _ x1: Lanes, _ x2: Lanes, _ x3: Lanes, _ x4: Lanes, _ x5: Lanes, _ x6: Lanes, _ x7: Lanes,
        roundBits: Int
    ) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        @inline(__always) func k(_ value: Int) -> Lanes { Lanes(repeating: Int32(value)) }
        // Even part.
        let z1 = (x2 &+ x6) &* k(fix_0_541196100)
        var tmp2 = z1 &+ x6 &* k(-fix_1_847759065)
        var tmp3 = z1 &+ x2 &* k(fix_0_765366865)
        var tmp0 = (x0 &+ x4) &<< Lanes(repeating: Int32(constBits))
        var tmp1 = (x0 &- x4) &<< Lanes(repeating: Int32(constBits))
        let tmp10 = tmp0 &+ tmp3
        let tmp13 = tmp0 &- tmp3
        let tmp11 = tmp1 &+ tmp2
        let tmp12 = tmp1 &- tmp2
        // Odd part.
        tmp0 = x7
        tmp1 = x5
        tmp2 = x3
        tmp3 = x1
        var o1 = tmp0 &+ tmp3
        var o2 = tmp1 &+ tmp2
        var o3 = tmp0 &+ tmp2
        var o4 = tmp1 &+ tmp3
        let z5 = (o3 &+ o4) &* k(fix_1_175875602)
        tmp0 = tmp0 &* k(fix_0_298631336)
        tmp1 = tmp1 &* k(fix_2_053119869)
        tmp2 = tmp2 &* k(fix_3_072711026)
        tmp3 = tmp3 &* k(fix_1_501321110)
        o1 = o1 &* k(-fix_0_899976223)
        o2 = o2 &* k(-fix_2_562915447)
        o3 = o3 &* k(-fix_1_961570560) &+ z5
        o4 = o4 &* k(-fix_0_390180644) &+ z5
        tmp0 = tmp0 &+ o1 &+ o3
        tmp1 = tmp1 &+ o2 &+ o4
        tmp2 = tmp2 &+ o2 &+ o3
        tmp3 = tmp3 &+ o1 &+ o4

        let round = Lanes(repeating: Int32(1) << Int32(roundBits - 1))
        let shift = Lanes(repeating: Int32(roundBits))
        @inline(__always) func descale(_ value: Lanes) -> Lanes { (value &+ round) &>> shift }
        return (descale(tmp10 &+ tmp3), descale(tmp11 &+ tmp2), descale(tmp12 &+ tmp1), descale(tmp13 &+ tmp0),
                descale(tmp13 &- tmp0), descale(tmp12 &- tmp1), descale(tmp11 &- tmp2), descale(tmp10 &- tmp3))
    }

    /// Transposes the 8×8 matrix whose rows are the eight vectors.
    @inline(__always)
    private static func transpose(
        _ r0: inout Lanes, _ r1: inout Lanes, _ r2: inout Lanes, _ r3: inout Lanes,
        _ r4: inout Lanes, _ r5: inout Lanes, _ r6: inout Lanes, _ r7: inout Lanes
    ) {
        var matrix = (r0, r1, r2, r3, r4, r5, r6, r7)
        withUnsafeMutableBytes(of: &matrix) { raw in
            let m = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            for i in 0..<8 {
                for j in (i &+ 1)..<8 {
                    let a = m[i &* 8 &+ j]
                    m[i &* 8 &+ j] = m[j &* 8 &+ i]
                    m[j &* 8 &+ i] = a
                }
            }
        }
        (r0, r1, r2, r3, r4, r5, r6, r7) = matrix
    }
}
