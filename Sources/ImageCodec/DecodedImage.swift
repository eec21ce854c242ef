/// ImageCodec — the image files users have, turned into pixels exactly as Pillow sees them.
///
/// Decoders (JPEG baseline + progressive, PNG with its inflate) return a `DecodedImage`
/// in the *mode Pillow would open the file in* ("L", "RGB", "CMYK", "P", "I;16", …),
/// because open_clip resizes an image in its native mode and converts to RGB only
/// afterwards; `convertedToRGB()` then reproduces Pillow's `.convert("RGB")`.
///
/// Every number read from a file header is distrusted: sizes are overflow-checked, the
/// pixel count is capped (`DecodingLimits.maxPixels`, default 100 MP) and so is the memory
/// a decode holds at its peak (`DecodingLimits.maxMemory`, default 1 GiB), both before any
/// allocation. Errors are `ImageCodecError` values, never traps.

/// A decoded image in the pixel mode Pillow would report for the same file.
public struct DecodedImage: Sendable, Equatable {
    /// Pillow's image modes that the decoders produce.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// 1-bit bilevel, stored as one byte per pixel holding 0 or 255 (Pillow's "1").
        case bilevel = "1"
        /// 8-bit grayscale.
        case gray = "L"
        /// 8-bit grayscale + alpha, two bytes per pixel.
        case grayAlpha = "LA"
        case rgb = "RGB"
        case rgba = "RGBA"
        /// Four bytes per pixel, already inverted as Pillow presents Adobe CMYK JPEGs.
        case cmyk = "CMYK"
        /// One palette index per pixel; `palette` holds RGB triplets.
        case palette = "P"
        /// 16-bit grayscale, two bytes per pixel, little-endian (Pillow's "I;16").
        case gray16 = "I;16"

        /// Bytes per pixel in `DecodedImage.samples`.
        public var bytesPerPixel: Int {
            switch self {
            case .bilevel, .gray, .palette: return 1
            case .grayAlpha, .gray16: return 2
            case .rgb: return 3
            case .rgba, .cmyk: return 4
            }
        }
    }

    public let width: Int
    public let height: Int
    public let mode: Mode
    /// Row-major, interleaved, `mode.bytesPerPixel` bytes per pixel, no row padding.
    public var samples: [UInt8]
    /// RGB triplets for `.palette` images (up to 256 entries); empty otherwise.
    public var palette: [UInt8]
    /// Things a caller may want to report (e.g. "16-bit grayscale saturated by Pillow's RGB conversion").
    public var warnings: [String]

    public init(width: Int, height: Int, mode: Mode, samples: [UInt8], palette: [UInt8] = [], warnings: [String] = []) {
        precondition(samples.count == width * height * mode.bytesPerPixel, "sample count does not match size and mode")
        self.width = width
        self.height = height
        self.mode = mode
        self.samples = samples
        self.palette = palette
        self.warnings = warnings
    }
}

/// An 8-bit RGB image, row-major, three interleaved bytes per pixel.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]
    public var warnings: [String]

    public init(width: Int, height: Int, pixels: [UInt8], warnings: [String] = []) {
        precondition(pixels.count == width * height * 3, "pixel count does not match size")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.warnings = warnings
    }
}

/// Limits checked before any allocation a file header asks for.
public struct DecodingLimits: Sendable, Equatable {
    /// Largest accepted `width × height`; Pillow's own decompression-bomb warning starts near 89 MP.
    public var maxPixels: Int
    /// Most bytes one decode may hold at its peak, the file's bytes included
    /// (`ImageFile.memoryNeeded`): 1 GiB decodes any 100 MP RGB or gray image, JPEG or PNG,
    /// and an RGBA or 16-bit PNG of up to ~85 MP or ~55 MP (RGBA 16-bit).
    public var maxMemory: Int
    /// Largest image file read (`InputFile`); photos and dataset images are far smaller.
    public var maxFileBytes: Int

    public init(maxPixels: Int = 100_000_000, maxMemory: Int = 1 << 30, maxFileBytes: Int = 256 << 20) {
        self.maxPixels = maxPixels
        self.maxMemory = maxMemory
        self.maxFileBytes = maxFileBytes
    }

    public static let `default` = DecodingLimits()
}
