import Foundation
import XCTest
@testable import Support

final class DeflateTests: XCTestCase {
    private func samples() -> [(String, [UInt8])] {
        var generator = SplitMix64(seed: 42)
        let random = (0..<50_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let text = Array(String(repeating: "the cat sat on the mat; the dog sat on the log. ", count: 900).utf8)
        var skewed = [UInt8]()
        for _ in 0..<40_000 { skewed.append(UInt8(truncatingIfNeeded: generator.next() % 7 == 0 ? generator.next() : 65)) }
        var gradient = [UInt8]()
        for y in 0..<200 { for x in 0..<300 { gradient.append(UInt8(truncatingIfNeeded: x / 3 + y)) } }
        return [("empty", []), ("one", [7]), ("two", [7, 7]), ("three", [1, 1, 1]), ("four", [9, 9, 9, 9]),
                ("random", random), ("text", text), ("skewed", skewed), ("gradient", gradient),
                ("zeros", [UInt8](repeating: 0, count: 100_000)), ("random-short", Array(random[0..<300]))]
    }

    func testRoundTripEveryLevelAndWrapper() throws {
        for (name, data) in samples() {
            for level in [0, 1, 4, 6, 9] {
                XCTAssertEqual(try Inflate.raw(Deflate.raw(data, level: level)), data, "\(name) raw level \(level)")
                XCTAssertEqual(try Inflate.zlib(Deflate.zlib(data, level: level)), data, "\(name) zlib level \(level)")
            }
            XCTAssertEqual(try Inflate.gzip(Deflate.gzip(data)), data, "\(name) gzip")
        }
    }

    func testCompressesRedundantDataAndBoundsIncompressibleData() throws {
        let sizes = Dictionary(uniqueKeysWithValues: samples().map { ($0.0, ($0.1.count, Deflate.zlib($0.1).count)) })
        XCTAssertLessThan(sizes["zeros"]!.1, 400)
        XCTAssertLessThan(sizes["text"]!.1, 1000)
        XCTAssertLessThan(sizes["gradient"]!.1, 6000)
        XCTAssertLessThan(sizes["skewed"]!.1, 40_000 / 2)
        // Random data falls back to stored blocks: a few bytes per 64 KiB of overhead.
        XCTAssertLessThanOrEqual(sizes["random"]!.1, 50_000 + 6 + 5 * 4)  // zlib wrapper + one stored header per 16 Ki-symbol block
        XCTAssertLessThan(Deflate.zlib(samples()[6].1, level: 9).count, Deflate.zlib(samples()[6].1, level: 0).count)
    }

    func testLengthLimitedCodesAreValid() {
        // Fibonacci frequencies force a deep tree; lengths must respect the limit and Kraft's equality.
        var fibonacci = [1, 1]
        while fibonacci.count < 30 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        for limit in [7, 15] {
            let lengths = HuffmanCodeBuilder.lengths(for: fibonacci, limit: limit)
            XCTAssertLessThanOrEqual(Int(lengths.max()!), limit)
            let kraft = lengths.reduce(0.0) { $0 + ($1 == 0 ? 0 : pow(2.0, -Double($1))) }
            XCTAssertEqual(kraft, 1.0, accuracy: 1e-12)
        }
        XCTAssertEqual(HuffmanCodeBuilder.lengths(for: [0, 5, 0, 5], limit: 15), [0, 1, 0, 1])
    }
}
