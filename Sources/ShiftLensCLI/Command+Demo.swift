import Foundation

extension Command {
    static let demo = Command(
        name: "demo",
        summary: "Build the whole site from the embedded demo (bundled tiny models, generated data).",
        usage: "shiftlens demo [--site DIR] [--data-only DIR] [--training-data DIR --per-class N]",
        discussion: """
            Generates the synthetic demo dataset (ten industrial parts in a reference domain and four shifted ones),
            runs the full pipeline with the two bundled toy CLIP models and writes the site.
            --training-data writes the captioned training sets the bundled models were trained on (maintainers only).
            """,
        options: [
            .value("--site", "DIR", "Where to write the site (default: site/ in the current folder)."),
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
        throw ShiftLensError(step: "demo", message: "the full demo needs the encoders and the site builder, which are not wired in yet", hint: "use --training-data for now")
    }
}
