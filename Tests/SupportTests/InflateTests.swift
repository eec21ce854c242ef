import Foundation
import XCTest
@testable import Support

final class InflateTests: XCTestCase {
    func testChecksumsKnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(Adler32.checksum(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(Adler32.checksum([UInt8]()), 1)
        // Streaming equals one shot, across the 4-byte slicing and the 5552-byte reduction.
        let data = (0..<20000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ ($0 >> 5)) }
        var crc = CRC32(), adler = Adler32()
        for split in stride(from: 0, to: data.count, by: 3331) {
            crc.update(data[split..<min(data.count, split + 3331)])
            adler.update(data[split..<min(data.count, split + 3331)])
        }
        XCTAssertEqual(crc.value, CRC32.checksum(data))
        XCTAssertEqual(adler.value, Adler32.checksum(data))
        XCTAssertEqual(Adler32.checksum([UInt8](repeating: 255, count: 6000)), adlerReference([UInt8](repeating: 255, count: 6000)))
    }

    private func adlerReference(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    /// Streams written by Python's zlib (stored, fixed, dynamic and Huffman-only blocks;
    /// zlib, raw and gzip wrappers) decode to the recorded SHA-256.
    func testFixtureStreamsMatchPythonZlib() throws {
        let table = try SupportFixtures.table("inflate.json")
        XCTAssertGreaterThan(table.count, 30)
        for (name, expected) in table {
            let url = SupportFixtures.folder.appendingPathComponent("inflate").appendingPathComponent(name)
            let input = try SupportFixtures.bytes(url)
            let output: [UInt8]
            if name.hasSuffix(".gz") {
                output = try Inflate.gzip(input)
            } else if name.hasSuffix(".zz") {
                output = try Inflate.zlib(input)
            } else {
                output = try Inflate.raw(input)
            }
            XCTAssertEqual(output.count, expected["length"] as? Int, name)
            XCTAssertEqual(SHA256.hex(output), expected["sha256"] as? String, name)
        }
    }

    func testBPEVocabularyGunzips() throws {
        let url = SupportFixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz")
        let output = try Inflate.gzip(try SupportFixtures.bytes(url))
        // Python: hashlib.sha256(gzip.open(path).read())
        XCTAssertEqual(output.count, 3_194_984)
        XCTAssertEqual(SHA256.hex(output), "67603cfda2e032ad77b5f8808af37789d590db664b26df8705d2bf8b3c553fc8")
    }

    func testChecksumMismatchesAreCorrupt() throws {
        let folder = SupportFixtures.folder.appendingPathComponent("inflate")
        var zz = try SupportFixtures.bytes(folder.appendingPathComponent("text-l6-default.zz"))
        zz[zz.count - 1] ^= 1
        assertInflateError("corrupt") { try Inflate.zlib(zz) }

        let gz = try SupportFixtures.bytes(folder.appendingPathComponent("flags.gz"))
        var badCRC = gz
        badCRC[badCRC.count - 5] ^= 0x10
        assertInflateError("corrupt", "CRC-32") { try Inflate.gzip(badCRC) }
        var badSize = gz
        badSize[badSize.count - 1] ^= 0x01
        assertInflateError("corrupt", "ISIZE") { try Inflate.gzip(badSize) }
        var badHeaderCRC = gz
        badHeaderCRC[10 + 2 + 5 + 9 + 10] ^= 0x01  // first byte of FHCRC
        assertInflateError("corrupt", "FHCRC") { try Inflate.gzip(badHeaderCRC) }
        var reserved = gz
        reserved[3] |= 0x80
        assertInflateError("corrupt", "reserved flag") { try Inflate.gzip(reserved) }
        assertInflateError("corrupt", "trailing garbage member") { try Inflate.gzip(gz + [0x1F, 0x8C, 8, 0, 0, 0, 0, 0, 0, 0]) }

        var header = zz
        header[1] ^= 1
        assertInflateError("corrupt", "FCHECK") { try Inflate.zlib(header) }
        assertInflateError("unsupported", "FDICT") { try Inflate.zlib([0x78, 0xBB, 0, 0, 0, 0]) }
    }

    /// Every prefix of a valid stream is a typed error, never a crash or a silent short result.
    func testEveryTruncationIsAnError() throws {
        let folder = SupportFixtures.folder.appendingPathComponent("inflate")
        for name in ["text-l6-default.zz", "text-l1-fixed.zz", "runs-l0-default.zz"] {
            let zz = try SupportFixtures.bytes(folder.appendingPathComponent(name))
            let cuts = zz.count > 5000 ? Array(stride(from: 0, to: zz.count, by: 97)) + [zz.count - 1] : Array(0..<zz.count)
            for cut in cuts {
                assertInflateError("truncated", "\(name) cut at \(cut)") { try Inflate.zlib(Array(zz[..<cut])) }
            }
        }
        let gz = try SupportFixtures.bytes(folder.appendingPathComponent("flags.gz"))
        for cut in 0..<gz.count {
            assertInflateError("truncated", "flags.gz cut at \(cut)") { try Inflate.gzip(Array(gz[..<cut])) }
        }
    }

    /// Random bit flips must give a typed error or some output, never a trap.
    func testBitFlipsNeverCrash() throws {
        let raw = try SupportFixtures.bytes(SupportFixtures.folder.appendingPathComponent("inflate/text.deflate"))
        var generator = SplitMix64(seed: 7)
        var errors = 0
        for _ in 0..<3000 {
            var damaged = raw
            let flips = Int(generator.next() % 3) + 1
            for _ in 0..<flips {
                let bit = Int(generator.next() % UInt64(damaged.count * 8))
                damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            do { _ = try Inflate.raw(damaged, maxOutputSize: 1 << 20) } catch is InflateError { errors += 1 }
        }
        XCTAssertGreaterThan(errors, 100)
    }

    func testHandMadeMalformedStreams() {
        // Block type 3.
        var writer = DeflateTestBitWriter()
        writer.write(1, bits: 1); writer.write(3, bits: 2)
        assertInflateError("corrupt", "block type 3") { try Inflate.raw(writer.bytes + [0, 0]) }

        // Stored block whose NLEN is not the complement of LEN.
        assertInflateError("corrupt", "NLEN") { try Inflate.raw([0x01, 0x05, 0x00, 0xFA, 0xFE, 1, 2, 3, 4, 5]) }
        XCTAssertEqual(try Inflate.raw([0x01, 0x05, 0x00, 0xFA, 0xFF, 1, 2, 3, 4, 5]), [1, 2, 3, 4, 5])

        // Fixed block starting with a match: distance reaches before the data.
        writer = DeflateTestBitWriter()
        writer.write(1, bits: 1); writer.write(1, bits: 2)
        writer.writeCode(0b0000001, length: 7)  // length symbol 257 (length 3)
        writer.writeCode(0, length: 5)          // distance symbol 0 (distance 1)
        writer.writeCode(0, length: 7)          // end of block
        assertInflateError("corrupt", "distance too far") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }

        // Fixed block: literal 'a' then a match of length 3 at distance 1 → "aaaa".
        writer = DeflateTestBitWriter()
        writer.write(1, bits: 1); writer.write(1, bits: 2)
        writer.writeCode(0x30 + 0x61, length: 8)
        writer.writeCode(0b0000001, length: 7)
        writer.writeCode(0, length: 5)
        writer.writeCode(0, length: 7)
        XCTAssertEqual(try Inflate.raw(writer.bytes), Array("aaaa".utf8))

        // Fixed block using distance symbol 30 (reserved).
        writer = DeflateTestBitWriter()
        writer.write(1, bits: 1); writer.write(1, bits: 2)
        writer.writeCode(0x30 + 0x61, length: 8)
        writer.writeCode(0b0000001, length: 7)
        writer.writeCode(30, length: 5)
        assertInflateError("corrupt", "distance symbol 30") { try Inflate.raw(writer.bytes + [0, 0, 0, 0]) }

        // Dynamic block: code-length code over-subscribed (four codes of length 1).
        writer = dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [1, 1, 1, 1])
        assertInflateError("corrupt", "over-subscribed") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }
        // Incomplete code-length code (one code of length 1).
        writer = dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [0, 0, 0, 1])
        assertInflateError("corrupt", "incomplete") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }
        // HLIT above 286.
        writer = dynamicHeader(literals: 287, distances: 1, codeLengthLengths: [1, 1, 0, 0])
        assertInflateError("corrupt", "HLIT") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }

        // Code-length code {16: 1 bit "0", 17: 1 bit "1"}; first symbol 16 repeats nothing.
        writer = dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [1, 1, 0, 0])
        writer.writeCode(0, length: 1)
        writer.write(0, bits: 2)
        assertInflateError("corrupt", "16 first") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }
        // All lengths zero via 17 (3..10 zeros) repeatedly → end-of-block code missing (or overrun).
        writer = dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [1, 1, 0, 0])
        for _ in 0..<26 { writer.writeCode(1, length: 1); writer.write(7, bits: 3) }  // 26 × 10 = 260 > 258
        assertInflateError("corrupt", "repeat overrun") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }
        writer = dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [1, 1, 0, 0])
        for _ in 0..<25 { writer.writeCode(1, length: 1); writer.write(7, bits: 3) }   // 250
        writer.writeCode(1, length: 1); writer.write(5, bits: 3)                       // 8 more = 258
        assertInflateError("corrupt", "missing end of block") { try Inflate.raw(writer.bytes + [0, 0, 0, 0, 0, 0, 0, 0]) }
    }

    /// Header of a final dynamic block: HLIT/HDIST/HCLEN and the code-length code lengths
    /// (in the order 16, 17, 18, 0, …).
    private func dynamicHeader(literals: Int, distances: Int, codeLengthLengths: [Int]) -> DeflateTestBitWriter {
        var writer = DeflateTestBitWriter()
        writer.write(1, bits: 1); writer.write(2, bits: 2)
        writer.write(literals - 257, bits: 5)
        writer.write(distances - 1, bits: 5)
        writer.write(codeLengthLengths.count - 4, bits: 4)
        for length in codeLengthLengths { writer.write(length, bits: 3) }
        return writer
    }

    func testOutputCapStopsBombs() throws {
        let zz = try SupportFixtures.bytes(SupportFixtures.folder.appendingPathComponent("inflate/runs-l9-default.zz"))
        XCTAssertEqual(try Inflate.zlib(zz, maxOutputSize: 70303).count, 70303)
        assertInflateError("corrupt", "cap") { try Inflate.zlib(zz, maxOutputSize: 70302) }
        assertInflateError("corrupt", "cap") { try Inflate.zlib(zz, maxOutputSize: 1000) }
    }
}

/// Asserts that `body` throws an `InflateError` with the given code.
func assertInflateError<T>(_ code: String, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
                           _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a \(code) error, got a result. \(message)", file: file, line: line)
    } catch let error as InflateError {
        XCTAssertEqual(error.code, code, "\(error) \(message)", file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(error). \(message)", file: file, line: line)
    }
}
