import Foundation
@testable import Probes
@testable import Results
@testable import Site
@testable import Support
@testable import Tensor
import XCTest

/// Messages results.json stores in English (probe notes, skipped-image reasons) on pages in
/// each language, from a real probe-suite run whose inputs trigger the notes.
final class StoredMessagesTests: XCTestCase {
    static let classNames = ["bolt", "nut", "washer"]

    /// One model: an unlabelled reference, a labelled shift with two NaN rows, a one-image
    /// shift (one label) and a shift whose only row is infinite.
    static func results(language: String) throws -> RunResults {
        var generator = SplitMix64(seed: 11)
        let d = 8, c = classNames.count
        let head = try Matrix(rows: c, columns: d, values: (0..<(c * d)).map { _ in Float(generator.unit() * 2 - 1) })
        func domain(_ name: String, count: Int, labelled: Bool, poison: Set<Int> = []) throws -> DomainEmbeddings {
            var values: [Float] = []
            for row in 0..<count {
                values += (0..<d).map { j in poison.contains(row) && j == 2 ? (row % 2 == 0 ? .nan : .infinity) : head.values[(row % c) * d + j] + Float(generator.unit() - 0.5) }
            }
            return DomainEmbeddings(name: name, embeddings: try Matrix(rows: count, columns: d, values: values),
                                    labels: labelled ? (0..<count).map { $0 % c } : nil)
        }
        var options = ProbeOptions()
        options.bootstrapResamples = 50
        options.distance.mmdPermutations = 20
        let probes = try ProbeSuite.run(
            model: "toy", head: head, reference: try domain("reference", count: 30, labelled: false),
            shifts: [try domain("night", count: 20, labelled: true, poison: [4, 9]), try domain("single", count: 1, labelled: true),
                     try domain("blank", count: 1, labelled: true, poison: [0])],
            options: options)
        let criteria = Criteria(minAccuracy: 0.5, maxRelativeDrop: 0.2)
        let robustness = [ProbeSuite.effectiveRobustness(model: "toy", referenceDomain: "reference", probes: probes)]
        return RunResults(
            pilot: PilotSummary(name: "messages-\(language)", title: "Stored messages", language: language), runID: "2026-11-26T2300Z-0a0a",
            createdAt: "2026-11-26T23:00:00Z", toolVersion: "0.1.0",
            models: [ModelSummary(name: "toy", sha256: String(repeating: "7", count: 64), family: "toy", activation: "gelu")],
            domains: [DomainSummary(name: "reference", role: .reference, isLabelled: false, imageCount: 30,
                                    skippedImages: [SkippedImage(path: "a/broken.jpg", code: .imageTruncated, reason: "truncated file: scan ended early")]),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 20),
                      DomainSummary(name: "single", role: .shift, isLabelled: true, imageCount: 1),
                      DomainSummary(name: "blank", role: .shift, isLabelled: true, imageCount: 1,
                                    skippedImages: [SkippedImage(path: "b.png", code: .fileMissing, reason: "listed in the manifest but not found")])],
            probes: probes, effectiveRobustness: robustness,
            verdicts: ProbeSuite.verdicts(probes: probes, referenceDomain: "reference", robustness: robustness, criteria: criteria),
            criteria: criteria, seeds: Seeds(base: options.seed))
    }

    /// The run overview of `results` rendered into a fresh site.
    func overview(_ results: RunResults, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try overview(json: try SiteBuilder.encode(results, classNames: Self.classNames), file: file, line: line)
    }

    /// The run overview of the results.json `json` rendered into a fresh site.
    func overview(json: Data, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(resultsJSON: json, manifestJSON: Data("{}".utf8))
        XCTAssertEqual(SiteChecks.malformedPages(in: site), [], file: file, line: line)
        return SiteChecks.read(folder.appendingPathComponent("index.html"))
    }

    func testTheRunProducesEveryCodedNote() throws {
        let results = try Self.results(language: "en")
        let codes = results.probes.flatMap(\.results.notes).map(\.code)
        XCTAssertEqual(Set(codes), [.referenceUnlabelled, .nonfiniteEmbeddings, .singleImageDistance, .singleLabel, .noUsableEmbedding])
        XCTAssertEqual(results.probes(model: "toy", domain: "night")?.notes, [ProbeNote(.nonfiniteEmbeddings, count: 2)])
    }

    func testJapanesePageShowsNotesAndSkippedReasonsInJapanese() throws {
        let page = try overview(try Self.results(language: "ja"))
        for text in ["基準画像にラベルがないため、ATCによる推定と線形プローブは行っていません",
                     "NaNまたは無限大を含む埋め込み2件を除外しました", "NaNまたは無限大を含む埋め込み1件を除外しました",
                     "画像が1枚だけです：フレシェ距離とMMDには2枚以上が必要です",
                     "すべての画像が同じラベルです：クラス別精度は1クラス分だけです",
                     "使える埋め込みがないため、すべてのプローブを省略しました",
                     "<td>ファイルが途中で切れています</td>", "<td>マニフェストに記載されていますが、ファイルが見つかりません</td>"] {
            XCTAssertTrue(page.contains(text), text)
        }
        for english in ["no ATC estimate", "left out", "Fréchet", "same label", "no usable embedding", "scan ended", "not found"] {
            XCTAssertFalse(page.contains(english), english)
        }
    }

    func testEnglishPageShowsNotesFromTheCatalogueAndSkippedReasonsAsWritten() throws {
        let results = try Self.results(language: "en")
        let page = try overview(results)
        for text in ["the reference has no labels: no ATC estimate and no linear probe", "2 embeddings with NaN or infinity left out",
                     "1 embedding with NaN or infinity left out", "one image: Fréchet distance and MMD need at least 2",
                     "every image has the same label: per-class accuracy has one class", "no usable embedding: every probe is skipped"]
            + results.domains.flatMap(\.skippedImages).map(\.reason) {
            XCTAssertTrue(page.contains(text.replacingOccurrences(of: "&", with: "&amp;")), text)
        }
    }

    /// results.json of schema 1 as written before `note_codes` existed: English sentences only.
    func testSchema1NotesWithoutCodesStillRender() throws {
        let json = try SiteBuilder.encode(try Self.results(language: "ja"), classNames: Self.classNames)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let english = try Catalog(language: "en", directory: CatalogTests.i18n)
        object["schema_version"] = 1
        object["probes"] = try XCTUnwrap(object["probes"] as? [[String: Any]]).map { entry in
            var entry = entry
            var results = try XCTUnwrap(entry["results"] as? [String: Any])
            let notes = try JSONDecoder().decode([ProbeNote].self, from: try JSONSerialization.data(withJSONObject: results["notes"] ?? []))
            results["notes"] = try notes.map { try english.noteText($0) }
            entry["results"] = results
            return entry
        }
        let old = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let run = try SiteRun(resultsJSON: old)
        XCTAssertEqual(run.results.schemaVersion, 1)
        XCTAssertEqual(run.results.probes(model: "toy", domain: "night")?.uncodedNotes, ["2 embeddings with NaN or infinity left out"])
        let page = try overview(json: old)
        XCTAssertTrue(page.contains("the reference has no labels: no ATC estimate and no linear probe"))
        XCTAssertTrue(page.contains("2 embeddings with NaN or infinity left out"))
    }
}

/// The source of a baseline line on shift pages: from its structured sources in the page's
/// language (file names as they are); a schema-1 fit as that run showed it.
final class BaselineSourceTests: XCTestCase {
    static let csv = BaselineSource(.csvFile, file: "baselines.csv")
    static let measured = BaselineSource(.pilotModels, file: "pilot.json")

    /// The fixture run with the low-light line fitted on a CSV row and a measured baseline model.
    static func results(language: String) -> RunResults {
        var results = SiteFixture.results(language: language)
        for entry in results.effectiveRobustness.indices {
            for point in results.effectiveRobustness[entry].points.indices where results.effectiveRobustness[entry].points[point].domain == "low-light" {
                results.effectiveRobustness[entry].points[point].baseline?.sources = [csv, measured]
                results.effectiveRobustness[entry].points[point].baseline?.points = [
                    .init(model: "timm-a", referenceAccuracy: 0.7, accuracy: 0.6, source: csv),
                    .init(model: "ResNet-50 supervised", referenceAccuracy: 0.8, accuracy: 0.64, source: measured),
                ]
            }
        }
        return results
    }

    func shiftPage(_ results: RunResults, _ shift: String) throws -> String {
        try shiftPage(json: try SiteBuilder.encode(results, classNames: SiteFixture.classNames), shift)
    }

    func shiftPage(json: Data, _ shift: String) throws -> String {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(resultsJSON: json, manifestJSON: SiteFixture.manifest)
        return SiteChecks.read(folder.appendingPathComponent("shifts/\(shift).html"))
    }

    func testSourcesAreSaidInThePageLanguage() throws {
        let japanese = try shiftPage(Self.results(language: "ja"), "low-light")
        XCTAssertTrue(japanese.contains("ベースライン：48モデル（出典：baselines.csv、pilot.jsonでベースラインに指定したモデル）。"), "measured source translated")
        XCTAssertFalse(japanese.contains("models marked baseline"))
        XCTAssertTrue(try shiftPage(SiteFixture.results(language: "ja"), "sketch")
            .contains("（出典：assets/baselines/imagenet-shifts-standard-testbed.csv (standard models, val ≥ 55 %)）"))
        let english = try shiftPage(Self.results(language: "en"), "low-light")
        XCTAssertTrue(english.contains("Baseline: 48 models from baselines.csv, models marked baseline in pilot.json; fitted line"))
    }

    /// Schema 1 stored the sources as one sentence, and each point's as a phrase.
    func testSchema1SourcesStillReadAndRenderAsTheyDid() throws {
        for language in ["en", "ja"] {
            let json = try SiteBuilder.encode(Self.results(language: language), classNames: SiteFixture.classNames)
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            object["schema_version"] = 1
            object["effective_robustness"] = try XCTUnwrap(object["effective_robustness"] as? [[String: Any]]).map { entry in
                var entry = entry
                entry["points"] = try XCTUnwrap(entry["points"] as? [[String: Any]]).map { point in
                    guard var baseline = point["baseline"] as? [String: Any] else { return point }
                    var point = point
                    let lowLight = point["domain"] as? String == "low-light"
                    baseline["sources"] = nil
                    baseline["source"] = lowLight ? "baselines.csv, models marked baseline in pilot.json" : "assets/baselines/imagenet-shifts-standard-testbed.csv"
                    if lowLight {
                        baseline["points"] = [
                            ["model": "timm-a", "reference_accuracy": 0.7, "accuracy": 0.6, "source": "baselines.csv"],
                            ["model": "ResNet-50 supervised", "reference_accuracy": 0.8, "accuracy": 0.64, "source": "models marked baseline in pilot.json"],
                        ]
                    }
                    point["baseline"] = baseline
                    return point
                }
                return entry
            }
            let old = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            let run = try SiteRun(resultsJSON: old)
            let fit = try XCTUnwrap(run.results.effectiveRobustness.first?.points.first { $0.domain == "low-light" }?.baseline)
            XCTAssertEqual(fit.sources, [Self.csv, Self.measured])
            XCTAssertEqual(fit.points?.map(\.source), [Self.csv, Self.measured])
            XCTAssertEqual(fit.storedSource, "baselines.csv, models marked baseline in pilot.json")
            let lowLight = try shiftPage(json: old, "low-light")
            let sketch = try shiftPage(json: old, "sketch")
            if language == "en" {
                XCTAssertTrue(lowLight.contains("Baseline: 48 models from baselines.csv, models marked baseline in pilot.json; fitted line"))
                XCTAssertTrue(sketch.contains("Baseline: 48 models from assets/baselines/imagenet-shifts-standard-testbed.csv; fitted line"))
            } else {
                XCTAssertTrue(lowLight.contains("（出典：baselines.csv、pilot.jsonでベースラインに指定したモデル）"))
                // A fit stored without its points keeps its sentence.
                XCTAssertTrue(sketch.contains("（出典：assets/baselines/imagenet-shifts-standard-testbed.csv）"))
            }
        }
        XCTAssertEqual(BaselineSource(schema1: "assets/baselines/imagenet-shifts-standard-testbed.csv (standard models, val ≥ 55 %)"),
                       BaselineSource(.testbed, file: BaselineSource.testbedFile))
    }
}
