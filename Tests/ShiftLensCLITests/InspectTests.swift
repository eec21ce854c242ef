import Foundation
import XCTest
@testable import ShiftLensCLI

/// `shiftlens inspect` on the WeightsTests fixtures (written by their make_fixtures.py).
final class InspectTests: XCTestCase {
    static let fixtures: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Tests/WeightsTests/Fixtures")
    }()

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    struct Manifest: Decodable {
        var sha256: [String: String]
        var parameter_count: [String: Int]
    }

    func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("fixtures.json")))
    }

    /// An open_clip hub snapshot folder (the demo models are laid out as one) stands for its weights.
    func testInspectAcceptsASnapshotFolder() throws {
        let folder = RenderCommandTests.packageRoot.appendingPathComponent("assets/demo-models/demo-diverse")
        let byFolder = run(["inspect", folder.path, "--json"])
        XCTAssertEqual(byFolder.code, 0, byFolder.err)
        let byFile = run(["inspect", folder.appendingPathComponent("open_clip_model.safetensors").path, "--json"])
        XCTAssertEqual(byFolder.out, byFile.out)
        let empty = run(["inspect", RenderCommandTests.packageRoot.appendingPathComponent("templates").path])
        XCTAssertEqual(empty.code, 1)
        XCTAssertTrue(empty.err.contains("is a folder without open_clip_model.safetensors or model.safetensors"), empty.err)
    }

    func testTextReportOfAnOpenCLIPViT() throws {
        let path = Self.fixtures.appendingPathComponent("vit-openclip/open_clip_model.safetensors").path
        let result = run(["inspect", path])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertEqual(result.err, "")
        let lines = result.out.split(separator: "\n").map { String($0) }
        func row(_ label: String) -> String? {
            lines.first { $0.hasPrefix(label + " ") }.map { String($0.dropFirst(label.count)).trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(row("family"), "ViT")
        XCTAssertEqual(row("vision"), "width 64, 2 layers, patch 8, image 32×32, output 32, MLP 256")
        XCTAssertEqual(row("heads"), "2 (from open_clip_config.json)")
        XCTAssertEqual(row("text"), "width 32, 2 layers, 2 heads, context 77, vocabulary 512, output 32")
        XCTAssertEqual(row("sha256"), try manifest().sha256["vit-openclip/open_clip_model.safetensors"])
        XCTAssertEqual(row("parameters"), "\(try manifest().parameter_count["vit"]!) (0.16 M)")
        XCTAssertEqual(row("activation"), "quick_gelu (from open_clip_config.json)")
        XCTAssertEqual(row("dtype"), "F32 (fp32 in memory)")
        XCTAssertEqual(row("format"), "safetensors (open_clip naming)")
    }

    func testJSONReportOfAResNetAndWarningsOnStandardError() throws {
        let resnet = Self.fixtures.appendingPathComponent("rn-openclip/open_clip_model.safetensors").path
        let result = run(["inspect", resnet, "--json"])
        XCTAssertEqual(result.code, 0, result.err)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let vision = try XCTUnwrap(object["vision"] as? [String: Any])
        XCTAssertEqual(vision["family"] as? String, "ModifiedResNet")
        XCTAssertEqual(vision["layers"] as? [Int], [1, 2, 1, 1])
        XCTAssertEqual(vision["image_size"] as? Int, 64)
        XCTAssertNil(object["text"], "vision-only file")
        XCTAssertEqual(object["parameter_count"] as? Int, try manifest().parameter_count["rn-vision"])
        XCTAssertEqual(object["activation_source"] as? String, "known checkpoint ShiftLens test fixture tiny ModifiedResNet")
        XCTAssertEqual(object["dtype"] as? String, "F16")

        let visionOnly = Self.fixtures.appendingPathComponent("vit-hf-vision/model.safetensors").path
        let overridden = run(["inspect", visionOnly, "--json", "--activation", "quick_gelu"])
        XCTAssertEqual(overridden.code, 0)
        XCTAssertTrue(overridden.err.hasPrefix("warning: --activation asks for quick_gelu but config.json says gelu"), overridden.err)
        XCTAssertTrue(overridden.out.contains("\"activation\" : \"gelu\""))
    }

    func testErrorsNameTheFileAndHint() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = Self.fixtures.appendingPathComponent("vit-hf-vision/model.safetensors")

        let alone = scratch.appendingPathComponent("alone.safetensors")
        try FileManager.default.copyItem(at: source, to: alone)
        var result = run(["inspect", alone.path])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.err.hasPrefix("error: inspect \(alone.path): the MLP activation"), result.err)
        XCTAssertTrue(result.err.contains("hint:") && result.err.contains("--activation"), result.err)
        result = run(["inspect", alone.path, "--activation", "gelu"])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("gelu (from --activation)"), result.out)

        let known = scratch.appendingPathComponent("known.json")
        let sha = try XCTUnwrap(result.out.split(separator: "\n").first { $0.hasPrefix("sha256") }?.split(separator: " ").last)
        try Data(#"[{"sha256": "\#(sha)", "name": "team export", "activation": "quick_gelu"}]"#.utf8).write(to: known)
        result = run(["inspect", alone.path, "--known-checkpoints", known.path])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("quick_gelu (from known checkpoint team export)"), result.out)

        let truncated = scratch.appendingPathComponent("cut.safetensors")
        try Data(try Data(contentsOf: source).prefix(1000)).write(to: truncated)
        result = run(["inspect", truncated.path])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.err.hasPrefix("error: inspect \(truncated.path): corrupt checkpoint:"), result.err)
        XCTAssertTrue(result.err.contains("hint: the file may be truncated"), result.err)

        let torch = scratch.appendingPathComponent("model.pt")
        try Data([0x50, 0x4B, 3, 4]).write(to: torch)
        result = run(["inspect", torch.path])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.err.contains("too short for a zip archive"), result.err)
        XCTAssertTrue(result.err.contains("hint: the file may be truncated"), result.err)

        XCTAssertEqual(run(["inspect", alone.path, "--activation", "relu"]).code, 2)
        XCTAssertEqual(run(["inspect"]).code, 2)
    }
}
