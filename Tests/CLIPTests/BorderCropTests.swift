import Foundation
@testable import ImageCodec
import XCTest
@testable import CLIP

/// ObjectNet's border crop (the ImageNet testbed crops 2 pixels off every side) followed by
/// open_clip's transform, against Pillow's ImageOps.crop + open_clip (border_crop.json,
/// make_border_crop_fixtures.py).
final class BorderCropTests: XCTestCase {
    struct Fixtures: Decodable {
        struct Case: Decodable {
            let name: String, mode: String
            let width: Int, height: Int, size: Int, seed: UInt64, border: Int
            let cropped_width: Int, cropped_height: Int
            let cropped_sha256: String, float_sha256: String
        }
        let cases: [Case]
    }

    func testBorderCropThenPreprocessMatchesPillowAndOpenCLIP() throws {
        let fixtures = try loadJSON(Fixtures.self, "border_crop.json")
        XCTAssertGreaterThanOrEqual(fixtures.cases.count, 5)
        for item in fixtures.cases {
            let mode = try XCTUnwrap(DecodedImage.Mode(rawValue: item.mode), item.name)
            let image = syntheticImage(mode: mode, width: item.width, height: item.height, seed: item.seed)
            let cropped = try XCTUnwrap(image.croppingBorder(item.border), item.name)
            XCTAssertEqual([cropped.width, cropped.height], [item.cropped_width, item.cropped_height], item.name)
            XCTAssertEqual(sha256Hex(cropped.samples), item.cropped_sha256, "cropped pixels differ from Pillow: \(item.name)")
            let config = PreprocessConfig(imageSize: item.size, borderCrop: item.border)
            XCTAssertTrue(config.fits(image), item.name)
            let tensor = Preprocessor.preprocess(image, config: config)
            XCTAssertEqual(sha256Hex(tensor.scalars), item.float_sha256, "floats differ from open_clip: \(item.name)")
        }
    }

    func testTooSmallImagesHaveNothingLeft() {
        let image = DecodedImage(width: 4, height: 9, mode: .gray, samples: [UInt8](repeating: 7, count: 36))
        XCTAssertNil(image.croppingBorder(2))
        XCTAssertFalse(PreprocessConfig(borderCrop: 2).fits(image))
        XCTAssertEqual(image.croppingBorder(0), image)
        XCTAssertTrue(PreprocessConfig().fits(image))
    }

    /// The border is part of the store key; recipes without one keep their ids.
    func testBorderChangesTheRecipeId() throws {
        let plain = PreprocessConfig(), cropped = PreprocessConfig(borderCrop: 2)
        XCTAssertEqual(cropped.id, plain.id + "-border2")
        XCTAssertFalse(PreprocessConfig(borderCrop: -1).isValid)
        let old = try JSONDecoder().decode(PreprocessConfig.self, from: Data(#"{"imageSize": 224, "mean": [0, 0, 0], "std": [1, 1, 1]}"#.utf8))
        XCTAssertEqual(old.borderCrop, 0)
    }
}
