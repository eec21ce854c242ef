import Foundation
import XCTest
@testable import ImageCodec
@testable import Support

final class PNGDecoderTests: XCTestCase {
    /// Compares one decoded file with the checksums Pillow recorded for it.
    private func check(_ name: String, bytes: [UInt8], expected: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        if let pillowError = expected["error"] as? String {
            XCTAssertThrowsError(try PNGDecoder.decode(bytes), "\(name): Pillow fails (\(pillowError))", file: file, line: line) {
                XCTAssertTrue($0 is ImageCodecError, "\(name): \($0)", file: file, line: line)
            }
            return
        }
        do {
            let image = try PNGDecoder.decode(bytes)
            XCTAssertEqual(image.mode.rawValue, expected["mode"] as? String, name, file: file, line: line)
            XCTAssertEqual(image.width, expected["width"] as? Int, name, file: file, line: line)
            XCTAssertEqual(image.height, expected["height"] as? Int, name, file: file, line: line)
            XCTAssertEqual(SHA256.hex(image.samples), expected["samples_sha256"] as? String, "\(name) samples", file: file, line: line)
            if image.mode == .palette {
                XCTAssertEqual(image.palette, PNGFixtures.hex(expected["palette"] as? String ?? ""), "\(name) palette", file: file, line: line)
            } else {
                XCTAssertEqual(image.palette, [], name, file: file, line: line)
            }
            let rgb = image.convertedToRGB()
            XCTAssertEqual(SHA256.hex(rgb.pixels), expected["rgb_sha256"] as? String, "\(name) RGB", file: file, line: line)
        } catch {
            XCTFail("\(name): \(error)", file: file, line: line)
        }
    }

    func testPngSuiteMatchesPillow() throws {
        let table = try PNGFixtures.table("pngsuite.json")
        let names = try FileManager.default.contentsOfDirectory(atPath: PNGFixtures.pngSuite.path).filter { $0.hasSuffix(".png") }
        XCTAssertFalse(names.isEmpty, "PngSuite subset not found at \(PNGFixtures.pngSuite.path)")
        XCTAssertEqual(Set(names), Set(table.keys), "fixture table and PngSuite folder disagree; re-run make_png_fixtures.py")
        var modes = Set<String>()
        for name in names.sorted() {
            guard let expected = table[name] else { continue }
            let bytes = try PNGFixtures.bytes(PNGFixtures.pngSuite.appendingPathComponent(name))
            if name.hasPrefix("x") {
                // PngSuite's deliberately corrupt files.
                XCTAssertThrowsError(try PNGDecoder.decode(bytes), name) { XCTAssertTrue($0 is ImageCodecError) }
                continue
            }
            check(name, bytes: bytes, expected: expected)
            if let mode = expected["mode"] as? String { modes.insert(mode) }
        }
        XCTAssertEqual(modes, ["1", "L", "LA", "RGB", "RGBA", "P", "I;16"])
    }

    /// 16-bit, interlaced, palette + tRNS, split IDAT and odd-size files made by the fixture script.
    func testMadeFilesMatchPillow() throws {
        let table = try PNGFixtures.table("made.json")
        XCTAssertGreaterThan(table.count, 10)
        for (name, expected) in table.sorted(by: { $0.key < $1.key }) where !name.hasPrefix("bad_") && name != "ancillary_unknown.png" {
            let bytes = try PNGFixtures.bytes(PNGFixtures.folder.appendingPathComponent("made").appendingPathComponent(name))
            check(name, bytes: bytes, expected: expected)
        }
    }

    func testSixteenBitGraySaturationWarns() throws {
        let folder = PNGFixtures.folder.appendingPathComponent("made")
        let ramp = try PNGDecoder.decode(try PNGFixtures.bytes(folder.appendingPathComponent("gray16_ramp.png")))
        XCTAssertEqual(ramp.mode, .gray16)
        XCTAssertTrue(ramp.convertedToRGB().warnings.contains { $0.contains("saturated") })
        // Pixel (1, 0) is 5000 = 0x1388, stored little-endian.
        XCTAssertEqual(Array(ramp.samples[2..<4]), [0x88, 0x13])
        let small = try PNGDecoder.decode(try PNGFixtures.bytes(folder.appendingPathComponent("gray16_small.png")))
        XCTAssertEqual(small.convertedToRGB().warnings, [])
    }

    func testMalformedFilesGiveTypedErrors() throws {
        let folder = PNGFixtures.folder.appendingPathComponent("made")
        func load(_ name: String) throws -> [UInt8] { try PNGFixtures.bytes(folder.appendingPathComponent(name)) }
        PNGFixtures.assertError("corrupt", "CRC") { try PNGDecoder.decode(try load("bad_crc.png")) }
        PNGFixtures.assertError("truncated") { try PNGDecoder.decode(try load("bad_truncated.png")) }
        PNGFixtures.assertError("corrupt", "filter") { try PNGDecoder.decode(try load("bad_filter.png")) }
        PNGFixtures.assertError("corrupt", "depth") { try PNGDecoder.decode(try load("bad_depth.png")) }
        PNGFixtures.assertError("unknown_format") { try PNGDecoder.decode(try load("bad_signature.png")) }
        PNGFixtures.assertError("truncated", "3 rows of 4") { try PNGDecoder.decode(try load("bad_short_data.png")) }
        PNGFixtures.assertError("corrupt", "no IDAT") { try PNGDecoder.decode(try load("bad_no_idat.png")) }
        PNGFixtures.assertError("corrupt", "no PLTE") { try PNGDecoder.decode(try load("bad_palette_missing.png")) }
        PNGFixtures.assertError("unsupported", "critical chunk") { try PNGDecoder.decode(try load("bad_critical_unknown.png")) }
        PNGFixtures.assertError("too_large") { try PNGDecoder.decode(try load("bad_too_large.png")) }
        PNGFixtures.assertError("too_large", "custom limit") {
            try PNGDecoder.decode(try load("rgba8_adam7.png"), limits: DecodingLimits(maxPixels: 100))
        }
        XCTAssertNoThrow(try PNGDecoder.decode(try load("rgba8_adam7.png"), limits: DecodingLimits(maxPixels: 143)))
        PNGFixtures.assertError("unknown_format") { try PNGDecoder.decode([]) }
        PNGFixtures.assertError("truncated") { try PNGDecoder.decode(PNGDecoder.signature) }
        // Every prefix of a valid file fails with a typed error.
        let good = try load("palette4_trns.png")
        for cut in 8..<(good.count - 12) {  // keeping only the IEND chunk off still decodes, as in Pillow
            XCTAssertThrowsError(try PNGDecoder.decode(Array(good[..<cut])), "cut at \(cut)") { XCTAssertTrue($0 is ImageCodecError) }
        }
    }

    func testAncillaryUnknownChunkIsSkipped() throws {
        let bytes = try PNGFixtures.bytes(PNGFixtures.folder.appendingPathComponent("made/ancillary_unknown.png"))
        let image = try PNGDecoder.decode(bytes)
        XCTAssertEqual(image.mode, .gray)
        XCTAssertEqual(image.samples, [1, 2, 3, 4, 5, 6])
    }

    func testCMYKConversionMatchesPillow() throws {
        let fixture = try PNGFixtures.json("cmyk.json")
        let width = try XCTUnwrap(fixture["width"] as? Int), height = try XCTUnwrap(fixture["height"] as? Int)
        let image = DecodedImage(width: width, height: height, mode: .cmyk, samples: PNGFixtures.hex(try XCTUnwrap(fixture["cmyk_hex"] as? String)))
        let rgb = image.convertedToRGB()
        XCTAssertEqual(Array(rgb.pixels[0..<15]), PNGFixtures.hex(try XCTUnwrap(fixture["rgb_hex_first_5"] as? String)))
        XCTAssertEqual(SHA256.hex(rgb.pixels), fixture["rgb_sha256"] as? String)
    }

    func testConversionOfEveryModeByHand() {
        let bilevel = DecodedImage(width: 2, height: 1, mode: .bilevel, samples: [0, 255]).convertedToRGB()
        XCTAssertEqual(bilevel.pixels, [0, 0, 0, 255, 255, 255])
        let la = DecodedImage(width: 1, height: 1, mode: .grayAlpha, samples: [77, 0]).convertedToRGB()
        XCTAssertEqual(la.pixels, [77, 77, 77])
        let rgba = DecodedImage(width: 1, height: 1, mode: .rgba, samples: [1, 2, 3, 0]).convertedToRGB()
        XCTAssertEqual(rgba.pixels, [1, 2, 3])
        let palette = DecodedImage(width: 3, height: 1, mode: .palette, samples: [1, 0, 2], palette: [9, 8, 7, 6, 5, 4]).convertedToRGB()
        XCTAssertEqual(palette.pixels, [6, 5, 4, 9, 8, 7, 0, 0, 0])
        let gray16 = DecodedImage(width: 3, height: 1, mode: .gray16, samples: [200, 0, 0, 1, 255, 0]).convertedToRGB()
        XCTAssertEqual(gray16.pixels, [200, 200, 200, 255, 255, 255, 255, 255, 255])
        XCTAssertEqual(gray16.warnings.count, 1)
    }
}

final class PNGFuzzTests: XCTestCase {
    /// Splits a PNG into chunks, damages one chunk's data and re-computes its CRC, so the
    /// damage reaches the header, palette and inflate/unfilter code instead of stopping at
    /// the CRC check. Every outcome must be an image or an `ImageCodecError`.
    func testDamagedChunksWithValidCRCsNeverCrash() throws {
        var generator = SplitMix64(seed: 99)
        let suite = ["basn3p04.png", "oi9n2c16.png", "basn0g01.png", "tbbn3p08.png", "s39n3p04.png", "cs3n2c16.png", "basn4a16.png"]
        let made = ["rgba8_adam7.png", "la16_adam7.png", "gray1_adam7.png", "gray2_trns_split.png"]
        let urls = suite.map { PNGFixtures.pngSuite.appendingPathComponent($0) }
            + made.map { PNGFixtures.folder.appendingPathComponent("made").appendingPathComponent($0) }
        var outcomes = (images: 0, errors: 0)
        for url in urls {
            let original = try PNGFixtures.bytes(url)
            let chunks = try splitChunks(original)
            for _ in 0..<250 {
                var damaged = chunks
                let index = Int(generator.next() % UInt64(damaged.count))
                guard !damaged[index].data.isEmpty else { continue }
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    let position = Int(generator.next() % UInt64(damaged[index].data.count))
                    if generator.next() % 2 == 0 {
                        damaged[index].data[position] ^= UInt8(1 << (generator.next() % 8))
                    } else {
                        damaged[index].data[position] = UInt8(truncatingIfNeeded: generator.next())
                    }
                }
                do {
                    let image = try PNGDecoder.decode(joinChunks(damaged), limits: DecodingLimits(maxPixels: 1 << 20))
                    XCTAssertEqual(image.samples.count, image.width * image.height * image.mode.bytesPerPixel)
                    _ = image.convertedToRGB()
                    outcomes.images += 1
                } catch is ImageCodecError {
                    outcomes.errors += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes.errors, 200)
        XCTAssertGreaterThan(outcomes.images, 50)
    }

    private func splitChunks(_ bytes: [UInt8]) throws -> [(type: [UInt8], data: [UInt8])] {
        var reader = ByteReader(bytes, offset: 8, truncated: ImageCodecError.truncated)
        var chunks: [(type: [UInt8], data: [UInt8])] = []
        while !reader.isAtEnd {
            let length = Int(try reader.readUInt32BE())
            let type = Array(try reader.readBytes(4))
            let data = Array(try reader.readBytes(length))
            _ = try reader.readUInt32BE()
            chunks.append((type, data))
        }
        return chunks
    }

    private func joinChunks(_ chunks: [(type: [UInt8], data: [UInt8])]) -> [UInt8] {
        var out = PNGDecoder.signature
        for (type, data) in chunks {
            let length = UInt32(data.count)
            out += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            out += type + data
            let crc = CRC32.checksum(type + data)
            out += [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        }
        return out
    }
}
