/// An LSB-first bit writer for deflate streams.
struct DeflateBitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `bits` bits of `value` (at most 32), least significant first.
    @inline(__always)
    mutating func write(_ value: Int, bits: Int) {
        buffer |= (UInt64(truncatingIfNeeded: value) & ((1 << UInt64(bits)) &- 1)) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Pads with zero bits to a byte boundary.
    mutating func alignToByte() {
        if count > 0 { write(0, bits: 8 - count) }
    }

    mutating func append<Bytes: Collection>(bytes more: Bytes) where Bytes.Element == UInt8 {
        precondition(count == 0, "byte-aligned writes only")
        bytes.append(contentsOf: more)
    }
}
