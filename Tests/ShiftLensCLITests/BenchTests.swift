import Foundation
@testable import ShiftLensBenchmarks
@testable import ShiftLensCLI
@testable import Weights
import XCTest

/// `shiftlens bench`: argument handling, the JSON report's shape and the FLOP counts, on
/// the tiny CLIP fixtures. Speeds are checked by the benchmarks, not here.
final class BenchTests: XCTestCase {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    /// ViT (32 px, patch 8, width 64, 2 layers, output 32) + text tower with a 128-token vocabulary.
    static let tinyViT = root.appendingPathComponent("Tests/CLIPTests/Fixtures/vit-text/model.safetensors").path
    /// ModifiedResNet (64 px, layers [1, 1, 1, 1], width 4, output 32).
    static let tinyResNet = root.appendingPathComponent("Tests/CLIPTests/Fixtures/resnet-text/model.safetensors").path
    /// Tiny ViT with the full 49,408-token vocabulary (F16): the real tokenizer fits it.
    static let fullVocabulary = root.appendingPathComponent("Tests/ShiftLensCLITests/Fixtures/embed/model.safetensors").path
    static let sharedImages = root.appendingPathComponent("../shared/data/images/imagenet-sample-200").standardized

    private func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    private func report(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = run(["bench"] + arguments + ["--json"])
        XCTAssertEqual(result.code, 0, result.err, file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8))
        return try XCTUnwrap(object as? [String: Any], file: file, line: line)
    }

    private func spread(_ value: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> (Double, Double, Double) {
        let object = try XCTUnwrap(value as? [String: Double], file: file, line: line)
        XCTAssertEqual(Set(object.keys), ["min", "median", "max"], file: file, line: line)
        let (low, middle, high) = (object["min"] ?? -1, object["median"] ?? -1, object["max"] ?? -1)
        XCTAssertGreaterThan(low, 0, file: file, line: line)
        XCTAssertLessThanOrEqual(low, middle, file: file, line: line)
        XCTAssertLessThanOrEqual(middle, high, file: file, line: line)
        return (low, middle, high)
    }

    func testImageReportHasEveryFieldAndConsistentNumbers() throws {
        let json = try report([
            "--model", Self.tinyViT, "--activation", "gelu", "--batch", "3", "--threads", "1", "--iterations", "4", "--warmup", "0",
            "--peak-gflops", "50", "--seed", "7",
        ])
        XCTAssertEqual(Set(json.keys), [
            "schema", "mode", "model", "architecture", "cpu", "processors", "load_average_before", "load_average_after",
            "threads", "batch", "iterations", "warmup", "input", "items_per_iteration", "unit", "rate", "gflop_per_item",
            "gflops", "peak_gflops", "peak_source", "percent_of_peak", "cores_busy", "items_per_cpu_second",
            "gflops_per_cpu_second", "peak_rss_bytes", "seconds", "precision",
        ])
        XCTAssertEqual(json["schema"] as? Int, 1)
        XCTAssertEqual(json["mode"] as? String, "image")
        XCTAssertEqual(json["precision"] as? String, "fp32")
        XCTAssertEqual(json["model"] as? String, Self.tinyViT)
        XCTAssertEqual(json["threads"] as? Int, 1)
        XCTAssertEqual(json["batch"] as? Int, 3)
        XCTAssertEqual(json["iterations"] as? Int, 4)
        XCTAssertEqual(json["warmup"] as? Int, 0)
        XCTAssertEqual(json["items_per_iteration"] as? Int, 3)
        XCTAssertEqual(json["unit"] as? String, "images/s")
        XCTAssertEqual(json["input"] as? String, "synthetic, seed 7")
        XCTAssertEqual(json["peak_gflops"] as? Double, 50)
        XCTAssertEqual(json["peak_source"] as? String, "--peak-gflops")
        XCTAssertTrue((json["architecture"] as? String ?? "").hasPrefix("ViT, width 64, 2 layers"), "\(json["architecture"] ?? "")")
        // Hand count for the tiny ViT (multiply-adds): patch embedding 16 patches · 64 · 3·8² = 196,608;
        // per block 17 tokens · 64 · (3·64 + 64 + 2·256) + 2 · 17² · 64 = 872,576, two blocks;
        // projection 64 · 32 = 2,048. FLOP = 2 × (196,608 + 1,745,152 + 2,048) = 3,887,616.
        XCTAssertEqual(json["gflop_per_item"] as? Double ?? 0, 3_887_616e-9, accuracy: 1e-15)
        let seconds = try XCTUnwrap(json["seconds"] as? [Double])
        XCTAssertEqual(seconds.count, 4)
        XCTAssertTrue(seconds.allSatisfy { $0 > 0 })
        let rate = try spread(json["rate"])
        XCTAssertEqual(rate.0, 3 / seconds.max()!, accuracy: 1e-9 * rate.0)
        XCTAssertEqual(rate.2, 3 / seconds.min()!, accuracy: 1e-9 * rate.2)
        let gflops = try spread(json["gflops"])
        XCTAssertEqual(gflops.1, rate.1 * 3_887_616e-9, accuracy: 1e-9 * gflops.1)
        XCTAssertEqual(json["percent_of_peak"] as? Double ?? 0, 100 * gflops.1 / 50, accuracy: 1e-9)
        XCTAssertGreaterThan(json["peak_rss_bytes"] as? Int ?? 0, 1 << 20)
        XCTAssertGreaterThan(json["cores_busy"] as? Double ?? 0, 0)
        let perCPUSecond = json["items_per_cpu_second"] as? Double ?? 0
        XCTAssertGreaterThan(perCPUSecond, 0)
        XCTAssertEqual(json["gflops_per_cpu_second"] as? Double ?? 0, perCPUSecond * 3_887_616e-9, accuracy: 1e-9 * perCPUSecond)
        XCTAssertFalse((json["cpu"] as? String ?? "").isEmpty)
        XCTAssertGreaterThanOrEqual(json["processors"] as? Int ?? 0, 1)
    }

    /// `--precision bf16` runs the bf16 tower and says which micro-kernel ran; a bad value is a usage error.
    func testBF16ReportNamesItsPrecisionAndKernel() throws {
        let json = try report([
            "--model", Self.tinyViT, "--activation", "gelu", "--batch", "2", "--threads", "1", "--iterations", "1", "--warmup", "0",
            "--peak-gflops", "50", "--precision", "bf16",
        ])
        XCTAssertEqual(json["precision"] as? String, "bf16")
        XCTAssertTrue(["avx512_bf16", "portable"].contains(json["bf16_kernel"] as? String ?? ""), "\(json["bf16_kernel"] ?? "none")")
        XCTAssertEqual(run(["bench", "--model", Self.tinyViT, "--precision", "int8"]).code, 2)
    }

    func testTextReportNamesWhatWasMeasured() throws {
        // The tiny ResNet's text tower needs its head count from a configuration file.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.tinyResNet), to: weights)
        try Data("""
            {"model_cfg": {"embed_dim": 32, "quick_gelu": true,
             "vision_cfg": {"image_size": 64, "layers": [1, 1, 1, 1], "width": 4, "head_width": 32},
             "text_cfg": {"context_length": 16, "vocab_size": 64, "width": 32, "heads": 2, "layers": 1}}}
            """.utf8).write(to: folder.appendingPathComponent("open_clip_config.json"))
        let result = run(["bench", "--model", weights.path, "--batch", "2", "--iterations", "3", "--warmup", "1", "--threads", "2"])
        XCTAssertEqual(result.code, 0, result.err)
        let lines = result.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("machine: ") && $0.contains("load average") }, result.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("architecture: ModifiedResNet, layers [1, 1, 1, 1], width 4") }, result.out)
        XCTAssertTrue(lines.contains("threads 2, batch 2, 3 timed iterations after 1 warm-up, 2 images each; input: synthetic, seed 0"), result.out)
        let rate = lines.first { $0.hasPrefix("images/s (min / median / max): ") }
        let numbers = rate?.dropFirst("images/s (min / median / max): ".count).components(separatedBy: " / ").compactMap(Double.init)
        XCTAssertEqual(numbers?.count, 3, result.out)
        XCTAssertEqual(numbers, numbers?.sorted(), result.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("GFLOP/s (min / median / max): ") && $0.contains("of the FMA peak") && $0.hasSuffix("(measured)") }, result.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("peak RSS: ") && $0.hasSuffix(" MB") }, result.out)
    }

    func testEndToEndImagesCycleThroughTheFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["n01440764_tench.JPEG", "n01530575_brambling.JPEG"] {
            try FileManager.default.copyItem(at: Self.sharedImages.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let json = try report(["--model", Self.fullVocabulary, "--images", folder.path, "--batch", "3", "--iterations", "2", "--threads", "1", "--peak-gflops", "10"])
        XCTAssertEqual(json["items_per_iteration"] as? Int, 3)
        XCTAssertEqual(json["input"] as? String, "2 image files from \(folder.path) (decode + preprocess + encode)")

        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = run(["bench", "--model", Self.fullVocabulary, "--images", empty.path])
        XCTAssertEqual(none.code, 1)
        XCTAssertTrue(none.err.contains("no .jpg, .jpeg or .png files"), none.err)
        let broken = folder.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data([0xFF, 0xD8, 0xFF, 0xDB, 0x00]).write(to: broken.appendingPathComponent("cut.jpg"))
        let bad = run(["bench", "--model", Self.fullVocabulary, "--images", broken.path, "--batch", "1", "--iterations", "1", "--peak-gflops", "10"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.err.contains("cut.jpg"), bad.err)
    }

    func testZeroShotHeadRunsThroughTheRealTokenizer() throws {
        let json = try report([
            "--model", Self.fullVocabulary, "--text", "--classes", "2", "--templates", "3", "--iterations", "2",
            "--warmup", "0", "--threads", "1", "--peak-gflops", "10",
        ])
        XCTAssertEqual(json["mode"] as? String, "text")
        XCTAssertEqual(json["unit"] as? String, "prompts/s")
        XCTAssertEqual(json["classes"] as? Int, 2)
        XCTAssertEqual(json["templates"] as? Int, 3)
        XCTAssertEqual(json["batch"] as? Int, 3)
        XCTAssertEqual(json["items_per_iteration"] as? Int, 6)
        XCTAssertTrue((json["architecture"] as? String ?? "").hasPrefix("text transformer, width "))
        // Each class's pass runs only to its longest prompt, far below the 77-token context.
        let config = try Checkpoint.load(URL(fileURLWithPath: Self.fullVocabulary)).config.text!
        let full = FLOPCount.text(config, prompts: 1, tokens: 77) / 1e9
        let perPrompt = json["gflop_per_item"] as? Double ?? 0
        XCTAssertGreaterThan(perPrompt, FLOPCount.text(config, prompts: 1, tokens: 5) / 1e9)
        XCTAssertLessThan(perPrompt, full / 3)
        _ = try spread(json["rate"])

        // The tiny ViT's 128-token vocabulary cannot hold real token ids: a typed error, exit 1.
        let small = run(["bench", "--model", Self.tinyViT, "--activation", "gelu", "--text", "--classes", "1", "--templates", "1", "--iterations", "1", "--peak-gflops", "10"])
        XCTAssertEqual(small.code, 1)
        XCTAssertTrue(small.err.contains("outside 0..<128"), small.err)
    }

    func testRejectsBadArguments() {
        let model = Self.tinyViT
        for arguments in [
            ["bench"],
            ["bench", "--model", model, "--batch", "0"],
            ["bench", "--model", model, "--threads", "0"],
            ["bench", "--model", model, "--iterations", "0"],
            ["bench", "--model", model, "--warmup", "-1"],
            ["bench", "--model", model, "--classes", "10"],
            ["bench", "--model", model, "--text", "--classes", "1001"],
            ["bench", "--model", model, "--text", "--templates", "81"],
            ["bench", "--model", model, "--text", "--batch", "8"],
            ["bench", "--model", model, "--text", "--images", "/tmp"],
            ["bench", "--model", model, "--peak-gflops", "-3"],
            ["bench", "--model", model, "--peak-gflops", "fast"],
            ["bench", "--model", model, "--seed", "-1"],
            ["bench", "--model", model, "--activation", "relu"],
            ["bench", "--model", model, "--frobnicate"],
        ] {
            XCTAssertEqual(run(arguments).code, 2, arguments.joined(separator: " "))
        }
        let missing = run(["bench", "--model", "/no/such/model.safetensors", "--peak-gflops", "10"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.err.contains("/no/such/model.safetensors"), missing.err)
    }

    /// The counts for the full-size models agree with the published figures
    /// (PERFORMANCE.md: ViT-B/32 ≈ 8.8 GFLOP, ViT-B/16 ≈ 35.1; RN50 see `FLOPCount`).
    func testFLOPCountsOfFullSizeModels() {
        let b32 = ViTConfig(width: 768, layers: 12, heads: 12, patchSize: 32, imageSize: 224, outputDim: 512, mlpWidth: 3072)
        let b16 = ViTConfig(width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224, outputDim: 512, mlpWidth: 3072)
        XCTAssertEqual(FLOPCount.vit(b32) / 1e9, 8.8, accuracy: 0.05)
        XCTAssertEqual(FLOPCount.vit(b16) / 1e9, 35.1, accuracy: 0.1)
        let rn50 = ModifiedResNetConfig(layers: [3, 4, 6, 3], width: 64, heads: 32, imageSize: 224, outputDim: 1024)
        XCTAssertEqual(FLOPCount.resnet(rn50) / 1e9, 11.59, accuracy: 0.01)
        // Text tower of ViT-B/32 at the full context: PERFORMANCE.md's ≈ 5.96 GFLOP per prompt.
        let text = TextConfig(contextLength: 77, vocabSize: 49408, width: 512, heads: 8, layers: 12, outputDim: 512, mlpWidth: 2048)
        XCTAssertEqual(FLOPCount.text(text, prompts: 1, tokens: 77) / 1e9, 5.96, accuracy: 0.05)
    }

    func testMeasuredPeakIsPositiveAndSpreadIsOrdered() {
        let peak = MachineProbe.measureFMAPeak(threads: 1, seconds: 0.01, attempts: 1)
        XCTAssertTrue(peak.isFinite && peak > 0.1, "\(peak)")
        XCTAssertEqual(Spread([3, 1, 2]), Spread(min: 1, median: 2, max: 3))
        XCTAssertEqual(Spread([4, 1, 2, 3]).median, 2.5)
    }
}

extension Spread {
    init(min: Double, median: Double, max: Double) {
        self.init([min, median, max])
    }
}
