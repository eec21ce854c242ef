import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Support
@testable import Tensor

/// The prompt probe against Fixtures/prompts.json (make_prompts_fixtures.py: numpy argmax,
/// scipy Clopper–Pearson, the greedy subset and the paired SplitMix64 bootstrap in Python).
final class PromptsTests: XCTestCase {
    private struct Golden: Decodable {
        typealias Accuracy = GoldenAccuracy
        struct Domain: Decodable {
            let name: String
            let templates: [Accuracy]
            let ensemble: Accuracy
            let subset: Accuracy
            let gain: [Double]
            let seed: UInt64
        }
        let templates: [String]
        let seed: UInt64
        let resamples: Int
        let subset: [Int]
        let labels: [String: [Int]]
        let domains: [Domain]
    }

    private func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Fixture.directory.appendingPathComponent("prompts.json")))
    }

    private func analyze(_ golden: Golden, groups: [Int]? = nil) throws -> [PromptsResult?] {
        let input = try Prompts.Input(templates: golden.templates, textEmbeddings: Fixture.matrix("prompts_text.npy"))
        let domains = try ["reference", "shift"].map {
            DomainEmbeddings(name: $0, embeddings: try Fixture.matrix("prompts_\($0).npy"), labels: golden.labels[$0], classGroups: groups)
        }
        return try Prompts.analyze(input, domains: domains, resamples: golden.resamples, seed: golden.seed)
    }

    func testMatchesNumpyPerTemplateEnsembleSubsetAndPairedBootstrap() throws {
        let golden = try golden()
        let results = try analyze(golden)
        XCTAssertEqual(results.count, 2)
        for (result, expected) in zip(results, golden.domains) {
            let result = try XCTUnwrap(result, expected.name)
            XCTAssertEqual(result.templates.map(\.template), golden.templates)
            XCTAssertEqual(result.templates.count, expected.templates.count)
            for (t, (actual, wanted)) in zip(result.templates, expected.templates).enumerated() {
                assertAccuracy(actual, wanted, "\(expected.name) template \(t)")
            }
            assertAccuracy(result.ensemble, expected.ensemble, "\(expected.name) ensemble")
            let subset = try XCTUnwrap(result.subset)
            XCTAssertEqual(subset.templates, golden.subset, "chosen on the reference, the same on every domain")
            assertAccuracy(subset.accuracy, expected.subset, "\(expected.name) subset")
            // The bootstrap draws the same indices as the Python transcription: exact up to summation order.
            XCTAssertEqual(subset.gain.seed, expected.seed)
            XCTAssertEqual(subset.gain.resamples, golden.resamples)
            XCTAssertEqual(subset.gain.difference, expected.gain[0], accuracy: 1e-12)
            XCTAssertEqual(subset.gain.ci.lower, expected.gain[1], accuracy: 1e-12)
            XCTAssertEqual(subset.gain.ci.upper, expected.gain[2], accuracy: 1e-12)
        }
    }

    /// The ensemble is the zero-shot head: same predictions as `ZeroShot` with `EnsembleHead`'s head.
    func testEnsembleIsTheZeroShotHead() throws {
        let golden = try golden()
        let input = try Prompts.Input(templates: golden.templates, textEmbeddings: Fixture.matrix("prompts_text.npy"))
        let head = try input.head()
        let embeddings = try Fixture.matrix("prompts_shift.npy")
        let labels = try XCTUnwrap(golden.labels["shift"])
        let zeroShot = try XCTUnwrap(ZeroShot.result(
            scores: ZeroShot.scores(embeddings: embeddings, head: head, labels: labels), labels: labels, classCount: head.rows))
        let results = try analyze(golden)
        XCTAssertEqual(results[1]?.ensemble.correct, zeroShot.top1Correct)
    }

    /// Unlabelled reference: per-template accuracy on labelled shifts, no subset; unlabelled shift: nil.
    func testUnlabelledDomains() throws {
        let golden = try golden()
        let input = try Prompts.Input(templates: golden.templates, textEmbeddings: Fixture.matrix("prompts_text.npy"))
        let reference = DomainEmbeddings(name: "reference", embeddings: try Fixture.matrix("prompts_reference.npy"), labels: nil)
        let shift = DomainEmbeddings(name: "shift", embeddings: try Fixture.matrix("prompts_shift.npy"), labels: golden.labels["shift"])
        let results = try Prompts.analyze(input, domains: [reference, shift, DomainEmbeddings(name: "u", embeddings: shift.embeddings, labels: nil)],
                                          seed: golden.seed)
        XCTAssertNil(results[0])
        XCTAssertNil(results[2])
        XCTAssertNil(results[1]?.subset)
        XCTAssertEqual(results[1]?.templates.map(\.correct), golden.domains[1].templates.map(\.correct))
    }

    /// With one class group a prediction is always right (ObjectNet's rule, `ZeroShot.accepts`).
    func testClassGroupsCountAnyRowOfTheGroup() throws {
        let golden = try golden()
        let results = try analyze(golden, groups: [Int](repeating: 0, count: 6))
        XCTAssertEqual(results[1]?.templates.map(\.correct), [Int](repeating: golden.labels["shift"]!.count, count: golden.templates.count))
        XCTAssertEqual(results[1]?.subset?.gain.difference, 0)
    }

    func testKeepingClassesSelectsTheirPrompts() throws {
        let text = try Matrix<Float>(rows: 6, columns: 2, values: [1, 0, 1, 1, 2, 0, 2, 2, 3, 0, 3, 3])
        let input = try Prompts.Input(templates: ["a {c}", "b {c}"], textEmbeddings: text)
        XCTAssertEqual(input.classCount, 3)
        let kept = try input.keepingClasses([2, 0])
        XCTAssertEqual(kept.textEmbeddings.values, [3, 0, 3, 3, 1, 0, 1, 1])
        XCTAssertThrowsError(try Prompts.Input(templates: ["a {c}", "b {c}", "c {c}", "d {c}"], textEmbeddings: text))
    }

    func testPairedBootstrapOfIdenticalOutcomesIsZero() throws {
        let a: [Double] = [1, 0, 1, 1, 0]
        let gain = try XCTUnwrap(Statistics.pairedBootstrapDifference(a, a, seed: 7))
        XCTAssertEqual(gain.difference, 0)
        XCTAssertEqual(gain.ci.lower, 0)
        XCTAssertEqual(gain.ci.upper, 0)
        XCTAssertNil(Statistics.pairedBootstrapDifference(a, [1], seed: 7))
    }
}
