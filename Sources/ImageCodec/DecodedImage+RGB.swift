extension DecodedImage {
    /// Pillow's `.convert("RGB")` of this image, byte for byte (libImaging/Convert.c).
    ///
    /// - "1", "L": the value in R, G and B ("1" stores 0/255 already).
    /// - "LA", "RGBA": alpha is dropped, not composited over any background.
    /// - "P": palette lookup; an index past the palette's end gives black, as in Pillow
    ///   (its palette is zero-filled to 256 entries).
    /// - "CMYK": `nk − round(c·nk/255)` per channel with `nk = 255 − k`, using Pillow's
    ///   integer rounding `MULDIV255(a, b) = ((a·b + 128) >> 8 + a·b + 128) >> 8`.
    /// - "I;16": values above 255 saturate to 255 (Pillow does not rescale 16-bit
    ///   grayscale); when any pixel saturates a warning is appended to `warnings`.
    public func convertedToRGB() -> RGBImage {
        let count = width * height
        var pixels = [UInt8](repeating: 0, count: count * 3)
        var warnings = self.warnings
        guard count > 0 else { return RGBImage(width: width, height: height, pixels: [], warnings: warnings) }
        // `samples` is mutable; never read past it if a caller shortened it.
        guard samples.count >= count * mode.bytesPerPixel else {
            warnings.append("image has \(samples.count) sample bytes, \(count * mode.bytesPerPixel) expected; converted as black")
            return RGBImage(width: width, height: height, pixels: pixels, warnings: warnings)
        }
        samples.withUnsafeBufferPointer { input in
            pixels.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!
                let target = output.baseAddress!
                switch mode {
                case .bilevel:
                    for i in 0..<count {
                        let value: UInt8 = source[i] != 0 ? 255 : 0
                        target[3 * i] = value; target[3 * i + 1] = value; target[3 * i + 2] = value
                    }
                case .gray:
                    for i in 0..<count {
                        let value = source[i]
                        target[3 * i] = value; target[3 * i + 1] = value; target[3 * i + 2] = value
                    }
                case .grayAlpha:
                    for i in 0..<count {
                        let value = source[2 * i]
                        target[3 * i] = value; target[3 * i + 1] = value; target[3 * i + 2] = value
                    }
                case .rgb:
                    target.update(from: source, count: count * 3)
                case .rgba:
                    for i in 0..<count {
                        target[3 * i] = source[4 * i]
                        target[3 * i + 1] = source[4 * i + 1]
                        target[3 * i + 2] = source[4 * i + 2]
                    }
                case .cmyk:
                    for i in 0..<count {
                        let inverseBlack = 255 - Int(source[4 * i + 3])
                        for channel in 0..<3 {
                            let product = Int(source[4 * i + channel]) * inverseBlack + 128
                            let scaled = ((product >> 8) + product) >> 8
                            target[3 * i + channel] = UInt8(clamping: inverseBlack - scaled)
                        }
                    }
                case .palette:
                    palette.withUnsafeBufferPointer { colors in
                        let entries = colors.count / 3
                        for i in 0..<count {
                            let index = Int(source[i])
                            guard index < entries else { continue }  // already black
                            target[3 * i] = colors[3 * index]
                            target[3 * i + 1] = colors[3 * index + 1]
                            target[3 * i + 2] = colors[3 * index + 2]
                        }
                    }
                case .gray16:
                    var saturated = false
                    for i in 0..<count {
                        let low = source[2 * i], high = source[2 * i + 1]
                        let value: UInt8 = high == 0 ? low : 255
                        saturated = saturated || high != 0
                        target[3 * i] = value; target[3 * i + 1] = value; target[3 * i + 2] = value
                    }
                    if saturated {
                        warnings.append("16-bit grayscale saturated to 8 bits by Pillow's RGB conversion")
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels, warnings: warnings)
    }
}
