import Foundation
import XCTest
@testable import ImageCodec

final class ImageFileTests: XCTestCase {
    func testSniffsAndDispatches() throws {
        let png = try PNGFixtures.bytes(PNGFixtures.pngSuite.appendingPathComponent("basn2c08.png"))
        XCTAssertEqual(ImageFile.sniff(png), .png)
        XCTAssertEqual(try ImageFile.decode(png), try PNGDecoder.decode(png))

        let jpegFolder = PNGFixtures.packageRoot.appendingPathComponent("../shared/data/images/imagenet-sample-200").standardized
        let jpegName = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: jpegFolder.path).sorted().first {
            $0.lowercased().hasSuffix(".jpeg") || $0.lowercased().hasSuffix(".jpg")
        })
        let jpeg = try PNGFixtures.bytes(jpegFolder.appendingPathComponent(jpegName))
        XCTAssertEqual(ImageFile.sniff(jpeg), .jpeg)
        XCTAssertEqual(try ImageFile.decode(jpeg), try JPEGDecoder.decode(jpeg))

        PNGFixtures.assertError("unknown-format") { try ImageFile.decode(Array("GIF89a".utf8)) }
        PNGFixtures.assertError("unknown-format") { try ImageFile.decode([]) }
        PNGFixtures.assertError("unknown-format") { try ImageFile.decode([0xFF, 0xD8]) }
        PNGFixtures.assertError("too-large") { try ImageFile.decode(png, limits: DecodingLimits(maxPixels: 1000)) }
    }

    /// `layout` reads only headers, and its `memoryNeeded` is exactly the bound `decode` checks:
    /// a limit of that many bytes decodes, one byte less is `exceedsMemory` (before any allocation).
    func testLayoutMatchesTheMemoryDecodingChecks() throws {
        let variants = PNGFixtures.packageRoot.appendingPathComponent("Tests/ImageCodecTests/Fixtures/jpeg-variants")
        let files = [
            variants.appendingPathComponent("ray-420.jpg"), variants.appendingPathComponent("ray-prog-444.jpg"),
            variants.appendingPathComponent("brambling-cmyk-prog.jpg"), variants.appendingPathComponent("ray-mixed.jpg"),
            PNGFixtures.pngSuite.appendingPathComponent("basn2c08.png"), PNGFixtures.pngSuite.appendingPathComponent("basn6a16.png"),
        ]
        for file in files {
            let bytes = try PNGFixtures.bytes(file)
            let layout = try ImageFile.layout(bytes)
            let image = try ImageFile.decode(bytes)
            XCTAssertEqual([layout.width, layout.height], [image.width, image.height], file.lastPathComponent)
            XCTAssertEqual(layout.mode, image.mode, file.lastPathComponent)
            XCTAssertGreaterThanOrEqual(layout.memoryNeeded, bytes.count + image.samples.count, file.lastPathComponent)
            XCTAssertEqual(try ImageFile.decode(bytes, limits: DecodingLimits(maxMemory: layout.memoryNeeded)), image, file.lastPathComponent)
            PNGFixtures.assertError("memory-limit") { try ImageFile.decode(bytes, limits: DecodingLimits(maxMemory: layout.memoryNeeded - 1)) }
        }
    }

    func testMemoryBudgetHoldsConcurrentReservationsUnderItsCapacity() throws {
        let budget = MemoryBudget(capacity: 100)
        XCTAssertThrowsError(try budget.withReservation(101) {}) { error in
            XCTAssertEqual(error as? ImageCodecError, .exceedsMemory(needed: 101, limit: 100))
        }
        // Eight threads each reserving 40 of 100: never more than two at once, every one served.
        final class Counts: @unchecked Sendable {
            let lock = NSLock()
            var inside = 0, most = 0, served = 0
        }
        let counts = Counts()
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<8 {
            Thread {
                try? budget.withReservation(40) {
                    counts.lock.withLock { counts.inside += 1; counts.most = max(counts.most, counts.inside) }
                    usleep(20_000)
                    counts.lock.withLock { counts.inside -= 1; counts.served += 1 }
                }
                done.signal()
            }.start()
        }
        for _ in 0..<8 { done.wait() }
        XCTAssertEqual(counts.served, 8)
        XCTAssertEqual(counts.most, 2)
        XCTAssertEqual(budget.reserved, 0)
    }
}
