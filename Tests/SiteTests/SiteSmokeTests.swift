import Foundation
import XCTest
@testable import Site

final class SiteSmokeTests: XCTestCase {
    func testBuildsADemoSite() throws {
        let site = URL(fileURLWithPath: "/tmp/site-demo")
        try? FileManager.default.removeItem(at: site)
        let builder = try SiteFixture.builder(site: site)
        try builder.addRun(results: SiteFixture.results(), classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
        try builder.addRun(results: SiteFixture.results(runID: "2026-12-03T0900Z-77aa", createdAt: "2026-12-03T09:00:00Z", accuracyShift: 0.03),
                           classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
        var ja = SiteFixture.results(language: "ja", runID: "2026-11-20T0800Z-0001", createdAt: "2026-11-20T08:00:00Z", title: "3号ライン — 照明とカメラの変更")
        ja.pilot.name = "line3-ja"
        try builder.addRun(results: ja, classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
    }
}
