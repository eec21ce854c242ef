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
    public static func sniff(_ bytes: [UInt8]) -> Format? {
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
}
