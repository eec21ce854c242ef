/// Deflate compression (RFC 1951) with zlib and gzip wrappers — for the PNG encoder
/// (demo dataset, test fixtures) and anything else that writes compressed data.
///
/// LZ77 over a 32 KiB window with hash chains (three-byte hash, one-step lazy matching),
/// then per block of up to 16 Ki symbols the cheapest of a dynamic-Huffman, fixed-Huffman
/// or stored encoding. Output is deterministic for a given input and level. Not tuned to
/// match zlib's ratios exactly; verified by round trips through `Inflate` and through
/// Python's zlib / Pillow (fixtures).
public enum Deflate {
    /// Effort from 0 (stored blocks only) to 9 (longest hash chains); 6 is the default.
    public static func raw(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        var writer = DeflateBitWriter(capacity: bytes.count / 2 + 64)
        Deflater(input: bytes, level: level).compress(into: &writer)
        writer.alignToByte()
        return writer.bytes
    }

    /// A zlib stream: header 0x78 0x9C (32 KiB window), deflate data, big-endian Adler-32.
    public static func zlib(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        var writer = DeflateBitWriter(capacity: bytes.count / 2 + 64)
        writer.append(bytes: [0x78, 0x9C])
        Deflater(input: bytes, level: level).compress(into: &writer)
        writer.alignToByte()
        let adler = Adler32.checksum(bytes)
        writer.append(bytes: [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)])
        return writer.bytes
    }

    /// A single-member gzip file with no name and modification time 0 (reproducible).
    public static func gzip(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        var writer = DeflateBitWriter(capacity: bytes.count / 2 + 64)
        writer.append(bytes: [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255])
        Deflater(input: bytes, level: level).compress(into: &writer)
        writer.alignToByte()
        let crc = CRC32.checksum(bytes)
        let size = UInt32(truncatingIfNeeded: bytes.count)
        writer.append(bytes: (0..<4).map { UInt8((crc >> (8 * UInt32($0))) & 0xFF) })
        writer.append(bytes: (0..<4).map { UInt8((size >> (8 * UInt32($0))) & 0xFF) })
        return writer.bytes
    }
}
