@testable import CLIP
@testable import Embeddings
import Foundation
@testable import ImageCodec
@testable import Pilot
@testable import Tensor
import XCTest
@testable import Pipeline

/// End-to-end encode rate of the pipeline (read, hash, decode, preprocess on decoder
/// threads; encode on the pool; append to the store) against a pure-encode loop over the
/// same images already preprocessed in memory, same model, batch (the model's default) and threads.
/// Skipped unless SHIFTLENS_BENCH=1 (timings are not assertions); prints wall-clock
/// images/s min / median / max over runs.
final class PipelineBenchmarkTests: XCTestCase {
    func testPipelineRateAgainstPureEncoding() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_BENCH"] == "1" else { throw XCTSkip("set SHIFTLENS_BENCH=1") }
        let runs = Int(ProcessInfo.processInfo.environment["SHIFTLENS_BENCH_RUNS"] ?? "") ?? 3
        let root = PipelineFixtures.root
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-pipeline-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let weights = ProcessInfo.processInfo.environment["SHIFTLENS_BENCH_MODEL"].map { URL(fileURLWithPath: $0) } ?? PipelineFixtures.diverse

        // Two image sets: the demo's 64×64 PNGs (decoding is cheap) and the 200 ImageNet JPEGs
        // (decoding and resizing a 500×375 JPEG costs more than the toy model's encoder).
        let demo = scratch.appendingPathComponent("demo")
        var seen = [Int](repeating: 0, count: DemoRenderer.classes.count)
        for sample in DemoDataset.evaluationSamples(domain: 0) {
            seen[sample.label] += 1
            let url = demo.appendingPathComponent("\(sample.label)-\(seen[sample.label]).png")
            try FileManager.default.createDirectory(at: demo, withIntermediateDirectories: true)
            try Data(try PNGEncoder.encode(RGBImage(width: DemoDataset.imageSize, height: DemoDataset.imageSize, pixels: sample.pixels))).write(to: url)
        }
        let jpegFolder = root.appendingPathComponent("../shared/data/images/imagenet-sample-200").standardizedFileURL
        func images(in folder: URL) throws -> [URL] {
            let names = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).filter {
                ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased())
            }
            return names.sorted().map { folder.appendingPathComponent($0) }
        }

        let threads = ThreadPool.shared.threadCount
        print("bench pipeline: model \(weights.lastPathComponent) in \(weights.deletingLastPathComponent().lastPathComponent), \(threads) pool threads, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(runs) runs")
        for (label, files) in [("demo PNG 64×64", try images(in: demo)), ("ImageNet JPEG", try images(in: jpegFolder))] where !files.isEmpty {
            let progress = ProgressReporter(console: Console(out: { _ in }, err: { _ in }))
            let probe = try ModelEncoder(name: "bench", entry: nil, weights: weights, store: try EmbeddingStore(root: scratch.appendingPathComponent("unused")),
                                         batchSize: nil, progress: progress)
            let batch = probe.batch.storeBatchSize
            let config = probe.preprocessing
            let size = config.imageSize
            let inputs = try files.map { try Preprocessor.preprocess(ImageFile.decode(Array(Data(contentsOf: $0))), config: config).scalars }
            // Batches laid out beforehand: this test target is built without optimisation.
            var batches: [Tensor] = []
            for start in stride(from: 0, to: inputs.count, by: batch) {
                var values: [Float] = []
                for input in inputs[start..<min(start + batch, inputs.count)] { values.append(contentsOf: input) }
                batches.append(Tensor(shape: [values.count / (3 * size * size), 3, size, size], scalars: values))
            }
            var pure: [Double] = []
            for _ in 0..<runs {
                let started = Date()
                for tensor in batches { _ = try probe.model.encodeImages(tensor, batch: probe.batch.size) }
                pure.append(Double(inputs.count) / Date().timeIntervalSince(started))
            }
            report("\(label): pure encode, \(probe.batch.description)", pure, count: inputs.count)
            let items = files.map { DatasetItem(url: $0, relativePath: $0.lastPathComponent, label: nil) }
            for decoders in [1, 2] {
                var rates: [Double] = []
                var shares: [Double] = []
                for _ in 0..<runs {
                    let encoder = try ModelEncoder(name: "bench", entry: nil, weights: weights,
                                                   store: try EmbeddingStore(root: scratch.appendingPathComponent("store-\(UUID().uuidString)")),
                                                   batchSize: nil, progress: progress)
                    encoder.decoders = decoders
                    let started = Date()
                    let result = try encoder.encode(domain: "bench", items: items, cancel: CancellationFlag())
                    XCTAssertEqual(result.encoded, files.count)
                    rates.append(Double(result.encoded) / Date().timeIntervalSince(started))
                    shares.append(result.encodeSeconds / max(result.elapsed, 1e-9))
                }
                report("\(label): pipeline, \(decoders) decoder\(decoders == 1 ? "" : "s")", rates, count: files.count,
                       extra: String(format: ", encoder busy %.0f %% of the time (median)", 100 * shares.sorted()[shares.count / 2]))
            }
        }
    }

    private func report(_ label: String, _ rates: [Double], count: Int, extra: String = "") {
        let sorted = rates.sorted()
        print(String(format: "bench %@: images/s min %.1f / median %.1f / max %.1f (%d images)", label, sorted.first!, sorted[sorted.count / 2], sorted.last!, count) + extra)
    }
}
