import ImageCodec
import Support
import Tensor
import Weights

/// The preprocessing recipe of a CLIP image encoder.
///
/// Matches open_clip's inference transform (`image_transform(size, is_train=False)`,
/// resize mode "shortest", bicubic): resize the shorter side to `imageSize`, centre-crop
/// `imageSize × imageSize`, then normalise each channel with `mean`/`std`.
public struct PreprocessConfig: Codable, Sendable, Equatable {
    /// The shorter side is resized to this, then the centre `imageSize × imageSize` is kept.
    public var imageSize: Int = 224
    /// Per-channel (R, G, B) mean subtracted after scaling to 0…1.
    public var mean: [Float] = CLIPConfig.openAIMean
    /// Per-channel (R, G, B) divisor applied after the mean.
    public var std: [Float] = CLIPConfig.openAIStd
    /// Pixels cropped off every side of the image before anything else (`DecodedImage.croppingBorder`);
    /// 0 for every dataset but ObjectNet, which the ImageNet testbed evaluates with 2.
    public var borderCrop: Int = 0

    public init(imageSize: Int = 224, mean: [Float] = CLIPConfig.openAIMean, std: [Float] = CLIPConfig.openAIStd, borderCrop: Int = 0) {
        self.imageSize = imageSize
        self.mean = mean
        self.std = std
        self.borderCrop = borderCrop
    }

    /// Reads recipes written before `border_crop` existed (no key: 0).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        imageSize = try container.decode(Int.self, forKey: .imageSize)
        mean = try container.decode([Float].self, forKey: .mean)
        std = try container.decode([Float].self, forKey: .std)
        borderCrop = try container.decodeIfPresent(Int.self, forKey: .borderCrop) ?? 0
    }

    enum CodingKeys: String, CodingKey { case imageSize, mean, std, borderCrop }

    /// The recipe of a model configuration (its image size and normalisation).
    public init(_ config: CLIPConfig) {
        self.init(imageSize: config.vision.imageSize, mean: config.imageMean, std: config.imageStd)
    }

    /// Whether `Preprocessor` can run this recipe: a positive size (at most 16384),
    /// three finite means and three finite, non-zero standard deviations, a border crop of 0…64.
    public var isValid: Bool {
        (1...16384).contains(imageSize) && mean.count == 3 && std.count == 3
            && mean.allSatisfy(\.isFinite) && std.allSatisfy { $0.isFinite && $0 != 0 } && (0...64).contains(borderCrop)
    }

    /// A short stable id of the whole recipe, part of the embedding-store key:
    /// `clip-bicubic-<size>-<first 12 hex digits of SHA-256 of the mean and std float32 bits>`,
    /// followed by `-border<n>` when a border is cropped (recipes without one keep their ids).
    /// Any change of size, mean, std (even in the last bit) or border changes the id.
    public var id: String {
        var bytes: [UInt8] = Array("mean".utf8)
        for value in mean { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        bytes += Array("std".utf8)
        for value in std { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return "clip-bicubic-\(imageSize)-" + String(SHA256.hex(bytes).prefix(12)) + (borderCrop > 0 ? "-border\(borderCrop)" : "")
    }

    /// Whether `image` is large enough for the border crop (every side > 2 · `borderCrop`);
    /// callers skip smaller images with this reason instead of encoding a black square.
    public func fits(_ image: DecodedImage) -> Bool {
        image.width > 2 * borderCrop && image.height > 2 * borderCrop
    }
}

/// open_clip's image preprocessing, bit-exact with open_clip 3.3 + torchvision + Pillow.
///
/// The steps and the facts they reproduce:
/// 0. **Border crop** (only when `PreprocessConfig.borderCrop` > 0, i.e. ObjectNet): Pillow's
///    `ImageOps.crop(image, border)` in the native mode, before open_clip's transform.
/// 1. **Resize** the shorter side to `size` (torchvision `Resize(size)`): the longer side
///    becomes `Int(Double(size * long) / Double(short))` (Python's `int()` truncation), and
///    the image is left alone when that equals its size. Pillow resizes in the image's own
///    mode: bicubic with antialiasing for "L", "RGB", "CMYK"; premultiplied alpha for "LA"
///    and "RGBA"; 16-bit doubles for "I;16"; nearest neighbour for "1" and "P". The two
///    separable passes round to 8 bits in between, so their order matters: Pillow 13 runs
///    the vertical one first for images more than twice as tall as wide (`Resampler.verticalFirst`).
/// 2. **Centre crop** `size × size` with torchvision's offsets (`round()` is half-to-even);
///    a side shorter than the crop is zero-padded (torchvision pads `(c - d) // 2` before).
///    With shortest-side resizing that cannot happen; the padding is kept for completeness.
/// 3. **convert("RGB")** from the native mode (`DecodedImage.convertedToRGB()`: "I;16"
///    saturates at 255, palette indices beyond the palette are black, alpha is dropped).
/// 4. **ToTensor + Normalize** in float32: `(Float(v) / 255 - mean[c]) / std[c]`, CHW.
///
/// Only the cropped window of the resized image is computed: every output pixel of
/// Pillow's separable resize depends on its own coefficients only, so the values equal
/// those of a full resize followed by a crop. EXIF orientation is *not* applied, as
/// open_clip does not apply it either (a rotated photo is encoded rotated).
public enum Preprocessor {
    /// open_clip's `preprocess` (image_transform, resize_mode "shortest"): Resize(size, BICUBIC)
    /// → CenterCrop(size) → convert("RGB") → ToTensor → Normalize. Output (3, size, size)
    /// float32, CHW; equal to open_clip's output (the tests require ≤ 1e-6 per value and in
    /// fact see bit-identical floats on every fixture and on all 200 shared ImageNet JPEGs).
    /// `config` must be valid (`PreprocessConfig.isValid`); an image with no pixels (or none
    /// left by the border crop, see `PreprocessConfig.fits`) gives the normalised black crop.
    public static func preprocess(_ image: DecodedImage, config: PreprocessConfig) -> Tensor {
        precondition(config.isValid, "invalid preprocessing recipe (check PreprocessConfig.isValid first)")
        let size = config.imageSize
        let source = image.croppingBorder(config.borderCrop)
            ?? DecodedImage(width: 0, height: 0, mode: image.mode, samples: [], palette: image.palette, warnings: image.warnings)
        let rgb = resizedAndCropped(source, size: size)
        var scalars = [Float](repeating: 0, count: 3 * size * size)
        let plane = size * size
        rgb.pixels.withUnsafeBufferPointer { pixels in
            scalars.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                for channel in 0..<3 {
                    let mean = config.mean[channel]
                    let std = config.std[channel]
                    // ToTensor divides by 255, Normalize subtracts then divides, all in float32.
                    var lookup = [Float](repeating: 0, count: 256)
                    for value in 0..<256 { lookup[value] = (Float(value) / 255 - mean) / std }
                    lookup.withUnsafeBufferPointer { table in
                        let target = base + channel * plane
                        for i in 0..<plane { target[i] = table[Int(pixels[i * 3 + channel])] }
                    }
                }
            }
        }
        return Tensor(shape: [3, size, size], scalars: scalars)
    }

    /// Bytes `preprocess` holds beyond the decoded image for an image of this size and mode:
    /// the alpha-premultiplied copy of the whole image ("RGBA", "LA") and the first resize
    /// pass (crop size × the longer side). Added to `ImageFile.Layout.memoryNeeded` when
    /// reserving memory for decode + preprocess.
    public static func memoryNeeded(width: Int, height: Int, mode: DecodedImage.Mode, size: Int) -> Int {
        let bytesPerPixel = mode.bytesPerPixel
        let premultiplied = mode == .rgba || mode == .grayAlpha ? width * height * bytesPerPixel : 0
        return premultiplied + size * max(width, height, size) * bytesPerPixel * 2 + 3 * size * size * 4
    }

    /// The uint8 RGB image after resize + crop + convert (before ToTensor/Normalize), for fidelity
    /// tooling: equal byte for byte to `CenterCrop(size)(Resize(size, BICUBIC)(img)).convert("RGB")`.
    /// Carries the image's warnings, plus one when "I;16" samples above 255 were saturated.
    static func resizedAndCropped(_ image: DecodedImage, size: Int) -> RGBImage {
        precondition(size > 0, "crop size must be positive")
        let geometry = Geometry(width: image.width, height: image.height, size: size)
        let native = croppedNative(image, geometry: geometry)
        let cropped = DecodedImage(
            width: size, height: size, mode: image.mode, samples: native.samples, palette: image.palette, warnings: image.warnings)
        return cropped.convertedToRGB()
    }

    /// Where the resize and crop land for an image of `width × height`.
    struct Geometry: Equatable {
        var resizedWidth: Int
        var resizedHeight: Int
        /// Offset of the crop in the resized image; negative when the crop is padded on that side.
        var left: Int
        var top: Int
        var size: Int

        init(width: Int, height: Int, size: Int) {
            self.size = size
            if width <= 0 || height <= 0 {
                // Nothing to resize; the crop is all padding.
                resizedWidth = max(width, 0)
                resizedHeight = max(height, 0)
            } else {
                // torchvision `_compute_resized_output_size`: int(size * long / short) in Python floats.
                let short = min(width, height), long = max(width, height)
                let (product, overflow) = size.multipliedReportingOverflow(by: long)
                let newLong = overflow ? Int.max : Int(Double(product) / Double(short))
                if width <= height {
                    resizedWidth = size
                    resizedHeight = newLong
                } else {
                    resizedWidth = newLong
                    resizedHeight = size
                }
            }
            left = Geometry.cropOffset(resizedWidth, size)
            top = Geometry.cropOffset(resizedHeight, size)
        }

        /// torchvision `center_crop`: pad `(c - d) // 2` in front when too small, else
        /// `int(round((d - c) / 2.0))` with Python's half-to-even rounding.
        static func cropOffset(_ length: Int, _ crop: Int) -> Int {
            if crop > length { return -((crop - length) / 2) }
            return Int((Double(length - crop) / 2).rounded(.toNearestOrEven))
        }
    }

    /// The `size × size` crop of the resized image, still in the image's own mode.
    static func croppedNative(_ image: DecodedImage, geometry: Geometry) -> PixelPlane {
        let size = geometry.size
        let bpp = image.mode.bytesPerPixel
        let xWindow = max(0, geometry.left)..<min(geometry.resizedWidth, geometry.left + size)
        let yWindow = max(0, geometry.top)..<min(geometry.resizedHeight, geometry.top + size)
        var canvas = PixelPlane(width: size, height: size, channels: bpp, samples: [UInt8](repeating: 0, count: size * size * bpp))
        guard !xWindow.isEmpty, !yWindow.isEmpty, image.width > 0, image.height > 0 else { return canvas }
        let source = PixelPlane(width: image.width, height: image.height, channels: bpp, samples: image.samples)
        let outWidth = geometry.resizedWidth, outHeight = geometry.resizedHeight
        let window: PixelPlane
        if outWidth == image.width && outHeight == image.height {
            // torchvision skips the resize (and Pillow's alpha premultiplication with it).
            window = Resampler.crop(source, xRange: xWindow, yRange: yWindow)
        } else {
            switch image.mode {
            case .bilevel, .palette:
                window = Resampler.nearest(source, outWidth: outWidth, outHeight: outHeight, xWindow: xWindow, yWindow: yWindow)
            case .gray, .rgb, .cmyk:
                window = Resampler.resample8(source, outWidth: outWidth, outHeight: outHeight, xWindow: xWindow, yWindow: yWindow)
            case .grayAlpha, .rgba:
                var resized = Resampler.resample8(
                    premultiplied(source), outWidth: outWidth, outHeight: outHeight, xWindow: xWindow, yWindow: yWindow)
                unpremultiply(&resized)
                window = resized
            case .gray16:
                window = Resampler.resample16(source, outWidth: outWidth, outHeight: outHeight, xWindow: xWindow, yWindow: yWindow)
            }
        }
        // Place the window where the crop puts it; the rest is Pillow's zero padding.
        let dx = xWindow.lowerBound - geometry.left, dy = yWindow.lowerBound - geometry.top
        let rowBytes = window.width * bpp
        for row in 0..<window.height {
            let target = ((dy + row) * size + dx) * bpp
            canvas.samples.replaceSubrange(target..<(target + rowBytes), with: window.samples[(row * rowBytes)..<((row + 1) * rowBytes)])
        }
        return canvas
    }

    /// Pillow's "RGBA" → "RGBa" / "LA" → "La": colour × alpha with `MULDIV255` rounding.
    static func premultiplied(_ plane: PixelPlane) -> PixelPlane {
        var out = plane
        let channels = plane.channels
        out.samples.withUnsafeMutableBufferPointer { samples in
            var i = 0
            while i < samples.count {
                let alpha = UInt32(samples[i + channels - 1])
                for c in 0..<(channels - 1) {
                    let t = UInt32(samples[i + c]) * alpha + 128
                    samples[i + c] = UInt8(truncatingIfNeeded: ((t >> 8) + t) >> 8)
                }
                i += channels
            }
        }
        return out
    }

    /// Pillow's "RGBa" → "RGBA" / "La" → "LA": colour × 255 / alpha (truncating, clipped),
    /// untouched when alpha is 0 or 255.
    static func unpremultiply(_ plane: inout PixelPlane) {
        let channels = plane.channels
        plane.samples.withUnsafeMutableBufferPointer { samples in
            var i = 0
            while i < samples.count {
                let alpha = UInt32(samples[i + channels - 1])
                if alpha != 0 && alpha != 255 {
                    for c in 0..<(channels - 1) {
                        samples[i + c] = UInt8(min(255, 255 * UInt32(samples[i + c]) / alpha))
                    }
                }
                i += channels
            }
        }
    }
}
