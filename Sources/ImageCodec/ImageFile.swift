import Support

/// The entry point for "an image file a user has": picks the decoder by magic bytes.
///
/// PNG (`89 50 4E 47 0D 0A 1A 0A`) → `PNGDecoder`; JPEG (`FF D8 FF`) → `JPEGDecoder`;
/// anything else is `.unknownFormat` — the file extension is never consulted, since
/// datasets often hold PNGs named `.jpg` and the reverse.
public enum ImageFile {
    public enum Format: String, Sendable, Equatable {
        case png, jpeg
    }

    /// The format `bytes` start with, or nil.
    static func sniff(_ bytes: [UInt8]) -> Format? {
        if PNGDecoder.matches(bytes) { return .png }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Decodes a PNG or JPEG file to Pillow's mode and samples (see the two decoders).
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws -> DecodedImage {
        switch sniff(bytes) {
        case .png: return try PNGDecoder.decode(bytes, limits: limits)
        case .jpeg: return try JPEGDecoder.decode(bytes, limits: limits)
        case nil: throw ImageCodecError.unknownFormat
        }
    }

    /// What the headers of an image file say, read without decoding it.
    public struct Layout: Sendable, Equatable {
        public var format: Format
        public var width: Int
        public var height: Int
        /// The mode `decode` returns.
        public var mode: DecodedImage.Mode
        /// Bytes `decode` holds at its peak, the file's bytes and the output included; it is
        /// checked against `DecodingLimits.maxMemory` by `decode` itself.
        public var memoryNeeded: Int
        /// A JPEG's quantisation tables defined before its first scan, by slot (0…3), in natural
        /// (row-major) order; empty for a PNG. For `ImageStatistics.jpegQuality`.
        var quantisationTables: [[Int]?] = []
        /// A JPEG's component count (1: grayscale); nil for a PNG.
        var jpegComponents: Int?
    }

    /// The size, mode and decoding memory of `bytes` from its headers (a PNG's IHDR, a JPEG's
    /// markers up to its first scan), with the same checks `decode` makes of them. For
    /// reserving memory before decoding (`MemoryBudget`).
    public static func layout(_ bytes: [UInt8], limits: DecodingLimits = .default) throws -> Layout {
        switch sniff(bytes) {
        case .png:
            var reader = ByteReader(bytes, offset: 8, context: "PNG", truncated: ImageCodecError.truncated)
            let length = Int(try reader.readUInt32BE("chunk length"))
            guard try reader.readBytes(4, "chunk type").elementsEqual(Array("IHDR".utf8)) else {
                throw ImageCodecError.corrupt("PNG: first chunk is not IHDR")
            }
            let header = try PNGHeader(try reader.readBytes(length, "IHDR"), limits: limits)
            return Layout(format: .png, width: header.width, height: header.height, mode: header.mode,
                          memoryNeeded: try header.memoryNeeded(fileSize: bytes.count, limits: limits))
        case .jpeg:
            return try bytes.withUnsafeBufferPointer { buffer in
                let decoding = JPEGDecoding(data: buffer.baseAddress!, count: buffer.count, limits: limits)
                try decoding.layout()
                return Layout(format: .jpeg, width: decoding.width, height: decoding.height, mode: decoding.mode,
                              memoryNeeded: decoding.memoryNeeded(direct: decoding.firstScanIsDirect),
                              quantisationTables: decoding.quantTables.map { $0?.map { Int(UInt16(bitPattern: $0)) } },
                              jpegComponents: decoding.components.count)
            }
        case nil:
            throw ImageCodecError.unknownFormat
        }
    }
}
