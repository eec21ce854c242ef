import Foundation
@testable import ImageCodec
@testable import Tensor
import XCTest
@testable import CLIP

final class PreprocessingTests: XCTestCase {
    /// Every mode, upscaling, downscaling, extreme aspect ratios, no-resize and 1-pixel images:
    /// the uint8 crop equals Pillow's byte for byte and the floats equal open_clip's bit for bit.
    func testSyntheticImagesMatchPillowAndOpenCLIP() throws {
        let fixtures = try loadJSON(SyntheticFixtures.self, "synthetic.json")
        XCTAssertGreaterThanOrEqual(fixtures.cases.count, 30)
        var modesSeen = Set<DecodedImage.Mode>()
        for item in fixtures.cases {
            let mode = try XCTUnwrap(DecodedImage.Mode(rawValue: item.mode), item.name)
            modesSeen.insert(mode)
            let image = syntheticImage(mode: mode, width: item.width, height: item.height, seed: item.seed)
            let crop = Preprocessor.resizedAndCropped(image, size: item.size)
            XCTAssertEqual(crop.width, item.size, item.name)
            XCTAssertEqual(sha256Hex(crop.pixels), item.crop_sha256, "uint8 crop differs from Pillow: \(item.name)")
            let tensor = Preprocessor.preprocess(image, config: PreprocessConfig(imageSize: item.size))
            XCTAssertEqual(tensor.shape, [3, item.size, item.size], item.name)
            XCTAssertEqual(sha256Hex(tensor.scalars), item.float_sha256, "floats differ from open_clip: \(item.name)")
            if let file = item.floats {
                let expected = try NPY.readTensor(at: PreprocessingPaths.fixtures.appendingPathComponent(file))
                XCTAssertEqual(expected.shape, tensor.shape, item.name)
                let worst = zip(expected.scalars, tensor.scalars).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(worst, 1e-6, item.name)
            }
        }
        XCTAssertEqual(modesSeen, Set(DecodedImage.Mode.allCases), "a mode has no fixture")
    }

    /// Pillow's plain `resize((w, h), BICUBIC)` at 240 random geometries (each axis up, down or
    /// unchanged, any aspect; 8-bit 1/3/4 channels and 16-bit): coefficients, rounding, clipping
    /// and the pass order all have to agree for every byte to match.
    func testResizeMatchesPillowAtRandomGeometries() throws {
        let fixtures = try loadJSON(ResizeFixtures.self, "resize.json")
        XCTAssertEqual(fixtures.cases.count, 240)
        var verticalFirst = 0
        for item in fixtures.cases {
            let mode = try XCTUnwrap(DecodedImage.Mode(rawValue: item.mode))
            let image = syntheticImage(mode: mode, width: item.width, height: item.height, seed: item.seed)
            let plane = PixelPlane(width: item.width, height: item.height, channels: mode.bytesPerPixel, samples: image.samples)
            let whole = (0..<item.out_width, 0..<item.out_height)
            let resized = mode == .gray16
                ? Resampler.resample16(plane, outWidth: item.out_width, outHeight: item.out_height, xWindow: whole.0, yWindow: whole.1)
                : Resampler.resample8(plane, outWidth: item.out_width, outHeight: item.out_height, xWindow: whole.0, yWindow: whole.1)
            XCTAssertEqual(sha256Hex(resized.samples), item.sha256,
                           "\(item.mode) \(item.width)x\(item.height) → \(item.out_width)x\(item.out_height)")
            if Resampler.verticalFirst(inWidth: item.width, inHeight: item.height, outWidth: item.out_width, outHeight: item.out_height) {
                verticalFirst += 1
            }
        }
        XCTAssertGreaterThan(verticalFirst, 20, "the vertical-first order is exercised")
    }

    /// The window resampler (only the crop is computed) equals the whole-image reference twin.
    func testWindowResamplerMatchesReference() {
        var rng = LCG(state: 99)
        for (width, height) in [(1, 1), (7, 33), (33, 7), (257, 7), (7, 257), (33, 33), (5, 1), (1, 9), (37, 91)] {
            for channels in 1...4 {
                let samples = (0..<(width * height * channels)).map { _ in UInt8(rng.next() & 255) }
                let plane = PixelPlane(width: width, height: height, channels: channels, samples: samples)
                for (outWidth, outHeight) in [(1, 1), (7, 7), (33, 17), (width, 13), (11, height), (3 * width, 2 * height), (max(1, width - 1), max(1, height - 9))] {
                    let full = ResamplerReference.resample8(plane, outWidth: outWidth, outHeight: outHeight)
                    let xWindow = (outWidth / 3)..<(outWidth - outWidth / 4)
                    let yWindow = (outHeight / 4)..<(outHeight - outHeight / 3)
                    let window = Resampler.resample8(plane, outWidth: outWidth, outHeight: outHeight, xWindow: xWindow, yWindow: yWindow)
                    let expected = Resampler.crop(full, xRange: xWindow, yRange: yWindow)
                    XCTAssertEqual(window.samples, expected.samples, "\(width)x\(height)x\(channels) → \(outWidth)x\(outHeight)")
                    let whole = Resampler.resample8(plane, outWidth: outWidth, outHeight: outHeight, xWindow: 0..<outWidth, yWindow: 0..<outHeight)
                    XCTAssertEqual(whole.samples, full.samples, "\(width)x\(height)x\(channels) → \(outWidth)x\(outHeight)")
                }
            }
        }
    }

    /// torchvision's sizes and offsets, including Python's half-to-even `round`.
    func testGeometryFollowsTorchvision() {
        let landscape = Preprocessor.Geometry(width: 500, height: 375, size: 224)
        XCTAssertEqual([landscape.resizedWidth, landscape.resizedHeight, landscape.left, landscape.top], [298, 224, 37, 0])
        let portrait = Preprocessor.Geometry(width: 375, height: 500, size: 224)
        XCTAssertEqual([portrait.resizedWidth, portrait.resizedHeight, portrait.left, portrait.top], [224, 298, 0, 37])
        // (225 - 224) / 2 = 0.5 rounds to 0; (227 - 224) / 2 = 1.5 rounds to 2.
        XCTAssertEqual(Preprocessor.Geometry(width: 225, height: 224, size: 224).left, 0)
        XCTAssertEqual(Preprocessor.Geometry(width: 227, height: 224, size: 224).left, 2)
        XCTAssertEqual(Preprocessor.Geometry(width: 229, height: 224, size: 224).left, 2)
        // A crop larger than the image pads (c - d) // 2 in front.
        XCTAssertEqual(Preprocessor.Geometry.cropOffset(5, 8), -1)
        XCTAssertEqual(Preprocessor.Geometry.cropOffset(4, 8), -2)
    }

    /// An image with no pixels does not trap; it gives the black crop.
    func testEmptyImageGivesBlackCrop() {
        let empty = DecodedImage(width: 0, height: 0, mode: .rgb, samples: [])
        let crop = Preprocessor.resizedAndCropped(empty, size: 8)
        XCTAssertEqual(crop.pixels, [UInt8](repeating: 0, count: 8 * 8 * 3))
    }

    func testSixteenBitSaturationIsReported() {
        let image = DecodedImage(width: 2, height: 1, mode: .gray16, samples: [0x2C, 0x01, 10, 0])
        let crop = Preprocessor.resizedAndCropped(image, size: 1)
        XCTAssertTrue(crop.warnings.contains { $0.contains("saturated") })
        let dark = DecodedImage(width: 2, height: 1, mode: .gray16, samples: [10, 0, 20, 0])
        XCTAssertTrue(Preprocessor.resizedAndCropped(dark, size: 1).warnings.isEmpty)
    }

    func testRecipeIdIsStableAndSensitive() {
        let standard = PreprocessConfig()
        XCTAssertTrue(standard.id.hasPrefix("clip-bicubic-224-"))
        XCTAssertEqual(standard.id, PreprocessConfig(imageSize: 224).id)
        XCTAssertNotEqual(standard.id, PreprocessConfig(imageSize: 336).id)
        var nudged = standard
        nudged.mean[2] = nudged.mean[2].nextUp
        XCTAssertNotEqual(standard.id, nudged.id)
        XCTAssertTrue(standard.isValid)
        XCTAssertFalse(PreprocessConfig(std: [1, 0, 1]).isValid)
        XCTAssertFalse(PreprocessConfig(imageSize: 0).isValid)
        XCTAssertFalse(PreprocessConfig(mean: [0.5]).isValid)
    }
}
