@testable import Embeddings
import Foundation
@testable import ImageCodec
@testable import Pipeline
@testable import ShiftLensCLI
@testable import Support
@testable import Tensor
import XCTest

/// Pilot runs at scale, end to end through `ShiftLensCLI.run` on small real pilots:
/// PNG images from the demo generator, the bundled toy CLIP models, the real probe suite.
/// (The toy models are being re-trained, so nothing here asserts an accuracy.)
final class PipelineTests: XCTestCase {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let assets = root.appendingPathComponent("assets")
    static let diverse = assets.appendingPathComponent("demo-models/diverse-6k-small/open_clip_model.safetensors")
    static let narrow = assets.appendingPathComponent("demo-models/narrow-6k-small/open_clip_model.safetensors")

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: Helpers

    func cli(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    /// Writes `perClass` demo images of each class of demo domain `index` as `<folder>/<class>/<prefix>NNN.png`,
    /// starting at the class's `skip`-th image.
    func writeDomain(_ index: Int, perClass: Int, skip: Int = 0, prefix: String = "", to folder: URL) throws {
        var seen = [Int](repeating: 0, count: DemoRenderer.classes.count)
        for sample in DemoDataset.evaluationSamples(domain: index) {
            seen[sample.label] += 1
            let number = seen[sample.label] - 1
            guard number >= skip, number < skip + perClass else { continue }
            let url = folder.appendingPathComponent(DemoRenderer.classes[sample.label])
                .appendingPathComponent(prefix + String(format: "%03d.png", number + 1))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let image = RGBImage(width: DemoDataset.imageSize, height: DemoDataset.imageSize, pixels: sample.pixels)
            try Data(try PNGEncoder.encode(image)).write(to: url)
        }
    }

    /// A pilot folder with the demo's classes and templates and a spec naming `domains` and `models`.
    func writePilot(domains: [(name: String, path: String)], models: [(name: String, weights: URL)]) throws -> URL {
        try Data((DemoRenderer.classes.joined(separator: "\n") + "\n").utf8).write(to: scratch.appendingPathComponent("classes.txt"))
        try Data("a photo of a {c}.\na picture of a {c}.\n".utf8).write(to: scratch.appendingPathComponent("templates.txt"))
        let spec: [String: Any] = [
            "pilot": "pipeline-test",
            "classes": ["names": "classes.txt", "templates": "templates.txt"],
            "domains": domains.enumerated().map { index, domain in
                ["name": domain.name, "path": domain.path, "role": index == 0 ? "reference" : "shift"]
            },
            "models": models.map { ["name": $0.name, "weights": $0.weights.path] },
            "criteria": ["min_accuracy": 0.5],
        ]
        let url = scratch.appendingPathComponent("pilot.json")
        try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        return url
    }

    /// Two domains × 20 images (2 per class), one or both toy models.
    func smallPilot(models: Int = 1) throws -> URL {
        try writeDomain(0, perClass: 2, to: scratch.appendingPathComponent("data/reference"))
        try writeDomain(1, perClass: 2, to: scratch.appendingPathComponent("data/low-light"))
        let all = [("Toy diverse", Self.diverse), ("Toy narrow", Self.narrow)]
        return try writePilot(domains: [("reference", "data/reference"), ("low-light", "data/low-light")], models: Array(all.prefix(models)))
    }

    /// Every regular file below `folder`, by relative path.
    func files(under folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let base = folder.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return result }
        for case let relative as String in enumerator {
            let path = base + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return result
    }

    /// Runs the pilot and returns the run folder.
    func runPilot(_ spec: URL, site: String = "site", store: String = "store", extra: [String] = []) throws -> URL {
        let result = cli(["run", spec.path, "--site", scratch.appendingPathComponent(site).path,
                          "--store", scratch.appendingPathComponent(store).path, "--batch", "8"] + extra)
        XCTAssertEqual(result.code, 0, result.err)
        let index = try XCTUnwrap(result.out.split(separator: "\n").last.map(String.init), result.err)
        return URL(fileURLWithPath: index).deletingLastPathComponent()
    }

    func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// manifest.json's per model × domain counts: `[model: [domain: [encoded, cached, skipped]]]`.
    func encodingCounts(_ run: URL) throws -> [String: [String: [Int]]] {
        let manifest = try json(run.appendingPathComponent("manifest.json"))
        var result: [String: [String: [Int]]] = [:]
        for model in manifest["models"] as? [[String: Any]] ?? [] {
            let name = try XCTUnwrap(model["name"] as? String)
            for (domain, value) in model["encoding"] as? [String: [String: Any]] ?? [:] {
                result[name, default: [:]][domain] = ["encoded", "cached", "skipped"].map { value[$0] as? Int ?? -1 }
            }
        }
        return result
    }

    // MARK: Sharding

    func testShardSpecParsing() throws {
        XCTAssertEqual(try ShardSpec(parsing: "2/5", environment: [:]), try ShardSpec(parsing: "auto/5", environment: ["JOB_COMPLETION_INDEX": "2"]))
        XCTAssertEqual(try ShardSpec(parsing: "auto/5", environment: ["SLURM_ARRAY_TASK_ID": "4"]).index, 4)
        XCTAssertEqual(try ShardSpec(parsing: "auto/5", environment: ["JOB_COMPLETION_INDEX": "1", "SLURM_ARRAY_TASK_ID": "3"]).index, 1)
        XCTAssertEqual(try ShardSpec(parsing: "0/1", environment: [:]).folderName, "shard-0-of-1")
        for bad in ["5/5", "-1/3", "1/0", "1", "a/3", "auto/3", "1/2/3"] {
            XCTAssertThrowsError(try ShardSpec(parsing: bad, environment: [:]), bad)
        }
        XCTAssertThrowsError(try ShardSpec(parsing: "auto/3", environment: ["SLURM_ARRAY_TASK_ID": "3"]))
    }

    /// Three shards merged give exactly the bytes of one process encoding everything, and of
    /// `run`'s own store: the slices partition the pilot, and a row does not depend on which
    /// images share its batch (batches of 4 here fall differently in every shard).
    func testThreeShardsMergedEqualASingleRunByteForByte() throws {
        let spec = try smallPilot(models: 2)
        let single = cli(["encode", spec.path, "--shard", "0/1", "--store", scratch.appendingPathComponent("single").path, "--batch", "4"])
        XCTAssertEqual(single.code, 0, single.err)
        XCTAssertTrue(single.out.contains("Toy diverse\treference\tencoded=20\tcached=0\tskipped=0"), single.out)

        let shared = scratch.appendingPathComponent("shared")
        var shardFolders: [String] = []
        var encodedImages = 0
        for index in 0..<3 {
            let result = cli(["encode", spec.path, "--shard", "\(index)/3", "--store", shared.path, "--batch", "4"])
            XCTAssertEqual(result.code, 0, result.err)
            for line in result.out.split(separator: "\n") where !line.contains("(text)") {
                encodedImages += Int(line.split(separator: "\t")[2].dropFirst("encoded=".count)) ?? -1000
            }
            shardFolders.append(shared.appendingPathComponent("shard-\(index)-of-3").path)
        }
        XCTAssertEqual(encodedImages, 2 * 40, "each image is encoded by exactly one shard, once per model")

        let merged = scratch.appendingPathComponent("merged")
        let merge = cli(["merge"] + shardFolders + ["--into", merged.path])
        XCTAssertEqual(merge.code, 0, merge.err)
        XCTAssertTrue(merge.out.contains("conflicts=0"), merge.out)

        let expected = try files(under: scratch.appendingPathComponent("single/shard-0-of-1"))
        let actual = try files(under: merged)
        XCTAssertEqual(expected.keys.sorted(), actual.keys.sorted())
        XCTAssertTrue(expected.keys.contains { $0.hasSuffix("embeddings.npy") })
        for (path, data) in expected { XCTAssertEqual(actual[path], data, "\(path) differs") }

        // `run` on a fresh store stores the same rows (images, head prompts, concepts).
        _ = try runPilot(spec, store: "run-store")
        let runStore = try files(under: scratch.appendingPathComponent("run-store"))
        XCTAssertEqual(runStore.keys.sorted(), expected.keys.sorted())
        for (path, data) in expected { XCTAssertEqual(runStore[path], data, "run store: \(path) differs") }

        // Merging into the shared store, then a second sharded pass encodes nothing.
        XCTAssertEqual(cli(["merge"] + shardFolders + ["--into", shared.path]).code, 0)
        let again = cli(["encode", spec.path, "--shard", "1/3", "--store", shared.path])
        XCTAssertEqual(again.code, 0, again.err)
        for line in again.out.split(separator: "\n") where !line.contains("(text)") {
            XCTAssertTrue(line.contains("\tencoded=0\t"), String(line))
        }
    }

    func testMergeRefusesToWriteIntoAnInputOrANonStore() throws {
        let store = scratch.appendingPathComponent("a")
        try FileManager.default.createDirectory(at: store.appendingPathComponent("v1"), withIntermediateDirectories: true)
        let into = cli(["merge", store.path, "--into", store.path + "/"])
        XCTAssertEqual(into.code, 2)
        XCTAssertTrue(into.err.contains("is also an input"), into.err)
        let notStore = cli(["merge", scratch.path, "--into", scratch.appendingPathComponent("b").path])
        XCTAssertEqual(notStore.code, 1)
        XCTAssertTrue(notStore.err.contains("is not an embedding store"), notStore.err)
        XCTAssertEqual(cli(["merge", store.path]).code, 2)
    }

    // MARK: Caching and immutability

    /// A second identical run encodes nothing and leaves the first run's folder as it was;
    /// renamed images cost nothing; 10 added images encode 10.
    func testRunsReuseTheStoreAndNeverTouchEarlierRuns() throws {
        let spec = try smallPilot()
        let first = try runPilot(spec)
        XCTAssertEqual(try encodingCounts(first)["Toy diverse"], ["reference": [20, 0, 0], "low-light": [20, 0, 0]])
        let firstFiles = try files(under: first)

        let second = try runPilot(spec)
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try encodingCounts(second)["Toy diverse"], ["reference": [0, 20, 0], "low-light": [0, 20, 0]])
        XCTAssertEqual(try files(under: first), firstFiles, "the first run's folder changed")
        let runs = try FileManager.default.contentsOfDirectory(atPath: first.deletingLastPathComponent().path).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".html") }
        XCTAssertEqual(runs.count, 2, "\(runs)")

        // Rename every reference image and move the low-light ones to another folder name.
        let reference = scratch.appendingPathComponent("data/reference")
        for className in DemoRenderer.classes {
            let folder = reference.appendingPathComponent(className)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                try FileManager.default.moveItem(at: folder.appendingPathComponent(name), to: folder.appendingPathComponent("renamed-" + name))
            }
        }
        try FileManager.default.moveItem(at: scratch.appendingPathComponent("data/low-light"), to: scratch.appendingPathComponent("data/night"))
        let moved = try writePilot(domains: [("reference", "data/reference"), ("low-light", "data/night")], models: [("Toy diverse", Self.diverse)])
        let third = try runPilot(moved)
        XCTAssertEqual(try encodingCounts(third)["Toy diverse"], ["reference": [0, 20, 0], "low-light": [0, 20, 0]])

        // Ten new images (one per class) encode ten.
        try writeDomain(1, perClass: 1, skip: 5, prefix: "new-", to: scratch.appendingPathComponent("data/night"))
        let fourth = try runPilot(moved)
        XCTAssertEqual(try encodingCounts(fourth)["Toy diverse"], ["reference": [0, 20, 0], "low-light": [10, 20, 0]])
        XCTAssertEqual(try files(under: first), firstFiles)
    }

    // MARK: Batch size

    /// Without `--batch` each model encodes with its own default (the toy models: 32, see
    /// `EncoderBatch`), announced on stderr and kept in the manifest; `--batch N` overrides
    /// it and is recorded as such. The stored rows are byte-identical either way.
    func testBatchSizeIsChosenPerModelRecordedAndOverridable() throws {
        let spec = try smallPilot()
        var runs: [(batch: Int, source: String, run: URL)] = []
        for (store, extra) in [("store-default", [String]()), ("store-3", ["--batch", "3"])] {
            let result = cli(["run", spec.path, "--site", scratch.appendingPathComponent("site").path,
                              "--store", scratch.appendingPathComponent(store).path] + extra)
            XCTAssertEqual(result.code, 0, result.err)
            let run = URL(fileURLWithPath: try XCTUnwrap(result.out.split(separator: "\n").last.map(String.init))).deletingLastPathComponent()
            let manifest = try json(run.appendingPathComponent("manifest.json"))
            let model = try XCTUnwrap((manifest["models"] as? [[String: Any]])?.first)
            let batch = try XCTUnwrap(model["batch_size"] as? Int)
            let source = try XCTUnwrap(model["batch_source"] as? String)
            XCTAssertEqual(model["precision"] as? String, "fp32")
            let settings = try XCTUnwrap(manifest["settings"] as? [String: Any])
            if extra.isEmpty {
                XCTAssertEqual(settings["batch_size"] as? String, "per model")
                XCTAssertTrue(result.err.contains("Toy diverse: ViT-w64×4/16@64, fp32, batch 32 (default for this model)"), result.err)
            } else {
                XCTAssertEqual(settings["batch_size"] as? Int, 3)
                XCTAssertTrue(result.err.contains("Toy diverse: ViT-w64×4/16@64, fp32, batch 3 (--batch)"), result.err)
            }
            // The step's summary line (stderr is not a terminal here) carries the rate.
            XCTAssertNotNil(result.err.range(of: #"- Toy diverse · reference: 20 images \(20 encoded, 0 cached\) in [0-9.]+ s, [0-9.]+ img/s, [0-9.]+ cores busy"#,
                                             options: .regularExpression), result.err)
            runs.append((batch, source, run))
        }
        XCTAssertEqual(runs.map(\.batch), [32, 3])
        XCTAssertEqual(runs.map(\.source), ["model", "--batch"])
        let rows = try files(under: scratch.appendingPathComponent("store-default"))
        XCTAssertTrue(rows.keys.contains { $0.hasSuffix("embeddings.npy") })
        XCTAssertEqual(try files(under: scratch.appendingPathComponent("store-3")), rows, "the batch size changed stored rows")
    }

    // MARK: Interruption

    /// The built binary, stopped by Ctrl-C (SIGINT) and then by `kill -9` in the middle of
    /// encoding: the store stays readable, holds only whole batches, and the next run encodes
    /// exactly the images that are missing.
    func testInterruptedEncodingResumesWithoutLosingFinishedBatches() throws {
        try writeDomain(0, perClass: 24, to: scratch.appendingPathComponent("data/reference"))
        let spec = try writePilot(domains: [("reference", "data/reference")], models: [("Toy diverse", Self.diverse)])
        let store = scratch.appendingPathComponent("store")
        let arguments = ["encode", spec.path, "--shard", "0/1", "--store", store.path, "--batch", "8", "--threads", "1", "--decoders", "1"]
        func pendingBatches() -> Int {
            guard let enumerator = FileManager.default.enumerator(atPath: store.path) else { return 0 }
            // Embedding batches only: the image-statistics table (`image-statistics/`) fills its own pending rows.
            return enumerator.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".keys") && $0.contains("pending/") && !$0.contains("image-statistics/") }.count
        }
        var cachedSoFar = 0
        for signal in [SIGINT, SIGKILL] {
            let process = Process()
            process.executableURL = productsDirectory.appendingPathComponent("shiftlens")
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while pendingBatches() == 0, process.isRunning, Date() < deadline { usleep(2_000) }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            _ = output.fileHandleForReading.readDataToEndOfFile()
            XCTAssertNotEqual(process.terminationStatus, 0, "signal \(signal) came too late to interrupt anything")

            // A new process sees whole batches only, and encodes the rest.
            let resumed = cli(arguments + ["--decoders", "2"])
            XCTAssertEqual(resumed.code, 0, resumed.err)
            let line = try XCTUnwrap(resumed.out.split(separator: "\n").first { $0.hasPrefix("Toy diverse\treference") }, resumed.out)
            let fields = line.split(separator: "\t").map { $0.split(separator: "=").last.map(String.init) ?? "" }
            let (encoded, cached) = (Int(fields[2]) ?? -1, Int(fields[3]) ?? -1)
            XCTAssertEqual(encoded + cached, 240, String(line))
            XCTAssertGreaterThan(cached, 0, "no finished batch survived signal \(signal)")
            // `--batch 8`: passes of 8 images, written to the store 32 at a time.
            XCTAssertEqual(cached % EncoderBatch(size: 8, source: .option).storeBatchSize, 0, "a partial batch was kept after signal \(signal)")
            cachedSoFar = cached
            if signal == SIGINT { try FileManager.default.removeItem(at: store) }
        }
        XCTAssertGreaterThan(cachedSoFar, 0)
    }

    // MARK: Bad input

    /// A corrupt image, an unknown class folder, a domain without images and a model whose
    /// weights are corrupt are each reported with a reason; everything else still runs.
    func testBadInputIsReportedAndTheRestRuns() throws {
        try writeDomain(0, perClass: 2, to: scratch.appendingPathComponent("data/reference"))
        try writeDomain(2, perClass: 2, to: scratch.appendingPathComponent("data/camera"))
        var corrupt = try Array(Data(contentsOf: scratch.appendingPathComponent("data/reference/washer/001.png")))
        corrupt.removeLast(corrupt.count / 2)
        try Data(corrupt).write(to: scratch.appendingPathComponent("data/reference/washer/zz-truncated.png"))
        try writeDomain(0, perClass: 1, skip: 3, to: scratch.appendingPathComponent("data/camera/not-a-class"))
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("data/empty"), withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: scratch.appendingPathComponent("data/empty/README.txt"))
        var weights = try Array(Data(contentsOf: Self.narrow).prefix(4096))
        weights[100] ^= 0xFF
        let broken = scratch.appendingPathComponent("broken.safetensors")
        try Data(weights).write(to: broken)
        let spec = try writePilot(
            domains: [("reference", "data/reference"), ("camera", "data/camera"), ("empty", "data/empty")],
            models: [("Broken", broken), ("Toy diverse", Self.diverse)])

        let result = cli(["run", spec.path, "--site", scratch.appendingPathComponent("site").path, "--store", scratch.appendingPathComponent("store").path])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.err.contains("! model Broken skipped"), result.err)
        XCTAssertTrue(result.err.contains("! domain empty: no usable images"), result.err)
        let run = URL(fileURLWithPath: try XCTUnwrap(result.out.split(separator: "\n").last.map(String.init))).deletingLastPathComponent()
        let results = try json(run.appendingPathComponent("results.json"))
        XCTAssertEqual((results["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["Toy diverse"])
        let domains = try XCTUnwrap(results["domains"] as? [[String: Any]])
        func skipped(_ name: String) -> [[String: String]] {
            (domains.first { $0["name"] as? String == name }?["skipped_images"] as? [[String: String]]) ?? []
        }
        let bad = try XCTUnwrap(skipped("reference").first { $0["path"] == "washer/zz-truncated.png" }, "\(skipped("reference"))")
        XCTAssertTrue(bad["code"]?.hasPrefix("image_") ?? false, "\(bad)")
        XCTAssertFalse(bad["reason"]?.isEmpty ?? true)
        XCTAssertEqual(domains.first { $0["name"] as? String == "reference" }?["image_count"] as? Int, 20)
        XCTAssertTrue(skipped("camera").contains { $0["path"] == "not-a-class" && $0["code"] == "label_unknown" }, "\(skipped("camera"))")
        XCTAssertTrue(skipped("empty").contains { $0["code"] == "domain_unusable" }, "\(skipped("empty"))")
        let probed = Set((results["probes"] as? [[String: Any]] ?? []).compactMap { $0["domain"] as? String })
        XCTAssertEqual(probed, ["reference", "camera"])
        let manifest = try json(run.appendingPathComponent("manifest.json"))
        let skippedModels = try XCTUnwrap(manifest["skipped_models"] as? [[String: String]])
        XCTAssertEqual(skippedModels.map { $0["name"] }, ["Broken"])
        XCTAssertFalse(skippedModels[0]["reason"]?.isEmpty ?? true)

        // `encode` reports the broken model with exit code 1 after encoding the good one.
        let shard = cli(["encode", spec.path, "--shard", "0/1", "--store", scratch.appendingPathComponent("store2").path])
        XCTAssertEqual(shard.code, 1)
        XCTAssertTrue(shard.err.contains("could not be loaded (Broken)"), shard.err)
        XCTAssertTrue(shard.out.contains("Toy diverse\treference\tencoded=20\tcached=0\tskipped=1"), shard.out)
    }

    // MARK: Import

    /// `run --embeddings` on the rows `run` stored gives the same probe numbers, with the head
    /// from the text tower or from a head file.
    func testImportedEmbeddingsGiveTheSameProbeNumbers() throws {
        let spec = try smallPilot()
        let encodedRun = try runPilot(spec)

        // images.csv in an order unlike the scan (reversed), and the rows in that order.
        let store = try EmbeddingStore(root: scratch.appendingPathComponent("store"))
        let table = try XCTUnwrap(try store.allTables().first { !$0.preprocessing.hasPrefix("text") })
        var csv = "path,label,domain\n"
        var values: [Float] = []
        var rows = 0
        for domain in ["low-light", "reference"] {
            let folder = scratch.appendingPathComponent("data/\(domain)")
            for className in DemoRenderer.classes.reversed() {
                for name in try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(className).path).sorted().reversed() {
                    let bytes = try Array(Data(contentsOf: folder.appendingPathComponent(className).appendingPathComponent(name)))
                    values += try XCTUnwrap(table.row(SHA256.hex(bytes)))
                    csv += "\(className)/\(name),\(className),\(domain)\n"
                    rows += 1
                }
            }
        }
        let dimension = values.count / rows
        let folder = scratch.appendingPathComponent("import")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(csv.utf8).write(to: folder.appendingPathComponent("images.csv"))
        try Data(NPY.encode(float32: values, shape: [rows, dimension])).write(to: folder.appendingPathComponent("toy-diverse.npy"))

        let imported = try runPilot(spec, extra: ["--embeddings", folder.path])
        let manifest = try json(imported.appendingPathComponent("manifest.json"))
        XCTAssertNotNil(manifest["embeddings_import"])
        XCTAssertEqual(try encodingCounts(imported)["Toy diverse"], ["reference": [0, 0, 0], "low-light": [0, 0, 0]])
        let expected = try json(encodedRun.appendingPathComponent("results.json"))
        let actual = try json(imported.appendingPathComponent("results.json"))
        for key in ["probes", "effective_robustness", "verdicts"] {
            XCTAssertEqual(try canonical(actual[key]), try canonical(expected[key]), key)
        }

        // A wrong row count is reported and the model is skipped, so the run fails clearly.
        try Data(NPY.encode(float32: Array(values.prefix(values.count - dimension)), shape: [rows - 1, dimension]))
            .write(to: folder.appendingPathComponent("toy-diverse.npy"))
        let wrong = cli(["run", spec.path, "--site", scratch.appendingPathComponent("site").path, "--store", scratch.appendingPathComponent("store").path,
                         "--embeddings", folder.path])
        XCTAssertEqual(wrong.code, 1)
        XCTAssertTrue(wrong.err.contains("does not match images.csv's 40 rows"), wrong.err)
    }

    func canonical(_ value: Any?) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try XCTUnwrap(value), options: [.sortedKeys]), as: UTF8.self)
    }
}
