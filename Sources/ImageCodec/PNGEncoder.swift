import Support

/// PNG encoding of RGB and other 8-bit images, for the demo dataset and test fixtures.
///
/// Non-interlaced, one zlib stream (`Deflate.zlib`) split into IDAT chunks of at most
/// 1 MiB. Each row's filter is the one with the smallest sum of absolute values of the
/// filtered bytes taken as signed (the libpng heuristic); images below 8 bits per pixel
/// use filter 0, as the PNG specification recommends. Output is deterministic.
public enum PNGEncoder {
    /// An 8-bit RGB PNG (colour type 2). Throws `.unsupported` for an image with no
    /// pixels (PNG needs a width and height of at least 1) or whose pixel array does not
    /// match its size.
    public static func encode(_ image: RGBImage, level: Int = 6) throws -> [UInt8] {
        try checkSize(image.width, image.height)
        try checkCount(image.pixels.count, image.width * image.height * 3)
        return encode(width: image.width, height: image.height, colorType: 2, bitDepth: 8, rowBytes: image.width * 3,
               filterStride: 3, palette: nil, level: level) { row, out in
            image.pixels.withUnsafeBufferPointer { pixels in
                out.update(from: pixels.baseAddress! + row * image.width * 3, count: image.width * 3)
            }
        }
    }

    /// A PNG that Pillow opens in the same mode with the same samples: "1" → 1-bit gray,
    /// "L" → 8-bit gray, "LA", "RGB", "RGBA" → 8-bit, "P" → 8-bit palette with PLTE,
    /// "I;16" → 16-bit gray. "CMYK" has no PNG form and throws `.unsupported`.
    public static func encode(_ image: DecodedImage, level: Int = 6) throws -> [UInt8] {
        try checkSize(image.width, image.height)
        try checkCount(image.samples.count, image.width * image.height * image.mode.bytesPerPixel)
        let width = image.width
        let samples = image.samples
        func copyRows(_ bytesPerPixel: Int) -> (Int, UnsafeMutablePointer<UInt8>) -> Void {
            { row, out in
                samples.withUnsafeBufferPointer { source in
                    out.update(from: source.baseAddress! + row * width * bytesPerPixel, count: width * bytesPerPixel)
                }
            }
        }
        switch image.mode {
        case .gray:
            return encode(width: width, height: image.height, colorType: 0, bitDepth: 8, rowBytes: width,
                          filterStride: 1, palette: nil, level: level, row: copyRows(1))
        case .grayAlpha:
            return encode(width: width, height: image.height, colorType: 4, bitDepth: 8, rowBytes: width * 2,
                          filterStride: 2, palette: nil, level: level, row: copyRows(2))
        case .rgb:
            return encode(width: width, height: image.height, colorType: 2, bitDepth: 8, rowBytes: width * 3,
                          filterStride: 3, palette: nil, level: level, row: copyRows(3))
        case .rgba:
            return encode(width: width, height: image.height, colorType: 6, bitDepth: 8, rowBytes: width * 4,
                          filterStride: 4, palette: nil, level: level, row: copyRows(4))
        case .palette:
            guard !image.palette.isEmpty, image.palette.count % 3 == 0, image.palette.count <= 768 else {
                throw ImageCodecError.unsupported("PNG encoder: a palette image needs 1 to 256 RGB palette entries")
            }
            return encode(width: width, height: image.height, colorType: 3, bitDepth: 8, rowBytes: width,
                          filterStride: 1, palette: image.palette, level: level, row: copyRows(1))
        case .gray16:
            return encode(width: width, height: image.height, colorType: 0, bitDepth: 16, rowBytes: width * 2,
                          filterStride: 2, palette: nil, level: level) { row, out in
                for x in 0..<width {
                    out[2 * x] = samples[(row * width + x) * 2 + 1]
                    out[2 * x + 1] = samples[(row * width + x) * 2]
                }
            }
        case .bilevel:
            return encode(width: width, height: image.height, colorType: 0, bitDepth: 1, rowBytes: (width + 7) / 8,
                          filterStride: 1, palette: nil, level: level) { row, out in
                for index in 0..<((width + 7) / 8) { out[index] = 0 }
                for x in 0..<width where samples[row * width + x] != 0 { out[x >> 3] |= 0x80 >> UInt8(x & 7) }
            }
        case .cmyk:
            throw ImageCodecError.unsupported("PNG encoder: PNG has no CMYK colour type")
        }
    }

    /// Writes the chunks; `row(y, buffer)` fills `rowBytes` raw bytes of row `y`.
    private static func encode(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, rowBytes: Int, filterStride: Int,
                               palette: [UInt8]?, level: Int, row: (Int, UnsafeMutablePointer<UInt8>) -> Void) -> [UInt8] {
        var filtered = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        let adaptive = bitDepth >= 8
        var previousRow = [UInt8](repeating: 0, count: rowBytes)
        var currentRow = [UInt8](repeating: 0, count: rowBytes)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        filtered.withUnsafeMutableBufferPointer { output in
            for y in 0..<height {
                currentRow.withUnsafeMutableBufferPointer { row(y, $0.baseAddress!) }
                let line = output.baseAddress! + y * (rowBytes + 1)
                var bestCost = Int.max
                for type in adaptive ? 0..<5 : 0..<1 {
                    applyFilter(type, current: currentRow, previous: previousRow, stride: filterStride, into: &candidate)
                    let cost = adaptive ? candidate.reduce(0) { $0 + ($1 < 128 ? Int($1) : 256 - Int($1)) } : 0
                    if cost < bestCost {
                        bestCost = cost
                        line[0] = UInt8(type)
                        candidate.withUnsafeBufferPointer { (line + 1).update(from: $0.baseAddress!, count: rowBytes) }
                    }
                }
                swap(&previousRow, &currentRow)
            }
        }
        var out = PNGDecoder.signature
        var header = [UInt8]()
        for value in [UInt32(width), UInt32(height)] { header += bigEndian(value) }
        header += [bitDepth, colorType, 0, 0, 0]
        appendChunk("IHDR", header, to: &out)
        if let palette { appendChunk("PLTE", palette, to: &out) }
        let compressed = Deflate.zlib(filtered, level: level)
        var offset = 0
        repeat {
            let end = min(compressed.count, offset + (1 << 20))
            appendChunk("IDAT", compressed[offset..<end], to: &out)
            offset = end
        } while offset < compressed.count
        appendChunk("IEND", [], to: &out)
        return out
    }

    private static func checkSize(_ width: Int, _ height: Int) throws {
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ImageCodecError.unsupported("PNG encoder: \(width)×\(height) is not a valid PNG size")
        }
    }

    private static func checkCount(_ count: Int, _ expected: Int) throws {
        guard count == expected else {
            throw ImageCodecError.unsupported("PNG encoder: \(count) sample bytes where the size and mode need \(expected)")
        }
    }

    static func applyFilter(_ type: Int, current: [UInt8], previous: [UInt8], stride: Int, into out: inout [UInt8]) {
        let count = current.count
        for i in 0..<count {
            let left = i >= stride ? current[i - stride] : 0
            let above = previous[i]
            let upperLeft = i >= stride ? previous[i - stride] : 0
            let predictor: UInt8
            switch type {
            case 1: predictor = left
            case 2: predictor = above
            case 3: predictor = UInt8((Int(left) + Int(above)) >> 1)
            case 4: predictor = PNGDecoder.paeth(left, above, upperLeft)
            default: predictor = 0
            }
            out[i] = current[i] &- predictor
        }
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func appendChunk<Data: Collection>(_ type: String, _ data: Data, to out: inout [UInt8]) where Data.Element == UInt8 {
        out += bigEndian(UInt32(data.count))
        var crc = CRC32()
        let typeBytes = Array(type.utf8)
        crc.update(typeBytes)
        crc.update(data)
        out += typeBytes
        out += data
        out += bigEndian(crc.value)
    }
}
