import Foundation
import XCTest
@testable import ShiftLensCLI

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
