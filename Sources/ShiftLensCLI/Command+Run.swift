import Dispatch
import Embeddings
import Foundation
import Pilot
import Pipeline
import Results
import Tensor

extension Command {
    static let run = Command(
        name: "run",
        summary: "Run a pilot: encode (cached), probe, and add a new archived run to the site.",
        usage: "shiftlens run PILOT.json|DIR [--site DIR] [--store DIR] [--embeddings DIR] [--fail-on fail|watch] [--json] [--batch N] [--threads N] [--decoders N] [--precision fp32|bf16]",
        discussion: """
            Scans every domain, encodes new images with every model (images already in the embedding store cost
            nothing), runs the probe suite and writes a new run folder under DIR/pilots/<pilot>/ with its pages,
            results.json, tables and manifest. Earlier runs are never changed. Ctrl-C stops after the batch in
            flight; running the same command again resumes from the store. A folder holding pilot.json stands
            for its spec.
            Standard output ends with the verdict table (model, status, the image set and reason that decided
            it) and the path of the run's index.html; with --json it is one JSON object instead
            (docs/running.md). The exit code is 0 whenever the run completes, unless --fail-on says otherwise.
            --embeddings DIR skips encoding: DIR holds images.csv (path,label,domain; path relative to the domain's
            folder, label empty when unlabelled) and one <model-slug>.npy (N, D) float32 per model with rows in
            images.csv's order, plus optionally <model-slug>-head.npy (C, D); without it the zero-shot head comes from
            the model's text tower. <model-slug> is the model's name in lower case with every run of other characters
            as one '-' ("ViT-B/32 LAION-2B" → vit-b-32-laion-2b).
            """,
        options: [
            .value("--site", "DIR", "Site folder (default: site/ beside the pilot spec)."),
            .value("--store", "DIR", "Embedding store (default: .shiftlens/store beside the pilot spec)."),
            .value("--embeddings", "DIR", "Use embeddings computed elsewhere (images.csv + <model-slug>.npy) instead of encoding."),
            .value("--fail-on", "fail|watch", "Exit with code 3 when a model's verdict is this or worse (default: exit 0 when the run completes)."),
            .flag("--json", "Print a JSON summary of the run (verdicts, paths, exit code) instead of the table."),
        ],
        groups: [PilotEncodingOptions.self, ComputeOptions.self],
        positionals: 1...1
    ) { invocation, console in
        let failOn = try invocation.value("--fail-on").map { text in
            guard let level = VerdictStatus(rawValue: text), level == .fail || level == .watch else {
                throw UsageError("--fail-on must be fail or watch, not '\(text)'")
            }
            return level
        }
        let spec = try loadSpec(try specFile(invocation.positionals[0]))
        let assets = try locateAssets()
        let encoding = invocation.group(PilotEncodingOptions.self), compute = invocation.group(ComputeOptions.self)
        compute.configureThreads()
        let options = PilotRunner.Options(
            site: invocation.value("--site").map { URL(fileURLWithPath: $0).standardizedFileURL } ?? defaultSite(spec),
            store: storeURL(invocation, spec: spec),
            batchSize: encoding.batchSize,
            embeddings: invocation.value("--embeddings").map { URL(fileURLWithPath: $0).standardizedFileURL },
            decoders: encoding.decoders,
            imageLimits: try ImageCommands.imageLimits(),
            precision: compute.precision)
        let cancel = CancellationFlag()
        let interrupt = InterruptHandler(cancel: cancel, console: console)
        defer { interrupt.restore() }
        do {
            let folder = try PilotRunner(spec: spec, assets: assets, options: options, console: console, cancel: cancel).run()
            let summary = RunSummary(results: try RunResults.decode(Data(contentsOf: folder.appendingPathComponent("results.json"))),
                                     folder: folder, failOn: failOn)
            if invocation.flag("--json") {
                console.out(try summary.json())
            } else {
                console.out(summary.table)
                console.out(summary.index)
            }
            console.err("Run stored in \(folder.path). Open \(summary.index) (or \(options.site.appendingPathComponent("index.html").path) for every pilot).")
            if summary.exitCode != ExitCode.ok, let failOn {
                console.err("Exit code \(summary.exitCode): a model's verdict is \(failOn.rawValue) or worse (--fail-on \(failOn.rawValue)).")
            }
            return summary.exitCode
        } catch is CancellationError {
            throw ShiftLensError(step: "run", path: spec.file.path, message: "interrupted; finished batches are kept in \(options.store.path)",
                                 hint: "run the same command again to resume")
        }
    }

    /// The spec a command line names: a file, or a folder holding `pilot.json`.
    static func specFile(_ argument: String) throws -> URL {
        let url = URL(fileURLWithPath: argument).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return url }
        let inside = url.appendingPathComponent("pilot.json")
        guard FileManager.default.fileExists(atPath: inside.path) else {
            throw ShiftLensError(step: "pilot spec", path: url.path, message: "is a folder, and it holds no pilot.json",
                                 hint: "give the spec's file (PILOT.json), or a pilot folder made by `shiftlens init DIR`")
        }
        return inside
    }

    /// `site/` beside the spec, so that every run of a pilot lands in one site whichever folder it is started from.
    static func defaultSite(_ spec: PilotSpec) -> URL {
        spec.file.deletingLastPathComponent().appendingPathComponent("site").standardizedFileURL
    }

    static func loadSpec(_ url: URL) throws -> PilotSpec {
        try attributing(step: "pilot spec") { try PilotSpec.load(from: url) }
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
