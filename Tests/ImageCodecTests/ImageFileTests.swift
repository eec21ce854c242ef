import Foundation
import XCTest
@testable import ImageCodec

final class ImageFileTests: XCTestCase {
    func testSniffsAndDispatches() throws {
        let png = try PNGFixtures.bytes(PNGFixtures.pngSuite.appendingPathComponent("basn2c08.png"))
        XCTAssertEqual(ImageFile.sniff(png), .png)
        XCTAssertEqual(try ImageFile.decode(png), try PNGDecoder.decode(png))

        let jpegFolder = PNGFixtures.packageRoot.appendingPathComponent("../shared/data/images/imagenet-sample-200").standardized
        let jpegName = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: jpegFolder.path).sorted().first {
            $0.lowercased().hasSuffix(".jpeg") || $0.lowercased().hasSuffix(".jpg")
        })
        let jpeg = try PNGFixtures.bytes(jpegFolder.appendingPathComponent(jpegName))
        XCTAssertEqual(ImageFile.sniff(jpeg), .jpeg)
        XCTAssertEqual(try ImageFile.decode(jpeg), try JPEGDecoder.decode(jpeg))

        PNGFixtures.assertError("unknown-format") { try ImageFile.decode(Array("GIF89a".utf8)) }
        PNGFixtures.assertError("unknown-format") { try ImageFile.decode([]) }
        PNGFixtures.assertError("unknown-format") { try ImageFile.decode([0xFF, 0xD8]) }
        PNGFixtures.assertError("too-large") { try ImageFile.decode(png, limits: DecodingLimits(maxPixels: 1000)) }
    }
}
