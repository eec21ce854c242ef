import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Probes
import Site
import Tensor
import Weights

/// `shiftlens run`: scan → encode (cached) → probe → store a new, immutable run in the site.
///
/// A model that fails to load, a domain that cannot be read or an image that cannot be
/// decoded is skipped and reported with its reason; the other models and domains still
/// run. Nothing from an earlier run is overwritten: the run gets a new folder.
struct PilotRunner {
    struct Options {
        var site: URL
        var store: URL
        var batchSize = 32
        var runID: String?
        /// Extra sentence shown on every page of the run (the demo says it uses toy models).
        var notice: String?
    }

    let spec: PilotSpec
    let assets: Assets
    let options: Options
    let console: Console
    let progress: ProgressReporter
    let cancel: CancellationFlag

    init(spec: PilotSpec, assets: Assets, options: Options, console: Console, cancel: CancellationFlag) {
        self.spec = spec
        self.assets = assets
        self.options = options
        self.console = console
        progress = ProgressReporter(console: console)
        self.cancel = cancel
    }

    /// Runs the pilot and returns the new run folder.
    func run() throws -> URL {
        let started = Date()
        var timings: [String: Double] = [:]
        let classes = try ClassList.load(spec.classes, assets: assets)
        let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"))
        let store = try EmbeddingStore(root: options.store)
        let site = try SiteBuilder(siteDirectory: options.site, templatesDirectory: assets.templates, assetsDirectory: assets.root)

        // 1. Images.
        let scanned = PilotEncoding.scan(spec, classes: classes)
        for domain in scanned {
            if let problem = domain.problem {
                progress.note("! domain \(domain.spec.name): \(problem) — skipped")
            } else if let scan = domain.scan {
                progress.finish("\(domain.spec.name): \(scan.items.count) images (\(scan.layout.rawValue))")
            }
        }
        guard let reference = scanned.first(where: { $0.spec.role == .reference }), reference.problem == nil else {
            let problem = scanned.first { $0.spec.role == .reference }?.problem ?? "missing"
            throw ShiftLensError(step: "scan", path: spec.referenceDomain.path.path, message: "the reference domain cannot be used: \(problem)",
                                 hint: "every probe compares against the reference; fix its folder and run again")
        }
        _ = reference
        timings["scan"] = Date().timeIntervalSince(started)

        // 2. Embeddings, per model.
        let encoding = PilotEncoding(spec: spec, classes: classes, store: store, batchSize: options.batchSize, progress: progress, cancel: cancel)
        let concepts = try ConceptVocabulary.load(assets: assets, extra: spec.probes.extraConcepts)
        var encoded: [EncodedModel] = []
        var skippedModels: [(String, String)] = []
        let encodeStarted = Date()
        for entry in spec.models {
            if cancel.isRaised { throw CancellationError() }
            do {
                let model = try encoding.encode(entry, domains: scanned, tokenizer: tokenizer, concepts: concepts)
                for warning in model.warnings { progress.note("! \(entry.name): \(warning)") }
                if model.head.count == 0 {
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
        let results = RunResults(
            pilot: PilotSummary(name: spec.pilot, title: spec.title, language: spec.language.rawValue),
            runID: runID, createdAt: ISO8601DateFormatter().string(from: started), toolVersion: ShiftLensCLI.version,
            models: encoded.map { ModelSummary(name: $0.entry.name, sha256: $0.sha256, family: $0.family, activation: $0.activation, isBaseline: $0.entry.baseline) },
            domains: analysis.domains, probes: analysis.probes, effectiveRobustness: analysis.robustness,
            verdicts: analysis.verdicts, criteria: Criteria(minAccuracy: spec.criteria.minAccuracy, maxRelativeDrop: spec.criteria.maxRelativeDrop),
            seeds: Seeds(base: spec.probes.seed))
        timings["total"] = Date().timeIntervalSince(started)
        let manifest = try RunManifest.make(spec: spec, models: encoded, skippedModels: skippedModels, scanned: scanned, timings: timings, options: options)
        let folder = try site.addRun(results: results, classNames: classes.names, manifestJSON: manifest)
        return folder
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
