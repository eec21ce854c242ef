/// Simple statistics of one decoded image, for telling what a shift changed in the pixels
/// ("low-light: brightness 0.21 vs 0.55"). A pure function of the file's bytes: measured on the
/// full-size image as decoded (the decode the encoder makes, not a second one) and on the
/// file's headers (`ImageFile.Layout`).
///
/// Definitions, each on the image converted to RGB as Pillow's `.convert("RGB")` does
/// (`DecodedImage.convertedToRGB`), with luma `L` as Pillow's `.convert("L")` from RGB:
/// `L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16` (Rec. 601 weights in 16-bit fixed point):
/// - `brightness`: mean of `L / 255`;
/// - `contrast`: RMS contrast, the population standard deviation of `L / 255`;
/// - `saturation`: mean of Pillow's HSV saturation byte / 255, where the byte is
///   `Int(Float(max − min) / Float(max) · 255.0)` (truncated; 0 when max = min), as Pillow's
///   `.convert("HSV")` computes it;
/// - `sharpness`: the population variance of the 3×3 Laplacian `[0 1 0; 1 −4 1; 0 1 0]` of
///   `L` (0…255, the usual "variance of the Laplacian" blur measure, as OpenCV's
///   `cv2.Laplacian(L, cv2.CV_64F).var()` with its default `ksize=1`, this kernel), over the pixels whose
///   whole 3×3 neighbourhood is inside the image (nil when the image is narrower or lower than 3
///   pixels); blurred images score low;
/// - `jpegQuality`: the libjpeg quality (1…100) whose scaled standard tables
///   (`jpeg_quality_scaling`, `force_baseline`) are nearest to the file's tables 0 and 1 (the
///   sum of absolute differences over both, compared with the standard luminance and
///   chrominance tables; ties go to the higher quality). Exact for files libjpeg (Pillow,
///   ImageMagick, most tools) wrote at a quality setting, an approximation for other encoders'
///   tables. Nil for a PNG, or a JPEG without table 0;
/// - `isGrayscale`: a JPEG with one component, or every pixel with R = G = B.
public struct ImageStatistics: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var brightness: Double
    public var contrast: Double
    public var saturation: Double
    public var sharpness: Double?
    public var jpegQuality: Int?
    public var isGrayscale: Bool

    public var aspectRatio: Double { height > 0 ? Double(width) / Double(height) : 0 }

    public init(width: Int, height: Int, brightness: Double, contrast: Double, saturation: Double, sharpness: Double?,
                jpegQuality: Int?, isGrayscale: Bool) {
        self.width = width
        self.height = height
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.sharpness = sharpness
        self.jpegQuality = jpegQuality
        self.isGrayscale = isGrayscale
    }

    /// Measures `image`, decoded from a file whose headers `layout` describes.
    public init(_ image: DecodedImage, layout: ImageFile.Layout) {
        let count = image.width * image.height
        var luma = [UInt8](repeating: 0, count: count)
        var lumaSum = 0, lumaSquares = 0, saturationSum = 0
        var allGray = true
        func measure(_ pixels: UnsafeBufferPointer<UInt8>, stride: Int) {
            Self.saturationTable.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    let r = Int(pixels[stride * i]), g = Int(pixels[stride * i + 1]), b = Int(pixels[stride * i + 2])
                    let value = (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16
                    luma[i] = UInt8(value)
                    lumaSum += value
                    lumaSquares += value * value
                    saturationSum += Int(table[max(r, g, b) << 8 | min(r, g, b)])
                    allGray = allGray && r == g && g == b
                }
            }
        }
        switch image.mode {
        case .gray:
            // L from gray R = G = B = v is v; the saturation is 0.
            for (i, value) in image.samples.enumerated() {
                luma[i] = value
                lumaSum += Int(value)
                lumaSquares += Int(value) * Int(value)
            }
        case .rgb:
            image.samples.withUnsafeBufferPointer { measure($0, stride: 3) }
        default:
            image.convertedToRGB().pixels.withUnsafeBufferPointer { measure($0, stride: 3) }
        }
        let n = Double(max(count, 1))
        let mean = Double(lumaSum) / n
        width = image.width
        height = image.height
        brightness = mean / 255
        contrast = (max(0, Double(lumaSquares) / n - mean * mean)).squareRoot() / 255
        saturation = Double(saturationSum) / n / 255
        sharpness = Self.laplacianVariance(luma, width: image.width, height: image.height)
        jpegQuality = layout.format == .jpeg ? Self.jpegQuality(tables: layout.quantisationTables) : nil
        isGrayscale = layout.jpegComponents == 1 || image.mode == .gray || allGray
    }

    /// Pillow's HSV saturation byte for (max, min), at index `max << 8 | min`.
    static let saturationTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256 * 256)
        for high in 1..<256 {
            for low in 0..<high {
                // Float division, then a double product truncated to an integer (libImaging/Convert.c rgb2hsv_row).
                let ratio = Float(high - low) / Float(high)
                table[high << 8 | low] = UInt8(min(255, Int(Double(ratio) * 255.0)))
            }
        }
        return table
    }()

    /// Population variance of the 3×3 Laplacian of `luma` (0…255) over interior pixels.
    static func laplacianVariance(_ luma: [UInt8], width: Int, height: Int) -> Double? {
        guard width >= 3, height >= 3 else { return nil }
        var sum = 0, squares = 0
        luma.withUnsafeBufferPointer { l in
            for y in 1..<(height - 1) {
                let row = y * width
                for x in 1..<(width - 1) {
                    let i = row + x
                    let value = Int(l[i - width]) + Int(l[i + width]) + Int(l[i - 1]) + Int(l[i + 1]) - 4 * Int(l[i])
                    sum += value
                    squares += value * value
                }
            }
        }
        let n = Double((width - 2) * (height - 2))
        let mean = Double(sum) / n
        return max(0, Double(squares) / n - mean * mean)
    }

    // MARK: JPEG quality

    /// The JPEG standard's example tables (ITU T.81 Annex K), natural order, as libjpeg's jcparam.c.
    static let standardLuminance: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    static let standardChrominance: [Int] = [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// libjpeg's table entry for `base` at `quality` (`jpeg_quality_scaling` + `jpeg_add_quant_table`, baseline).
    static func scaled(_ base: Int, quality: Int) -> Int {
        let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
        return min(255, max(1, (base * scale + 50) / 100))
    }

    /// The libjpeg quality whose tables are nearest to `tables` (slots 0 and 1); nil without slot 0.
    static func jpegQuality(tables: [[Int]?]) -> Int? {
        guard let luminance = tables.first ?? nil, luminance.count == 64 else { return nil }
        let chrominance = tables.count > 1 ? tables[1].flatMap { $0.count == 64 ? $0 : nil } : nil
        var best: (quality: Int, distance: Int)?
        for quality in 1...100 {
            var distance = 0
            for k in 0..<64 { distance += abs(luminance[k] - scaled(standardLuminance[k], quality: quality)) }
            if let chrominance {
                for k in 0..<64 { distance += abs(chrominance[k] - scaled(standardChrominance[k], quality: quality)) }
            }
            if best == nil || distance <= best!.distance { best = (quality, distance) }
        }
        return best?.quality
    }

    // MARK: Rows

    /// Values per row of the statistics cache (`row`, `init(row:)`).
    public static let rowWidth = 8

    /// The statistics as one cache row: width, height, brightness, contrast, saturation,
    /// sharpness (NaN when nil), JPEG quality (NaN when nil), grayscale (0 or 1).
    public var row: [Float] {
        [Float(width), Float(height), Float(brightness), Float(contrast), Float(saturation),
         sharpness.map(Float.init) ?? .nan, jpegQuality.map(Float.init) ?? .nan, isGrayscale ? 1 : 0]
    }

    /// Statistics read back from a cache row; nil for a row of another width or with impossible values.
    public init?(row: [Float]) {
        guard row.count == Self.rowWidth, row[0] >= 0, row[1] >= 0, row[0] < 1e9, row[1] < 1e9,
              row[2].isFinite, row[3].isFinite, row[4].isFinite else { return nil }
        self.init(
            width: Int(row[0]), height: Int(row[1]), brightness: Double(row[2]), contrast: Double(row[3]),
            saturation: Double(row[4]), sharpness: row[5].isFinite ? Double(row[5]) : nil,
            jpegQuality: row[6].isFinite && row[6] >= 1 && row[6] <= 100 ? Int(row[6]) : nil, isGrayscale: row[7] != 0)
    }
}
