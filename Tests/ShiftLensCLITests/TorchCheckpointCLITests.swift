import Foundation
import XCTest
@testable import ShiftLensCLI
@testable import Tensor

/// `shiftlens inspect` and `shiftlens embed` on PyTorch checkpoints: the fixtures of
/// Tests/WeightsTests/Fixtures/torch (make_torch_fixtures.py), where every .pt/.pth/.bin holds
/// the same weights as vit/reference.safetensors.
final class TorchCheckpointCLITests: XCTestCase {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let vit = root.appendingPathComponent("Tests/WeightsTests/Fixtures/torch/vit")
    static let torchFixtures = root.appendingPathComponent("Tests/WeightsTests/Fixtures/torch")
    static let images = root.appendingPathComponent("../shared/data/images/imagenet-sample-200").standardized

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    func testInspectReadsTorchSaveAndTorchScriptArchives() throws {
        for (file, container) in [("plain.pt", "PyTorch zip archive"), ("scripted.pt", "TorchScript archive"), ("wrapped-model.bin", "PyTorch zip archive")] {
            let result = run(["inspect", Self.vit.appendingPathComponent(file).path, "--json"])
            XCTAssertEqual(result.code, 0, result.err)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
            XCTAssertTrue((object["format"] as? String)?.hasPrefix(container) ?? false, "\(file): \(object["format"] ?? "no format")")
            XCTAssertEqual((object["vision"] as? [String: Any])?["family"] as? String, "ViT", file)
        }
        let hostile = Self.torchFixtures.appendingPathComponent("hostile/os-system.pt").path
        let refused = run(["inspect", hostile])
        XCTAssertEqual(refused.code, 1)
        XCTAssertTrue(refused.err.contains("'os.system'") && refused.err.contains("nothing was executed"), refused.err)
        let legacy = run(["inspect", Self.torchFixtures.appendingPathComponent("legacy.pt").path])
        XCTAssertEqual(legacy.code, 1)
        XCTAssertTrue(legacy.err.contains("legacy torch.save format") && legacy.err.contains("hint: re-save"), legacy.err)
    }

    func testEmbedGivesIdenticalEmbeddingsFromPyTorchAndSafetensors() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("torch-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.images.path).filter { $0.hasSuffix(".JPEG") }.sorted().prefix(3)
        XCTAssertEqual(names.count, 3)
        let paths = names.map { Self.images.appendingPathComponent($0).path }

        func embed(_ model: String) throws -> Data {
            let out = scratch.appendingPathComponent("\(model).npy")
            let result = run(["embed", "--model", Self.vit.appendingPathComponent(model).path, "--images"] + paths + ["--out", out.path])
            XCTAssertEqual(result.code, 0, "\(model): \(result.err)")
            return try Data(contentsOf: out)
        }
        let reference = try embed("reference.safetensors")
        let tensor = try NPY.readTensor(at: scratch.appendingPathComponent("reference.safetensors.npy"))
        XCTAssertEqual(tensor.shape, [3, 16])
        XCTAssertTrue(tensor.scalars.contains { $0 != 0 })
        for model in ["plain.pt", "half.pth", "strided.pt", "scripted.pt", "wrapped-state-dict.pt"] {
            XCTAssertEqual(try embed(model), reference, "\(model): embeddings differ from the safetensors file's")
        }
    }
}
