/// JPEG decoding bit-exact with Pillow (libjpeg-turbo with its defaults).
///
/// Supported: baseline and extended sequential (SOF0/SOF1) and progressive (SOF2)
/// Huffman-coded JPEG with 8-bit samples, 1, 3 or 4 components, any integral sampling
/// ratio with at most 10 blocks per MCU, restart intervals, interleaved and
/// non-interleaved scans. Pixels equal `np.array(Image.open(path))`:
/// - the accurate integer IDCT (`JPEGIDCT.islow`), fancy upsampling (`JPEGUpsampler`)
///   and jdcolor.c's fixed-point YCbCr→RGB (`JPEGColor`);
/// - the colour space is libjpeg's guess: JFIF → YCbCr; Adobe APP14 transform 0 → RGB
///   (3 components) or CMYK (4), transform 2 → YCCK; without markers, component ids
///   'R','G','B' → RGB; otherwise YCbCr / CMYK;
/// - CMYK (and YCCK converted to CMYK) is inverted, as Pillow always does ("CMYK;I").
///
/// Not supported (`.unsupported` naming the variant; rare in photo collections, and
/// Pillow itself refuses 12-bit files): 12/16-bit precision, lossless (SOF3),
/// hierarchical (SOF5–7) and arithmetic coding (SOF9–15), and progressive files whose
/// scans leave any of the first nine AC coefficients unrefined (libjpeg then applies
/// block smoothing, jdcoefct.c, which is not reproduced).
///
/// Speed: sequential scans holding every component are decoded straight into sample
/// planes (fast AC lookup, SIMD IDCT); other images keep coefficients until EOI.
/// `JPEGBenchmarkTests` measures it against Pillow.
///
/// Bad input is a typed `ImageCodecError`; the decoder never traps and every loop is
/// bounded by the image size. Unlike libjpeg, which pads a short entropy-coded segment
/// with zeros and only warns, running out of data is `.truncated` — the same outcome as
/// Pillow's "image file is truncated".
///
/// Nothing a header asks for is allocated before it is checked: the pixel count against
/// `DecodingLimits.maxPixels` at SOF; at the first scan, that the data left in the file can
/// code every block at all (each block's DC coefficient takes at least one bit, so a
/// 10000×10000 header with 3 KB of data is `.truncated` without allocating its planes), and
/// that the planes, coefficients and output fit `DecodingLimits.maxMemory`
/// (`JPEGDecoding.memoryNeeded`). Progressive scans may pass over the image at most
/// `maxScanPasses` times in all, so thousands of tiny scans cannot keep it busy for minutes.
/// Coefficients of multi-scan images are transformed one component at a time, each
/// component's plane allocated just before and its coefficients freed just after.
public enum JPEGDecoder {
    /// Decodes a JPEG file into the mode Pillow's `Image.open` reports: .gray ("L"), .rgb ("RGB") or .cmyk ("CMYK").
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws -> DecodedImage {
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count >= 3, base[0] == 0xFF, base[1] == 0xD8, base[2] == 0xFF else {
                throw ImageCodecError.unknownFormat
            }
            let decoding = JPEGDecoding(data: base, count: buffer.count, limits: limits)
            return try decoding.run()
        }
    }
}

/// The JPEG colour spaces libjpeg distinguishes for 1, 3 and 4 components.
enum JPEGColorSpace: Equatable {
    case gray, ycbcr, rgb, cmyk, ycck
}

/// One frame component, with the storage its scans decode into.
final class JPEGComponent {
    let id: Int
    let horizontal: Int
    let vertical: Int
    let quantSelector: Int
    /// Samples of the component (libjpeg's downsampled_width/height).
    let downsampledWidth: Int
    let downsampledHeight: Int
    /// Blocks a non-interleaved scan covers.
    let blocksPerLine: Int
    let blocksPerColumn: Int
    /// Blocks interleaved MCUs cover (≥ the above); storage is sized by these.
    let allocatedBlocksPerLine: Int
    let allocatedBlocksPerColumn: Int

    /// The dequantisation table latched at the component's first scan (natural order).
    let quant = UnsafeMutablePointer<Int16>.allocate(capacity: 64)
    var quantLatched = false
    /// Decoded samples, `planeStride` bytes per row.
    private(set) var plane: UnsafeMutablePointer<UInt8>?
    var planeStride: Int { allocatedBlocksPerLine * 8 }
    /// Quantised coefficients in natural order, 64 per block (multi-scan images only).
    private(set) var coefficients: UnsafeMutablePointer<Int16>?
    /// Successive-approximation bit position of zig-zag coefficients 0…9 after the
    /// scans so far (-1: never coded), for libjpeg's block-smoothing decision.
    var coefficientBits = [Int](repeating: -1, count: 10)

    init(id: Int, horizontal: Int, vertical: Int, quantSelector: Int, frameWidth: Int, frameHeight: Int,
         maxHorizontal: Int, maxVertical: Int, mcusPerLine: Int, mcusPerColumn: Int) {
        self.id = id
        self.horizontal = horizontal
        self.vertical = vertical
        self.quantSelector = quantSelector
        downsampledWidth = (frameWidth * horizontal + maxHorizontal - 1) / maxHorizontal
        downsampledHeight = (frameHeight * vertical + maxVertical - 1) / maxVertical
        blocksPerLine = (downsampledWidth + 7) / 8
        blocksPerColumn = (downsampledHeight + 7) / 8
        allocatedBlocksPerLine = mcusPerLine * horizontal
        allocatedBlocksPerColumn = mcusPerColumn * vertical
        quant.initialize(repeating: 0, count: 64)
    }

    /// Samples (or coefficients) of the allocated blocks.
    var allocatedSamples: Int { allocatedBlocksPerLine * allocatedBlocksPerColumn * 64 }

    /// Blocks the component's scans code at the least (without interleaving padding).
    var codedBlocks: Int { blocksPerLine * blocksPerColumn }

    func allocatePlane() {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: allocatedSamples)
        pointer.initialize(repeating: 0, count: allocatedSamples)
        plane = pointer
    }

    func allocateCoefficients() {
        let pointer = UnsafeMutablePointer<Int16>.allocate(capacity: allocatedSamples)
        pointer.initialize(repeating: 0, count: allocatedSamples)
        coefficients = pointer
    }

    func freeCoefficients() {
        coefficients?.deallocate()
        coefficients = nil
    }

    deinit {
        quant.deallocate()
        plane?.deallocate()
        coefficients?.deallocate()
    }
}

/// The state of one decode: tables, frame, scans. Used once.
final class JPEGDecoding {
    let data: UnsafePointer<UInt8>
    let end: Int
    let limits: DecodingLimits

    /// DQT tables in natural order, as libjpeg's 16-bit multipliers.
    var quantTables: [[Int16]?] = [nil, nil, nil, nil]
    /// DHT contents (counts, symbols); tables are built when a scan uses them.
    var dcSpecs: [([UInt8], [UInt8])?] = [nil, nil, nil, nil]
    var acSpecs: [([UInt8], [UInt8])?] = [nil, nil, nil, nil]
    var restartInterval = 0
    var sawJFIF = false
    var adobeTransform: Int?

    var width = 0
    var height = 0
    var progressive = false
    var components: [JPEGComponent] = []
    var maxHorizontal = 1
    var maxVertical = 1
    var mcusPerLine = 0
    var mcusPerColumn = 0
    var colorSpace = JPEGColorSpace.gray
    var scanCount = 0
    var eobRun = 0
    /// Blocks visited by the scans so far (see `maxScanPasses`).
    var scanBlocks = 0
    /// Set by `layout()`: stop at the first SOS, having read the frame and the scan's component count.
    private var stopsAtFirstScan = false
    private(set) var firstScanIsDirect = false

    /// Most passes over every block that all scans together may make. libjpeg's standard
    /// progression makes about 6; a scan-per-coefficient script about 64 per component.
    static let maxScanPasses = 100

    init(data: UnsafePointer<UInt8>, count: Int, limits: DecodingLimits) {
        self.data = data
        self.end = count
        self.limits = limits
    }

    /// Reads the markers up to the first scan header, decoding nothing: enough for
    /// `memoryNeeded(direct:)` (with `firstScanIsDirect`) and the image's size and mode.
    func layout() throws {
        stopsAtFirstScan = true
        defer { stopsAtFirstScan = false }
        _ = try readMarkers()
    }

    /// Bytes a decode holds at its peak, the input included: the planes and the output for a
    /// single sequential scan; for multi-scan images also the coefficients, of which the
    /// components not yet transformed are alive while the planes fill one by one.
    func memoryNeeded(direct: Bool) -> Int {
        let planes = components.reduce(0) { $0 + $1.allocatedSamples }
        let output = width * height * mode.bytesPerPixel
        var peak = planes + output
        if !direct {
            var coefficients = components.reduce(0) { $0 + 2 * $1.allocatedSamples }
            var filled = 0
            for component in components {
                filled += component.allocatedSamples
                peak = max(peak, coefficients + filled)
                coefficients -= 2 * component.allocatedSamples
            }
        }
        return end + peak
    }

    /// The mode of the output: "L", "RGB" or "CMYK" by component count.
    var mode: DecodedImage.Mode { components.count == 1 ? .gray : (components.count == 3 ? .rgb : .cmyk) }

    /// Reads markers up to EOI, decoding every scan, and returns the image.
    func run() throws -> DecodedImage {
        guard let image = try readMarkers() else { throw ImageCodecError.corrupt("no image data") }
        return image
    }

    /// The marker loop of `run()`; nil when `stopsAtFirstScan` and the first scan header was reached.
    private func readMarkers() throws -> DecodedImage? {
        var position = 2
        var sawEOI = false
        markers: while true {
            guard let marker = JPEGMarkerScanner.nextMarker(data, end: end, from: &position) else { break }
            switch marker {
            case 0xD9:
                sawEOI = true
                break markers
            case 0xD0...0xD7, 0x01:
                continue  // RSTn outside a scan and TEM carry no data; libjpeg ignores them.
            case 0xD8:
                throw ImageCodecError.corrupt("duplicate SOI marker")
            default:
                break
            }
            guard position + 2 <= end else { throw ImageCodecError.truncated("marker segment header") }
            let length = Int(data[position]) << 8 | Int(data[position + 1])
            guard length >= 2 else { throw ImageCodecError.corrupt("bad marker segment length \(length)") }
            guard position + length <= end else { throw ImageCodecError.truncated("marker segment 0xFF\(hex(marker))") }
            let segment = position + 2
            let segmentEnd = position + length
            position = segmentEnd
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                try readFrame(segment, segmentEnd, progressive: marker == 0xC2)
            case 0xC3:
                throw ImageCodecError.unsupported("unsupported JPEG variant: lossless (SOF3)")
            case 0xC5, 0xC6, 0xC7:
                throw ImageCodecError.unsupported("unsupported JPEG variant: hierarchical (SOF\(marker - 0xC0))")
            case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                throw ImageCodecError.unsupported("unsupported JPEG variant: arithmetic coding (SOF\(marker - 0xC0))")
            case 0xC4:
                try readHuffmanTables(segment, segmentEnd)
            case 0xDB:
                try readQuantTables(segment, segmentEnd)
            case 0xDD:
                guard length == 4 else { throw ImageCodecError.corrupt("bad DRI segment") }
                restartInterval = Int(data[segment]) << 8 | Int(data[segment + 1])
            case 0xDA:
                if stopsAtFirstScan {
                    guard !components.isEmpty, segmentEnd > segment else { throw ImageCodecError.corrupt("SOS before SOF") }
                    firstScanIsDirect = !progressive && Int(data[segment]) == components.count
                    return nil
                }
                let finished = try readScan(segment, segmentEnd, position: &position)
                if finished { return try render() }
            case 0xE0:
                // JFIF: "JFIF\0" with at least the 14 bytes libjpeg reads.
                if length - 2 >= 14, data[segment] == 0x4A, data[segment + 1] == 0x46, data[segment + 2] == 0x49,
                   data[segment + 3] == 0x46, data[segment + 4] == 0 {
                    sawJFIF = true
                }
            case 0xEE:
                // Adobe: "Adobe" with at least 12 bytes; the transform flag is byte 11.
                if length - 2 >= 12, data[segment] == 0x41, data[segment + 1] == 0x64, data[segment + 2] == 0x6F,
                   data[segment + 3] == 0x62, data[segment + 4] == 0x65 {
                    adobeTransform = Int(data[segment + 11])
                }
            case 0xE1...0xED, 0xEF, 0xFE, 0xCC, 0xDC:
                continue  // APPn, COM, DAC (arithmetic conditioning, unused here), DNL: skipped.
            default:
                throw ImageCodecError.corrupt("unknown marker 0xFF\(hex(marker))")
            }
        }
        guard !components.isEmpty, scanCount > 0 else {
            throw sawEOI ? ImageCodecError.corrupt("no image data before EOI") : ImageCodecError.truncated("no image data")
        }
        // Multi-scan images are complete only at EOI; libjpeg waits for it and Pillow then
        // reports a short file as truncated.
        guard sawEOI else { throw ImageCodecError.truncated("missing EOI after \(scanCount) scans") }
        try finishCoefficients()
        return try render()
    }

    func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count < 2 ? "0" + digits : digits
    }

    // MARK: Tables

    func readQuantTables(_ start: Int, _ end: Int) throws {
        var position = start
        while position < end {
            let precision = Int(data[position] >> 4)
            let index = Int(data[position] & 0x0F)
            position += 1
            guard index < 4, precision <= 1 else { throw ImageCodecError.corrupt("bad DQT table") }
            let size = precision == 0 ? 64 : 128
            guard position + size <= end else { throw ImageCodecError.corrupt("bad DQT table length") }
            var table = [Int16](repeating: 0, count: 64)
            for k in 0..<64 {
                let value = precision == 0 ? Int(data[position + k]) : Int(data[position + 2 * k]) << 8 | Int(data[position + 2 * k + 1])
                table[JPEGScan.naturalOrder[k]] = Int16(truncatingIfNeeded: value)
            }
            quantTables[index] = table
            position += size
        }
    }

    func readHuffmanTables(_ start: Int, _ end: Int) throws {
        var position = start
        while position < end {
            let tableClass = Int(data[position] >> 4)
            let index = Int(data[position] & 0x0F)
            position += 1
            guard tableClass <= 1, index < 4 else { throw ImageCodecError.corrupt("bad DHT table index") }
            guard position + 16 <= end else { throw ImageCodecError.corrupt("bad DHT table length") }
            let counts = Array(UnsafeBufferPointer(start: data + position, count: 16))
            position += 16
            let total = counts.reduce(0) { $0 + Int($1) }
            guard total <= 256, position + total <= end else { throw ImageCodecError.corrupt("bad Huffman table") }
            let symbols = Array(UnsafeBufferPointer(start: data + position, count: total))
            position += total
            if tableClass == 0 { dcSpecs[index] = (counts, symbols) } else { acSpecs[index] = (counts, symbols) }
        }
    }

    // MARK: Frame

    func readFrame(_ start: Int, _ end: Int, progressive: Bool) throws {
        guard components.isEmpty else { throw ImageCodecError.corrupt("more than one SOF marker") }
        guard end - start >= 6 else { throw ImageCodecError.corrupt("bad SOF segment") }
        let precision = Int(data[start])
        let frameHeight = Int(data[start + 1]) << 8 | Int(data[start + 2])
        let frameWidth = Int(data[start + 3]) << 8 | Int(data[start + 4])
        let count = Int(data[start + 5])
        guard precision == 8 else {
            throw ImageCodecError.unsupported("unsupported JPEG variant: \(precision)-bit samples")
        }
        guard end - start == 6 + 3 * count, count > 0 else { throw ImageCodecError.corrupt("bad SOF segment length") }
        guard count == 1 || count == 3 || count == 4 else {
            throw ImageCodecError.unsupported("unsupported JPEG variant: \(count) components")
        }
        let (pixels, overflow) = frameWidth.multipliedReportingOverflow(by: frameHeight)
        guard frameWidth > 0, frameHeight > 0, !overflow, pixels <= limits.maxPixels else {
            throw ImageCodecError.tooLarge(width: frameWidth, height: frameHeight, limit: limits.maxPixels)
        }
        var specs: [(id: Int, h: Int, v: Int, q: Int)] = []
        for index in 0..<count {
            let base = start + 6 + 3 * index
            let id = Int(data[base])
            let h = Int(data[base + 1] >> 4)
            let v = Int(data[base + 1] & 0x0F)
            let q = Int(data[base + 2])
            guard (1...4).contains(h), (1...4).contains(v) else { throw ImageCodecError.corrupt("bad sampling factors") }
            guard q < 4 else { throw ImageCodecError.corrupt("bad quantisation table selector") }
            guard !specs.contains(where: { $0.id == id }) else { throw ImageCodecError.corrupt("duplicate component id") }
            specs.append((id, h, v, q))
        }
        width = frameWidth
        height = frameHeight
        self.progressive = progressive
        maxHorizontal = specs.map(\.h).max() ?? 1
        maxVertical = specs.map(\.v).max() ?? 1
        mcusPerLine = (width + 8 * maxHorizontal - 1) / (8 * maxHorizontal)
        mcusPerColumn = (height + 8 * maxVertical - 1) / (8 * maxVertical)
        components = specs.map {
            JPEGComponent(id: $0.id, horizontal: $0.h, vertical: $0.v, quantSelector: $0.q,
                          frameWidth: width, frameHeight: height, maxHorizontal: maxHorizontal, maxVertical: maxVertical,
                          mcusPerLine: mcusPerLine, mcusPerColumn: mcusPerColumn)
        }
        // Reject sampling ratios libjpeg cannot upsample before any scan is decoded.
        for component in components {
            _ = try JPEGUpsampler.method(horizontal: component.horizontal, vertical: component.vertical,
                                         maxHorizontal: maxHorizontal, maxVertical: maxVertical,
                                         downsampledWidth: component.downsampledWidth)
        }
    }

    /// libjpeg's default_decompress_parms guess, made when the first scan starts.
    func guessColorSpace() -> JPEGColorSpace {
        switch components.count {
        case 1: return .gray
        case 3:
            if sawJFIF { return .ycbcr }
            if let adobeTransform { return adobeTransform == 0 ? .rgb : .ycbcr }
            let ids = components.map(\.id)
            return ids == [82, 71, 66] ? .rgb : .ycbcr
        default:
            if let adobeTransform { return adobeTransform == 0 ? .cmyk : .ycck }
            return .cmyk
        }
    }

    // MARK: Output

    /// Inverse-transforms the stored coefficients of multi-scan images into the planes.
    func finishCoefficients() throws {
        if progressive { try rejectBlockSmoothing() }
        for component in components {
            guard let coefficients = component.coefficients else { continue }
            defer { component.freeCoefficients() }
            component.allocatePlane()
            guard let plane = component.plane else { continue }
            let stride = component.planeStride
            for blockRow in 0..<component.blocksPerColumn {
                for blockColumn in 0..<component.blocksPerLine {
                    let block = coefficients + (blockRow * component.allocatedBlocksPerLine + blockColumn) * 64
                    JPEGIDCT.islow(coefficients: block, quant: component.quant,
                                   output: plane + blockRow * 8 * stride + blockColumn * 8, stride: stride)
                }
            }
        }
    }

    /// libjpeg smooths blocks of progressive images whose first AC coefficients are not
    /// fully refined (jdcoefct.c smoothing_ok); that output is not reproduced here.
    func rejectBlockSmoothing() throws {
        let checkedQuant = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24]
        var useful = false
        for component in components {
            guard component.quantLatched, !checkedQuant.contains(where: { component.quant[$0] == 0 }),
                  component.coefficientBits[0] >= 0 else { return }
            if component.coefficientBits[1...].contains(where: { $0 != 0 }) { useful = true }
        }
        if useful {
            throw ImageCodecError.unsupported("unsupported JPEG variant: progressive scans leave coefficients unrefined (block smoothing)")
        }
    }

    /// Upsamples, converts colour and interleaves into Pillow's mode.
    func render() throws -> DecodedImage {
        let width = self.width
        let height = self.height
        let upsamplers = try components.map { component -> JPEGUpsampler in
            guard let plane = component.plane else { throw ImageCodecError.corrupt("component without data") }
            let method = try JPEGUpsampler.method(horizontal: component.horizontal, vertical: component.vertical,
                                                  maxHorizontal: maxHorizontal, maxVertical: maxVertical,
                                                  downsampledWidth: component.downsampledWidth)
            return JPEGUpsampler(method: method, plane: plane, stride: component.planeStride,
                                 downsampledWidth: component.downsampledWidth,
                                 downsampledHeight: component.downsampledHeight, width: width)
        }
        let mode = self.mode
        let rowBytes = width * mode.bytesPerPixel
        let scratchCapacity = upsamplers.map(\.rowCapacity).max() ?? 0
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchCapacity * upsamplers.count)
        defer { scratch.deallocate() }
        let colorSpace = self.colorSpace
        let samples = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, initialized in
            guard let output = buffer.baseAddress else { initialized = 0; return }
            var rows: [UnsafePointer<UInt8>] = Array(repeating: UnsafePointer(scratch), count: upsamplers.count)
            for y in 0..<height {
                for (index, upsampler) in upsamplers.enumerated() {
                    rows[index] = upsampler.row(y, into: scratch + index * scratchCapacity)
                }
                let out = output + y * rowBytes
                switch colorSpace {
                case .gray:
                    out.initialize(from: rows[0], count: width)
                case .ycbcr:
                    JPEGColor.ycbcrToRGB(rows[0], rows[1], rows[2], out, count: width)
                case .rgb:
                    JPEGColor.interleave3(rows[0], rows[1], rows[2], out, count: width)
                case .cmyk:
                    JPEGColor.invertedCMYK(rows[0], rows[1], rows[2], rows[3], out, count: width)
                case .ycck:
                    JPEGColor.ycckToInvertedCMYK(rows[0], rows[1], rows[2], rows[3], out, count: width)
                }
            }
            initialized = rowBytes * height
        }
        return DecodedImage(width: width, height: height, mode: mode, samples: samples)
    }
}
