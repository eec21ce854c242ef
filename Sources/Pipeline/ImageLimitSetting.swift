/// The environment variables that change `DecodingLimits` (docs/security.md).
package enum ImageLimitSetting: CaseIterable {
    case pixels, memory, fileBytes

    package var variable: String {
        switch self {
        case .pixels: return "SHIFTLENS_MAX_IMAGE_PIXELS"
        case .memory: return "SHIFTLENS_MAX_DECODE_MEMORY"
        case .fileBytes: return "SHIFTLENS_MAX_IMAGE_FILE_BYTES"
        }
    }
}
