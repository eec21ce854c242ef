import Foundation
@testable import Probes
@testable import Results
@testable import Site
@testable import Support
@testable import Tensor
import XCTest

/// The site built from a real run of the probe suite on seeded synthetic embeddings, so the
/// pages meet real result shapes (bootstrap bands of 50 points, probe notes, every verdict rule).
final class ProbeSuiteSiteTests: XCTestCase {
    static let classNames = ["bolt", "nut", "washer", "gear <M4>", "spring \"S\"", "clip & pin"]

    /// Embeddings around each class's head row; `outliers` adds two huge dimensions.
    static func domain(_ name: String, count: Int, head: Matrix<Float>, noise: Float, outliers: Bool, labelled: Bool,
                       generator: inout SplitMix64) throws -> DomainEmbeddings {
        let d = head.columns
        var values: [Float] = []
        var labels: [Int] = []
        for index in 0..<count {
            let label = index % head.rows
            labels.append(label)
            for j in 0..<d {
                var value = 3 * head.values[label * d + j] + noise * Float(generator.unit() * 2 - 1)
                if outliers && (j == 3 || j == 7) { value += 40 * (generator.unit() < 0.5 ? -1 : 1) }
                values.append(value)
            }
        }
        return DomainEmbeddings(name: name, embeddings: try Matrix(rows: count, columns: d, values: values), labels: labelled ? labels : nil)
    }

    static func results() throws -> RunResults {
        var generator = SplitMix64(seed: 2026)
        let d = 32, c = classNames.count
        var headValues: [Float] = []
        for _ in 0..<c {
            let row = (0..<d).map { _ in Float(generator.unit() * 2 - 1) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            headValues += row.map { $0 / norm }
        }
        let head = try Matrix(rows: c, columns: d, values: headValues)
        var options = ProbeOptions()
        options.seed = 7
        options.bootstrapResamples = 200
        options.distance.mmdPermutations = 50
        let models: [(name: String, outliers: Bool, noise: Float)] = [("robust <ViT>", true, 0.35), ("plain & simple", false, 0.5)]
        var probes: [ModelDomainProbes] = []
        for model in models {
            let reference = try domain("reference", count: 90, head: head, noise: model.noise, outliers: model.outliers, labelled: true, generator: &generator)
            let night = try domain("night", count: 60, head: head, noise: model.noise * 2.2, outliers: model.outliers, labelled: true, generator: &generator)
            let camera = try domain("camera-2", count: 40, head: head, noise: model.noise * 1.6, outliers: model.outliers, labelled: false, generator: &generator)
            probes += try ProbeSuite.run(model: model.name, head: head, reference: reference, shifts: [night, camera], options: options)
        }
        let baseline = (0..<12).map { index -> EffectiveRobustnessProbe.BaselinePoint in
            let x = 0.55 + 0.035 * Double(index)
            return .init(model: "baseline \(index)", referenceAccuracy: x, accuracy: x * 0.7 + 0.02 * (generator.unit() - 0.5))
        }
        let fit = try XCTUnwrap(EffectiveRobustnessProbe.fit(baseline: baseline, sources: [BaselineSource(.csvFile, file: "synthetic.csv")], resamples: 200, seed: 3))
        let robustness = models.map { ProbeSuite.effectiveRobustness(model: $0.name, referenceDomain: "reference", probes: probes, baselines: ["night": fit]) }
        let criteria = Criteria(minAccuracy: 0.6, maxRelativeDrop: 0.2)
        return RunResults(
            pilot: PilotSummary(name: "synthetic", title: "Synthetic parts <line 5>", language: "en"), runID: "2026-11-26T2100Z-5e11",
            createdAt: "2026-11-26T21:00:00Z", toolVersion: "0.1.0",
            models: models.map { ModelSummary(name: $0.name, sha256: String(repeating: "9", count: 64), family: "ViT-S/16", activation: "gelu") },
            domains: [DomainSummary(name: "reference", role: .reference, isLabelled: true, imageCount: 90),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 60),
                      DomainSummary(name: "camera-2", role: .shift, isLabelled: false, imageCount: 40)],
            probes: probes, effectiveRobustness: robustness,
            verdicts: ProbeSuite.verdicts(probes: probes, referenceDomain: "reference", robustness: robustness, criteria: criteria),
            criteria: criteria, seeds: Seeds(base: options.seed))
    }

    func testSiteFromARealProbeRunIsCompleteAndClean() throws {
        let results = try Self.results()
        // The run exercises what the pages must show: outliers in one model only, a baseline
        // band, an unlabelled shift with an ATC estimate.
        XCTAssertGreaterThan(try XCTUnwrap(results.probes(model: "robust <ViT>", domain: "reference")?.outliers).count, 0)
        XCTAssertEqual(results.probes(model: "plain & simple", domain: "reference")?.outliers?.count, 0)
        XCTAssertNotNil(results.probes(model: "plain & simple", domain: "camera-2")?.atc)
        XCTAssertEqual(results.effectiveRobustness.first?.points.first?.baseline?.band.count, 50)

        // SHIFTLENS_PROBE_SITE_OUT=DIR keeps this site there (for screenshots and validators).
        let keep = ProcessInfo.processInfo.environment["SHIFTLENS_PROBE_SITE_OUT"]
        let site = keep.map { URL(fileURLWithPath: $0) } ?? SiteFixture.temporaryDirectory()
        if keep != nil { try? FileManager.default.removeItem(at: site) }
        defer { if keep == nil { try? FileManager.default.removeItem(at: site) } }
        let builder = try SiteFixture.builder(site: site)
        let folder = try builder.addRun(results: results, classNames: Self.classNames, manifestJSON: Data("{}".utf8))
        XCTAssertEqual(SiteChecks.files(in: folder, withExtension: "html").count, 2 + 2 + 3)
        XCTAssertEqual(SiteChecks.brokenLinks(in: site).problems, [])
        XCTAssertEqual(SiteChecks.malformedPages(in: site), [])
        XCTAssertEqual(SiteChecks.unsafePages(in: site), [])

        let overview = SiteChecks.read(folder.appendingPathComponent("index.html"))
        for verdict in results.verdicts.models {
            let label = ["pass": "Pass", "watch": "Watch", "fail": "Fail"][verdict.status.rawValue] ?? "?"
            XCTAssertTrue(overview.contains("<a href=\"models/\(Slug.unique(results.models.map(\.name))[verdict.model] ?? "").html\">"))
            XCTAssertTrue(overview.contains("</span> \(label)</span>"), "verdict \(label) of \(verdict.model) shown")
        }
        XCTAssertTrue(overview.contains("robust &lt;ViT&gt;"))
        XCTAssertTrue(overview.contains("id=\"chart-er\""))
        XCTAssertTrue(overview.contains("id=\"chart-pruning\""))
        let model = SiteChecks.read(folder.appendingPathComponent("models/robust-vit.html"))
        XCTAssertTrue(model.contains("gear &lt;M4&gt;") || model.contains("spring &quot;S&quot;") || model.contains("clip &amp; pin")
                      || model.contains("bolt") || model.contains("nut") || model.contains("washer"), "class names shown")
        let shift = SiteChecks.read(folder.appendingPathComponent("shifts/night.html"))
        XCTAssertTrue(shift.contains("Baseline: 12 models from synthetic.csv"))
        // Every number the shift page prints for the top-1 accuracy is the probes' number, formatted.
        for entry in results.probes where entry.domain == "night" {
            let top1 = try XCTUnwrap(entry.results.zeroShot?.top1)
            XCTAssertTrue(shift.contains(">\(Fixed.format(top1 * 100, digits: 1))%<"), "\(entry.model) top-1 on night")
        }
        // The reliability diagram: one line per model through its stored bins, beside the diagonal.
        XCTAssertTrue(shift.contains("id=\"chart-reliability\""), "reliability diagram on the labelled shift")
        XCTAssertTrue(shift.contains("Reliability diagram on night"))
        XCTAssertTrue(shift.contains("perfectly calibrated"))
        // Each model's calibration on the labelled shift, beside the reference's, with the stored numbers.
        for model in results.models {
            let calibration = try XCTUnwrap(results.probes(model: model.name, domain: "night")?.calibration)
            let reference = try XCTUnwrap(results.probes(model: model.name, domain: "reference")?.calibration)
            let ece = Fixed.format(calibration.ece * 100, digits: 1), referenceECE = Fixed.format(reference.ece * 100, digits: 1)
            XCTAssertTrue(shift.contains("Its expected calibration error (15 equal-mass bins) is \(ece)%, against \(referenceECE)% on the reference"),
                          "\(model.name): ECE \(ece)% shown")
        }
        // The unlabelled shift's estimate comes with its largest checked error: the labelled
        // shift and the reference's held-out half (2 checks), as stored with the estimate.
        let unlabelled = SiteChecks.read(folder.appendingPathComponent("shifts/camera-2.html"))
        for model in results.models {
            let checked = try XCTUnwrap(results.probes(model: model.name, domain: "camera-2")?.labelFreeErrors?.first)
            XCTAssertEqual(checked.checks, 2)
            let points = Fixed.format(checked.maxAbsoluteError * 100, digits: 1)
            XCTAssertTrue(unlabelled.contains("In the 2 places where labels allowed a check (the labelled shifts and a held-out half of the reference), this estimate was off by up to \(points)"),
                          "\(model.name): checked error \(points) shown")
        }
    }
}
