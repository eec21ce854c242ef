/// Conversions of raw little-endian tensor bytes to fp32, and the NaN/Inf scan.
///
/// Inputs are raw bytes with no alignment guarantee (safetensors data offsets need not be
/// multiples of the element size), so elements are assembled byte by byte.
enum Widening {
    /// Little-endian fp32 bytes copied into `output` (for unaligned or big-endian hosts).
    static func copyFloat32(_ raw: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Float>, count: Int) {
        guard let base = raw.baseAddress else { return }
        for index in 0..<count {
            output[index] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
        }
    }

    /// IEEE binary16 → binary32, exact for every input (subnormals, ±Inf, NaN payloads kept).
    static func widenFloat16(_ raw: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Float>, count: Int) {
        guard let base = raw.baseAddress else { return }
        for index in 0..<count {
            let half = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
            output[index] = float(fromHalf: half)
        }
    }

    /// bfloat16 is the top half of a binary32, so widening is a shift.
    static func widenBFloat16(_ raw: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Float>, count: Int) {
        guard let base = raw.baseAddress else { return }
        for index in 0..<count {
            let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
            output[index] = Float(bitPattern: UInt32(bits) << 16)
        }
    }

    @inline(__always)
    static func float(fromHalf half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        if exponent == 0x1F {
            // Inf or NaN: all-ones exponent, mantissa moved to the top of fp32's.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24, exactly representable in fp32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// How many values are NaN or ±Inf.
    static func countNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int {
        var count = 0
        for value in values where !value.isFinite { count += 1 }
        return count
    }
}
