import Embeddings
import Foundation
import Pilot
import Pipeline

extension Command {
    static let demo = Command(
        name: "demo",
        summary: "Build the whole site from the embedded demo (bundled tiny models, generated data).",
        usage: "shiftlens demo [--language en|ja] [--site DIR] [--data DIR] [--data-only DIR] [--training-data DIR --per-class N]",
        discussion: """
            Generates the synthetic demo dataset (ten industrial parts in a reference domain, five labelled shifts and
            one unlabelled), runs the full pipeline with the bundled toy CLIP models (candidates and baselines) and
            writes the site, in English or Japanese.
            --training-data writes the captioned training sets the bundled models were trained on (maintainers only).
            """,
        options: [
            .value("--language", "en|ja", "Language of the demo's pages (default: en)."),
            .value("--site", "DIR", "Where to write the site (default: site/ in the current folder)."),
            .value("--data", "DIR", "Where the generated demo images are cached (default: .shiftlens-demo/)."),
            .value("--data-only", "DIR", "Only write the demo images and a pilot.json into DIR."),
            .value("--training-data", "DIR", "Only write the models' training sets as .npy into DIR."),
            .value("--per-class", "N", "Training images per class (with --training-data; default 300)."),
        ]
    ) { invocation, console in
        if let folder = invocation.value("--training-data") {
            let perClass = try invocation.integer("--per-class", default: 300, in: 1...100_000)
            let url = URL(fileURLWithPath: folder)
            for name in try DemoTrainingSet.write(to: url, perClass: perClass) { console.out(url.appendingPathComponent(name).path) }
            return ExitCode.ok
        }
        let languageText = invocation.value("--language") ?? "en"
        guard let language = PilotSpec.Language(rawValue: languageText) else {
            throw UsageError("--language must be one of \(PilotSpec.Language.allCases.map(\.rawValue).joined(separator: ", ")), not '\(languageText)'")
        }
        let assets = try locateAssets()
        if let folder = invocation.value("--data-only") {
            let spec = try DemoPilot.write(to: URL(fileURLWithPath: folder).standardizedFileURL, assets: assets, language: language)
            console.out(spec.path)
            console.err("Demo images and pilot written. Run it with: shiftlens run \(spec.path)")
            return ExitCode.ok
        }
        let started = Date()
        let data = URL(fileURLWithPath: invocation.value("--data") ?? ".shiftlens-demo").standardizedFileURL
        console.err("Generating the demo images in \(data.path) …")
        let specURL = try DemoPilot.write(to: data, assets: assets, language: language)
        let spec = try loadSpec(specURL)
        let options = PilotRunner.Options(
            site: URL(fileURLWithPath: invocation.value("--site") ?? "site").standardizedFileURL,
            store: data.appendingPathComponent(".shiftlens/store"), notice: DemoPilot.text(language).notice)
        let cancel = CancellationFlag()
        let interrupt = InterruptHandler(cancel: cancel, console: console)
        defer { interrupt.restore() }
        do {
            let folder = try PilotRunner(spec: spec, assets: assets, options: options, console: console, cancel: cancel).run()
            console.out(folder.appendingPathComponent("index.html").path)
            console.err("""
                Demo finished in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.
                Open \(folder.appendingPathComponent("index.html").path)
                  (meeting packet: \(folder.appendingPathComponent("packet.html").path); all pilots: \(options.site.appendingPathComponent("index.html").path))
                """)
            return ExitCode.ok
        } catch is CancellationError {
            throw ShiftLensError(step: "demo", message: "interrupted", hint: "run shiftlens demo again; finished work is cached")
        }
    }
}
