import Foundation
import XCTest
@testable import ImageCodec
@testable import Support

/// Round trips through our decoder, and golden files checked by Pillow.
///
/// Re-recording: `SHIFTLENS_RECORD_PNG_FIXTURES=1 swift test --filter PNGEncoderTests` writes
/// Fixtures/png/encoder/, then `python3 Tests/ImageCodecTests/Fixtures/png/make_png_fixtures.py
/// --check-encoder` records what Pillow and Python's gzip read from them in encoder.json.
final class PNGEncoderTests: XCTestCase {
    static func deterministicText() -> [UInt8] {
        var generator = SplitMix64(seed: 3)
        let words = ["shift", "lens", "clip", "robust", "feature", "outlier", "privileged", "direction", "concept"]
        var text = [UInt8]()
        for _ in 0..<6000 { text += Array(words[Int(generator.next() % UInt64(words.count))].utf8) + [0x20] }
        return text
    }

    /// Deterministic images of every mode the encoder writes, keyed by fixture file name.
    static func images() -> [(String, DecodedImage)] {
        var generator = SplitMix64(seed: 11)
        func noise(_ amplitude: Int) -> Int { Int(generator.next() % UInt64(2 * amplitude + 1)) - amplitude }
        var photo = [UInt8]()
        let (width, height) = (160, 120)
        for y in 0..<height {
            for x in 0..<width {
                photo.append(UInt8(clamping: 128 + Int(100 * sin(Double(x) / 17)) + noise(2)))
                photo.append(UInt8(clamping: (x + 2 * y) / 2 + noise(3)))
                photo.append(UInt8(clamping: 255 - y * 2 + noise(1)))
            }
        }
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) } }
        return [
            ("rgb_photo.png", DecodedImage(width: width, height: height, mode: .rgb, samples: photo)),
            ("rgb_random_odd.png", DecodedImage(width: 37, height: 23, mode: .rgb, samples: random(37 * 23 * 3))),
            ("gray_ramp.png", DecodedImage(width: 33, height: 17, mode: .gray, samples: (0..<(33 * 17)).map { UInt8(($0 * 7) % 256) })),
            ("la_random.png", DecodedImage(width: 9, height: 7, mode: .grayAlpha, samples: random(9 * 7 * 2))),
            ("rgba_random.png", DecodedImage(width: 11, height: 5, mode: .rgba, samples: random(11 * 5 * 4))),
            ("palette.png", DecodedImage(width: 10, height: 6, mode: .palette, samples: (0..<60).map { UInt8($0 % 5) },
                                         palette: random(15))),
            ("gray16.png", DecodedImage(width: 6, height: 4, mode: .gray16, samples: random(48))),
            ("bilevel.png", DecodedImage(width: 13, height: 3, mode: .bilevel, samples: (0..<39).map { $0 % 3 == 0 ? 255 : 0 })),
            ("one_pixel.png", DecodedImage(width: 1, height: 1, mode: .rgb, samples: [1, 2, 3])),
        ]
    }

    func testRecordFixturesWhenAsked() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_RECORD_PNG_FIXTURES"] == "1" else {
            throw XCTSkip("re-recording only: set SHIFTLENS_RECORD_PNG_FIXTURES=1")
        }
        let folder = PNGFixtures.folder.appendingPathComponent("encoder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, image) in PNGEncoderTests.images() {
            try Data(try PNGEncoder.encode(image)).write(to: folder.appendingPathComponent(name))
        }
        try Data(Deflate.gzip(PNGEncoderTests.deterministicText(), level: 9)).write(to: folder.appendingPathComponent("text.gz"))
    }

    func testRoundTripThroughOurDecoder() throws {
        for (name, image) in PNGEncoderTests.images() {
            for level in [0, 6] {
                let decoded = try PNGDecoder.decode(try PNGEncoder.encode(image, level: level))
                XCTAssertEqual(decoded, image, "\(name) level \(level)")
            }
        }
        let rgb = RGBImage(width: 3, height: 2, pixels: Array(0..<18))
        let decoded = try PNGDecoder.decode(try PNGEncoder.encode(rgb))
        XCTAssertEqual(decoded.convertedToRGB(), rgb)
        XCTAssertThrowsError(try PNGEncoder.encode(RGBImage(width: 0, height: 5, pixels: [])))
        XCTAssertThrowsError(try PNGEncoder.encode(DecodedImage(width: 1, height: 1, mode: .cmyk, samples: [0, 0, 0, 0])))
        var shortened = rgb
        shortened.pixels.removeLast()
        PNGFixtures.assertError("unsupported") { try PNGEncoder.encode(shortened) }
        var gray = DecodedImage(width: 2, height: 2, mode: .gray, samples: [1, 2, 3, 4])
        gray.samples.removeLast()
        PNGFixtures.assertError("unsupported") { try PNGEncoder.encode(gray) }
        XCTAssertEqual(gray.convertedToRGB().pixels, [UInt8](repeating: 0, count: 12))
        XCTAssertEqual(gray.convertedToRGB().warnings.count, 1)
    }

    func testEncodedFilesDecodeIdenticallyInPillow() throws {
        let table = try PNGFixtures.table("encoder.json")
        for (name, image) in PNGEncoderTests.images() {
            let stored = try PNGFixtures.bytes(PNGFixtures.folder.appendingPathComponent("encoder").appendingPathComponent(name))
            XCTAssertTrue(try PNGEncoder.encode(image) == stored, "\(name): encoder output changed; re-record (see the type's doc comment)")
            let pillow = try XCTUnwrap(table[name], name)
            XCTAssertEqual(pillow["file_sha256"] as? String, SHA256.hex(stored), "\(name): encoder.json is stale; re-run --check-encoder")
            XCTAssertEqual(pillow["mode"] as? String, image.mode.rawValue, name)
            XCTAssertEqual(pillow["samples_sha256"] as? String, SHA256.hex(image.samples), name)
            XCTAssertEqual(pillow["rgb_sha256"] as? String, SHA256.hex(image.convertedToRGB().pixels), name)
        }
    }

    func testFilterChoiceHelpsSmoothImages() throws {
        let photo = PNGEncoderTests.images()[0].1
        let encoded = try PNGEncoder.encode(photo)
        XCTAssertLessThan(encoded.count, photo.samples.count / 2)
    }

    /// Our gzip output as read by Python's gzip module (sha256 recorded by the fixture script).
    func testGzipOutputReadByPython() throws {
        let table = try PNGFixtures.table("encoder.json")
        let text = PNGEncoderTests.deterministicText()
        let stored = try PNGFixtures.bytes(PNGFixtures.folder.appendingPathComponent("encoder/text.gz"))
        XCTAssertTrue(Deflate.gzip(text, level: 9) == stored, "encoder output changed: re-record (see PNGEncoderTests)")
        XCTAssertEqual(table["text.gz"]?["sha256"] as? String, SHA256.hex(text))
        XCTAssertEqual(table["text.gz"]?["file_sha256"] as? String, SHA256.hex(stored), "encoder.json is stale")
    }
}
