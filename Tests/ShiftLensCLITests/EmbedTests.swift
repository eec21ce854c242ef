import Foundation
import XCTest
@testable import ShiftLensCLI
@testable import Tensor

/// `shiftlens embed` end to end against open_clip (Fixtures/embed, written by its
/// make_fixtures.py): real JPEG/PNG files → decode → preprocess with the checkpoint's
/// mean/std → F16 checkpoint → both towers; prompts through the real tokenizer.
final class EmbedTests: XCTestCase {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let fixtures = root.appendingPathComponent("Tests/ShiftLensCLITests/Fixtures/embed")
    static let shared = root.appendingPathComponent("../shared/data").standardized

    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    private func images() throws -> [String] {
        struct Manifest: Decodable { let images: [String] }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("manifest.json")))
        return manifest.images.map { Self.shared.appendingPathComponent($0).path }
    }

    /// Cosine ≥ 0.99999 and max |Δ| ≤ 1e-4 · max |expected| per row.
    private func assertFaithful(_ actual: Tensor, _ expected: Tensor, _ what: String) {
        XCTAssertEqual(actual.shape, expected.shape, what)
        guard actual.shape == expected.shape, expected.rank == 2 else { return }
        let d = expected.shape[1]
        for row in 0..<expected.shape[0] {
            let a = actual.scalars[(row * d)..<((row + 1) * d)].map(Double.init)
            let b = expected.scalars[(row * d)..<((row + 1) * d)].map(Double.init)
            let dot = zip(a, b).map(*).reduce(0, +)
            let cosine = dot / ((a.map { $0 * $0 }.reduce(0, +)).squareRoot() * (b.map { $0 * $0 }.reduce(0, +)).squareRoot())
            let maxDiff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            let scale = b.map(abs).max() ?? 1
            XCTAssertGreaterThanOrEqual(cosine, 0.99999, "\(what) row \(row)")
            XCTAssertLessThanOrEqual(maxDiff / scale, 1e-4, "\(what) row \(row)")
        }
    }

    func testImagesAndPromptsMatchOpenCLIP() throws {
        let paths = try images()
        let out = scratch.appendingPathComponent("images.npy").path, textOut = scratch.appendingPathComponent("text.npy").path
        let result = run([
            "embed", "--model", Self.fixtures.appendingPathComponent("model.safetensors").path, "--images"] + paths + [
            "--out", out, "--text", Self.fixtures.appendingPathComponent("prompts.txt").path, "--out-text", textOut, "--batch", "3",
        ])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertEqual(result.out, paths.enumerated().map { "\($0.offset)\t\($0.element)" }.joined(separator: "\n"))
        assertFaithful(try NPY.readTensor(at: URL(fileURLWithPath: out)), try NPY.readTensor(at: Self.fixtures.appendingPathComponent("expected_images.npy")), "images")
        assertFaithful(try NPY.readTensor(at: URL(fileURLWithPath: textOut)), try NPY.readTensor(at: Self.fixtures.appendingPathComponent("expected_text.npy")), "text")
    }

    func testDirectoryInputAndUnreadableImagesAreSkippedAndNamed() throws {
        let folder = scratch.appendingPathComponent("imgs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let paths = try images()
        try FileManager.default.copyItem(atPath: paths[0], toPath: folder.appendingPathComponent("b.jpg").path)
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("a.png"))
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let out = scratch.appendingPathComponent("x.npy").path
        let result = run(["embed", "--model", Self.fixtures.appendingPathComponent("model.safetensors").path, "--images", folder.path, "--out", out])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.err.contains("skipped \(folder.appendingPathComponent("a.png").path)"), result.err)
        XCTAssertEqual(result.out, "0\t\(folder.appendingPathComponent("b.jpg").path)")
        let written = try NPY.readTensor(at: URL(fileURLWithPath: out))
        let expected = try NPY.readTensor(at: Self.fixtures.appendingPathComponent("expected_images.npy"))
        assertFaithful(written, Tensor(shape: [1, expected.shape[1]], scalars: Array(expected.scalars[0..<expected.shape[1]])), "directory")
    }

    func testPromptsAloneMatchOpenCLIP() throws {
        let textOut = scratch.appendingPathComponent("text.npy").path
        let result = run([
            "embed", "--model", Self.fixtures.appendingPathComponent("model.safetensors").path,
            "--text", Self.fixtures.appendingPathComponent("prompts.txt").path, "--out-text", textOut, "--batch", "3",
        ])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertEqual(result.out, "")
        XCTAssertTrue(result.err.contains("embedded 4 prompts"), result.err)
        assertFaithful(try NPY.readTensor(at: URL(fileURLWithPath: textOut)), try NPY.readTensor(at: Self.fixtures.appendingPathComponent("expected_text.npy")), "text")
    }

    /// Every line is a prompt, empty ones too; LF or CRLF; a final line break adds no prompt.
    func testPromptFileLines() throws {
        let expected = try NPY.readTensor(at: Self.fixtures.appendingPathComponent("expected_text.npy"))
        let d = expected.shape[1]
        let fixturePrompts = try String(contentsOf: Self.fixtures.appendingPathComponent("prompts.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let (tench, empty, cafe) = (fixturePrompts[0], fixturePrompts[2], fixturePrompts[3])
        XCTAssertEqual(empty, "")
        let cases: [(file: String, rows: [Int])] = [
            ("\(tench)\n\n\(cafe)\n", [0, 2, 3]),
            ("\(tench)\n\n\(cafe)", [0, 2, 3]),
            ("\(tench)\r\n\r\n\(cafe)\r\n", [0, 2, 3]),
            ("\(cafe)\n\n", [3, 2]),
            ("\n", [2]),
            ("\n\n\(tench)", [2, 2, 0]),
        ]
        for (index, testCase) in cases.enumerated() {
            let prompts = scratch.appendingPathComponent("prompts-\(index).txt"), textOut = scratch.appendingPathComponent("text-\(index).npy")
            try Data(testCase.file.utf8).write(to: prompts)
            let result = run(["embed", "--model", Self.fixtures.appendingPathComponent("model.safetensors").path, "--text", prompts.path, "--out-text", textOut.path])
            XCTAssertEqual(result.code, 0, result.err)
            let rows = testCase.rows.flatMap { expected.scalars[($0 * d)..<(($0 + 1) * d)] }
            assertFaithful(try NPY.readTensor(at: textOut), Tensor(shape: [testCase.rows.count, d], scalars: rows), testCase.file.debugDescription)
        }
        let emptyFile = scratch.appendingPathComponent("empty.txt")
        try Data().write(to: emptyFile)
        let result = run(["embed", "--model", Self.fixtures.appendingPathComponent("model.safetensors").path, "--text", emptyFile.path, "--out-text", scratch.appendingPathComponent("none.npy").path])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.err.contains("the prompt file is empty"), result.err)
    }

    func testUsageAndModelErrors() throws {
        let model = Self.fixtures.appendingPathComponent("model.safetensors").path
        XCTAssertEqual(run(["embed", "--model", model]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--out", "x.npy"]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--images", "a.jpg"]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--out-text", "t.npy"]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--text", "p.txt"]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--images", "a.jpg", "--out", "x.npy", "--text", "p.txt"]).code, 2)
        XCTAssertEqual(run(["embed", "--model", model, "--images", "a.jpg", "--out", "x.npy", "--batch", "0"]).code, 2)
        let missing = run(["embed", "--model", scratch.appendingPathComponent("none.safetensors").path, "--images", "a.jpg", "--out", "x.npy"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.err.contains("hint:"), missing.err)
        let noImage = run(["embed", "--model", model, "--images", scratch.appendingPathComponent("nothing.jpg").path, "--out", "x.npy"])
        XCTAssertEqual(noImage.code, 1)
        XCTAssertTrue(noImage.err.contains("no such file"), noImage.err)
    }
}
