extension DecodedImage {
    /// The image without a `border`-pixel frame on each side, in the same mode — Pillow's
    /// `ImageOps.crop(image, border)` (`image.crop((b, b, w − b, h − b))`). ObjectNet's images
    /// carry a 1-pixel red frame; the ImageNet testbed crops 2 pixels off before preprocessing.
    /// `nil` when nothing would be left (a side ≤ 2 · border): Pillow's crop would be empty and
    /// open_clip could not resize it. A `border` of 0 returns the image itself.
    public func croppingBorder(_ border: Int) -> DecodedImage? {
        precondition(border >= 0, "border must not be negative")
        guard border > 0 else { return self }
        guard width > 2 * border, height > 2 * border else { return nil }
        let bytes = mode.bytesPerPixel
        let newWidth = width - 2 * border, newHeight = height - 2 * border
        var cropped = [UInt8]()
        cropped.reserveCapacity(newWidth * newHeight * bytes)
        for y in border..<(height - border) {
            let start = (y * width + border) * bytes
            cropped += samples[start..<(start + newWidth * bytes)]
        }
        return DecodedImage(width: newWidth, height: newHeight, mode: mode, samples: cropped, palette: palette, warnings: warnings)
    }
}
