import Support

/// The IHDR chunk of a PNG, validated, and what follows from it.
struct PNGHeader: Equatable {
    enum ColorType: UInt8 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var channels: Int {
            switch self {
            case .gray, .palette: return 1
            case .grayAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }

        var allowedBitDepths: [Int] {
            switch self {
            case .gray: return [1, 2, 4, 8, 16]
            case .palette: return [1, 2, 4, 8]
            case .rgb, .grayAlpha, .rgba: return [8, 16]
            }
        }
    }

    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: ColorType
    let interlaced: Bool

    var bitsPerPixel: Int { bitDepth * colorType.channels }
    /// The byte distance the filters use for "the pixel to the left" (at least 1).
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// The mode Pillow opens this kind of PNG in (PngImagePlugin's `_MODES` table).
    /// Transparency (tRNS) never changes it: Pillow keeps it in `info["transparency"]`.
    var mode: DecodedImage.Mode {
        switch (colorType, bitDepth) {
        case (.gray, 1): return .bilevel
        case (.gray, 16): return .gray16
        case (.gray, _): return .gray
        case (.rgb, _): return .rgb
        case (.palette, _): return .palette
        case (.grayAlpha, 8): return .grayAlpha
        // Pillow has no 16-bit LA unpacker and opens these as RGBA (gray copied thrice).
        case (.grayAlpha, _): return .rgba
        case (.rgba, _): return .rgba
        }
    }

    /// Parses and validates the 13 bytes of IHDR; checks `limits` before anything is allocated.
    init(_ data: ArraySlice<UInt8>, limits: DecodingLimits) throws {
        guard data.count == 13 else { throw ImageCodecError.corrupt("PNG: IHDR chunk has \(data.count) bytes, not 13") }
        var reader = ByteReader(Array(data), context: "PNG IHDR", truncated: ImageCodecError.truncated)
        let width = try reader.readUInt32BE("width")
        let height = try reader.readUInt32BE("height")
        let depth = try reader.readUInt8("bit depth")
        let type = try reader.readUInt8("colour type")
        let compression = try reader.readUInt8("compression method")
        let filter = try reader.readUInt8("filter method")
        let interlace = try reader.readUInt8("interlace method")
        guard width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ImageCodecError.corrupt("PNG: width or height above 2^31 - 1")
        }
        guard let colorType = ColorType(rawValue: type) else {
            throw ImageCodecError.corrupt("PNG: invalid colour type \(type)")
        }
        guard colorType.allowedBitDepths.contains(Int(depth)) else {
            throw ImageCodecError.corrupt("PNG: bit depth \(depth) is not allowed for colour type \(type)")
        }
        guard compression == 0 else { throw ImageCodecError.corrupt("PNG: unknown compression method \(compression)") }
        guard filter == 0 else { throw ImageCodecError.corrupt("PNG: unknown filter method \(filter)") }
        guard interlace <= 1 else { throw ImageCodecError.corrupt("PNG: unknown interlace method \(interlace)") }
        let (pixels, overflow) = Int(width).multipliedReportingOverflow(by: Int(height))
        guard width > 0, height > 0, !overflow, pixels <= limits.maxPixels else {
            throw ImageCodecError.tooLarge(width: Int(width), height: Int(height), limit: limits.maxPixels)
        }
        self.width = Int(width)
        self.height = Int(height)
        self.bitDepth = Int(depth)
        self.colorType = colorType
        self.interlaced = interlace == 1
    }

    /// One sub-image of the scan order: the whole image, or an Adam7 pass.
    struct Pass {
        let xStart: Int, yStart: Int, xStep: Int, yStep: Int
        let width: Int, height: Int
    }

    /// The non-empty passes in file order.
    var passes: [Pass] {
        let geometry: [(Int, Int, Int, Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        return geometry.compactMap { xStart, yStart, xStep, yStep in
            let passWidth = width > xStart ? (width - xStart + xStep - 1) / xStep : 0
            let passHeight = height > yStart ? (height - yStart + yStep - 1) / yStep : 0
            guard passWidth > 0, passHeight > 0 else { return nil }
            return Pass(xStart: xStart, yStart: yStart, xStep: xStep, yStep: yStep, width: passWidth, height: passHeight)
        }
    }

    /// Bytes of one filtered row of `pixels` pixels, without the filter-type byte.
    func rowBytes(pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

    /// Bytes a decode holds at its peak: the file, its image data gathered from the IDAT
    /// chunks (at most the file's size), the decompressed rows and the output samples.
    func memoryNeeded(fileSize: Int, limits: DecodingLimits) throws -> Int {
        guard let dataSize else { throw ImageCodecError.tooLarge(width: width, height: height, limit: limits.maxPixels) }
        return 2 * fileSize + dataSize + width * height * mode.bytesPerPixel
    }

    /// Size of the whole decompressed image data (filter bytes included); nil on overflow.
    var dataSize: Int? {
        var total = 0
        for pass in passes {
            let (rows, overflowA) = (rowBytes(pixels: pass.width) + 1).multipliedReportingOverflow(by: pass.height)
            let (sum, overflowB) = total.addingReportingOverflow(rows)
            if overflowA || overflowB { return nil }
            total = sum
        }
        return total
    }
}
