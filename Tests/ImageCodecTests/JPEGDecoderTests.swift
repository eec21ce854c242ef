import Foundation
import XCTest
@testable import ImageCodec
@testable import Support

/// Locations of the test data: the package root is the nearest folder above this file
/// holding Package.swift; shared data sits beside it (`<root>/../shared/data`).
enum JPEGTestData {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let fixtures = packageRoot.appendingPathComponent("Tests/ImageCodecTests/Fixtures")
    static let imagenet = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/images/imagenet-sample-200")

    struct PillowResult: Decodable {
        let mode: String?
        let width: Int?
        let height: Int?
        let sha256: String?
        let error: String?
    }

    struct ImageEntry: Decodable {
        let file: String
        let mode: String
        let width: Int
        let height: Int
        let sha256: String
    }

    struct ImageTable: Decodable {
        let images: [ImageEntry]
    }

    struct VariantEntry: Decodable {
        let file: String
        let expect: String
        let note: String
        let pillow: PillowResult
    }

    struct VariantTable: Decodable {
        let variants: [VariantEntry]
    }

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}

final class JPEGDecoderTests: XCTestCase {
    /// Every image of the shared ImageNet sample decodes to Pillow's exact pixels.
    func testImageNetSampleMatchesPillow() throws {
        let table = try JPEGTestData.load(JPEGTestData.ImageTable.self, "jpeg-imagenet-checksums.json")
        XCTAssertEqual(table.images.count, 200)
        var mismatches: [String] = []
        for entry in table.images {
            let bytes = try JPEGTestData.bytes(JPEGTestData.imagenet.appendingPathComponent(entry.file))
            do {
                let image = try JPEGDecoder.decode(bytes)
                let digest = SHA256.hex(image.samples)
                if image.mode.rawValue != entry.mode || image.width != entry.width || image.height != entry.height
                    || digest != entry.sha256 {
                    mismatches.append("\(entry.file): got \(image.mode.rawValue) \(image.width)×\(image.height) \(digest)")
                }
            } catch {
                mismatches.append("\(entry.file): \(error)")
            }
        }
        XCTAssert(mismatches.isEmpty, "pixels differ from Pillow for:\n" + mismatches.joined(separator: "\n"))
    }

    /// Sampling factors, odd sizes, progressive, restarts, colour spaces, and the refused variants.
    func testVariantsMatchPillow() throws {
        let table = try JPEGTestData.load(JPEGTestData.VariantTable.self, "jpeg-variants.json")
        XCTAssertGreaterThan(table.variants.count, 90)
        var failures: [String] = []
        for entry in table.variants {
            let bytes = try JPEGTestData.bytes(JPEGTestData.fixtures.appendingPathComponent("jpeg-variants/\(entry.file)"))
            do {
                let image = try JPEGDecoder.decode(bytes)
                guard entry.expect == "ok" else {
                    failures.append("\(entry.file) (\(entry.note)): decoded, expected \(entry.expect)")
                    continue
                }
                let digest = SHA256.hex(image.samples)
                if image.mode.rawValue != entry.pillow.mode || image.width != entry.pillow.width
                    || image.height != entry.pillow.height || digest != entry.pillow.sha256 {
                    failures.append("\(entry.file) (\(entry.note)): got \(image.mode.rawValue) \(image.width)×\(image.height) \(digest)")
                }
            } catch let error as ImageCodecError {
                if error.code != entry.expect {
                    failures.append("\(entry.file) (\(entry.note)): \(error), expected \(entry.expect)")
                }
            }
        }
        XCTAssert(failures.isEmpty, "variants failing:\n" + failures.joined(separator: "\n"))
    }

    func testUnsupportedVariantsNameTheVariant() throws {
        let arithmetic = try JPEGTestData.bytes(JPEGTestData.fixtures.appendingPathComponent("jpeg-variants/sealyham-arithmetic.jpg"))
        XCTAssertThrowsError(try JPEGDecoder.decode(arithmetic)) { error in
            XCTAssertEqual(error as? ImageCodecError, .unsupported("unsupported JPEG variant: arithmetic coding (SOF9)"))
        }
        let twelveBit = try JPEGTestData.bytes(JPEGTestData.fixtures.appendingPathComponent("jpeg-variants/sealyham-12bit.jpg"))
        XCTAssertThrowsError(try JPEGDecoder.decode(twelveBit)) { error in
            XCTAssertEqual(error as? ImageCodecError, .unsupported("unsupported JPEG variant: 12-bit samples"))
        }
    }

    func testPixelLimitIsCheckedBeforeDecoding() throws {
        let bytes = try JPEGTestData.bytes(JPEGTestData.fixtures.appendingPathComponent("jpeg-variants/tench-420.jpg"))
        let image = try JPEGDecoder.decode(bytes)
        let limit = image.width * image.height - 1
        XCTAssertThrowsError(try JPEGDecoder.decode(bytes, limits: DecodingLimits(maxPixels: limit))) { error in
            XCTAssertEqual(error as? ImageCodecError, .tooLarge(width: image.width, height: image.height, limit: limit))
        }
        XCTAssertNoThrow(try JPEGDecoder.decode(bytes, limits: DecodingLimits(maxPixels: limit + 1)))
    }

    func testNonJPEGIsUnknownFormat() {
        XCTAssertThrowsError(try JPEGDecoder.decode([])) { XCTAssertEqual($0 as? ImageCodecError, .unknownFormat) }
        XCTAssertThrowsError(try JPEGDecoder.decode(Array("\u{89}PNG\r\n".utf8))) {
            XCTAssertEqual($0 as? ImageCodecError, .unknownFormat)
        }
    }
}
