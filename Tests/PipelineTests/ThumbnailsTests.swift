import Foundation
@testable import ImageCodec
@testable import Pipeline
@testable import Pilot
import XCTest

/// The sample images of a domain: which ones (seeded, independent of how the run was batched)
/// and how they are shrunk.
final class ThumbnailsTests: XCTestCase {
    func testShrinkAveragesTheSourcePixelsEachOutputPixelCovers() {
        // 4 × 2 → fits 2 × 2 as 2 × 1: each output pixel is the rounded mean of a 2 × 2 block.
        let pixels: [UInt8] = [0, 0, 0, 10, 20, 30, 100, 100, 100, 200, 200, 201,
                               1, 1, 1, 11, 21, 31, 100, 100, 100, 200, 201, 201]
        let shrunk = Thumbnails.shrink(RGBImage(width: 4, height: 2, pixels: pixels), maxSide: 2)
        XCTAssertEqual([shrunk.width, shrunk.height], [2, 1])
        // R 22/4 = 5.5 → 6, G 42/4 = 10.5 → 11, B 62/4 = 15.5 → 16; R 600/4 = 150, G 601/4 → 150, B 602/4 = 150.5 → 151.
        XCTAssertEqual(shrunk.pixels, [6, 11, 16, 150, 150, 151])
        // Never enlarged; the aspect ratio is kept.
        let small = RGBImage(width: 3, height: 5, pixels: [UInt8](repeating: 7, count: 45))
        XCTAssertEqual(Thumbnails.shrink(small, maxSide: 96), small)
        let wide = Thumbnails.shrink(RGBImage(width: 640, height: 480, pixels: [UInt8](repeating: 9, count: 640 * 480 * 3)), maxSide: 96)
        XCTAssertEqual([wide.width, wide.height], [96, 72])
        XCTAssertEqual(Set(wide.pixels), [9])
    }

    func testTheSampleDependsOnlyOnTheSeedTheDomainsPositionAndItsImages() {
        func domain(_ count: Int) -> ScannedDomain {
            let items = (0..<count).map { DatasetItem(url: URL(fileURLWithPath: "/images/\($0).png"), relativePath: "\($0).png", label: 0) }
            return ScannedDomain(spec: PilotSpec.Domain(name: "night", path: URL(fileURLWithPath: "/images"), role: .shift, labels: .auto),
                                 scan: DatasetScan(layout: .classNameFolders, items: items), problem: nil)
        }
        let first = Thumbnails.sample(domain(100), position: 1, seed: 42).map(\.relativePath)
        XCTAssertEqual(first.count, Thumbnails.count)
        XCTAssertEqual(Set(first).count, Thumbnails.count)
        XCTAssertEqual(Thumbnails.sample(domain(100), position: 1, seed: 42).map(\.relativePath), first)
        XCTAssertNotEqual(Thumbnails.sample(domain(100), position: 2, seed: 42).map(\.relativePath), first)
        XCTAssertNotEqual(Thumbnails.sample(domain(100), position: 1, seed: 43).map(\.relativePath), first)
        // Fewer images than the sample: all of them, in order.
        XCTAssertEqual(Thumbnails.sample(domain(5), position: 0, seed: 42).map(\.relativePath), ["0.png", "1.png", "2.png", "3.png", "4.png"])
    }
}
