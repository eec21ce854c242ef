import Foundation
@testable import Probes
@testable import Results
import XCTest

/// Drift end to end: three runs of the same pilot into one site (the pilot of
/// `BaselineModelsTests`, embeddings imported with accuracies set by construction).
extension BaselineModelsTests {
    func testARunComparesItselfWithThePilotsPreviousRun() throws {
        let first = try run(try writePilot(models: [("cand", false, 16, 14)], baselinesCSV: nil))
        XCTAssertNil(first.drift, "a pilot's first run has nothing to compare with")

        // The night images changed: 4 of 20 right instead of 14. Runs are ordered by their start
        // time in whole seconds, so the next run starts in a later second.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try run(try writePilot(models: [("cand", false, 16, 4)], baselinesCSV: nil))
        let drift = try XCTUnwrap(second.drift)
        XCTAssertEqual(drift.previousRunID, first.runID)
        XCTAssertEqual(drift.comparisons.map { "\($0.domain) \($0.code.rawValue) \($0.drifted)" },
                       ["reference accuracy false", "night accuracy true"])
        let night = drift.comparisons[1]
        XCTAssertEqual(night.previous, 0.7)
        XCTAssertEqual(night.current, 0.2)
        XCTAssertEqual(night.ci, Drift.newcombe(successes: 4, trials: 20, versus: 14, trials: 20))
        XCTAssertLessThan(night.ci.upper, 0)

        // The same images again: compared with the second run, nothing moved.
        Thread.sleep(forTimeInterval: 1.1)
        let third = try run(try writePilot(models: [("cand", false, 16, 4)], baselinesCSV: nil))
        let unchanged = try XCTUnwrap(third.drift)
        XCTAssertEqual(unchanged.previousRunID, second.runID)
        XCTAssertEqual(unchanged.comparisons.count, 2)
        XCTAssertFalse(unchanged.comparisons.contains { $0.drifted })

        // The pages say it: the drifted line on the second run's overview, "no change" on the third's.
        let site = scratch.appendingPathComponent("site/pilots/baseline-models")
        let secondPage = try String(contentsOf: site.appendingPathComponent("\(second.runID)/index.html"), encoding: .utf8)
        XCTAssertTrue(secondPage.contains("cand — night: accuracy fell from 70.0% to 20.0% since the run of"), secondPage)
        let thirdPacket = try String(contentsOf: site.appendingPathComponent("\(third.runID)/packet.html"), encoding: .utf8)
        XCTAssertTrue(thirdPacket.contains("No change beyond chance since the run of"))
    }
}
