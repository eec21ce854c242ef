import Foundation
import ImageCodec
import Pilot

/// Writes the demo as an ordinary pilot folder: PNG images (our own encoder) in
/// ImageFolder layout, class and template files, and a `pilot.json` naming the bundled
/// toy models. Deterministic: identical bytes on every run; existing files that already
/// hold the right bytes are left alone (so the store's cache stays valid).
package enum DemoPilot {
    static let pilotName = "demo-parts-line"
    package static let notice = "Demo: two toy CLIP models (about 4 M parameters each) trained by the ShiftLens maintainers on synthetic 64×64 images of ten parts. The numbers show the tool working on real, trained models, not how any production model behaves. To evaluate your own models and images, run “shiftlens init my-pilot” and follow its README."
    static let modelFolders = [("Toy CLIP — diverse training", "demo-diverse"), ("Toy CLIP — narrow training", "demo-narrow")]

    /// Writes (or refreshes) the demo pilot in `folder`; returns the spec's URL.
    @discardableResult
    package static func write(to folder: URL, assets: Assets, perClass: Int = DemoDataset.evaluationImagesPerClass) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for (index, domain) in DemoDataset.domains.enumerated() {
            let samples = DemoDataset.evaluationSamples(domain: index, perClass: perClass)
            var counters = [Int](repeating: 0, count: DemoRenderer.classes.count)
            for sample in samples {
                let name = DemoRenderer.classes[sample.label]
                counters[sample.label] += 1
                let url = folder.appendingPathComponent("data/\(domain.name)/\(name)/\(String(format: "%03d", counters[sample.label])).png")
                let bytes = try PNGEncoder.encode(RGBImage(width: DemoDataset.imageSize, height: DemoDataset.imageSize, pixels: sample.pixels))
                try writeIfChanged(bytes, to: url)
            }
        }
        try writeIfChanged(Array((DemoRenderer.classes.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("classes.txt"))
        let templates = ["a photo of a {c}.", "a picture of a {c}.", "an image of a {c}."]
        try writeIfChanged(Array((templates.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("templates.txt"))
        let spec = folder.appendingPathComponent("pilot.json")
        try writeIfChanged(Array(specText(assets: assets).utf8), to: spec)
        return spec
    }

    static func specText(assets: Assets) -> String {
        let domains = DemoDataset.domains.enumerated().map { index, domain in
            let role = index == 0 ? #", "role": "reference""# : ""
            return #"    { "name": "\#(domain.name)", "path": "data/\#(domain.name)"\#(role), "//": "\#(domain.title)" }"#
        }.joined(separator: ",\n")
        let models = modelFolders.map { name, folder in
            let weights = assets.url("demo-models/\(folder)/open_clip_model.safetensors").path
            return #"    { "name": "\#(name)", "weights": "\#(weights)" }"#
        }.joined(separator: ",\n")
        return """
            {
              "//": "The ShiftLens demo: toy CLIP models on synthetic images. Written by `shiftlens demo`.",
              "pilot": "\(pilotName)",
              "title": "Demo — parts inspection line (toy models, synthetic images)",
              "question": "Can the parts classifier keep working through the night shift, a camera swap, drawings and a cluttered bench?",
              "language": "en",
              "classes": { "names": "classes.txt", "templates": "templates.txt" },
              "domains": [
            \(domains)
              ],
              "models": [
            \(models)
              ],
              "criteria": { "min_accuracy": 0.6, "max_relative_drop": 0.2 }
            }

            """
    }

    static func writeIfChanged(_ bytes: [UInt8], to url: URL) throws {
        if let existing = FileManager.default.contents(atPath: url.path), existing.elementsEqual(bytes) { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
