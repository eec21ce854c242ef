import Foundation
@testable import Results
@testable import ShiftLensCLI
import XCTest

/// What `shiftlens run` prints and returns for CI: the verdict table, the JSON summary, and the
/// exit code `--fail-on` asks for.
final class RunSummaryTests: XCTestCase {
    func results(_ statuses: [(model: String, status: VerdictStatus)]) -> RunResults {
        let shifts = statuses.flatMap { model, status in
            [ShiftVerdict(model: model, domain: "nominal", status: .pass, reasons: []),
             ShiftVerdict(model: model, domain: "night", status: status, reasons: status == .pass ? [] : [
                VerdictReason(code: status == .fail ? .accuracyBelowMinimum : .accuracyUncertain, status: status, value: 0.412, limit: 0.6)])]
        }
        return RunResults(
            pilot: PilotSummary(name: "line3", title: "Line 3", language: "en"), runID: "2026-12-03T180000Z-0001",
            createdAt: "2026-12-03T18:00:00Z", toolVersion: ShiftLensCLI.version, models: [], domains: [], probes: [], effectiveRobustness: [],
            verdicts: Verdicts(models: statuses.map { ModelVerdict(model: $0.model, status: $0.status, reasons: []) }, shifts: shifts),
            criteria: Criteria(minAccuracy: 0.6), seeds: Seeds(base: 1))
    }

    func testExitCodeFollowsFailOn() {
        let folder = URL(fileURLWithPath: "/site/pilots/line3/run")
        let watch = results([("a", .pass), ("b", .watch)])
        XCTAssertEqual(RunSummary(results: watch, folder: folder, failOn: nil).exitCode, 0)
        XCTAssertEqual(RunSummary(results: watch, folder: folder, failOn: .fail).exitCode, 0)
        XCTAssertEqual(RunSummary(results: watch, folder: folder, failOn: .watch).exitCode, ExitCode.verdict)
        let fail = results([("a", .fail), ("b", .watch)])
        XCTAssertEqual(RunSummary(results: fail, folder: folder, failOn: .fail).exitCode, ExitCode.verdict)
        XCTAssertEqual(RunSummary(results: results([("a", .pass)]), folder: folder, failOn: .watch).exitCode, 0)
        // not_assessed ranks between pass and watch: it does not trigger --fail-on watch.
        XCTAssertEqual(RunSummary(results: results([("a", .notAssessed)]), folder: folder, failOn: .watch).exitCode, 0)
    }

    func testTableNamesTheDecidingImageSetAndReason() {
        let summary = RunSummary(results: results([("ViT-B/32", .fail), ("RN50", .pass)]), folder: URL(fileURLWithPath: "/s/r"), failOn: nil)
        XCTAssertEqual(summary.table, """
            model     status  reason
            ViT-B/32  fail    night: accuracy_below_minimum (0.412 vs 0.600)
            RN50      pass    no criterion violated
            """)
    }

    func testJSONSummaryKeys() throws {
        let summary = RunSummary(results: results([("a", .watch)]), folder: URL(fileURLWithPath: "/s/r"), failOn: .watch)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any])
        XCTAssertEqual(object["schema_version"] as? Int, 1)
        XCTAssertEqual(object["status"] as? String, "watch")
        XCTAssertEqual(object["exit_code"] as? Int, 3)
        XCTAssertEqual(object["fail_on"] as? String, "watch")
        XCTAssertEqual(object["index"] as? String, "/s/r/index.html")
        XCTAssertEqual(object["results"] as? String, "/s/r/results.json")
        let model = try XCTUnwrap((object["models"] as? [[String: Any]])?.first)
        XCTAssertEqual(model["name"] as? String, "a")
        XCTAssertEqual(model["domain"] as? String, "night")
        XCTAssertEqual((model["reason"] as? [String: Any])?["code"] as? String, "accuracy_uncertain")
        XCTAssertEqual((model["domains"] as? [[String: Any]])?.map { $0["status"] as? String }, ["pass", "watch"])
    }
}

extension PipelineTests {
    /// The spec given as its folder, the default site beside the spec (not in the current
    /// folder), the verdict table and `--json`/`--fail-on` on a real run.
    func testRunFromAnyFolderUsesTheSiteBesideTheSpecAndReportsVerdicts() throws {
        _ = try smallPilot()
        let store = scratch.appendingPathComponent("store").path
        let table = cli(["run", scratch.path, "--store", store, "--batch", "8"])
        XCTAssertEqual(table.code, 0, table.err)
        let lines = table.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("model") ?? false, table.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Toy diverse") }, table.out)
        let index = try XCTUnwrap(lines.last)
        XCTAssertTrue(index.hasPrefix(scratch.appendingPathComponent("site/pilots/pipeline-test/").standardizedFileURL.path), index)

        let json = cli(["run", scratch.appendingPathComponent("pilot.json").path, "--store", store, "--json", "--fail-on", "watch"])
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], json.out + json.err)
        let resultsPath = try XCTUnwrap(summary["results"] as? String)
        let stored = try RunResults.decode(Data(contentsOf: URL(fileURLWithPath: resultsPath)))
        let worst = try XCTUnwrap(stored.verdicts.models.map(\.status).max())
        XCTAssertEqual(summary["status"] as? String, worst.rawValue)
        XCTAssertEqual(json.code, worst >= .watch ? ExitCode.verdict : ExitCode.ok)
        XCTAssertEqual(summary["exit_code"] as? Int, Int(json.code))
        XCTAssertEqual(cli(["run", scratch.path, "--store", store, "--fail-on", "pass"]).code, ExitCode.usage)
        XCTAssertEqual(cli(["run", scratch.path, "--store", store, "--fail-on", "not_assessed"]).code, ExitCode.usage)

        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let folder = cli(["run", empty.path])
        XCTAssertEqual(folder.code, 1)
        XCTAssertTrue(folder.err.contains("is a folder, and it holds no pilot.json"), folder.err)
    }
}
