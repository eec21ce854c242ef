import Foundation
import XCTest
@testable import Pilot

/// A scratch folder with helpers to lay out datasets.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-pilot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ relativePath: String, _ text: String = "x") throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    func spec(_ json: String) throws -> PilotSpec {
        try PilotSpec.load(from: try write("pilot.json", json))
    }
}

let packageRoot: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder.deleteLastPathComponent()
    }
    return folder
}()

let assets = Assets(root: packageRoot.appendingPathComponent("assets"))

final class PilotSpecTests: XCTestCase {
    func testJSONSyntaxErrorsSayLineAndColumn() throws {
        let folder = try ScratchFolder()
        // Line 3, column 14 is the second comma (the é before it is one column, two bytes).
        let file = try folder.write("pilot.json", "{\n  \"pilot\": \"x\",\n  \"é\": [1, 2,,]\n}\n")
        XCTAssertThrowsError(try PilotSpec.load(from: file)) { error in
            XCTAssertTrue("\(error)".contains("invalid JSON at line 3, column 14"), "\(error)")
        }
    }

    func minimalSpec(_ extra: String = "", domains: String? = nil) -> String {
        """
        {
          "pilot": "line3",
          "classes": {"names": "classes.txt"},
          "domains": \(domains ?? #"[{"name": "reference", "path": "ref", "role": "reference"}, {"name": "night", "path": "night"}]"#),
          "models": [{"name": "tiny", "weights": "model.safetensors"}]\(extra)
        }
        """
    }

    func scratchWithFiles() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        try scratch.write("classes.txt", "screw\ngear\n")
        try scratch.write("model.safetensors")
        try scratch.write("ref/screw/a.png")
        try scratch.write("night/b.png")
        return scratch
    }

    /// A model folder as hub snapshots have it stands for the weights file inside it.
    func testModelFolderStandsForItsWeights() throws {
        let scratch = try scratchWithFiles()
        let hf = try scratch.write("hf/model.safetensors")
        try scratch.write("hf/config.json", "{}")
        let openCLIP = try scratch.write("oc/open_clip_model.safetensors")
        try scratch.write("oc/model.safetensors")
        try scratch.write("empty/readme.txt")
        let models = #"[{"name": "a", "weights": "hf"}, {"name": "b", "weights": "oc/"}]"#
        let spec = try scratch.spec(minimalSpec().replacingOccurrences(of: #"[{"name": "tiny", "weights": "model.safetensors"}]"#, with: models))
        XCTAssertEqual(spec.models.map(\.weights.path), [hf.standardizedFileURL.path, openCLIP.standardizedFileURL.path])
        XCTAssertThrowsError(try scratch.spec(minimalSpec().replacingOccurrences(of: "\"model.safetensors\"", with: "\"empty\""))) { error in
            XCTAssertTrue("\(error)".contains("is a folder without open_clip_model.safetensors or model.safetensors"), "\(error)")
        }
    }

    func testParsesAMinimalSpecWithDefaults() throws {
        let scratch = try scratchWithFiles()
        let spec = try scratch.spec(minimalSpec())
        XCTAssertEqual(spec.pilot, "line3")
        XCTAssertEqual(spec.title, "line3")
        XCTAssertEqual(spec.language, .en)
        XCTAssertEqual(spec.domains.map(\.role), [.reference, .shift])
        XCTAssertEqual(spec.referenceDomain.name, "reference")
        XCTAssertEqual(spec.models.first?.baseline, false)
        XCTAssertEqual(spec.probes.outlierThreshold, 10)
        XCTAssertEqual(spec.probes.conceptThreshold, 0.5)
        XCTAssertTrue(spec.probes.linearProbe)
        XCTAssertEqual(spec.models[0].weights.lastPathComponent, "model.safetensors")
        XCTAssertFalse(try scratch.spec(minimalSpec(#", "probes": {"linear_probe": false}"#)).probes.linearProbe)
        XCTAssertTrue(spec.probes.fewShot)
        XCTAssertEqual(spec.probes.fewShotDraws, 5)
        XCTAssertEqual(spec.probes.fewShotMaxShots, 16)
        XCTAssertEqual(spec.probes.fewShotMaxClasses, 100)
        let fewShot = try scratch.spec(minimalSpec(#", "probes": {"few_shot": false, "few_shot_draws": 3, "few_shot_max_shots": 8}"#)).probes
        XCTAssertEqual([fewShot.fewShot ? 1 : 0, fewShot.fewShotDraws, fewShot.fewShotMaxShots], [0, 3, 8])
        XCTAssertFalse(spec.probes.prompts)
        XCTAssertTrue(try scratch.spec(minimalSpec(#", "probes": {"prompts": true}"#)).probes.prompts)
    }

    func testUnknownKeyNamesItsJSONPathAndSuggests() throws {
        let scratch = try scratchWithFiles()
        let domains = #"[{"name": "reference", "path": "ref", "rol": "reference"}]"#
        XCTAssertThrowsError(try scratch.spec(minimalSpec(domains: domains))) { error in
            XCTAssertEqual(error as? PilotError, .unknownKey(file: scratch.url.appendingPathComponent("pilot.json").path, path: "domains[0].rol", suggestion: "role"))
        }
        XCTAssertThrowsError(try scratch.spec(minimalSpec(#", "critera": {}"#))) { error in
            XCTAssertEqual((error as? PilotError)?.code, "unknown-key")
            XCTAssertTrue("\(error)".contains("critera"))
            XCTAssertTrue("\(error)".contains("criteria"))
        }
    }

    /// `below_baseline_trend`'s margin: −0.05 unless the pilot sets it.
    func testMinEffectiveRobustnessDefaultsToMinusFivePoints() throws {
        let scratch = try scratchWithFiles()
        XCTAssertEqual(try scratch.spec(minimalSpec()).criteria.minEffectiveRobustness, -0.05)
        XCTAssertEqual(try scratch.spec(minimalSpec(#", "criteria": {"min_effective_robustness": -0.1}"#)).criteria.minEffectiveRobustness, -0.1)
    }

    func testWrongTypesAndValuesNameTheirPath() throws {
        let scratch = try scratchWithFiles()
        let cases: [(String, String)] = [
            (#", "criteria": {"min_accuracy": "high"}"#, "criteria.min_accuracy"),
            (#", "criteria": {"min_accuracy": 80}"#, "criteria.min_accuracy"),
            (#", "criteria": {"min_effective_robustness": -5}"#, "criteria.min_effective_robustness"),
            (#", "language": "fr""#, "language"),
            (#", "probes": {"seed": 1.5}"#, "probes.seed"),
            (#", "probes": {"linear_probe": "no"}"#, "probes.linear_probe"),
            (#", "probes": {"few_shot_draws": 0}"#, "probes.few_shot_draws"),
            (#", "probes": {"few_shot_max_shots": 0}"#, "probes.few_shot_max_shots"),
            (#", "probes": {"few_shot": 1}"#, "probes.few_shot"),
            (#", "probes": {"few_shot_max_classes": 1}"#, "probes.few_shot_max_classes"),
            (#", "title": 3"#, "title"),
        ]
        for (extra, path) in cases {
            XCTAssertThrowsError(try scratch.spec(minimalSpec(extra)), extra) { error in
                XCTAssertTrue("\(error)".contains(path), "\(error) should name \(path)")
            }
        }
    }

    /// Stages: each a name and a criteria object read like the pilot's own, in the pilot's order.
    func testStagesAreReadInOrderWithTheirCriteria() throws {
        let scratch = try scratchWithFiles()
        XCTAssertEqual(try scratch.spec(minimalSpec()).stages, [])
        let spec = try scratch.spec(minimalSpec(#"""
            , "stages": [{"name": "trial", "criteria": {"min_accuracy": 0.6}},
                         {"name": "line 3", "criteria": {"min_accuracy": 0.8, "max_relative_drop": 0.1, "min_effective_robustness": -0.02}}]
            """#))
        XCTAssertEqual(spec.stages, [
            PilotSpec.Stage(name: "trial", criteria: PilotSpec.Criteria(minAccuracy: 0.6)),
            PilotSpec.Stage(name: "line 3", criteria: PilotSpec.Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.1, minEffectiveRobustness: -0.02)),
        ])
    }

    /// A bad stage names the pilot file and the stage's JSON path.
    func testStageErrorsNameTheFileAndTheField() throws {
        let scratch = try scratchWithFiles()
        let file = scratch.url.appendingPathComponent("pilot.json").path
        let cases: [(String, String)] = [
            (#", "stages": {"name": "trial"}"#, "stages must be"),
            (#", "stages": [{"criteria": {}}]"#, "stages[0].name"),
            (#", "stages": [{"name": " ", "criteria": {}}]"#, "stages[0].name"),
            (#", "stages": [{"name": "trial"}]"#, "stages[0].criteria"),
            (#", "stages": [{"name": "trial", "criteria": {"min_accuracy": 80}}]"#, "stages[0].criteria.min_accuracy"),
            (#", "stages": [{"name": "a", "criteria": {}}, {"name": "b", "criteria": {"max_drop": 0.1}}]"#, "stages[1].criteria.max_drop"),
            (#", "stages": [{"name": "trial", "criteria": {}, "kpi": 1}]"#, "stages[0].kpi"),
            (#", "stages": [{"name": "trial", "criteria": {}}, {"name": "trial", "criteria": {}}]"#, "trial"),
        ]
        for (extra, path) in cases {
            XCTAssertThrowsError(try scratch.spec(minimalSpec(extra)), extra) { error in
                XCTAssertTrue("\(error)".contains(path), "\(error) should name \(path)")
                XCTAssertTrue("\(error)".contains(file), "\(error) should name the pilot file")
            }
        }
    }

    func testMissingFilesAreNamedWithTheirResolvedPath() throws {
        let scratch = try scratchWithFiles()
        let domains = #"[{"name": "reference", "path": "nowhere", "role": "reference"}]"#
        XCTAssertThrowsError(try scratch.spec(minimalSpec(domains: domains))) { error in
            guard case .missingFile(_, let path, let resolved) = error as? PilotError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "domains[0].path")
            XCTAssertEqual(resolved, scratch.url.appendingPathComponent("nowhere").standardizedFileURL.path)
        }
    }

    func testReferenceRoleRules() throws {
        let scratch = try scratchWithFiles()
        let none = #"[{"name": "a", "path": "ref"}, {"name": "b", "path": "night"}]"#
        XCTAssertThrowsError(try scratch.spec(minimalSpec(domains: none)))
        let two = #"[{"name": "a", "path": "ref", "role": "reference"}, {"name": "b", "path": "night", "role": "reference"}]"#
        XCTAssertThrowsError(try scratch.spec(minimalSpec(domains: two)))
        let single = #"[{"name": "only", "path": "ref"}]"#
        XCTAssertEqual(try scratch.spec(minimalSpec(domains: single)).referenceDomain.name, "only")
        let duplicate = #"[{"name": "a", "path": "ref", "role": "reference"}, {"name": "a", "path": "night"}]"#
        XCTAssertThrowsError(try scratch.spec(minimalSpec(domains: duplicate)))
    }

    func testMalformedJSONIsAClearError() throws {
        let scratch = try scratchWithFiles()
        XCTAssertThrowsError(try scratch.spec("{\"pilot\": ")) { error in
            XCTAssertEqual((error as? PilotError)?.code, "malformed")
        }
        XCTAssertThrowsError(try scratch.spec("[1, 2]")) { error in
            XCTAssertEqual((error as? PilotError)?.code, "wrong-type")
        }
    }

    func testImagenetPresetAndSubsets() throws {
        let list = try ClassList.imagenet(assets: assets)
        XCTAssertEqual(list.names.count, 1000)
        XCTAssertEqual(list.wnids.count, 1000)
        XCTAssertEqual(list.templates.count, 80)
        XCTAssertEqual(list.prompts(forClass: 0).first, "a bad photo of a tench.")
        let r = try ClassList.subsetIndices(.imagenetR, of: list, assets: assets)
        let a = try ClassList.subsetIndices(.imagenetA, of: list, assets: assets)
        XCTAssertEqual(r.count, 200)
        XCTAssertEqual(a.count, 200)
        XCTAssertEqual(r, r.sorted())
        XCTAssertEqual(list.wnids[r[0]], "n01443537")
        XCTAssertEqual(try ClassList.imagenet(templates: .simple7, assets: assets).templates.count, 7)
    }

    func testTemplatesWithoutPlaceholderAreRejected() throws {
        let scratch = try ScratchFolder()
        let names = try scratch.write("classes.txt", "screw\n")
        let templates = try scratch.write("templates.txt", "a photo of a {c}.\na photo.\n")
        XCTAssertThrowsError(try ClassList.load(.files(names: names, templates: .file(templates), wnids: nil), assets: assets))
    }
}

final class PilotScaffoldTests: XCTestCase {
    func testScaffoldParsesAfterAddingWeightsAndRefusesToOverwrite() throws {
        let scratch = try ScratchFolder()
        let folder = scratch.url.appendingPathComponent("Line 3 Pilot")
        let written = try PilotScaffold.create(at: folder)
        XCTAssertTrue(written.contains("pilot.json"))
        try Data("weights".utf8).write(to: folder.appendingPathComponent("models/vit-b-32.safetensors"))
        let spec = try PilotSpec.load(from: folder.appendingPathComponent("pilot.json"))
        XCTAssertEqual(spec.pilot, "line-3-pilot")
        XCTAssertEqual(spec.domains.map(\.name), ["reference", "low-light", "camera-2"])
        XCTAssertEqual(spec.domains[2].labels, PilotSpec.LabelSource.none)
        XCTAssertEqual(spec.criteria.minAccuracy, 0.8)
        let scan = try DatasetScanner.scan(spec.domains[0], classes: try ClassList.load(spec.classes, assets: assets))
        XCTAssertEqual(scan.items.count, 0)
        XCTAssertEqual(scan.nonImagesSkipped, 3)
        XCTAssertThrowsError(try PilotScaffold.create(at: folder))
    }
}
