import Support

/// Why an image could not be decoded. `code` is terse, stable and lower snake_case (for logs
/// and tests; docs/architecture.md#codes); `description` is the human message.
public enum ImageCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data ended before the structure it was reading did.
    case truncated(String)
    /// The data contradicts its own format ("bad DQT table", "CRC mismatch in IDAT").
    case corrupt(String)
    /// A valid file of a kind this decoder does not implement ("unsupported JPEG variant: arithmetic coding").
    case unsupported(String)
    /// The header asks for more pixels than `DecodingLimits.maxPixels`, or a zero size.
    case tooLarge(width: Int, height: Int, limit: Int)
    /// Decoding would hold more than `DecodingLimits.maxMemory` bytes at its peak.
    case exceedsMemory(needed: Int, limit: Int)
    /// Not a format this module knows (by its magic bytes).
    case unknownFormat

    public var code: String {
        switch self {
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        case .unsupported: return "unsupported"
        case .tooLarge: return "too_large"
        case .exceedsMemory: return "memory_limit"
        case .unknownFormat: return "unknown_format"
        }
    }

    public var description: String {
        switch self {
        case .truncated(let what): return "truncated file: \(what)"
        case .corrupt(let what): return "corrupt file: \(what)"
        case .unsupported(let what): return what
        case .tooLarge(let width, let height, let limit):
            return "image of \(width)×\(height) pixels exceeds the limit of \(limit) pixels"
        case .exceedsMemory(let needed, let limit):
            return "decoding needs \(needed >> 20) MiB of memory, more than the limit of \(limit >> 20) MiB"
        case .unknownFormat: return "not a JPEG or PNG file"
        }
    }
}

extension ImageCodecError {
    /// The same case and message as a failure to inflate a PNG's image data.
    init(_ error: InflateError) {
        switch error {
        case .truncated(let what): self = .truncated(what)
        case .corrupt(let what): self = .corrupt(what)
        case .unsupported(let what): self = .unsupported(what)
        }
    }
}
