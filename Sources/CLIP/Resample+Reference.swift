/// The plain twin of `Resampler`: Pillow's whole-image two-pass resize, written the way
/// Resample.c reads (horizontal pass over every row, then the vertical pass, taps summed
/// per pixel). Slow; the tests compare the window resampler against it on odd sizes.
enum ResamplerReference {
    /// Pillow's `Image.resize((outWidth, outHeight), BICUBIC)` of an 8-bit plane.
    static func resample8(_ source: PixelPlane, outWidth: Int, outHeight: Int) -> PixelPlane {
        var image = source
        let half = Int32(1) << (Resample.precisionBits - 1)
        if outWidth != image.width {
            let axis = Resample.Axis(inSize: image.width, outSize: outWidth, window: 0..<outWidth)
            var out = [UInt8](repeating: 0, count: outWidth * image.height * image.channels)
            for y in 0..<image.height {
                for xx in 0..<outWidth {
                    for c in 0..<image.channels {
                        var sum = half
                        for x in 0..<axis.count[xx] {
                            let sample = image.samples[(y * image.width + axis.first[xx] + x) * image.channels + c]
                            sum += Int32(sample) * axis.fixed[xx * axis.taps + x]
                        }
                        out[(y * outWidth + xx) * image.channels + c] = Resample.clip8(sum)
                    }
                }
            }
            image = PixelPlane(width: outWidth, height: image.height, channels: image.channels, samples: out)
        }
        if outHeight != image.height {
            let axis = Resample.Axis(inSize: image.height, outSize: outHeight, window: 0..<outHeight)
            var out = [UInt8](repeating: 0, count: image.width * outHeight * image.channels)
            for yy in 0..<outHeight {
                for x in 0..<image.width {
                    for c in 0..<image.channels {
                        var sum = half
                        for y in 0..<axis.count[yy] {
                            let sample = image.samples[((axis.first[yy] + y) * image.width + x) * image.channels + c]
                            sum += Int32(sample) * axis.fixed[yy * axis.taps + y]
                        }
                        out[(yy * image.width + x) * image.channels + c] = Resample.clip8(sum)
                    }
                }
            }
            image = PixelPlane(width: image.width, height: outHeight, channels: image.channels, samples: out)
        }
        return image
    }
}
