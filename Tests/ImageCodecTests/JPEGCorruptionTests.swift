import Foundation
import XCTest
@testable import ImageCodec
@testable import Support

/// Broken files give typed errors: truncations, bad markers and tables, impossible sizes,
/// and seeded random damage that must neither trap nor hang.
final class JPEGCorruptionTests: XCTestCase {
    private func variant(_ name: String) throws -> [UInt8] {
        try JPEGTestData.bytes(JPEGTestData.fixtures.appendingPathComponent("jpeg-variants/\(name)"))
    }

    private func assertError(_ bytes: [UInt8], _ expected: ImageCodecError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JPEGDecoder.decode(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? ImageCodecError, expected, file: file, line: line)
        }
    }

    private func assertErrorCode(_ bytes: [UInt8], _ code: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JPEGDecoder.decode(bytes), file: file, line: line) { error in
            XCTAssertEqual((error as? ImageCodecError)?.code, code, "\(error)", file: file, line: line)
        }
    }

    /// Offset of the first byte of the marker `code` (0xFF code) before the first SOS.
    private func markerOffset(_ bytes: [UInt8], _ code: UInt8) -> Int? {
        var index = 2
        while index + 4 <= bytes.count {
            if bytes[index + 1] == code { return index }
            if bytes[index + 1] == 0xDA { return nil }
            index += 2 + (Int(bytes[index + 2]) << 8 | Int(bytes[index + 3]))
        }
        return nil
    }

    /// Cutting a file anywhere before its last entropy-coded byte is an error — never a
    /// success with made-up pixels; cuts inside the entropy-coded data are `.truncated`.
    func testTruncationAnywhereIsAnError() throws {
        for name in ["brambling-restart-3B-420.jpg", "tench-prog-420.jpg", "robin-17x13-420.jpg", "brambling-cmyk-prog.jpg"] {
            let bytes = try variant(name)
            let full = try JPEGDecoder.decode(bytes)
            guard let scan = markerOffset(bytes, 0xDA) else { return XCTFail("no SOS in \(name)") }
            let step = max(1, bytes.count / 300)
            for cut in Swift.stride(from: 0, to: bytes.count - 2, by: step) {
                XCTAssertThrowsError(try JPEGDecoder.decode(Array(bytes[..<cut])), "\(name) cut at \(cut)") { error in
                    guard let error = error as? ImageCodecError else { return XCTFail("untyped error \(error)") }
                    if cut > scan + 20 { XCTAssertEqual(error.code, "truncated", "\(name) cut at \(cut): \(error)") }
                }
            }
            // Only the EOI missing: a single-scan sequential image is complete, a multi-scan one is not.
            let withoutEOI = Array(bytes.dropLast(2))
            if name.contains("prog") {
                assertErrorCode(withoutEOI, "truncated")
            } else {
                XCTAssertEqual(try JPEGDecoder.decode(withoutEOI), full)
            }
        }
    }

    /// A marker in the middle of the entropy-coded data (libjpeg would pad with zeros and warn).
    func testEntropyDataEndingAtAMarkerIsTruncated() throws {
        var bytes = try variant("tench-444.jpg")
        guard let scan = markerOffset(bytes, 0xDA) else { return XCTFail("no SOS") }
        let middle = (scan + bytes.count) / 2
        bytes.replaceSubrange(middle..., with: [0xFF, 0xD9])
        assertError(bytes, .truncated("entropy-coded data ended early"))
    }

    func testBadMarkersAndSegments() throws {
        let bytes = try variant("tench-420.jpg")
        guard let sof = markerOffset(bytes, 0xC0), let dqt = markerOffset(bytes, 0xDB),
              let dht = markerOffset(bytes, 0xC4) else { return XCTFail("missing markers") }

        var unknown = bytes
        unknown.insert(contentsOf: [0xFF, 0x02, 0x00, 0x02], at: sof)
        assertError(unknown, .corrupt("unknown marker 0xFF02"))

        var doubleSOI = bytes
        doubleSOI.insert(contentsOf: [0xFF, 0xD8], at: sof)
        assertError(doubleSOI, .corrupt("duplicate SOI marker"))

        var shortLength = bytes
        shortLength[sof + 2] = 0
        shortLength[sof + 3] = 1
        assertError(shortLength, .corrupt("bad marker segment length 1"))

        var overlong = bytes
        overlong[dht + 2] = 0xFF
        overlong[dht + 3] = 0xFF
        assertErrorCode(overlong, "truncated")

        var noFrame = bytes
        let sofLength = Int(bytes[sof + 2]) << 8 | Int(bytes[sof + 3])
        noFrame.removeSubrange(sof..<(sof + 2 + sofLength))
        assertError(noFrame, .corrupt("SOS before SOF"))

        var badQuantIndex = bytes
        badQuantIndex[dqt + 4] = 0x05
        assertError(badQuantIndex, .corrupt("bad DQT table"))

        var missingQuant = bytes
        missingQuant[sof + 4 + 6 + 2] = 3  // first component uses DQT table 3, never defined
        assertError(missingQuant, .corrupt("missing DQT table 3"))

        var badHuffmanIndex = bytes
        badHuffmanIndex[dht + 4] = 0x25
        assertError(badHuffmanIndex, .corrupt("bad DHT table index"))

        // An over-full code space: three codes of length 1.
        // (The standard DC table has counts 0,1,5,…: moving 3 codes to length 1 keeps the total.)
        var overfull = bytes
        XCTAssertEqual(Array(bytes[(dht + 5)...(dht + 7)]), [0, 1, 5])
        overfull[dht + 5] = 3
        overfull[dht + 7] = 2
        assertError(overfull, .corrupt("bad Huffman table"))
    }

    func testBadFrameHeaders() throws {
        let bytes = try variant("tench-420.jpg")
        guard let sof = markerOffset(bytes, 0xC0) else { return XCTFail("no SOF") }
        let header = sof + 4  // precision byte

        var zeroWidth = bytes
        zeroWidth[header + 3] = 0
        zeroWidth[header + 4] = 0
        let height = Int(bytes[header + 1]) << 8 | Int(bytes[header + 2])
        assertError(zeroWidth, .tooLarge(width: 0, height: height, limit: DecodingLimits.default.maxPixels))

        var badSampling = bytes
        badSampling[header + 6 + 1] = 0x50
        assertError(badSampling, .corrupt("bad sampling factors"))

        var zeroSampling = bytes
        zeroSampling[header + 6 + 1] = 0x10
        assertError(zeroSampling, .corrupt("bad sampling factors"))

        var fractional = bytes
        fractional[header + 6 + 1] = 0x31  // luma 3x1 against chroma 2x1 below
        fractional[header + 6 + 4] = 0x21
        assertError(fractional, .unsupported("unsupported JPEG variant: fractional sampling ratio 3/2×1/1"))

        var tooManyBlocks = bytes
        tooManyBlocks[header + 6 + 1] = 0x44  // 16 + 1 + 1 blocks per MCU
        assertError(tooManyBlocks, .corrupt("too many blocks in an MCU"))

        // Two components with a consistent segment length (the third component's 3 bytes removed).
        var twoComponents = bytes
        twoComponents[header + 5] = 2
        twoComponents[sof + 3] -= 3
        twoComponents.removeSubrange((header + 6 + 6)..<(header + 6 + 9))
        assertError(twoComponents, .unsupported("unsupported JPEG variant: 2 components"))

        var noComponents = bytes
        noComponents[header + 5] = 0
        assertError(noComponents, .corrupt("bad SOF segment length"))
    }

    func testBadScans() throws {
        var restart = try variant("brambling-restart-3B-420.jpg")
        guard let rst1 = restart.indices.dropLast().first(where: { restart[$0] == 0xFF && restart[$0 + 1] == 0xD1 }) else {
            return XCTFail("no RST1")
        }
        restart[rst1 + 1] = 0xD5
        assertError(restart, .corrupt("expected RST1 marker, found 0xD5"))

        var progressive = try variant("tench-prog-420.jpg")
        guard let sos = markerOffset(progressive, 0xDA) else { return XCTFail("no SOS") }
        let count = Int(progressive[sos + 4])
        let approximation = sos + 4 + 1 + 2 * count + 2
        progressive[approximation] = 0x0E  // Al = 14
        assertErrorCode(progressive, "corrupt")

        var badComponent = try variant("tench-444.jpg")
        guard let sos2 = markerOffset(badComponent, 0xDA) else { return XCTFail("no SOS") }
        badComponent[sos2 + 5] = 0x77
        assertError(badComponent, .corrupt("bad component id 119 in SOS"))
    }

    /// Seeded random damage (byte flips, bit flips, cuts, inserted markers) over several
    /// fixtures: every outcome is a decoded image or a typed error, within a time bound.
    func testRandomDamageNeverTrapsOrHangs() throws {
        let names = ["tench-420.jpg", "tench-prog-444.jpg", "brambling-restart-3B-420.jpg", "robin-progscript-422.jpg",
                     "brambling-cmyk-prog.jpg", "robin-17x13-h2v1-h1v2.jpg", "tench-gray-prog.jpg", "brambling-prog-restart-2B.jpg"]
        var generator = SplitMix64(seed: 0x5EED_1E25)
        var outcomes = [String: Int]()
        // JPEG_DAMAGE_ROUNDS raises the count for a longer local run (e.g. under --sanitize=address).
        let rounds = ProcessInfo.processInfo.environment["JPEG_DAMAGE_ROUNDS"].flatMap(Int.init) ?? 150
        for name in names {
            let original = try variant(name)
            for _ in 0..<rounds {
                var bytes = original
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 4 {
                    case 0: bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                    case 1: bytes[index] ^= 1 << UInt8(generator.next() % 8)
                    case 2: bytes.removeSubrange(index...)
                    default: bytes.insert(contentsOf: [0xFF, UInt8(0xC0 + generator.next() % 64)], at: index)
                    }
                    if bytes.isEmpty { break }
                }
                do {
                    let image = try JPEGDecoder.decode(bytes)
                    XCTAssertEqual(image.samples.count, image.width * image.height * image.mode.bytesPerPixel)
                    outcomes["decoded", default: 0] += 1
                } catch let error as ImageCodecError {
                    outcomes[error.code, default: 0] += 1
                }
            }
        }
        XCTAssertEqual(outcomes.values.reduce(0, +), names.count * rounds)
        XCTAssertGreaterThan(outcomes["truncated", default: 0] + outcomes["corrupt", default: 0], 100, "\(outcomes)")
    }
}
