import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Support
import Tensor
import Weights

/// The embeddings of one domain under one model, in the domain's image order.
package struct EncodedDomain {
    /// (n, d) image embeddings before L2 normalisation, for the images that could be used.
    var embeddings: Tensor
    var labels: [Int?]
    /// Paths relative to the domain, same order.
    var paths: [String]
    /// SHA-256 of each image file's bytes, same order (the store keys).
    var keys: [String]
    package var failures: [EncodingPipeline.Failure]
    package var encoded: Int
    package var cached: Int
    /// Seconds of the domain's encoding step, and the part spent inside the encoder itself.
    var elapsed: Double = 0
    var encodeSeconds: Double = 0
    /// CPU seconds of the whole process during the step (every decoding and compute thread).
    var cpuSeconds: Double = 0
}

/// One loaded model and what it needs to encode a pilot's images and prompts through
/// the embedding store.
package final class ModelEncoder {
    package let model: CLIPModel
    let loaded: LoadedCheckpoint
    let preprocessing: PreprocessConfig
    /// The image tower's arithmetic: `--precision`, else the pilot entry's `"precision"`, else fp32.
    let precision: Precision
    let store: EmbeddingStore
    /// Images per encoder pass, and per store write (`EncoderBatch`).
    let batch: EncoderBatch
    let progress: ProgressReporter
    let name: String
    /// Background decode threads feeding the encoder.
    var decoders = 1
    /// Limits of every image decode; `maxMemory` is also the budget all decoding threads share.
    var imageLimits = DecodingLimits.default
    /// A read-only store whose rows count as cached (a shard consults the shared store it will be merged into).
    var baseStore: EmbeddingStore?

    /// Text rows are keyed by what the text tower sees: the SHA-256 of the prompt's 77 token ids
    /// (little-endian Int32, padding included), so a tokenizer fix re-encodes exactly the prompts
    /// whose tokens changed, and prompts that clean to the same tokens share a row.
    static let textPreprocessingID = "text-clip-tokens-77"

    /// The store key of one tokenized prompt (a row of `Tokenizer.tokenize`).
    static func promptKey(tokens: [Int32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.count * 4)
        for id in tokens { withUnsafeBytes(of: id.littleEndian) { bytes += $0 } }
        return SHA256.hex(bytes)
    }

    /// The store table of this model's image rows: the preprocessing id, with `.bf16` appended at
    /// bf16 (fp32 rows keep the id they always had, so existing stores stay valid; the two
    /// precisions never share a table).
    static func imageTableID(preprocessing: PreprocessConfig, precision: Precision) -> String {
        precision == .fp32 ? preprocessing.id : "\(preprocessing.id).\(precision.rawValue)"
    }

    /// `batchSize` nil: the model's default (`EncoderBatch`). `precisionOverride` (`--precision`)
    /// wins over the entry's `"precision"`.
    init(name: String, entry: PilotSpec.Model?, weights: URL, store: EmbeddingStore, batchSize: Int?, progress: ProgressReporter,
         activationOverride: Activation? = nil, precisionOverride: Precision? = nil) throws {
        var overrides = ConfigOverrides(source: entry == nil ? "--activation" : "pilot")
        overrides.activation = activationOverride ?? entry?.activation.flatMap(Activation.init(rawValue:))
        overrides.imageMean = entry?.mean?.map(Float.init)
        overrides.imageStd = entry?.std?.map(Float.init)
        let loaded = try Checkpoint.load(weights, overrides: overrides)
        self.loaded = loaded
        // The pilot reader accepts only "fp32" and "bf16".
        precision = precisionOverride ?? entry?.precision.flatMap(Precision.init(rawValue:)) ?? .fp32
        model = try CLIPModel(checkpoint: loaded.stateDict, config: loaded.config, precision: precision)
        // The towers take only their own input size: any other crop would fail at the first batch,
        // after a queue of crops of the asked size (up to 4096², 200 MB each) had been decoded.
        if let size = entry?.imageSize, size != model.imageSize {
            throw ShiftLensError(
                step: "model", path: weights.path, message: "image_size \(size) in the pilot does not match the model's input size \(model.imageSize)",
                hint: "remove image_size from the model's entry (the checkpoint's own size is used)")
        }
        self.preprocessing = PreprocessConfig(loaded.config)
        self.store = store
        batch = EncoderBatch.choose(override: batchSize, for: loaded.config.vision)
        self.progress = progress
        self.name = name
    }

    var dimension: Int { model.embeddingDimension }

    /// Encodes `items` (images of one domain), reusing every row already in the store.
    /// `borderCrop` pixels are cropped off every side first (ObjectNet: 2); such rows have their
    /// own table, since the preprocessing differs.
    package func encode(domain: String, items: [DatasetItem], borderCrop: Int = 0, cancel: CancellationFlag) throws -> EncodedDomain {
        var cropped = self.preprocessing
        cropped.borderCrop = borderCrop
        let preprocessing = cropped
        let tableID = Self.imageTableID(preprocessing: preprocessing, precision: precision)
        let table = try store.table(weightsSHA256: loaded.sha256, preprocessing: tableID)
        let size = preprocessing.imageSize
        let model = self.model
        let label = "\(name) · \(domain)"
        let passSize = batch.size
        let base = try baseTable(preprocessing: tableID)
        let cpuStart = CPUTime.process
        let limits = imageLimits
        // The decode threads and the pool's helpers together hold at most `maxMemory` for images.
        let budget = MemoryBudget(capacity: limits.maxMemory)
        let outcome = try EncodingPipeline.run(
            files: items.map(\.url), displayPaths: items.map(\.relativePath), table: table, batchSize: batch.storeBatchSize, dimension: dimension,
            maxFileBytes: limits.maxFileBytes,
            prepareImage: { bytes in
                let layout = try ImageFile.layout(bytes, limits: limits)
                let needed = layout.memoryNeeded + Self.statisticsMemory(layout)
                    + Preprocessor.memoryNeeded(width: layout.width, height: layout.height, mode: layout.mode, size: size)
                return try budget.withReservation(needed) {
                    let image = try ImageFile.decode(bytes, limits: limits)
                    // Measured on the full-size image before it is resized: the same decode serves both.
                    let statistics = ImageStatistics(image, layout: layout).row
                    return EncodingPipeline.Input(values: Preprocessor.preprocess(image, config: preprocessing).scalars, statistics: statistics)
                }
            },
            statistics: EncodingPipeline.Statistics(
                table: try store.imageStatistics(), dimension: ImageStatistics.rowWidth, base: try baseStore?.existingImageStatistics(),
                measure: { bytes in
                    let layout = try ImageFile.layout(bytes, limits: limits)
                    return try budget.withReservation(layout.memoryNeeded + Self.statisticsMemory(layout)) {
                        ImageStatistics(try ImageFile.decode(bytes, limits: limits), layout: layout).row
                    }
                }),
            encode: { values, count in
                try model.encodeImages(Tensor(shape: [count, 3, size, size], scalars: values), batch: passSize).scalars
            },
            isCached: { key in base?.contains(key) ?? false },
            decoders: decoders,
            helpers: ThreadPool.shared,
            cancel: cancel,
            progress: { [progress] step in
                progress.update(label, done: step.done, total: step.total, rate: step.imagesPerSecond, secondsRemaining: step.secondsRemaining)
            })
        let cpuSeconds = CPUTime.process - cpuStart
        if outcome.interrupted { throw CancellationError() }
        var keys: [String] = []
        var labels: [Int?] = []
        var paths: [String] = []
        for (index, key) in outcome.keys.enumerated() {
            guard let key, table.contains(key) else { continue }
            keys.append(key)
            labels.append(items[index].label)
            paths.append(items[index].relativePath)
        }
        // Cores busy (CPU seconds / seconds) tells a slow step on a crowded machine from a slow model.
        let rate = outcome.encoded > 0
            ? String(format: ", %.1f img/s, %.2f cores busy", Double(outcome.encoded) / max(outcome.elapsed, 1e-9), cpuSeconds / max(outcome.elapsed, 1e-9)) : ""
        progress.finish("\(label): \(keys.count) images (\(outcome.encoded) encoded, \(outcome.cached) cached\(outcome.failures.isEmpty ? "" : ", \(outcome.failures.count) skipped")) in \(String(format: "%.1f", outcome.elapsed)) s\(rate)")
        try table.compact()
        try store.imageStatistics().compact()
        return EncodedDomain(
            embeddings: table.rows(keys) ?? Tensor(zeros: [0, dimension]), labels: labels, paths: paths, keys: keys,
            failures: outcome.failures, encoded: outcome.encoded, cached: outcome.cached,
            elapsed: outcome.elapsed, encodeSeconds: outcome.encodeSeconds, cpuSeconds: cpuSeconds)
    }

    /// Bytes `ImageStatistics` holds beside the decoded image: a luma plane, and an RGB copy for
    /// modes other than gray and RGB.
    static func statisticsMemory(_ layout: ImageFile.Layout) -> Int {
        let pixels = layout.width * layout.height
        return layout.mode == .gray || layout.mode == .rgb ? pixels : 4 * pixels
    }

    /// The base store's table for this model, if the base store has one (never created here).
    func baseTable(preprocessing id: String) throws -> EmbeddingTable? {
        guard let baseStore else { return nil }
        let folder = baseStore.root.appendingPathComponent("v1").appendingPathComponent(loaded.sha256).appendingPathComponent(id)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("meta.json").path) else { return nil }
        return try baseStore.table(weightsSHA256: loaded.sha256, preprocessing: id)
    }

    /// Text embeddings (rows in `prompts` order) through the store, keyed by the prompts' tokens (`promptKey`).
    func embed(prompts: [String], tokenizer: Tokenizer, what: String) throws -> Tensor {
        let keys = try storePrompts(prompts, tokenizer: tokenizer, what: what).keys
        let table = try store.table(weightsSHA256: loaded.sha256, preprocessing: Self.textPreprocessingID)
        guard let rows = table.rows(keys) else {
            throw ShiftLensError(step: "text", message: "prompt embeddings missing from the store after encoding")
        }
        return rows
    }

    /// Encodes the prompts that are neither in the store nor in the base store; returns every prompt's
    /// key (in `prompts` order) and how many rows were encoded.
    @discardableResult
    package func storePrompts(_ prompts: [String], tokenizer: Tokenizer, what: String) throws -> (keys: [String], encoded: Int) {
        let table = try store.table(weightsSHA256: loaded.sha256, preprocessing: Self.textPreprocessingID)
        let tokens = tokenizer.tokenize(prompts)
        let keys = tokens.map(Self.promptKey(tokens:))
        let base = try baseTable(preprocessing: Self.textPreprocessingID)
        var missing: [(key: String, tokens: [Int32])] = []
        var seen: Set<String> = []
        for (key, row) in zip(keys, tokens) where !table.contains(key) && !(base?.contains(key) ?? false) && seen.insert(key).inserted {
            missing.append((key, row))
        }
        let started = Date()
        let chunk = 256
        for start in stride(from: 0, to: missing.count, by: chunk) {
            let part = Array(missing[start..<min(start + chunk, missing.count)])
            let output = try model.encodeText(part.map(\.tokens))
            try table.append(keys: part.map(\.key), values: output.scalars, dimension: output.shape[1])
            progress.update("\(name) · \(what)", done: start + part.count, total: missing.count,
                            rate: Double(start + part.count) / max(Date().timeIntervalSince(started), 1e-9), unit: "prompts/s", secondsRemaining: nil)
        }
        try table.compact()
        if !missing.isEmpty {
            let seconds = Date().timeIntervalSince(started)
            progress.finish("\(name) · \(what): \(prompts.count) prompts (\(missing.count) encoded) in \(String(format: "%.1f", seconds)) s, \(String(format: "%.1f", Double(missing.count) / max(seconds, 1e-9))) prompts/s")
        }
        return (keys, missing.count)
    }

    /// The zero-shot head (C, D) for `classes`. With alternative class names (`classes.synonyms`)
    /// their prompts are stored too, for the name probe to read back (`ProbeRunner.namesInput`).
    func zeroShotHead(classes: ClassList, tokenizer: Tokenizer) throws -> Tensor {
        var prompts: [String] = []
        for index in classes.names.indices { prompts += classes.prompts(forClass: index) }
        let embeddings = try embed(prompts: prompts, tokenizer: tokenizer, what: "zero-shot head")
        if classes.hasSynonyms { try storePrompts(classes.candidatePrompts(), tokenizer: tokenizer, what: "class names") }
        return try ZeroShotHead.build(textEmbeddings: embeddings, classCount: classes.names.count)
    }
}
