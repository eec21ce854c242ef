import Foundation
@testable import ImageCodec
import XCTest
@testable import CLIP

/// End to end on real files: our decoders + our preprocessing against Pillow + open_clip,
/// over the 200 shared ImageNet JPEGs and the shared PngSuite subset (every PNG mode).
final class RealImageTests: XCTestCase {
    func check(_ fixtureName: String, sizes: [Int]) throws {
        let fixtures = try loadJSON(ImageFixtures.self, fixtureName)
        let folder = PreprocessingPaths.sharedImages.appendingPathComponent(fixtures.folder)
        XCTAssertGreaterThan(fixtures.images.count, 100)
        var failures: [String] = []
        for item in fixtures.images {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(item.file)))
            let image: DecodedImage
            do {
                image = try ImageFile.decode(bytes)
            } catch {
                failures.append("\(item.file): decode threw \(error)")
                continue
            }
            XCTAssertEqual(image.mode.rawValue, item.mode, item.file)
            if sha256Hex(image.convertedToRGB().pixels) != item.rgb_sha256 { failures.append("\(item.file): decoded RGB") }
            for size in sizes {
                let (crop, floats) = size == 224
                    ? (item.crop224_sha256, item.float224_sha256) : (item.crop32_sha256 ?? "", item.float32_sha256 ?? "")
                if sha256Hex(Preprocessor.resizedAndCropped(image, size: size).pixels) != crop {
                    failures.append("\(item.file): crop \(size)")
                }
                let tensor = Preprocessor.preprocess(image, config: PreprocessConfig(imageSize: size))
                if sha256Hex(tensor.scalars) != floats { failures.append("\(item.file): floats \(size)") }
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) mismatches against Pillow/open_clip")
    }

    func testImageNetJPEGsMatchPillowAndOpenCLIP() throws {
        try check("imagenet200.json", sizes: [224])
    }

    func testPngSuiteMatchesPillowAndOpenCLIP() throws {
        try check("pngsuite.json", sizes: [224, 32])
    }
}
