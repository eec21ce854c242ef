import Foundation
@testable import Pilot
@testable import Pipeline
@testable import ShiftLensCLI
import XCTest

/// The story the demo's site tells (`shiftlens demo`, English and Japanese).
///
/// The tests run the real demo once per language (the Japanese run reuses the English run's embedding
/// store) and read its `results.json` and pages. They assert what a reader is told — which model holds up
/// where, that effective robustness comes with a band, that the unlabelled shift gets a label-free
/// estimate, that every page says these are toy models — on accuracies and effective robustness with
/// margins, and on statuses only where the verdict rules leave no doubt.
final class DemoStoryTests: XCTestCase {
    /// The roles the README gives the bundled models: the same small vision tower trained on diverse and on narrow
    /// (reference-style) data.
    static let robust = "diverse-6k-small"
    static let fragile = "narrow-6k-small"
    static let between: [String] = DemoPilot.models.filter { !$0.baseline && ![robust, fragile].contains($0.name) }.map(\.name)
    static let baselines: [String] = DemoPilot.models.filter(\.baseline).map(\.name)
    static let labelledShifts = ["low-light", "new-camera", "sketch", "clutter", "second-line"]
    static let hardShifts = ["low-light", "new-camera", "sketch", "clutter"]

    struct Run {
        let folder: URL
        let results: [String: Any]
        let pages: [String: String]
    }

    nonisolated(unsafe) static var runs: [PilotSpec.Language: Run] = [:]
    nonisolated(unsafe) static var scratch: URL?

    /// Runs `shiftlens demo` in `language` (once per test class) and loads its results and pages.
    func demo(_ language: PilotSpec.Language) throws -> Run {
        if let run = Self.runs[language] { return run }
        let scratch = Self.scratch ?? FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-demo-run-\(UUID().uuidString)")
        Self.scratch = scratch
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(["demo", "--language", language.rawValue, "--site", scratch.appendingPathComponent("site").path,
                                     "--data", scratch.appendingPathComponent("data").path], console: captured.console)
        XCTAssertEqual(code, 0, captured.err)
        let index = try XCTUnwrap(captured.out.split(separator: "\n").last.map(String.init), captured.err)
        let folder = URL(fileURLWithPath: index).deletingLastPathComponent()
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("results.json"))) as? [String: Any])
        var pages: [String: String] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: folder.path)! where path.hasSuffix(".html") {
            pages[path] = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
        }
        let run = Run(folder: folder, results: results, pages: pages)
        Self.runs[language] = run
        return run
    }

    override class func tearDown() {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        scratch = nil
        runs = [:]
        super.tearDown()
    }

    /// `results.json`'s probes of `model` on `domain`.
    func probe(_ run: Run, _ model: String, _ domain: String) throws -> [String: Any] {
        let probes = try XCTUnwrap(run.results["probes"] as? [[String: Any]])
        let entry = try XCTUnwrap(probes.first { $0["model"] as? String == model && $0["domain"] as? String == domain }, "\(model) · \(domain)")
        return try XCTUnwrap(entry["results"] as? [String: Any])
    }

    func accuracy(_ run: Run, _ model: String, _ domain: String) throws -> Double {
        let zeroShot = try XCTUnwrap(try probe(run, model, domain)["zero_shot"] as? [String: Any], "\(model) · \(domain)")
        return try XCTUnwrap(zeroShot["top1"] as? Double)
    }

    func status(_ run: Run, _ model: String, _ domain: String) throws -> String {
        let verdicts = try XCTUnwrap((run.results["verdicts"] as? [String: Any])?["shifts"] as? [[String: Any]])
        let verdict = try XCTUnwrap(verdicts.first { $0["model"] as? String == model && $0["domain"] as? String == domain })
        return try XCTUnwrap(verdict["status"] as? String)
    }

    /// `effective_robustness` of `model` on `domain`: the point with its ER and the baseline fit.
    func robustness(_ run: Run, _ model: String, _ domain: String) throws -> [String: Any] {
        let entries = try XCTUnwrap(run.results["effective_robustness"] as? [[String: Any]])
        let points = try XCTUnwrap(entries.first { $0["model"] as? String == model }?["points"] as? [[String: Any]], model)
        return try XCTUnwrap(points.first { $0["domain"] as? String == domain }, "\(model) · \(domain)")
    }

    /// PyTorch's numbers for the bundled models (Fixtures/demo/make_fixtures.py).
    func pytorch() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/demo/pytorch.json")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testShiftLensReproducesPyTorchOnEveryBundledModelAndDomain() throws {
        let run = try demo(.en)
        let models = try XCTUnwrap(try pytorch()["models"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(models.keys), Set(DemoPilot.models.map(\.folder)))
        for model in DemoPilot.models {
            let expected = try XCTUnwrap(models[model.folder])
            for domain in DemoDataset.domains {
                let reference = try XCTUnwrap(expected[domain.name])
                let results = try probe(run, model.name, domain.name)
                if domain.labelled {
                    let zeroShot = try XCTUnwrap(results["zero_shot"] as? [String: Any])
                    XCTAssertEqual(zeroShot["count"] as? Int, reference["count"] as? Int)
                    XCTAssertEqual(zeroShot["top1_correct"] as? Int, reference["correct"] as? Int, "\(model.name) · \(domain.name)")
                } else {
                    XCTAssertNil(results["zero_shot"], "the pilot has no labels for \(domain.name)")
                }
                let outliers = try XCTUnwrap(results["outliers"] as? [String: Any])
                let pytorchOutliers = try XCTUnwrap(reference["outliers"] as? [String: Any])
                let ratios = try XCTUnwrap(outliers["ratios"] as? [Double])
                XCTAssertEqual(ratios.max() ?? 0, try XCTUnwrap(pytorchOutliers["max_ratio"] as? Double), accuracy: 1e-3, "\(model.name) · \(domain.name)")
                XCTAssertEqual(outliers["count"] as? Int, pytorchOutliers["count"] as? Int)
                XCTAssertEqual(try XCTUnwrap(outliers["kurtosis_mean"] as? Double), try XCTUnwrap(pytorchOutliers["kurtosis_mean"] as? Double), accuracy: 1e-3)
            }
        }
    }

    func testTheRobustCandidateHoldsUpWhereTheNarrowOneDoesNot() throws {
        let minimum = try XCTUnwrap(DemoPilot.criteria.minAccuracy)
        for language in PilotSpec.Language.allCases {
            let run = try demo(language)
            // Both learnt the task: the reference is no problem for either.
            for model in [Self.robust, Self.fragile] {
                XCTAssertGreaterThan(try accuracy(run, model, "reference"), minimum + 0.1, model)
                XCTAssertEqual(try status(run, model, "reference"), "pass", model)
            }
            // The mild shift: the robust candidate passes it, clearly above the minimum and with a small drop.
            XCTAssertEqual(try status(run, Self.robust, "second-line"), "pass")
            XCTAssertGreaterThan(try accuracy(run, Self.robust, "second-line"), minimum + 0.1)
            // The night shift: the robust candidate passes; the narrow one, trained on reference-style photos only,
            // fails it far below the minimum.
            XCTAssertEqual(try status(run, Self.robust, "low-light"), "pass")
            for shift in Self.hardShifts {
                XCTAssertEqual(try status(run, Self.fragile, shift), "fail", shift)
                XCTAssertLessThan(try accuracy(run, Self.fragile, shift), minimum - 0.3, shift)
                XCTAssertGreaterThan(try accuracy(run, Self.robust, shift), try accuracy(run, Self.fragile, shift) + 0.15, shift)
            }
            // Camera swap, drawings, clutter: too much for the robust candidate too, by the pilot's criteria.
            for shift in ["new-camera", "sketch", "clutter"] {
                XCTAssertEqual(try status(run, Self.robust, shift), "fail", shift)
                XCTAssertLessThan(try accuracy(run, Self.robust, shift), minimum - 0.15, shift)
            }
            // The mild shift is no problem for the narrow candidate either.
            XCTAssertEqual(try status(run, Self.fragile, "second-line"), "pass")
            // Without labels neither gets a pass on the supplier's photos: the estimate is below the minimum.
            for model in [Self.robust, Self.fragile] {
                XCTAssertFalse(["pass", "not_assessed"].contains(try status(run, model, "site-photos")), model)
            }
            // The models between (diverse data on a tiny tower, shorter training): on average over the hard shifts each
            // is below the robust one and clearly above the narrow one, and each keeps more of its reference accuracy
            // on the night shift than the narrow one does.
            func mean(_ model: String) throws -> Double {
                try Self.hardShifts.map { try accuracy(run, model, $0) }.reduce(0, +) / Double(Self.hardShifts.count)
            }
            func kept(_ model: String, _ shift: String) throws -> Double {
                try accuracy(run, model, shift) / accuracy(run, model, "reference")
            }
            XCTAssertEqual(Self.between.count, 2)
            for model in Self.between {
                XCTAssertLessThan(try mean(model), try mean(Self.robust) - 0.15, model)
                XCTAssertGreaterThan(try mean(model), try mean(Self.fragile) + 0.1, model)
                XCTAssertGreaterThan(try kept(model, "low-light"), try kept(Self.fragile, "low-light") + 0.4, model)
                XCTAssertLessThan(try kept(model, "low-light"), try kept(Self.robust, "low-light") - 0.1, model)
            }
        }
    }

    func testEffectiveRobustnessIsFittedOnTheBaselinesWithABand() throws {
        for language in PilotSpec.Language.allCases {
            let run = try demo(language)
            for shift in Self.labelledShifts {
                let fit = try XCTUnwrap(try robustness(run, Self.robust, shift)["baseline"] as? [String: Any], shift)
                let points = try XCTUnwrap(fit["points"] as? [[String: Any]])
                XCTAssertEqual(Set(points.compactMap { $0["model"] as? String }), Set(Self.baselines), shift)
                XCTAssertGreaterThanOrEqual(Set(points.compactMap { $0["reference_accuracy"] as? Double }).count, 3, shift)
                let band = try XCTUnwrap(fit["band"] as? [[String: Any]])
                let widths = band.compactMap { point -> Double? in
                    guard let lower = point["lower"] as? Double, let upper = point["upper"] as? Double else { return nil }
                    return upper - lower
                }
                XCTAssertGreaterThan(widths.max() ?? 0, 0.01, "\(shift): the band has a width")
                // Every candidate gets an effective robustness on every labelled shift.
                for model in DemoPilot.models where !model.baseline {
                    XCTAssertNotNil(try robustness(run, model.name, shift)["effective_robustness"] as? Double, "\(model.name) · \(shift)")
                }
            }
            // Diverse training puts the robust candidate far above the baselines' line on the hard shifts; the narrow
            // candidate, trained like the baselines, is not.
            for shift in Self.hardShifts {
                let robust = try XCTUnwrap(try robustness(run, Self.robust, shift)["effective_robustness"] as? Double)
                let fragile = try XCTUnwrap(try robustness(run, Self.fragile, shift)["effective_robustness"] as? Double)
                XCTAssertGreaterThan(robust, 0.15, shift)
                XCTAssertLessThan(fragile, robust - 0.15, shift)
            }
        }
    }

    func testTheUnlabelledShiftGetsALabelFreeEstimateForEveryModel() throws {
        let name = try XCTUnwrap(DemoDataset.domains.first { !$0.labelled }?.name)
        for language in PilotSpec.Language.allCases {
            let run = try demo(language)
            let domains = try XCTUnwrap(run.results["domains"] as? [[String: Any]])
            let domain = try XCTUnwrap(domains.first { $0["name"] as? String == name })
            XCTAssertEqual(domain["is_labelled"] as? Bool, false)
            for model in DemoPilot.models {
                let results = try probe(run, model.name, name)
                XCTAssertNil(results["zero_shot"])
                let atc = try XCTUnwrap(results["atc"] as? [String: Any], model.name)
                let estimate = try XCTUnwrap(atc["estimate"] as? Double)
                XCTAssertTrue((0...1).contains(estimate))
                XCTAssertNil(atc["actual_accuracy"], "there are no labels to compare with")
            }
            // The shift page shows the estimate.
            let page = try XCTUnwrap(run.pages["shifts/\(name).html"])
            let estimate = try XCTUnwrap((try probe(run, Self.robust, name)["atc"] as? [String: Any])?["estimate"] as? Double)
            XCTAssertTrue(page.contains(String(format: "%.1f", 100 * estimate)), "the estimate \(estimate) is on the page")
        }
    }

    func testEveryPageSaysTheseAreToyModelsOnSyntheticImages() throws {
        for language in PilotSpec.Language.allCases {
            let run = try demo(language)
            let notice = DemoPilot.text(language).notice
            XCTAssertEqual((run.results["pilot"] as? [String: Any])?["notice"] as? String, notice)
            XCTAssertEqual((run.results["pilot"] as? [String: Any])?["language"] as? String, language.rawValue)
            // Overview, packet, a page per image set and per candidate (baselines only appear in the effective-robustness fits).
            XCTAssertGreaterThanOrEqual(run.pages.count, 2 + DemoPilot.models.filter { !$0.baseline }.count + DemoDataset.domains.count)
            let escaped = notice.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            for (path, html) in run.pages {
                XCTAssertTrue(html.contains(escaped), "\(language.rawValue) \(path) lacks the demo notice")
                XCTAssertTrue(html.contains("<html lang=\"\(language.rawValue)\""), "\(language.rawValue) \(path)")
            }
        }
    }

    func testTheNoticeSaysWhatTheModelsHaveInOutlierFeatures() throws {
        // The notice says that no model has outlier features and quotes the largest ratio any reaches on any domain.
        let run = try demo(.en)
        let probes = try XCTUnwrap(run.results["probes"] as? [[String: Any]])
        let outliers = probes.compactMap { ($0["results"] as? [String: Any])?["outliers"] as? [String: Any] }
        XCTAssertEqual(outliers.count, DemoPilot.models.count * DemoDataset.domains.count)
        XCTAssertEqual(outliers.compactMap { $0["count"] as? Int }, [Int](repeating: 0, count: outliers.count))
        let largest = outliers.compactMap { ($0["ratios"] as? [Double])?.max() }.max() ?? 0
        XCTAssertEqual(String(format: "%.1f", largest), DemoPilot.largestOutlierRatio)
        for language in PilotSpec.Language.allCases {
            XCTAssertTrue(DemoPilot.text(language).notice.contains(DemoPilot.largestOutlierRatio))
        }
    }
}
