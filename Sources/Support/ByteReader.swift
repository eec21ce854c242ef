/// A bounds-checked cursor over bytes, reading big- and little-endian integers.
///
/// Every read checks the remaining length first and throws the caller's truncation error
/// (`ImageCodecError.truncated`, `InflateError.truncated`) naming what was being read, so
/// container parsers (PNG chunks, gzip headers, …) never index past the end of their input. The reader never copies the underlying bytes
/// except where a method returns an array.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// Offset of the next byte to read, `0...bytes.count`.
    public private(set) var offset: Int
    /// Prefix for error messages, e.g. "PNG" or "gzip header".
    let context: String
    /// Makes the error thrown when the bytes end early, from its message.
    private let truncated: @Sendable (String) -> any Error

    public init(_ bytes: [UInt8], offset: Int = 0, context: String = "data", truncated: @escaping @Sendable (String) -> any Error) {
        self.bytes = bytes
        self.offset = min(max(offset, 0), bytes.count)
        self.context = context
        self.truncated = truncated
    }

    var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, for what: String) throws {
        guard count >= 0, count <= remaining else {
            throw truncated("\(context): \(what) needs \(count) bytes at offset \(offset), \(remaining) left")
        }
    }

    public mutating func readUInt8(_ what: String = "byte") throws -> UInt8 {
        try require(1, for: what)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16BE(_ what: String = "16-bit value") throws -> UInt16 {
        try require(2, for: what)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt16LE(_ what: String = "16-bit value") throws -> UInt16 {
        try require(2, for: what)
        defer { offset += 2 }
        return UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset])
    }

    public mutating func readUInt32BE(_ what: String = "32-bit value") throws -> UInt32 {
        try require(4, for: what)
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func readUInt32LE(_ what: String = "32-bit value") throws -> UInt32 {
        try require(4, for: what)
        defer { offset += 4 }
        return UInt32(bytes[offset + 3]) << 24 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset])
    }

    /// The next `count` bytes as a slice of `bytes` (no copy).
    public mutating func readBytes(_ count: Int, _ what: String = "bytes") throws -> ArraySlice<UInt8> {
        try require(count, for: what)
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Bytes up to (not including) the next zero byte, which is consumed too.
    mutating func readZeroTerminated(_ what: String = "string") throws -> ArraySlice<UInt8> {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw truncated("\(context): \(what) has no terminating zero byte")
        }
        defer { offset = end + 1 }
        return bytes[offset..<end]
    }

    mutating func skip(_ count: Int, _ what: String = "bytes") throws {
        try require(count, for: what)
        offset += count
    }

    /// The next bytes without consuming them (fewer if the data ends first).
    func peek(_ count: Int) -> ArraySlice<UInt8> {
        bytes[offset..<min(bytes.count, offset + max(0, count))]
    }
}
