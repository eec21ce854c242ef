import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Support
@testable import Tensor

/// The name probe against Fixtures/names.json (make_names_fixtures.py: numpy argmax, the greedy
/// choice on the reference, scipy Clopper–Pearson and the paired SplitMix64 bootstrap in Python).
final class NamesTests: XCTestCase {
    private struct Golden: Decodable {
        typealias Accuracy = GoldenAccuracy
        struct Change: Decodable {
            let class_index: Int
            let given: String
            let chosen: String
            let count: Int
            let given_correct: Int
            let chosen_correct: Int
        }
        struct Domain: Decodable {
            let name: String
            let given: Accuracy
            let chosen: Accuracy
            let changes: [Change]
            let gain: [Double]
            let seed: UInt64
        }
        let names: [[String]]
        let templates: Int
        let seed: UInt64
        let resamples: Int
        let choice: [Int]
        let labels: [String: [Int]]
        let domains: [Domain]
    }

    private func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Fixture.directory.appendingPathComponent("names.json")))
    }

    private func input(_ golden: Golden) throws -> Names.Input {
        try Names.Input(names: golden.names, templateCount: golden.templates, textEmbeddings: Fixture.matrix("names_text.npy"))
    }

    private func domain(_ name: String, labels: [Int]?) throws -> DomainEmbeddings {
        DomainEmbeddings(name: name, embeddings: try Fixture.matrix("names_\(name).npy"), labels: labels)
    }

    private func analyze(_ golden: Golden) throws -> [NamesResult?] {
        try Names.analyze(input(golden), domains: [domain("reference", labels: golden.labels["reference"]), domain("shift", labels: golden.labels["shift"])],
                          resamples: golden.resamples, seed: golden.seed)
    }

    func testMatchesNumpyChoiceAccuracyChangesAndPairedBootstrap() throws {
        let golden = try golden()
        let results = try analyze(golden)
        XCTAssertEqual(results.count, 2)
        for (result, expected) in zip(results, golden.domains) {
            let result = try XCTUnwrap(result, expected.name)
            XCTAssertEqual(result.alternatives, golden.names.reduce(0) { $0 + $1.count - 1 })
            assertAccuracy(result.given, expected.given, "\(expected.name) given")
            let chosen = try XCTUnwrap(result.chosen)
            assertAccuracy(chosen.accuracy, expected.chosen, "\(expected.name) chosen")
            XCTAssertEqual(chosen.changes.map(\.classIndex), golden.choice.indices.filter { golden.choice[$0] != 0 }, "chosen on the reference, the same on every domain")
            XCTAssertEqual(chosen.changes.map(\.classIndex), expected.changes.map(\.class_index))
            XCTAssertEqual(chosen.changes.map(\.given), expected.changes.map(\.given))
            XCTAssertEqual(chosen.changes.map(\.chosen), expected.changes.map(\.chosen))
            XCTAssertEqual(chosen.changes.map(\.count), expected.changes.map(\.count))
            XCTAssertEqual(chosen.changes.map(\.givenCorrect), expected.changes.map(\.given_correct))
            XCTAssertEqual(chosen.changes.map(\.chosenCorrect), expected.changes.map(\.chosen_correct))
            XCTAssertEqual(chosen.gain.seed, expected.seed)
            XCTAssertEqual(chosen.gain.resamples, golden.resamples)
            XCTAssertEqual(chosen.gain.difference, expected.gain[0], accuracy: 1e-12)
            XCTAssertEqual(chosen.gain.ci.lower, expected.gain[1], accuracy: 1e-12)
            XCTAssertEqual(chosen.gain.ci.upper, expected.gain[2], accuracy: 1e-12)
        }
    }

    /// The given names make the zero-shot head: same predictions as `ZeroShot` with `EnsembleHead`
    /// over the own names' prompts.
    func testGivenNamesAreTheZeroShotHead() throws {
        let golden = try golden()
        let input = try input(golden)
        let text = try Fixture.matrix("names_text.npy")
        let t = golden.templates
        var rows: [Int] = []
        var start = 0
        for candidates in golden.names {
            rows += Array((start * t)..<(start * t + t))
            start += candidates.count
        }
        let own = text.selectingRows(rows)
        let head = try Matrix(rows: golden.names.count, columns: own.columns, values: EnsembleHead.build(
            textEmbeddings: own.values, classCount: golden.names.count, templateCount: t, dimension: own.columns))
        XCTAssertEqual(try input.givenHead(), head)
        let labels = try XCTUnwrap(golden.labels["shift"])
        let embeddings = try Fixture.matrix("names_shift.npy")
        let zeroShot = try XCTUnwrap(ZeroShot.result(
            scores: ZeroShot.scores(embeddings: embeddings, head: head, labels: labels), labels: labels, classCount: head.rows))
        XCTAssertEqual(try analyze(golden)[1]?.given.correct, zeroShot.top1Correct)
    }

    /// Nothing is chosen on a shift: the choice ignores the shifts' images and labels, and with an
    /// unlabelled reference no name is chosen at all (the given names' accuracy remains).
    func testNothingIsChosenOnShifts() throws {
        let golden = try golden()
        let expected = golden.choice.indices.filter { golden.choice[$0] != 0 }
        // Shift labels that would favour other names: the same choice.
        let scrambled = golden.labels["shift"]!.map { ($0 + 3) % golden.names.count }
        let results = try Names.analyze(
            input(golden), domains: [domain("reference", labels: golden.labels["reference"]), domain("shift", labels: scrambled)],
            resamples: 10, seed: golden.seed)
        XCTAssertEqual(results[1]?.chosen?.changes.map(\.classIndex), expected)
        XCTAssertEqual(results[0]?.chosen?.accuracy.correct, golden.domains[0].chosen.correct)

        let unlabelled = try Names.analyze(
            input(golden), domains: [domain("reference", labels: nil), domain("shift", labels: golden.labels["shift"]),
                                     DomainEmbeddings(name: "u", embeddings: try Fixture.matrix("names_shift.npy"), labels: nil)],
            resamples: 10, seed: golden.seed)
        XCTAssertNil(unlabelled[0])
        XCTAssertNil(unlabelled[2])
        XCTAssertNil(unlabelled[1]?.chosen, "the shift's labels choose nothing")
        XCTAssertEqual(unlabelled[1]?.given.correct, golden.domains[1].given.correct)
    }

    /// Alternatives no better than the given names (here their exact copies: ties) change nothing:
    /// no change listed, the same accuracy, a gain of exactly 0.
    func testNoAlternativeBetterKeepsTheGivenNames() throws {
        let golden = try golden()
        let input = try input(golden)
        let t = golden.templates
        var offset = 0
        var rows: [Int] = []
        for candidates in golden.names {
            for _ in candidates { rows += Array((offset * t)..<(offset * t + t)) }
            offset += candidates.count
        }
        let copies = try Names.Input(names: golden.names, templateCount: t, textEmbeddings: input.textEmbeddings.selectingRows(rows))
        let results = try Names.analyze(
            copies, domains: [domain("reference", labels: golden.labels["reference"]), domain("shift", labels: golden.labels["shift"])],
            resamples: 50, seed: 1)
        for (result, expected) in zip(results, golden.domains) {
            let chosen = try XCTUnwrap(result?.chosen)
            XCTAssertEqual(chosen.changes, [])
            XCTAssertEqual(chosen.accuracy, result?.given)
            XCTAssertEqual(result?.given.correct, expected.given.correct)
            XCTAssertEqual(chosen.gain.difference, 0)
            XCTAssertEqual(chosen.gain.ci, Interval(lower: 0, upper: 0, level: 0.95))
        }
    }

    func testKeepingClassesSelectsTheirCandidates() throws {
        // Classes with 2, 1 and 2 candidates, one template, 2 dimensions: row r is (r, 1).
        let text = try Matrix<Float>(rows: 5, columns: 2, values: [0, 1, 1, 1, 2, 1, 3, 1, 4, 1])
        let input = try Names.Input(names: [["a", "a2"], ["b"], ["c", "c2"]], templateCount: 1, textEmbeddings: text)
        let kept = try input.keepingClasses([2, 1])
        XCTAssertEqual(kept.names, [["c", "c2"], ["b"]])
        XCTAssertEqual(kept.textEmbeddings.values, [3, 1, 4, 1, 2, 1])
        XCTAssertThrowsError(try Names.Input(names: [["a", "a2"], ["b"]], templateCount: 2, textEmbeddings: text))
    }
}
