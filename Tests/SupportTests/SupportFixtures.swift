import Foundation
import XCTest

/// Locations of the inflate fixtures (written by
/// `Tests/ImageCodecTests/Fixtures/png/make_png_fixtures.py`), found from this file's path.
enum SupportFixtures {
    /// The folder holding Package.swift.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static let folder = packageRoot.appendingPathComponent("Tests/SupportTests/Fixtures")

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// `files` of one of the JSON tables the fixture script writes.
    static func table(_ name: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["files"] as? [String: [String: Any]] ?? [:]
    }
}

/// Writes deflate bit streams by hand: values LSB first, Huffman codes MSB first.
struct DeflateTestBitWriter {
    private(set) var bytes: [UInt8] = []
    private var bitCount = 0

    mutating func write(_ value: Int, bits: Int) {
        for bit in 0..<bits { push((value >> bit) & 1) }
    }

    mutating func writeCode(_ code: Int, length: Int) {
        for bit in stride(from: length - 1, through: 0, by: -1) { push((code >> bit) & 1) }
    }

    private mutating func push(_ bit: Int) {
        if bitCount % 8 == 0 { bytes.append(0) }
        bytes[bytes.count - 1] |= UInt8(bit << (bitCount % 8))
        bitCount += 1
    }
}
