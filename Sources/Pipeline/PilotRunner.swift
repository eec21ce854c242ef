import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Probes
import Results
import Site
import Support
import Tensor
import Weights

/// `shiftlens run`: scan → encode (cached) → probe → store a new, immutable run in the site.
///
/// A model that fails to load, a domain that cannot be read or an image that cannot be
/// decoded is skipped and reported with its reason; the other models and domains still
/// run. Nothing from an earlier run is overwritten: the run gets a new folder.
package struct PilotRunner {
    package struct Options {
        package var site: URL
        package var store: URL
        /// `--batch N`; nil: each model's default (`EncoderBatch`).
        var batchSize: Int?
        var runID: String?
        /// `run --embeddings DIR`: import image embeddings from DIR instead of encoding (see `EmbeddingImport`).
        var embeddings: URL?
        /// Background decode threads per model.
        var decoders = PilotEncoding.defaultDecoders
        /// Limits of every image decode (docs/security.md).
        var imageLimits: DecodingLimits
        /// `--precision`: every model's image tower at this precision (nil: each entry's own, fp32 by default).
        package var precision: Precision?
        /// Extra sentence shown on every page of the run (the demo says it uses toy models).
        var notice: String?

        package init(site: URL, store: URL, batchSize: Int? = nil, runID: String? = nil, embeddings: URL? = nil,
                     decoders: Int = PilotEncoding.defaultDecoders, imageLimits: DecodingLimits = .default, precision: Precision? = nil,
                     notice: String? = nil) {
            self.site = site
            self.store = store
            self.batchSize = batchSize
            self.runID = runID
            self.embeddings = embeddings
            self.decoders = decoders
            self.imageLimits = imageLimits
            self.precision = precision
            self.notice = notice
        }
    }

    let spec: PilotSpec
    let assets: Assets
    let options: Options
    let console: Console
    let progress: ProgressReporter
    let cancel: CancellationFlag

    package init(spec: PilotSpec, assets: Assets, options: Options, console: Console, cancel: CancellationFlag) {
        self.spec = spec
        self.assets = assets
        self.options = options
        self.console = console
        progress = ProgressReporter(console: console)
        self.cancel = cancel
    }

    /// Runs the pilot and returns the new run folder.
    package func run() throws -> URL {
        let started = Date()
        var timings: [String: Double] = [:]
        let classes = try ClassList.load(spec.classes, synonyms: spec.synonyms, assets: assets)
        let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"))
        let store = try EmbeddingStore(root: options.store)
        let site = try SiteBuilder(siteDirectory: options.site, templatesDirectory: assets.templates, assetsDirectory: assets.root)

        // 1. Images (from the folders, or from images.csv when importing).
        let imported = try options.embeddings.map { try EmbeddingImport.load(directory: $0, spec: spec, classes: classes) }
        let scanned = imported?.scanned ?? PilotEncoding.scan(spec, classes: classes, assets: assets)
        for domain in scanned {
            if let problem = domain.problem {
                progress.note("! domain \(domain.spec.name): \(problem) — skipped")
            } else if let scan = domain.scan {
                progress.finish("\(domain.spec.name): \(scan.items.count) images (\(imported == nil ? scan.layout.rawValue : "imported"))")
            }
            for (label, count) in (domain.scan?.unknownLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
                progress.note("! domain \(domain.spec.name): \(count) image\(count == 1 ? "" : "s") labelled \"\(label)\", which is not in the class list — skipped")
            }
        }
        guard let reference = scanned.first(where: { $0.spec.role == .reference }), reference.problem == nil else {
            let problem = scanned.first { $0.spec.role == .reference }?.problem ?? "missing"
            throw ShiftLensError(step: "scan", path: spec.referenceDomain.path.path, message: "the reference domain cannot be used: \(problem)",
                                 hint: "every probe compares against the reference; fix its folder and run again")
        }
        _ = reference
        timings["scan"] = Date().timeIntervalSince(started)

        // 2. Embeddings, per model (encoded through the store, or imported).
        var encoding = PilotEncoding(spec: spec, classes: classes, store: store, batchSize: options.batchSize, progress: progress, cancel: cancel)
        encoding.decoders = options.decoders
        encoding.imageLimits = options.imageLimits
        encoding.precision = options.precision
        let concepts = try ConceptVocabulary.load(assets: assets, extra: spec.probes.extraConcepts)
        let slugs = EmbeddingImport.slugs(spec)
        var encoded: [EncodedModel] = []
        var skippedModels: [(String, String)] = []
        let encodeStarted = Date()
        for entry in spec.models {
            if cancel.isRaised { throw CancellationError() }
            do {
                let model = try imported.map { try importModel(entry, from: $0, slug: slugs[entry.name] ?? "", encoding: encoding, classes: classes, tokenizer: tokenizer, concepts: concepts) }
                    ?? encoding.encode(entry, domains: scanned, tokenizer: tokenizer, concepts: concepts)
                for warning in model.warnings { progress.note("! \(entry.name): \(warning)") }
                if model.head.count == 0 {
                    progress.note("! model \(entry.name) skipped: the checkpoint has no text tower, so no zero-shot head")
                    skippedModels.append((entry.name, "the checkpoint has no text tower, so no zero-shot head"))
                    continue
                }
                encoded.append(model)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                progress.note("! model \(entry.name) skipped: \(error)")
                skippedModels.append((entry.name, "\(error)"))
            }
        }
        timings["encode"] = Date().timeIntervalSince(encodeStarted)
        guard !encoded.isEmpty else {
            throw ShiftLensError(step: "encode", path: spec.file.path, message: "no model could be run (\(skippedModels.map { "\($0.0): \($0.1)" }.joined(separator: "; ")))",
                                 hint: "run `shiftlens inspect` on each checkpoint")
        }

        // 3. Probes.
        let probeStarted = Date()
        let analysis = try ProbeRunner(spec: spec, classes: classes, assets: assets, scanned: scanned, tokenizer: tokenizer, store: store, progress: progress)
            .run(encoded)
        timings["probes"] = Date().timeIntervalSince(probeStarted)

        // 4. Results and pages.
        let runID = options.runID ?? Self.newRunID(started)
        var results = RunResults(
            pilot: PilotSummary(name: spec.pilot, title: spec.title, language: spec.language.rawValue, question: spec.question, notice: options.notice),
            runID: runID, createdAt: ISO8601DateFormatter().string(from: started), toolVersion: ToolVersion.current,
            models: encoded.map { ModelSummary(
                name: $0.entry.name, sha256: $0.sha256, family: $0.family, activation: $0.activation, precision: $0.precision,
                isBaseline: $0.entry.baseline) },
            domains: analysis.domains, probes: analysis.probes, effectiveRobustness: analysis.robustness,
            verdicts: analysis.verdicts, criteria: ProbeRunner.criteria(spec), seeds: Seeds(base: spec.probes.seed),
            guardrails: skippedModels.map { Guardrail(code: .modelNotLoaded, model: $0.0, detail: $0.1) } + analysis.guardrails,
            labelsNeeded: analysis.labelsNeeded, stages: analysis.stages)
        results.drift = try site.latestResults(pilot: spec.pilot).map { Drift.compare(current: results, previous: $0) }
        results.nextSteps = NextSteps.evaluate(results)
        if !skippedModels.isEmpty {
            let verb = skippedModels.count == 1 ? "model could not be run and is" : "models could not be run and are"
            progress.note("! \(skippedModels.count) of \(spec.models.count) \(verb) missing from the results: "
                          + skippedModels.map { "\($0.0) (\($0.1))" }.joined(separator: "; "))
        }
        timings["total"] = Date().timeIntervalSince(started)
        var extra: [String: Any] = [:]
        if let imported {
            extra["embeddings_import"] = ["path": imported.directory.path, "images_csv_sha256": imported.csvSHA256, "rows": imported.rowCount] as [String: Any]
        }
        let manifest = try RunManifest.make(spec: spec, models: encoded, skippedModels: skippedModels, scanned: scanned, timings: timings, options: options, extra: extra)
        let thumbnails = Thumbnails.make(scanned, seed: spec.probes.seed, limits: options.imageLimits)
            + Thumbnails.mistakes(analysis.probes, scanned: scanned, limits: options.imageLimits)
        let folder = try site.addRun(results: results, classNames: classes.names, thumbnails: thumbnails, manifestJSON: manifest)
        return folder
    }

    /// One model's embeddings from `run --embeddings DIR`; the head from `<slug>-head.npy` or the text tower.
    func importModel(_ entry: PilotSpec.Model, from imported: EmbeddingImport, slug: String, encoding: PilotEncoding,
                     classes: ClassList, tokenizer: Tokenizer, concepts: [String]) throws -> EncodedModel {
        let (domains, dimension, _) = try imported.domains(for: entry, slug: slug)
        let fileHead = try imported.head(slug: slug, classCount: classes.names.count, dimension: dimension)
        var encoder: ModelEncoder?
        var warnings: [String] = []
        do {
            encoder = try encoding.loadModel(entry, announce: false)
        } catch {
            guard fileHead != nil else {
                throw ShiftLensError(step: "import", path: entry.weights.path, message: "no \(slug)-head.npy in \(imported.directory.path) and the weights cannot be loaded for a zero-shot head: \(error)")
            }
            warnings.append("weights not loaded (\(error)); head from \(slug)-head.npy, no concept probe")
        }
        if let loaded = encoder, loaded.dimension != dimension {
            guard fileHead != nil else {
                throw ShiftLensError(step: "import", path: imported.directory.appendingPathComponent("\(slug).npy").path,
                                     message: "rows have \(dimension) values but the model's embeddings have \(loaded.dimension)", hint: "was the array made with another model?")
            }
            warnings.append("the weights' embedding width \(loaded.dimension) differs from the imported \(dimension); head from \(slug)-head.npy, no concept probe")
            encoder = nil
        }
        var head = fileHead ?? Tensor(zeros: [0, dimension])
        var conceptEmbeddings: Tensor?
        if let encoder, encoder.model.text != nil {
            if fileHead == nil { head = try encoder.zeroShotHead(classes: classes, tokenizer: tokenizer) }
            if !concepts.isEmpty { conceptEmbeddings = try encoder.embed(prompts: concepts, tokenizer: tokenizer, what: "concepts") }
        }
        let sha256 = encoder?.loaded.sha256 ?? ((try? SHA256.hex(fileAt: entry.weights)) ?? "")
        return EncodedModel(
            entry: entry, sha256: sha256, family: encoder.map { PilotEncoding.family($0.loaded.config) } ?? "imported",
            activation: encoder?.loaded.config.activation.rawValue ?? "unknown", dimension: dimension, batch: nil, domains: domains, head: head,
            conceptEmbeddings: conceptEmbeddings, conceptNames: concepts, warnings: (encoder?.loaded.warnings ?? []) + warnings)
    }

    /// `2026-11-26T1904Z-3f2a`: sortable, unique enough for one pilot's history.
    static func newRunID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HHmmss'Z'"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return formatter.string(from: date) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }
}
