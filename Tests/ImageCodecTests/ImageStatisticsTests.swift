import Foundation
import XCTest
@testable import ImageCodec

/// `ImageStatistics` against Pillow + numpy (`Fixtures/make_image_statistics.py`).
final class ImageStatisticsTests: XCTestCase {
    static let fixture = PNGFixtures.packageRoot.appendingPathComponent("Tests/ImageCodecTests/Fixtures/image-statistics.json")

    static func file(_ key: String) -> URL {
        if key.hasPrefix("jpeg-variants/") {
            return PNGFixtures.packageRoot.appendingPathComponent("Tests/ImageCodecTests/Fixtures").appendingPathComponent(key)
        }
        return PNGFixtures.packageRoot.appendingPathComponent("../shared/data/images").appendingPathComponent(key).standardized
    }

    static func measure(_ bytes: [UInt8]) throws -> ImageStatistics {
        ImageStatistics(try ImageFile.decode(bytes), layout: try ImageFile.layout(bytes))
    }

    /// Every statistic of 217 files (JPEG gray/RGB/CMYK, 1×1 to 600 px, PNG gray/palette/alpha/16-bit).
    /// Sums are exact integers on both sides; what is left is one division and one square root in
    /// float64, so 1e-12 relative (1e-15 absolute near 0) is the rounding of float64, not a tolerance
    /// for a different computation. The pixels themselves are bit-exact with Pillow's (JPEGDecoderTests).
    func testMatchesPillowAndNumpy() throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any]
        let files = try XCTUnwrap(object?["files"] as? [String: [String: Any]])
        XCTAssertEqual(files.count, 217)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-15 + 1e-12 * abs(b) }
        for (key, expected) in files.sorted(by: { $0.key < $1.key }) {
            let stats = try Self.measure([UInt8](try Data(contentsOf: Self.file(key))))
            XCTAssertEqual(stats.width, expected["width"] as? Int, key)
            XCTAssertEqual(stats.height, expected["height"] as? Int, key)
            for (name, value) in [("brightness", stats.brightness), ("contrast", stats.contrast), ("saturation", stats.saturation)] {
                let want = try XCTUnwrap(expected[name] as? Double, key)
                XCTAssertTrue(close(value, want), "\(key) \(name): \(value) vs \(want)")
            }
            if let want = expected["sharpness"] as? Double {
                XCTAssertTrue(close(try XCTUnwrap(stats.sharpness, key), want), "\(key) sharpness: \(stats.sharpness ?? .nan) vs \(want)")
            } else {
                XCTAssertNil(stats.sharpness, key)
            }
            XCTAssertEqual(stats.jpegQuality, expected["jpeg_quality"] as? Int, key)
            XCTAssertEqual(stats.isGrayscale, expected["grayscale"] as? Bool, key)
        }
    }

    /// The tables libjpeg writes at quality q (saved by Pillow) give q back.
    func testQualityOfLibjpegTablesIsExact() throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any]
        let written = try XCTUnwrap(object?["libjpeg_written_tables"] as? [String: [String: [Int]]])
        XCTAssertEqual(written.count, 10)
        for (quality, tables) in written {
            let slots: [[Int]?] = [tables["0"], tables["1"]]
            XCTAssertEqual(ImageStatistics.jpegQuality(tables: slots), Int(quality), quality)
        }
        XCTAssertNil(ImageStatistics.jpegQuality(tables: []))
    }

    /// A cache row gives back the statistics, rounded to float32; nil becomes NaN and back.
    func testRowRoundTrip() throws {
        let stats = ImageStatistics(width: 640, height: 480, brightness: 0.25, contrast: 0.125, saturation: 0.5, sharpness: nil,
                                    jpegQuality: 87, isGrayscale: true)
        XCTAssertEqual(ImageStatistics(row: stats.row), stats)
        var png = stats
        png.jpegQuality = nil
        png.sharpness = 0.0078125
        XCTAssertEqual(ImageStatistics(row: png.row), png)
        XCTAssertNil(ImageStatistics(row: [1, 2, 3]))
        XCTAssertEqual(stats.aspectRatio, 640.0 / 480.0)
    }
}
