import Foundation
import XCTest
@testable import Weights
@testable import Support

final class DigestCacheTests: XCTestCase {
    func testReusesTheDigestUntilTheFileChanges() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["SHIFTLENS_CACHE": folder.appendingPathComponent("cache").path]
        let file = folder.appendingPathComponent("weights.bin")
        try Data("first".utf8).write(to: file)
        XCTAssertEqual(try DigestCache.sha256(of: file, environment: environment), SHA256.hex(Array("first".utf8)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache/digests.json").path))
        // A cached entry is what the second call returns: poison it to prove it is used…
        let cacheFile = folder.appendingPathComponent("cache/digests.json")
        let identity = try XCTUnwrap(DigestCache.identity(of: file))
        try JSONSerialization.data(withJSONObject: [identity: String(repeating: "a", count: 64)]).write(to: cacheFile)
        XCTAssertEqual(try DigestCache.sha256(of: file, environment: environment), String(repeating: "a", count: 64))
        // …and rewriting the file (new size and time) invalidates it.
        try Data("second!".utf8).write(to: file)
        XCTAssertEqual(try DigestCache.sha256(of: file, environment: environment), SHA256.hex(Array("second!".utf8)))
    }
}
