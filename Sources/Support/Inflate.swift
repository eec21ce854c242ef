/// Decompression of deflate data (RFC 1951) and its zlib (RFC 1950) and gzip (RFC 1952)
/// wrappers — for PNG image data, the gzipped BPE vocabulary and checkpoint archives.
///
/// Every malformed stream is an `InflateError`: `.truncated` when the data ends
/// early, `.corrupt` for invalid codes, bad checksums, distances reaching before the
/// start, or output beyond `maxOutputSize` (a decompression bomb guard; the default is
/// 1 GiB). Checksums (Adler-32, CRC-32, ISIZE, the optional gzip header CRC) are always
/// verified.
public enum Inflate {
    public static let defaultMaxOutputSize = 1 << 30

    /// Decompresses one raw deflate stream; bytes after its final block are ignored.
    public static func raw(_ bytes: [UInt8], maxOutputSize: Int = defaultMaxOutputSize) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { input in
            let inflater = Inflater(input: input, maxOutputSize: maxOutputSize)
            _ = try inflater.inflateStream(from: 0)
            return inflater.takeOutput()
        }
    }

    /// Decompresses one raw deflate stream into `output` and returns how many bytes it
    /// wrote; output beyond `output.count` is `.corrupt` (the size-limit error), so the
    /// caller's buffer is the whole allocation (e.g. a zip entry of known size).
    public static func raw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let inflater = Inflater(
            input: UnsafeBufferPointer(start: input.baseAddress?.assumingMemoryBound(to: UInt8.self), count: input.count),
            output: UnsafeMutableBufferPointer(start: output.baseAddress?.assumingMemoryBound(to: UInt8.self), count: output.count))
        _ = try inflater.inflateStream(from: 0)
        return inflater.outputCount
    }

    /// Decompresses a zlib stream (2-byte header, deflate data, big-endian Adler-32).
    /// Preset dictionaries are not supported (`.unsupported`); trailing bytes are ignored.
    public static func zlib(_ bytes: [UInt8], maxOutputSize: Int = defaultMaxOutputSize) throws -> [UInt8] {
        try zlib(bytes, maxOutputSize: maxOutputSize, expectedSize: nil) { Array($0) }
    }

    /// `expectedSize` pre-sizes the output buffer when the caller knows it (PNG); `body` gets the
    /// decompressed bytes in place (no copy) and may change them.
    package static func zlib<Result>(
        _ bytes: [UInt8], maxOutputSize: Int, expectedSize: Int?, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Result
    ) throws -> Result {
        guard bytes.count >= 2 else { throw InflateError.truncated("zlib header") }
        let cmf = Int(bytes[0])
        let flg = Int(bytes[1])
        guard cmf & 0x0F == 8, cmf >> 4 <= 7 else {
            throw InflateError.corrupt("zlib: unknown compression method or window size")
        }
        guard (cmf << 8 | flg) % 31 == 0 else { throw InflateError.corrupt("zlib: header check bits are wrong") }
        guard flg & 0x20 == 0 else { throw InflateError.unsupported("zlib streams with a preset dictionary are not supported") }
        return try bytes.withUnsafeBufferPointer { input in
            let inflater = Inflater(input: input, maxOutputSize: maxOutputSize, expectedSize: expectedSize)
            let end = try inflater.inflateStream(from: 2)
            guard end + 4 <= input.count else { throw InflateError.truncated("zlib: Adler-32 checksum missing") }
            let stored = UInt32(input[end]) << 24 | UInt32(input[end + 1]) << 16 | UInt32(input[end + 2]) << 8 | UInt32(input[end + 3])
            var adler = Adler32()
            adler.update(UnsafeBufferPointer(start: inflater.output, count: inflater.outputCount))
            guard adler.value == stored else { throw InflateError.corrupt("zlib: Adler-32 checksum mismatch") }
            return try body(UnsafeMutableBufferPointer(start: inflater.output, count: inflater.outputCount))
        }
    }

    /// Decompresses a gzip file: one or more members, each with its header (FEXTRA,
    /// FNAME, FCOMMENT and FHCRC honoured), deflate data, CRC-32 and ISIZE trailer.
    /// The members' outputs are concatenated, as `gzip -d` does.
    public static func gzip(_ bytes: [UInt8], maxOutputSize: Int = defaultMaxOutputSize) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { input in
            let inflater = Inflater(input: input, maxOutputSize: maxOutputSize)
            var offset = 0
            repeat {
                offset = try readGzipHeader(bytes, at: offset)
                let memberStart = inflater.outputCount
                let end = try inflater.inflateStream(from: offset)
                var trailer = ByteReader(bytes, offset: end, context: "gzip trailer", truncated: InflateError.truncated)
                let storedCRC = try trailer.readUInt32LE("CRC-32")
                let storedSize = try trailer.readUInt32LE("ISIZE")
                let member = UnsafeBufferPointer(start: inflater.output + memberStart, count: inflater.outputCount - memberStart)
                var crc = CRC32()
                crc.update(member)
                guard crc.value == storedCRC else { throw InflateError.corrupt("gzip: CRC-32 mismatch") }
                guard UInt32(truncatingIfNeeded: member.count) == storedSize else {
                    throw InflateError.corrupt("gzip: ISIZE does not match the decompressed length")
                }
                offset = trailer.offset
            } while offset < bytes.count
            return inflater.takeOutput()
        }
    }

    /// Parses a gzip member header at `offset`; returns where the deflate data starts.
    private static func readGzipHeader(_ bytes: [UInt8], at offset: Int) throws -> Int {
        var reader = ByteReader(bytes, offset: offset, context: "gzip header", truncated: InflateError.truncated)
        let id1 = try reader.readUInt8("magic")
        let id2 = try reader.readUInt8("magic")
        guard id1 == 0x1F, id2 == 0x8B else { throw InflateError.corrupt("gzip: bad magic bytes") }
        guard try reader.readUInt8("method") == 8 else { throw InflateError.corrupt("gzip: unknown compression method") }
        let flags = try reader.readUInt8("flags")
        guard flags & 0xE0 == 0 else { throw InflateError.corrupt("gzip: reserved header flags set") }
        try reader.skip(6, "MTIME, XFL and OS")
        if flags & 0x04 != 0 {
            let extraLength = Int(try reader.readUInt16LE("XLEN"))
            try reader.skip(extraLength, "extra field")
        }
        if flags & 0x08 != 0 { _ = try reader.readZeroTerminated("file name") }
        if flags & 0x10 != 0 { _ = try reader.readZeroTerminated("comment") }
        if flags & 0x02 != 0 {
            let headerCRC = CRC32.checksum(bytes[offset..<reader.offset])
            let stored = try reader.readUInt16LE("header CRC")
            guard UInt16(truncatingIfNeeded: headerCRC) == stored else {
                throw InflateError.corrupt("gzip: header CRC mismatch")
            }
        }
        return reader.offset
    }
}

/// Why a deflate, zlib or gzip stream could not be decompressed. The cases, codes and
/// messages are those of `ImageCodecError`, which a PNG's image data passes on unchanged.
public enum InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data ended before the stream did.
    case truncated(String)
    /// Invalid codes, a bad checksum, a distance before the start, output beyond the limit.
    case corrupt(String)
    /// A valid stream using a feature not implemented (zlib preset dictionaries).
    case unsupported(String)

    public var code: String {
        switch self {
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        case .unsupported: return "unsupported"
        }
    }

    public var description: String {
        switch self {
        case .truncated(let what): return "truncated file: \(what)"
        case .corrupt(let what): return "corrupt file: \(what)"
        case .unsupported(let what): return what
        }
    }
}
