import Foundation
@testable import Pipeline
@testable import Probes
@testable import Results
@testable import ShiftLensCLI
@testable import Tensor
import XCTest

/// Models marked `"baseline": true` are points of the effective-robustness fit (probe 5),
/// end to end through `shiftlens run --embeddings` with embeddings whose accuracies are set
/// by construction, and the point bookkeeping of `RunBaselines`.
final class BaselineModelsTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-baselines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    static let imagesPerDomain = 20

    /// (name, baseline?, correct on the reference, correct on "night") out of 20 images each.
    static let models: [(name: String, baseline: Bool, reference: Int, night: Int)] = [
        ("base-a", true, 12, 6), ("base-b", true, 15, 9), ("base-c", true, 18, 13), ("cand", false, 16, 14),
    ]

    /// A two-class pilot (reference + "night") whose models' embeddings, imported from
    /// `import/`, are right on exactly the given number of images; returns the spec's URL.
    func writePilot(
        models: [(name: String, baseline: Bool, reference: Int, night: Int)], baselinesCSV: String?, probes: [String: Any]? = nil
    ) throws -> URL {
        try Data("cat\ndog\n".utf8).write(to: scratch.appendingPathComponent("classes.txt"))
        try Data("a photo of a {c}.\n".utf8).write(to: scratch.appendingPathComponent("templates.txt"))
        try Data("not a checkpoint".utf8).write(to: scratch.appendingPathComponent("weights.bin"))
        let importFolder = scratch.appendingPathComponent("import")
        try FileManager.default.createDirectory(at: importFolder, withIntermediateDirectories: true)
        for domain in ["reference", "night"] {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent("data/\(domain)"), withIntermediateDirectories: true)
        }
        let classes = ["cat", "dog"]
        var csv = "path,label,domain\n"
        for domain in ["reference", "night"] {
            for image in 0..<Self.imagesPerDomain { csv += String(format: "img%03d.png", image) + ",\(classes[image % 2]),\(domain)\n" }
        }
        try Data(csv.utf8).write(to: importFolder.appendingPathComponent("images.csv"))
        // d = 4: dimensions 0 and 1 decide the class (the head is their unit vectors), 2 and 3
        // vary a little so that no probe sees constant columns.
        let dimension = 4
        let head: [Float] = [1, 0, 0, 0, 0, 1, 0, 0]
        for model in models {
            var values: [Float] = []
            for (domainIndex, correct) in [model.reference, model.night].enumerated() {
                for image in 0..<Self.imagesPerDomain {
                    let label = image % 2
                    let predicted = image < correct ? label : 1 - label
                    let wobble = Float(image + 7 * domainIndex)
                    values += [predicted == 0 ? 1 : 0, predicted == 1 ? 1 : 0, 0.1 * sin(wobble), 0.1 * cos(1.3 * wobble)]
                }
            }
            try Data(NPY.encode(float32: values, shape: [2 * Self.imagesPerDomain, dimension])).write(to: importFolder.appendingPathComponent("\(model.name).npy"))
            try Data(NPY.encode(float32: head, shape: [2, dimension])).write(to: importFolder.appendingPathComponent("\(model.name)-head.npy"))
        }
        var spec: [String: Any] = [
            "pilot": "baseline-models",
            "classes": ["names": "classes.txt", "templates": "templates.txt"],
            "domains": [["name": "reference", "path": "data/reference", "role": "reference"], ["name": "night", "path": "data/night", "role": "shift"]],
            "models": models.map { ["name": $0.name, "weights": "weights.bin", "baseline": $0.baseline] as [String: Any] },
            "criteria": ["min_accuracy": 0.5],
        ]
        if let probes { spec["probes"] = probes }
        if let baselinesCSV {
            try Data(baselinesCSV.utf8).write(to: scratch.appendingPathComponent("baselines.csv"))
            spec["baselines"] = "baselines.csv"
        }
        let url = scratch.appendingPathComponent("pilot.json")
        try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        return url
    }

    /// Runs the pilot on the imported embeddings and decodes the run's results.json.
    func run(_ spec: URL) throws -> RunResults {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(["run", spec.path, "--site", scratch.appendingPathComponent("site").path,
                                     "--store", scratch.appendingPathComponent("store").path,
                                     "--embeddings", scratch.appendingPathComponent("import").path], console: captured.console)
        XCTAssertEqual(code, 0, captured.err)
        let index = try XCTUnwrap(captured.out.split(separator: "\n").last.map(String.init), captured.err)
        let folder = URL(fileURLWithPath: index).deletingLastPathComponent()
        return try RunResults.decode(Data(contentsOf: folder.appendingPathComponent("results.json")))
    }

    func point(_ results: RunResults, _ model: String) throws -> RobustnessPoint {
        try XCTUnwrap(results.effectiveRobustness.first { $0.model == model }?.points.first { $0.domain == "night" }, model)
    }

    func testBaselineModelsAndCSVRowsMakeTheFitOfTheOtherModels() throws {
        // base-b is also in the CSV (other numbers): its measured point replaces the row.
        let spec = try writePilot(models: Self.models, baselinesCSV: "model,domain,reference_accuracy,accuracy\nBASE-B,night,0.5,0.1\nother,night,0.7,0.4\n")
        let results = try run(spec)
        let candidate = try point(results, "cand")
        XCTAssertEqual(candidate.referenceAccuracy, 0.8, accuracy: 1e-12)
        XCTAssertEqual(candidate.accuracy, 0.7, accuracy: 1e-12)
        let fit = try XCTUnwrap(candidate.baseline)
        // numpy: the measured baseline points enter with their counts as empirical logits
        // el(k, n) = log((k + ½) / (n − k + ½)), the CSV row as its plain logit lg(p) = log(p / (1 − p)):
        // x = [el(12, 20), el(15, 20), el(18, 20), lg(0.7)], y = [el(6, 20), el(9, 20), el(13, 20), lg(0.4)];
        // slope, intercept = np.polyfit(x, y, 1); the candidate's 16 of 20:
        // er = 0.7 - 1 / (1 + exp(-(slope * el(16, 20) + intercept)))
        XCTAssertEqual(fit.slope, 0.8591958474322615, accuracy: 1e-12)
        XCTAssertEqual(fit.intercept, -1.1200759369658266, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(candidate.effectiveRobustness), 0.20093434700283974, accuracy: 1e-12)
        XCTAssertEqual(fit.pointCount, 4)
        let points = try XCTUnwrap(fit.points)
        XCTAssertEqual(points.map(\.model).sorted(), ["base-a", "base-b", "base-c", "other"])
        XCTAssertEqual(points.first { $0.model == "base-b" }?.source, BaselineSource(.pilotModels, file: "pilot.json"))
        XCTAssertEqual(points.first { $0.model == "base-b" }?.referenceAccuracy ?? 0, 0.75, accuracy: 1e-12)
        XCTAssertEqual(points.first { $0.model == "other" }?.source, BaselineSource(.csvFile, file: "baselines.csv"))
        XCTAssertEqual(fit.sources, [BaselineSource(.csvFile, file: "baselines.csv"), BaselineSource(.pilotModels, file: "pilot.json")])
        // The same line serves every model; the baseline models stay out of the verdicts.
        // base-a: 12 of 20 on the reference; er = 0.3 - σ(slope · el(12, 20) + intercept).
        XCTAssertEqual(try XCTUnwrap(try point(results, "base-a").effectiveRobustness), -0.012444363632507505, accuracy: 1e-12)
        XCTAssertEqual(points.first { $0.model == "base-a" }?.referenceCounts, AccuracyCounts(correct: 12, total: 20))
        XCTAssertNil(points.first { $0.model == "other" }?.counts)
        // 4 distinct points: the candidate's ER has its interval, and the run stored the margin.
        let interval = try XCTUnwrap(candidate.intervals?.effectiveRobustness)
        XCTAssertLessThan(interval.lower, 0.20093434700283974)
        XCTAssertGreaterThan(interval.upper, 0.20093434700283974)
        XCTAssertEqual(results.criteria.minEffectiveRobustness, -0.05)
        XCTAssertEqual(results.verdicts.models.map(\.model), ["cand"])
        XCTAssertEqual(Set(results.verdicts.shifts.map(\.model)), ["cand"])
        // The candidate's 14 of 20 on night straddles min_accuracy 0.5 (watch): results.json says
        // how many labels settle it — scipy: the smallest n > 20 with beta.ppf(0.025, ⌊0.7n + ½⌋, …) ≥ 0.5
        // is 25 (18 of 25, lower bound 0.506). Baseline models get none.
        let needed = try XCTUnwrap(results.labelsNeeded)
        XCTAssertEqual(needed.map(\.code), [.settleMinAccuracy])
        XCTAssertEqual(needed.first?.model, "cand")
        XCTAssertEqual(needed.first?.domain, "night")
        XCTAssertEqual(needed.first?.labelled, 20)
        XCTAssertEqual(needed.first?.total, 25)
        XCTAssertEqual(needed.first?.additional, 5)
    }

    func testOneBaselineModelIsNoLine() throws {
        let spec = try writePilot(models: [Self.models[0], Self.models[3]], baselinesCSV: nil)
        let results = try run(spec)
        let candidate = try point(results, "cand")
        XCTAssertNil(candidate.baseline)
        XCTAssertNil(candidate.effectiveRobustness)
        XCTAssertEqual(candidate.drop, 0.1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(candidate.relativeAccuracy), 0.875, accuracy: 1e-12)
    }

    /// `"probes": {"linear_probe": false}` leaves the linear probe out of every result (and
    /// says so in the manifest); by default it runs.
    func testTheLinearProbeCanBeSwitchedOff() throws {
        let models = [Self.models[0], Self.models[3]]
        let withProbe = try run(try writePilot(models: models, baselinesCSV: nil))
        XCTAssertNotNil(withProbe.probes.first { $0.domain == "reference" }?.results.linearProbe)
        let without = try run(try writePilot(models: models, baselinesCSV: nil, probes: ["linear_probe": false]))
        XCTAssertFalse(without.probes.isEmpty)
        XCTAssertTrue(without.probes.allSatisfy { $0.results.linearProbe == nil })
        XCTAssertNotNil(without.probes.first { $0.domain == "reference" }?.results.zeroShot)
    }

    // MARK: RunBaselines

    func baselinePoint(_ model: String, _ x: Double, _ y: Double) -> EffectiveRobustnessProbe.BaselinePoint {
        .init(model: model, referenceAccuracy: x, accuracy: y)
    }

    func measured(_ x: Double, _ y: Double) -> RobustnessPoint {
        EffectiveRobustnessProbe.point(domain: "v2", referenceAccuracy: x, accuracy: y, fit: nil)
    }

    func testMeasuredPointsReplaceCSVRowsOfTheSameModelInEitherOrder() {
        var csvFirst = RunBaselines(specFileName: "pilot.json")
        csvFirst.addCSV(["v2": [baselinePoint("RN50", 0.7, 0.5), baselinePoint("vgg", 0.6, 0.4)]], source: BaselineSource(.csvFile, file: "b.csv"))
        csvFirst.addMeasured(model: "rn50", point: measured(0.8, 0.6))
        var measuredFirst = RunBaselines(specFileName: "pilot.json")
        measuredFirst.addMeasured(model: "rn50", point: measured(0.8, 0.6))
        measuredFirst.addCSV(["v2": [baselinePoint("RN50", 0.7, 0.5), baselinePoint("vgg", 0.6, 0.4)]], source: BaselineSource(.csvFile, file: "b.csv"))
        for baselines in [csvFirst, measuredFirst] {
            let points = baselines.own["v2"] ?? []
            XCTAssertEqual(points.count, 2)
            XCTAssertEqual(points.first { $0.model == "rn50" }?.referenceAccuracy, 0.8)
            XCTAssertEqual(points.first { $0.model == "vgg" }?.source, BaselineSource(.csvFile, file: "b.csv"))
        }
    }

    func testTheFallbackServesOnlyShiftsWhoseOwnPointsMakeNoLine() throws {
        var baselines = RunBaselines(specFileName: "pilot.json")
        let testbed = [baselinePoint("a", 0.6, 0.3), baselinePoint("b", 0.7, 0.4), baselinePoint("c", 0.8, 0.55)].map { point -> EffectiveRobustnessProbe.BaselinePoint in
            var point = point
            point.source = BaselineSource(.testbed, file: BaselineSource.testbedFile)
            return point
        }
        baselines.fallback = ["v2": testbed, "sketch": testbed]
        baselines.addMeasured(model: "rn50", point: measured(0.8, 0.6))  // one point on v2: no line of its own
        baselines.addCSV(["sketch": [baselinePoint("x", 0.5, 0.2), baselinePoint("y", 0.9, 0.3)]], source: BaselineSource(.csvFile, file: "b.csv"))
        let fits = baselines.fits(seed: 1)
        XCTAssertEqual(fits["v2"]?.sources, [BaselineSource(.testbed, file: BaselineSource.testbedFile)])
        XCTAssertEqual(fits["v2"]?.pointCount, 3)
        XCTAssertEqual(fits["sketch"]?.sources, [BaselineSource(.csvFile, file: "b.csv")])
        XCTAssertEqual(fits["sketch"]?.pointCount, 2)
        // Two points at one reference accuracy make no line either.
        var flat = RunBaselines(specFileName: "pilot.json")
        flat.addCSV(["v2": [baselinePoint("x", 0.5, 0.2), baselinePoint("y", 0.5, 0.3)]], source: BaselineSource(.csvFile, file: "b.csv"))
        XCTAssertNil(flat.fits(seed: 1)["v2"])
    }
}
