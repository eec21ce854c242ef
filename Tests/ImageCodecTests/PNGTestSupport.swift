import Foundation
import XCTest
@testable import ImageCodec

/// Locations of the PNG fixtures and shared data, found from this file's path.
enum PNGFixtures {
    /// The folder holding Package.swift.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static let folder = packageRoot.appendingPathComponent("Tests/ImageCodecTests/Fixtures/png")
    static let pngSuite = packageRoot.appendingPathComponent("../shared/data/images/pngsuite-subset").standardized

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// `files` of one of the JSON tables the fixture script writes.
    static func table(_ name: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["files"] as? [String: [String: Any]] ?? [:]
    }

    /// Bytes of a hex string (fixtures store small byte arrays as hex).
    static func hex(_ hex: String) -> [UInt8] {
        var out = [UInt8]()
        var iterator = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        while let high = iterator.next(), let low = iterator.next() { out.append(nibble(high) << 4 | nibble(low)) }
        return out
    }

    /// Asserts that `body` throws an `ImageCodecError` with the given code.
    static func assertError<T>(_ code: String, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> T) {
        do {
            _ = try body()
            XCTFail("expected a \(code) error, got a result. \(message)", file: file, line: line)
        } catch let error as ImageCodecError {
            XCTAssertEqual(error.code, code, "\(error) \(message)", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error). \(message)", file: file, line: line)
        }
    }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
