import Foundation
@testable import Results
@testable import Site
import XCTest

/// Sample images: PNG files in the run folder, listed in results.json, linked from the shift
/// pages and embedded in the packet (which links to no other file), also after `render`.
final class ThumbnailPagesTests: XCTestCase {
    static func png(_ marker: UInt8) -> [UInt8] { [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, marker] }

    func testThumbnailsAreStoredLinkedAndEmbedded() throws {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let thumbnails = [SiteThumbnail(domain: "day", source: "bolt/1.png", png: Self.png(1)),
                          SiteThumbnail(domain: "day", source: "nut/<2>.png", png: Self.png(2)),
                          SiteThumbnail(domain: "sketch", source: "bolt/s1.jpg", png: Self.png(3))]
        let folder = try SiteFixture.builder(site: site).addRun(results: VerdictLineTests.results(language: "en"), thumbnails: thumbnails,
                                                                manifestJSON: Data("{}".utf8))
        XCTAssertEqual(FileManager.default.contents(atPath: folder.appendingPathComponent("thumbnails/day/02.png").path), Data(Self.png(2)))
        XCTAssertEqual(FileManager.default.contents(atPath: folder.appendingPathComponent("thumbnails/sketch/01.png").path), Data(Self.png(3)))
        let stored = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("results.json"))) as? [String: Any])
        XCTAssertEqual((stored["thumbnails"] as? [[String: String]])?.map { $0["file"] ?? "" },
                       ["thumbnails/day/01.png", "thumbnails/day/02.png", "thumbnails/sketch/01.png"])

        // The shift page shows its own sample and the reference's; names are escaped.
        let sketch = SiteChecks.read(folder.appendingPathComponent("shifts/sketch.html"))
        XCTAssertTrue(sketch.contains("<img src=\"../thumbnails/sketch/01.png\" alt=\"bolt/s1.jpg\" title=\"bolt/s1.jpg\">"))
        XCTAssertTrue(sketch.contains("<img src=\"../thumbnails/day/02.png\" alt=\"nut/&lt;2&gt;.png\""))
        let night = SiteChecks.read(folder.appendingPathComponent("shifts/night.html"))
        XCTAssertTrue(night.contains("<img src=\"../thumbnails/day/01.png\""), "a shift without a sample still shows the reference's")
        XCTAssertFalse(night.contains("thumbnails/night"))
        XCTAssertEqual(SiteChecks.brokenLinks(in: site).problems, [])

        // The packet embeds the shifts' samples; after a re-render from the stored run as well.
        let embedded = "<img src=\"data:image/png;base64,\(Data(Self.png(3)).base64EncodedString())\" alt=\"bolt/s1.jpg\""
        XCTAssertTrue(SiteChecks.read(folder.appendingPathComponent("packet.html")).contains(embedded))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("packet.html"))
        try SiteFixture.builder(site: site).renderAll()
        let packet = SiteChecks.read(folder.appendingPathComponent("packet.html"))
        XCTAssertTrue(packet.contains(embedded))
        XCTAssertEqual(SiteChecks.attributeValues("src", in: packet).filter { !$0.hasPrefix("data:image/png;base64,") }, [])
    }

    func testThePacketEmbedsSamplesOnlyWithinItsImageBudget() throws {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        // 3 shifts × 12 images of 50 kB: the packet would take 6 per shift (900 kB), the budget allows 14.
        let large = [UInt8](repeating: 0x42, count: 50_000)
        let thumbnails = ["night", "sketch", "fog"].flatMap { domain in
            (0..<12).map { SiteThumbnail(domain: domain, source: "\(domain)/\($0).png", png: large) }
        }
        let folder = try SiteFixture.builder(site: site).addRun(results: VerdictLineTests.results(language: "en"), thumbnails: thumbnails,
                                                                manifestJSON: Data("{}".utf8))
        let packet = SiteChecks.read(folder.appendingPathComponent("packet.html"))
        XCTAssertEqual(SiteChecks.attributeValues("src", in: packet).count, SitePaths.packetImageBytes / large.count)
        XCTAssertLessThan(packet.utf8.count, 2_000_000)
        // Spread over the sample: the first shift shows images 0, 2, 4, … of its twelve.
        XCTAssertEqual(SiteChecks.attributeValues("alt", in: packet).prefix(3), ["night/0.png", "night/2.png", "night/4.png"])
    }
}
