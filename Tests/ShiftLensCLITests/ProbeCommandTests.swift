import Foundation
@testable import Pilot
@testable import Pipeline
@testable import Probes
@testable import Results
@testable import ShiftLensCLI
@testable import Support
@testable import Tensor
import XCTest

/// `shiftlens probe` end to end on the Probes fixtures (Tests/ProbesTests/Fixtures).
final class ProbeCommandTests: XCTestCase {
    static let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Tests/ProbesTests/Fixtures").path
    }()

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    func path(_ name: String) -> String { Self.fixtures + "/" + name }

    func testJSONHasTheDocumentedKeys() throws {
        let result = run([
            "probe", "--embeddings", path("shift.npy"), "--labels", path("shift_labels.txt"), "--head", path("head.npy"),
            "--reference", path("reference.npy"), "--reference-labels", path("reference_labels.txt"), "--seed", "3",
            "--no-linear-probe", "--json",
        ])
        XCTAssertEqual(result.code, 0, result.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let zeroShot = try XCTUnwrap(json["zero_shot"] as? [String: Any])
        let outliers = try XCTUnwrap(json["outliers"] as? [String: Any])
        let distance = try XCTUnwrap(json["distance"] as? [String: Any])
        XCTAssertEqual((zeroShot["top1_correct"] as? NSNumber)?.intValue, 134)  // numpy: zero_shot.shift.top1_correct
        XCTAssertNotNil(zeroShot["top1"] as? NSNumber)
        XCTAssertNotNil(zeroShot["top1_ci"] as? [String: Any])
        XCTAssertEqual((outliers["ratios"] as? [Any])?.count, 32)
        XCTAssertNotNil(outliers["count"] as? NSNumber)
        XCTAssertNotNil(outliers["kurtosis_mean"] as? NSNumber)
        XCTAssertEqual(((json["directions"] as? [String: Any])?["curve"] as? [Any])?.count, 11)
        for key in ["frechet", "mmd2", "auc"] { XCTAssertNotNil(distance[key] as? NSNumber, key) }
        XCTAssertNotNil((json["atc"] as? [String: Any])?["estimate"] as? NSNumber)
        XCTAssertNil(json["linear_probe"])
    }

    func testWithoutReferenceTheDomainIsItsOwnReference() {
        let result = run(["probe", "--embeddings", path("reference.npy"), "--labels", path("reference_labels.txt"), "--head", path("head.npy"), "--no-linear-probe"])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("zero-shot top-1: 84.50 %"), result.out)  // 169 / 200 in numpy
        XCTAssertFalse(result.out.contains("distance:"))
    }

    func testBadInputsAreClearErrors() throws {
        let missing = run(["probe", "--head", path("head.npy")])
        XCTAssertEqual(missing.code, 2)
        XCTAssertTrue(missing.err.contains("--embeddings"))
        let notNPY = run(["probe", "--embeddings", path("reference_labels.txt"), "--head", path("head.npy")])
        XCTAssertEqual(notNPY.code, 1)
        XCTAssertTrue(notNPY.err.contains("error: read embeddings"), notNPY.err)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let badLabels = directory.appendingPathComponent("labels.txt")
        try "1\n2\ncat\n".write(to: badLabels, atomically: true, encoding: .utf8)
        let labels = run(["probe", "--embeddings", path("reference.npy"), "--labels", badLabels.path, "--head", path("head.npy")])
        XCTAssertEqual(labels.code, 1)
        XCTAssertTrue(labels.err.contains("line 3"), labels.err)
        let wrongCount = run(["probe", "--embeddings", path("reference.npy"), "--labels", path("shift_labels.txt"), "--head", path("symmetric.npy")])
        XCTAssertEqual(wrongCount.code, 1)
        XCTAssertTrue(wrongCount.err.contains("dimensions"), wrongCount.err)
    }

    // MARK: Concept probe

    /// A scratch folder removed after the test.
    func scratchFolder() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-concepts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// Seeded values in −1…1 saved as a (rows, columns) float32 .npy.
    func writeRandom(_ url: URL, rows: Int, columns: Int, seed: UInt64) throws -> Matrix<Float> {
        var generator = SplitMix64(seed: seed)
        let values = (0..<(rows * columns)).map { _ in Float(Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1) }
        try Data(NPY.encode(float32: values, shape: [rows, columns])).write(to: url)
        return try Matrix(rows: rows, columns: columns, values: values)
    }

    func fixtureMatrix(_ name: String) throws -> Matrix<Float> {
        let tensor = try NPY.readTensor(at: URL(fileURLWithPath: path(name)))
        return try Matrix(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.scalars)
    }

    func probeResults(_ arguments: [String]) throws -> ProbeResults {
        let result = run(["probe", "--head", path("head.npy"), "--no-linear-probe", "--json"] + arguments)
        XCTAssertEqual(result.code, 0, result.err)
        return try JSONDecoder().decode(ProbeResults.self, from: Data(result.out.utf8))
    }

    /// With a shift, a skipped concept probe's note comes from the reference and says so
    /// (`domain`); the text output says it in English from the catalogue.
    func testSkippedConceptProbeNoteNamesTheReference() throws {
        var reference = try fixtureMatrix("reference.npy")
        reference.values[7 * reference.columns] = .nan  // the similarities then no longer match the usable rows
        let referenceFile = try scratchFolder().appendingPathComponent("reference-nan.npy")
        try Data(NPY.encode(float32: reference.values, shape: [reference.rows, reference.columns])).write(to: referenceFile)
        let namesFile = referenceFile.deletingLastPathComponent().appendingPathComponent("names.txt")
        let concepts = try fixtureMatrix("concept_similarities.npy")
        try Data((0..<concepts.columns).map { "concept-\($0)\n" }.joined().utf8).write(to: namesFile)
        let arguments = [
            "--embeddings", path("shift.npy"), "--labels", path("shift_labels.txt"),
            "--reference", referenceFile.path, "--reference-labels", path("reference_labels.txt"),
            "--concept-similarities", path("concept_similarities.npy"), "--concept-names", namesFile.path,
        ]
        let results = try probeResults(arguments)
        XCTAssertNil(results.concepts)
        XCTAssertEqual(results.notes, [ProbeNote(.conceptSimilaritiesMismatch, domain: "reference")])
        let text = run(["probe", "--head", path("head.npy"), "--no-linear-probe"] + arguments)
        XCTAssertEqual(text.code, 0, text.err)
        XCTAssertTrue(text.out.contains("\nnote: reference: concept probe skipped: similarities do not match the usable reference images"), text.out)
    }

    /// The similarities of make_fixtures.py give numpy's correlation counts, whether the
    /// reference is the probed domain itself or given with --reference.
    func testConceptSimilaritiesMatchNumpy() throws {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("probes.json")))) as? [String: Any])
        let fixture = try XCTUnwrap(json["concepts"] as? [String: Any])
        let names = try XCTUnwrap(fixture["names"] as? [String])
        // The fixture's permutation null is drawn with the seed the CLI derives from base seed 0.
        let expected = try XCTUnwrap(fixture["null"] as? [String: Any])
        XCTAssertEqual((expected["seed"] as? NSNumber)?.uint64Value, Seeds(base: 0).concepts)
        let namesFile = try scratchFolder().appendingPathComponent("names.txt")
        try Data((names.joined(separator: "\n") + "\n").utf8).write(to: namesFile)
        let concepts = ["--concept-similarities", path("concept_similarities.npy"), "--concept-names", namesFile.path]
        let alone = try probeResults(["--embeddings", path("reference.npy"), "--labels", path("reference_labels.txt")] + concepts)
        let withShift = try probeResults([
            "--embeddings", path("shift.npy"), "--labels", path("shift_labels.txt"),
            "--reference", path("reference.npy"), "--reference-labels", path("reference_labels.txt"),
        ] + concepts)
        for results in [alone, withShift] {
            let concepts = try XCTUnwrap(results.concepts)
            XCTAssertEqual(concepts.conceptsPerDimension, (expected["per_dimension"] as? [NSNumber])?.map(\.intValue))
            XCTAssertEqual(concepts.uniqueConceptCount, (expected["unique"] as? NSNumber)?.intValue)
            XCTAssertEqual(try XCTUnwrap(concepts.polysemanticityMean), try XCTUnwrap(expected["polysemanticity_mean"] as? NSNumber).doubleValue, accuracy: 1e-12)
            XCTAssertEqual(concepts.imageCount, 200)
            XCTAssertEqual(concepts.bestConcept[3]?.concept, "concept-0")
        }
        XCTAssertEqual(alone.concepts, withShift.concepts)
    }

    /// --concept-text with --concept-images (another width), or with the reference itself,
    /// gives exactly `Concepts.analyze` on the same arrays; names default to the shipped list.
    func testConceptTextAndImagesEqualConceptsAnalyze() throws {
        let folder = try scratchFolder()
        let reference = try fixtureMatrix("reference.npy")
        let shipped = try ConceptVocabulary.load(assets: try Assets.locate(), extra: nil)
        let text = try writeRandom(folder.appendingPathComponent("text.npy"), rows: shipped.count, columns: 8, seed: 1)
        let images = try writeRandom(folder.appendingPathComponent("images.npy"), rows: reference.rows, columns: 8, seed: 2)
        let probing = try probeResults([
            "--embeddings", path("reference.npy"), "--concept-text", folder.appendingPathComponent("text.npy").path,
            "--concept-images", folder.appendingPathComponent("images.npy").path, "--concept-threshold", "0.2",
        ])
        let expected = try Concepts.analyze(
            activations: reference, similarities: try Concepts.similarities(imageEmbeddings: images, textEmbeddings: text),
            conceptNames: shipped, threshold: 0.2, seed: try XCTUnwrap(Seeds(base: 0).concepts))
        XCTAssertEqual(probing.concepts, expected)
        XCTAssertEqual(probing.concepts?.conceptCount, shipped.count)

        let ownText = try writeRandom(folder.appendingPathComponent("own.npy"), rows: 5, columns: reference.columns, seed: 3)
        try Data("red\nblue\nwood\nsky\nfur\n".utf8).write(to: folder.appendingPathComponent("names.txt"))
        let own = try probeResults([
            "--embeddings", path("shift.npy"), "--reference", path("reference.npy"),
            "--concept-text", folder.appendingPathComponent("own.npy").path, "--concept-names", folder.appendingPathComponent("names.txt").path,
        ])
        let ownExpected = try Concepts.analyze(
            activations: reference, similarities: try Concepts.similarities(imageEmbeddings: reference, textEmbeddings: ownText),
            conceptNames: ["red", "blue", "wood", "sky", "fur"], threshold: 0.5, seed: try XCTUnwrap(Seeds(base: 0).concepts))
        XCTAssertEqual(own.concepts, ownExpected)
        XCTAssertTrue(run(["probe", "--embeddings", path("reference.npy"), "--head", path("head.npy"), "--no-linear-probe",
                           "--concept-text", folder.appendingPathComponent("own.npy").path, "--concept-names", folder.appendingPathComponent("names.txt").path])
            .out.contains("concepts (ρ ≥ 0.5, 200 reference images)"))
    }

    func testConceptShapeMismatchesNameTheFile() throws {
        let folder = try scratchFolder()
        let base = ["probe", "--embeddings", path("reference.npy"), "--head", path("head.npy"), "--no-linear-probe"]
        let wrongRows = folder.appendingPathComponent("rows.npy").path
        _ = try writeRandom(URL(fileURLWithPath: wrongRows), rows: 150, columns: 12, seed: 4)
        let rows = run(base + ["--concept-similarities", wrongRows])
        XCTAssertEqual(rows.code, 1)
        XCTAssertTrue(rows.err.contains(wrongRows) && rows.err.contains("150 rows, but the reference embeddings have 200 images"), rows.err)

        let narrowText = folder.appendingPathComponent("text.npy").path
        _ = try writeRandom(URL(fileURLWithPath: narrowText), rows: 12, columns: 8, seed: 5)
        let width = run(base + ["--concept-text", narrowText])
        XCTAssertEqual(width.code, 1)
        XCTAssertTrue(width.err.contains(narrowText) && width.err.contains("8 dimensions") && width.err.contains("--concept-images"), width.err)
        let images = run(base + ["--concept-text", narrowText, "--concept-images", wrongRows])
        XCTAssertEqual(images.code, 1)
        XCTAssertTrue(images.err.contains(wrongRows) && images.err.contains("150 rows"), images.err)

        let names = folder.appendingPathComponent("names.txt").path
        try Data("red\nblue\n".utf8).write(to: URL(fileURLWithPath: names))
        let nameCount = run(base + ["--concept-similarities", path("concept_similarities.npy"), "--concept-names", names])
        XCTAssertEqual(nameCount.code, 1)
        XCTAssertTrue(nameCount.err.contains(names) && nameCount.err.contains("2 names, but") && nameCount.err.contains("12 concepts"), nameCount.err)
        let unnamed = run(base + ["--concept-similarities", path("concept_similarities.npy")])
        XCTAssertEqual(unnamed.code, 1)
        XCTAssertTrue(unnamed.err.contains("concept_similarities.npy") && unnamed.err.contains("shipped vocabulary") && unnamed.err.contains("--concept-names"), unnamed.err)

        XCTAssertEqual(run(base + ["--concept-names", names]).code, 2)
        XCTAssertEqual(run(base + ["--concept-similarities", path("concept_similarities.npy"), "--concept-text", narrowText]).code, 2)
    }

    func testBenchmarkPrintsMinMedianMax() {
        let result = run([
            "probe", "--bench", "--bench-models", "1", "--bench-domains", "2", "--bench-images", "60",
            "--bench-dimensions", "16", "--bench-classes", "4", "--bench-repeat", "3", "--no-linear-probe",
        ])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("min") && result.out.contains("median") && result.out.contains("max"), result.out)
        XCTAssertTrue(result.out.contains("over 3 run(s)"), result.out)
    }
}
