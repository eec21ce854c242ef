import Dispatch
import Embeddings
import Foundation
import Pilot
import Pipeline
import Tensor

extension Command {
    static let run = Command(
        name: "run",
        summary: "Run a pilot: encode (cached), probe, and add a new archived run to the site.",
        usage: "shiftlens run PILOT.json [--site DIR] [--store DIR] [--embeddings DIR] [--batch N] [--threads N] [--decoders N] [--precision fp32|bf16]",
        discussion: """
            Scans every domain, encodes new images with every model (images already in the embedding store cost
            nothing), runs the probe suite and writes a new run folder under DIR/pilots/<pilot>/ with its pages,
            results.json, tables and manifest. Earlier runs are never changed. Ctrl-C stops after the batch in
            flight; running the same command again resumes from the store.
            --embeddings DIR skips encoding: DIR holds images.csv (path,label,domain; path relative to the domain's
            folder, label empty when unlabelled) and one <model-slug>.npy (N, D) float32 per model with rows in
            images.csv's order, plus optionally <model-slug>-head.npy (C, D); without it the zero-shot head comes from
            the model's text tower. <model-slug> is the model's name in lower case with every run of other characters
            as one '-' ("ViT-B/32 LAION-2B" → vit-b-32-laion-2b).
            """,
        options: [
            .value("--site", "DIR", "Site folder (default: site/ in the current folder)."),
            .value("--store", "DIR", "Embedding store (default: .shiftlens/store beside the pilot spec)."),
            .value("--embeddings", "DIR", "Use embeddings computed elsewhere (images.csv + <model-slug>.npy) instead of encoding."),
            .value("--batch", "N", "Images per encoder pass and store write (default: sized for each model, see README)."),
            .value("--threads", "N", "Compute threads (default: all cores)."),
            .value("--decoders", "N", "Image decode threads feeding the encoder (default: one per four cores, at least one)."),
            .value("--precision", "P", "Every model's image tower at P, fp32 or bf16, whatever the pilot says (default: each model's \"precision\", else fp32)."),
        ],
        positionals: 1...1
    ) { invocation, console in
        let specURL = URL(fileURLWithPath: invocation.positionals[0]).standardizedFileURL
        let spec = try loadSpec(specURL)
        let assets = try locateAssets()
        try configureThreads(invocation)
        let options = PilotRunner.Options(
            site: URL(fileURLWithPath: invocation.value("--site") ?? "site").standardizedFileURL,
            store: storeURL(invocation, spec: spec),
            batchSize: try batchOption(invocation),
            embeddings: invocation.value("--embeddings").map { URL(fileURLWithPath: $0).standardizedFileURL },
            decoders: try invocation.integer("--decoders", default: PilotEncoding.defaultDecoders, in: 1...64),
            imageLimits: try ImageCommands.imageLimits(),
            precision: try precisionOption(invocation))
        let cancel = CancellationFlag()
        let interrupt = InterruptHandler(cancel: cancel, console: console)
        defer { interrupt.restore() }
        do {
            let folder = try PilotRunner(spec: spec, assets: assets, options: options, console: console, cancel: cancel).run()
            console.out(folder.appendingPathComponent("index.html").path)
            console.err("Run stored in \(folder.path). Open \(folder.appendingPathComponent("index.html").path) (or \(options.site.appendingPathComponent("index.html").path) for every pilot).")
            return ExitCode.ok
        } catch is CancellationError {
            throw ShiftLensError(step: "run", path: spec.file.path, message: "interrupted; finished batches are kept in \(options.store.path)",
                                 hint: "run the same command again to resume")
        }
    }

    static func loadSpec(_ url: URL) throws -> PilotSpec {
        do {
            return try PilotSpec.load(from: url)
        } catch let error as PilotError {
            throw ShiftLensError(step: "pilot spec", path: nil, message: "\(error)", hint: "see the README section \"Pilot spec\"; `shiftlens init DIR` writes a commented example")
        }
    }

    static func locateAssets() throws -> Assets {
        do {
            return try Assets.locate()
        } catch {
            throw ShiftLensError(step: "assets", message: "\(error)", hint: "run shiftlens from its checkout or set SHIFTLENS_ASSETS")
        }
    }

    /// `--batch N` when given; nil lets each model choose (`EncoderBatch`).
    static func batchOption(_ invocation: Invocation) throws -> Int? {
        invocation.value("--batch") == nil ? nil : try invocation.integer("--batch", default: 1, in: 1...4096)
    }

    /// `--precision fp32|bf16`, or nil.
    static func precisionOption(_ invocation: Invocation) throws -> Precision? {
        guard let text = invocation.value("--precision") else { return nil }
        guard let precision = Precision(rawValue: text) else { throw UsageError("--precision must be fp32 or bf16, not '\(text)'") }
        return precision
    }

    static func configureThreads(_ invocation: Invocation) throws {
        if invocation.value("--threads") != nil {
            ThreadPool.shared.setThreadCount(try invocation.integer("--threads", default: ThreadPool.defaultThreadCount, in: 1...256))
        }
    }

    static func storeURL(_ invocation: Invocation, spec: PilotSpec) -> URL {
        if let path = invocation.value("--store") { return URL(fileURLWithPath: path).standardizedFileURL }
        return spec.file.deletingLastPathComponent().appendingPathComponent(".shiftlens/store")
    }
}

/// Turns the first Ctrl-C into a clean stop (the flag) and a second into an immediate exit.
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private var count = 0

    init(cancel: CancellationFlag, console: Console) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 {
                console.err("\nStopping after the current batch (Ctrl-C again to quit now)…")
                cancel.raise()
            } else {
                exit(130)
            }
        }
        source.resume()
    }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
