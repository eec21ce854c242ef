import CLIP
import Embeddings
import Foundation
import Pilot
import Pipeline
import Results

extension Command {
    static let encode = Command(
        name: "encode",
        summary: "Encode one shard of a pilot's images into its own store (scale-out; then `merge`).",
        usage: "shiftlens encode PILOT.json|DIR --shard I/N|auto/N [--store DIR] [--batch N] [--threads N] [--decoders N] [--precision fp32|bf16]",
        discussion: """
            Shard I of N takes image i of the pilot (domains in spec order, each domain's images sorted by path,
            or in row order for a CSV manifest) when i mod N = I, and prompt j of the text rows (every class's
            prompts, then the concept vocabulary) when j mod N = I, for every model of the spec. Its rows go to
            DIR/shard-I-of-N/, a store of its own, so shards never write the same file; rows already in DIR (the
            shared store the shards will be merged into) are not encoded again. With --shard auto/N the index comes
            from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array, --array=0-(N-1)).
            Then: shiftlens merge DIR/shard-*-of-N --into DIR, and shiftlens run PILOT.json --store DIR.
            A bad image is skipped and listed; a model that cannot be loaded is reported, the other models still run,
            and the exit code is 1. Ctrl-C stops after the batch in flight; running the same shard again resumes.
            """,
        options: [
            .value("--shard", "I/N", "This shard's index (0-based) and the shard count; auto/N reads the index from the environment."),
            .value("--store", "DIR", "The shared embedding store (default: .shiftlens/store beside the pilot spec); the shard writes DIR/shard-I-of-N/."),
        ],
        groups: [PilotEncodingOptions.self, ComputeOptions.self],
        positionals: 1...1
    ) { invocation, console in
        let shard = try ShardSpec(parsing: try invocation.required("--shard"))
        let spec = try loadSpec(try specFile(invocation.positionals[0]))
        let assets = try locateAssets()
        let pilotEncoding = invocation.group(PilotEncodingOptions.self), compute = invocation.group(ComputeOptions.self)
        compute.configureThreads()
        let baseURL = storeURL(invocation, spec: spec)
        let shardURL = baseURL.appendingPathComponent(shard.folderName)
        let classes = try attributing(step: "classes", hint: "check the spec's \"classes\" files") { try ClassList.load(spec.classes, synonyms: spec.synonyms, assets: assets) }
        let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"))
        let concepts = try ConceptVocabulary.load(assets: assets, extra: spec.probes.extraConcepts)
        let store = try openStore(shardURL)
        let progress = ProgressReporter(console: console)
        let cancel = CancellationFlag()
        let interrupt = InterruptHandler(cancel: cancel, console: console)
        defer { interrupt.restore() }

        let scanned = PilotEncoding.shard(PilotEncoding.scan(spec, classes: classes, assets: assets), index: shard.index, count: shard.count)
        for domain in scanned {
            if let problem = domain.problem {
                progress.note("! domain \(domain.spec.name): \(problem) — skipped")
            } else {
                progress.finish("\(domain.spec.name): \(domain.items.count) images in shard \(shard.index) of \(shard.count)")
            }
        }
        var encoding = PilotEncoding(spec: spec, classes: classes, store: store, batchSize: pilotEncoding.batchSize, progress: progress, cancel: cancel)
        encoding.decoders = pilotEncoding.decoders
        encoding.imageLimits = try ImageCommands.imageLimits()
        encoding.precision = compute.precision
        encoding.baseStore = try FileManager.default.fileExists(atPath: baseURL.appendingPathComponent("v1").path) ? openStore(baseURL) : nil
        let prompts = PilotEncoding.textPrompts(classes: classes, concepts: concepts)
        let promptSlice = prompts.indices.filter { $0 % shard.count == shard.index }.map { prompts[$0] }

        var failedModels: [String] = []
        var totals = (encoded: 0, cached: 0, skipped: 0, prompts: 0)
        do {
            for entry in spec.models {
                if cancel.isRaised { throw CancellationError() }
                let encoder: ModelEncoder
                do {
                    encoder = try encoding.loadModel(entry)
                } catch {
                    progress.note("! model \(entry.name) skipped: \(error)")
                    failedModels.append(entry.name)
                    continue
                }
                for domain in scanned where domain.problem == nil {
                    if cancel.isRaised { throw CancellationError() }
                    let result = try encoder.encode(domain: domain.spec.name, items: domain.items, borderCrop: domain.spec.borderCrop, cancel: cancel)
                    totals.encoded += result.encoded
                    totals.cached += result.cached
                    totals.skipped += result.failures.count
                    for failure in result.failures { progress.note("! \(domain.spec.name)/\(failure.path): \(SkippedImage.Code(failure.cause).rawValue): \(failure.reason) — skipped") }
                    console.out(tabLine([entry.name, domain.spec.name, "encoded=\(result.encoded)", "cached=\(result.cached)", "skipped=\(result.failures.count)"]))
                }
                if encoder.model.text != nil {
                    let count = try encoder.storePrompts(promptSlice, tokenizer: tokenizer, what: "text rows").encoded
                    totals.prompts += count
                    console.out(tabLine([entry.name, "(text)", "encoded=\(count)", "cached=\(promptSlice.count - count)", "skipped=0"]))
                } else {
                    progress.note("! model \(entry.name): no text tower; `run` will need a head from elsewhere (run --embeddings)")
                }
            }
        } catch is CancellationError {
            throw ShiftLensError(step: "encode", path: shardURL.path, message: "interrupted; finished batches are kept",
                                 hint: "run the same command again to resume")
        }
        console.err("Shard \(shard.index) of \(shard.count): \(totals.encoded) images encoded, \(totals.cached) cached, \(totals.skipped) skipped, \(totals.prompts) prompts encoded, in \(shardURL.path)")
        if !failedModels.isEmpty {
            throw ShiftLensError(step: "encode", path: spec.file.path, message: "\(failedModels.count) model\(failedModels.count == 1 ? "" : "s") could not be loaded (\(failedModels.joined(separator: ", "))); the others were encoded",
                                 hint: "run `shiftlens inspect` on the checkpoint, fix the spec and run this shard again")
        }
        return ExitCode.ok
    }

    static func openStore(_ url: URL) throws -> EmbeddingStore {
        try attributing(step: "store", path: url.path, hint: "check that the folder is writable") { try EmbeddingStore(root: url) }
    }

    /// Tab-separated fields (tabs and newlines inside a field become spaces).
    static func tabLine(_ fields: [String]) -> String {
        fields.map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\t")
    }
}

/// `--shard I/N` or `--shard auto/N`: which slice of a pilot one process encodes.
struct ShardSpec: Equatable {
    var index: Int
    var count: Int

    /// `shard-I-of-N`: the shard's own store folder inside the shared store.
    var folderName: String { "shard-\(index)-of-\(count)" }

    /// Parses `I/N` or `auto/N`; `auto` reads `JOB_COMPLETION_INDEX`, then `SLURM_ARRAY_TASK_ID`.
    init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let count = Int(parts[1]), (1...100_000).contains(count) else {
            throw UsageError("--shard must be I/N or auto/N with N in 1...100000, not '\(text)'")
        }
        let indexText: String
        if parts[0] == "auto" {
            if let value = environment["JOB_COMPLETION_INDEX"], !value.isEmpty {
                indexText = value
            } else if let value = environment["SLURM_ARRAY_TASK_ID"], !value.isEmpty {
                indexText = value
            } else {
                throw UsageError("--shard auto/\(count) needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array) in the environment")
            }
        } else {
            indexText = parts[0]
        }
        guard let index = Int(indexText), (0..<count).contains(index) else {
            throw UsageError("shard index '\(indexText)' must be a whole number in 0...\(count - 1) (shards count from 0; for Slurm use --array=0-\(count - 1))")
        }
        self.index = index
        self.count = count
    }
}
