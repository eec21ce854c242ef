import Support

/// PNG decoding (ISO/IEC 15948) to the samples Pillow's `Image.open` gives.
///
/// Every colour type and bit depth, Adam7 interlacing and all five filters are
/// supported. The result's mode follows Pillow 13's PngImagePlugin: gray 1-bit → "1"
/// (bytes 0/255), gray 2/4/8-bit → "L" (2-bit values × 85, 4-bit × 17), gray 16-bit →
/// "I;16" (little-endian), RGB 8/16 → "RGB", palette → "P" with the PLTE triplets,
/// gray+alpha 8-bit → "LA", gray+alpha 16-bit → "RGBA" (gray copied to R, G and B),
/// RGBA → "RGBA". 16-bit samples keep their high byte, as Pillow's unpackers do.
/// tRNS does not change the mode (Pillow stores it in `info`), so it is not applied.
///
/// Stricter than Pillow on purpose (a bad file is reported, never half-decoded):
/// every chunk's CRC is checked, unknown critical chunks are rejected, a palette image
/// needs PLTE, and image data that ends before the last row — which Pillow pads with
/// zeros when the zlib stream ends cleanly — is `.truncated`. Ancillary chunks
/// (including APNG's) are skipped, so an APNG decodes to its default image, as in Pillow.
public enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// True if `bytes` start with the PNG signature.
    public static func matches(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && bytes[0..<8].elementsEqual(signature)
    }

    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws -> DecodedImage {
        guard matches(bytes) else { throw ImageCodecError.unknownFormat }
        var reader = ByteReader(bytes, offset: 8, context: "PNG", truncated: ImageCodecError.truncated)
        var header: PNGHeader?
        var palette: [UInt8] = []
        var imageData: [UInt8] = []
        /// 0 before the IDAT run, 1 inside it, 2 after it.
        var idatState = 0

        chunks: while true {
            if reader.isAtEnd, idatState > 0 { break }  // missing IEND after complete data: Pillow accepts it too
            let length = Int(try reader.readUInt32BE("chunk length"))
            guard length <= 0x7FFF_FFFF else { throw ImageCodecError.corrupt("PNG: chunk length above 2^31 - 1") }
            let typeAndData = try reader.readBytes(4 + length, "chunk")
            let storedCRC = try reader.readUInt32BE("chunk CRC")
            let type = Array(typeAndData.prefix(4))
            let data = typeAndData.dropFirst(4)
            let name = String(decoding: type, as: UTF8.self)
            guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw ImageCodecError.corrupt("PNG: invalid chunk type bytes \(type)")
            }
            guard CRC32.checksum(typeAndData) == storedCRC else {
                throw ImageCodecError.corrupt("PNG: CRC mismatch in \(name)")
            }
            if header == nil, name != "IHDR" { throw ImageCodecError.corrupt("PNG: first chunk is \(name), not IHDR") }
            if idatState == 1, name != "IDAT" { idatState = 2 }
            switch name {
            case "IHDR":
                guard header == nil else { throw ImageCodecError.corrupt("PNG: second IHDR chunk") }
                let parsed = try PNGHeader(data, limits: limits)
                let needed = try parsed.memoryNeeded(fileSize: bytes.count, limits: limits)
                guard needed <= limits.maxMemory else { throw ImageCodecError.exceedsMemory(needed: needed, limit: limits.maxMemory) }
                header = parsed
            case "PLTE":
                guard idatState == 0 else { throw ImageCodecError.corrupt("PNG: PLTE after image data") }
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw ImageCodecError.corrupt("PNG: PLTE length \(length) is not 3 to 768 bytes in triplets")
                }
                palette = Array(data)
            case "IDAT":
                guard idatState < 2 else { throw ImageCodecError.corrupt("PNG: IDAT chunks are not consecutive") }
                idatState = 1
                imageData.append(contentsOf: data)
            case "IEND":
                break chunks
            default:
                // Bit 5 of the first type byte clear (upper case) marks a critical chunk.
                if type[0] & 0x20 == 0 { throw ImageCodecError.unsupported("PNG: unknown critical chunk \(name)") }
            }
        }
        guard let header else { throw ImageCodecError.truncated("PNG: no IHDR chunk") }
        guard idatState > 0 else { throw ImageCodecError.corrupt("PNG: no IDAT chunk") }
        if header.colorType == .palette, palette.isEmpty {
            throw ImageCodecError.corrupt("PNG: palette image without PLTE chunk")
        }
        // Pillow keeps only PLTE for "P" images; a suggested palette on RGB images is ignored.
        if header.colorType != .palette { palette = [] }

        guard let dataSize = header.dataSize else {
            throw ImageCodecError.tooLarge(width: header.width, height: header.height, limit: limits.maxPixels)
        }
        let mode = header.mode
        var samples: [UInt8] = []
        do {
            // Deflate expands at most 1032:1, so a tiny stream cannot make us reserve a huge buffer;
            // the output grows as data arrives up to the size the header implies.
            let plausible = min(dataSize, imageData.count.multipliedReportingOverflow(by: 1032).partialValue + 1024)
            try Inflate.zlib(imageData, maxOutputSize: dataSize, expectedSize: plausible) { rawBuffer in
                guard rawBuffer.count == dataSize else {
                    throw ImageCodecError.truncated("PNG: image data has \(rawBuffer.count) of \(dataSize) bytes")
                }
                samples = [UInt8](repeating: 0, count: header.width * header.height * mode.bytesPerPixel)
                try PNGDecoder.reconstruct(rawBuffer, header: header, into: &samples)
            }
        } catch InflateError.corrupt(let message) where message.hasPrefix("inflate: decompressed data exceeds") {
            throw ImageCodecError.corrupt("PNG: more image data than the header describes")
        } catch let error as InflateError {
            throw ImageCodecError(error)
        }
        return DecodedImage(width: header.width, height: header.height, mode: mode, samples: samples, palette: palette)
    }

    /// Unfilters `raw` (every pass's rows, each led by its filter byte) in place and writes the
    /// pixels in Pillow's mode into `samples`.
    static func reconstruct(_ rawBuffer: UnsafeMutableBufferPointer<UInt8>, header: PNGHeader, into samples: inout [UInt8]) throws {
        let mode = header.mode
        try samples.withUnsafeMutableBufferPointer { samplesBuffer in
            var offset = 0
            for pass in header.passes {
                let rowBytes = header.rowBytes(pixels: pass.width)
                try PNGDecoder.unfilter(rawBuffer.baseAddress! + offset, rows: pass.height, rowBytes: rowBytes,
                                        stride: header.filterStride)
                for row in 0..<pass.height {
                    let source = UnsafePointer(rawBuffer.baseAddress! + offset + row * (rowBytes + 1) + 1)
                    let y = pass.yStart + row * pass.yStep
                    PNGDecoder.expandRow(source, header: header, pass: pass,
                                         into: samplesBuffer.baseAddress! + (y * header.width + pass.xStart) * mode.bytesPerPixel)
                }
                offset += pass.height * (rowBytes + 1)
            }
        }
    }

    /// Reverses the per-row filters in place. Each row is a filter-type byte followed by
    /// `rowBytes` bytes; the row above the first one counts as zeros. Index arithmetic here and
    /// in `expandRow` wraps (`&+`, `&*`): the sizes were checked against the pixel and memory
    /// limits at IHDR, so no index can overflow, and a check per sample would keep the loops
    /// from vectorising.
    static func unfilter(_ data: UnsafeMutablePointer<UInt8>, rows: Int, rowBytes: Int, stride: Int) throws {
        var previous: UnsafeMutablePointer<UInt8>? = nil
        for row in 0..<rows {
            let filterType = data[row &* (rowBytes &+ 1)]
            let line = data + (row &* (rowBytes &+ 1) &+ 1)
            switch (filterType, previous) {
            case (0, _), (2, nil):
                break
            case (1, _):
                if rowBytes > stride {
                    for i in stride..<rowBytes { line[i] &+= line[i &- stride] }
                }
            case (2, let above?):
                for i in 0..<rowBytes { line[i] &+= above[i] }
            case (3, nil):
                if rowBytes > stride {
                    for i in stride..<rowBytes { line[i] &+= line[i &- stride] >> 1 }
                }
            case (3, let above?):
                for i in 0..<min(stride, rowBytes) { line[i] &+= above[i] >> 1 }
                if rowBytes > stride {
                    for i in stride..<rowBytes {
                        line[i] &+= UInt8((Int(line[i &- stride]) &+ Int(above[i])) >> 1)
                    }
                }
            case (4, nil):
                // Paeth with a zero row above reduces to "left".
                if rowBytes > stride {
                    for i in stride..<rowBytes { line[i] &+= line[i &- stride] }
                }
            case (4, let above?):
                for i in 0..<min(stride, rowBytes) { line[i] &+= above[i] }
                if rowBytes > stride {
                    for i in stride..<rowBytes {
                        line[i] &+= paeth(line[i &- stride], above[i], above[i &- stride])
                    }
                }
            default:
                throw ImageCodecError.corrupt("PNG: unknown filter type \(filterType) in row \(row)")
            }
            previous = line
        }
    }

    @inline(__always)
    static func paeth(_ left: UInt8, _ above: UInt8, _ upperLeft: UInt8) -> UInt8 {
        let a = Int(left), b = Int(above), c = Int(upperLeft)
        let p = a &+ b &- c
        let pa = abs(p &- a), pb = abs(p &- b), pc = abs(p &- c)
        if pa <= pb, pa <= pc { return left }
        return pb <= pc ? above : upperLeft
    }

    /// Converts one unfiltered row of a pass to Pillow-mode pixels, writing pixel `x` of the
    /// pass at `destination + x * xStep * bytesPerPixel`.
    static func expandRow(_ source: UnsafePointer<UInt8>, header: PNGHeader, pass: PNGHeader.Pass,
                          into destination: UnsafeMutablePointer<UInt8>) {
        let count = pass.width
        let outBytes = header.mode.bytesPerPixel
        let step = pass.xStep * outBytes
        if header.bitDepth == 8, pass.xStep == 1 {
            // 8-bit samples in a contiguous row already have Pillow's layout.
            destination.update(from: source, count: count * outBytes)
            return
        }
        switch (header.colorType, header.bitDepth) {
        case (.gray, 1), (.gray, 2), (.gray, 4), (.palette, 1), (.palette, 2), (.palette, 4):
            let depth = header.bitDepth
            let mask = UInt8((1 << depth) - 1)
            let scale: UInt8
            switch (header.colorType, depth) {
            case (.gray, 1): scale = 255
            case (.gray, 2): scale = 85
            case (.gray, 4): scale = 17
            default: scale = 1
            }
            for x in 0..<count {
                let bit = x &* depth
                let value = (source[bit >> 3] >> UInt8(8 - depth - (bit & 7))) & mask
                destination[x &* step] = value &* scale
            }
        case (.gray, 8), (.palette, 8):
            for x in 0..<count { destination[x &* step] = source[x] }
        case (.gray, _):  // 16-bit → "I;16", little-endian
            for x in 0..<count {
                destination[x &* step] = source[2 &* x &+ 1]
                destination[x &* step &+ 1] = source[2 &* x]
            }
        case (.rgb, 8):
            for x in 0..<count {
                destination[x &* step] = source[3 &* x]
                destination[x &* step &+ 1] = source[3 &* x &+ 1]
                destination[x &* step &+ 2] = source[3 &* x &+ 2]
            }
        case (.rgb, _):
            for x in 0..<count {
                destination[x &* step] = source[6 &* x]
                destination[x &* step &+ 1] = source[6 &* x &+ 2]
                destination[x &* step &+ 2] = source[6 &* x &+ 4]
            }
        case (.grayAlpha, 8):
            for x in 0..<count {
                destination[x &* step] = source[2 &* x]
                destination[x &* step &+ 1] = source[2 &* x &+ 1]
            }
        case (.grayAlpha, _):  // 16-bit → "RGBA"
            for x in 0..<count {
                let gray = source[4 &* x]
                destination[x &* step] = gray
                destination[x &* step &+ 1] = gray
                destination[x &* step &+ 2] = gray
                destination[x &* step &+ 3] = source[4 &* x &+ 2]
            }
        case (.rgba, 8):
            for x in 0..<count {
                for channel in 0..<4 { destination[x &* step &+ channel] = source[4 &* x &+ channel] }
            }
        case (.rgba, _):
            for x in 0..<count {
                for channel in 0..<4 { destination[x &* step &+ channel] = source[8 &* x &+ 2 &* channel] }
            }
        default:
            // PNGHeader.init admits no other combination.
            break
        }
    }
}
