import Foundation
import ImageCodec
import Pilot

/// Writes the demo as an ordinary pilot folder: PNG images (our own encoder) in
/// ImageFolder layout, class and template files, and a `pilot.json` naming the bundled
/// toy models. Deterministic: identical bytes on every run; existing files that already
/// hold the right bytes are left alone (so the store's cache stays valid).
package enum DemoPilot {
    /// A bundled toy model: `assets/demo-models/<folder>/`. Baselines are the standard-style models whose
    /// (reference, shift) accuracies draw the effective-robustness line; the others are the candidates.
    package struct Model {
        let name: String
        let folder: String
        var baseline = false
    }

    /// Named for what they are: training data (diverse or narrow / standard reference-style photos), data scale
    /// (images: 6k = 600 per class, 1k = 100, 500 = 50), vision tower (small = width 64 × 4 layers, tiny = 64 × 2)
    /// and, for the baselines, training steps. assets/demo-models/README.md gives the recipes and what came out.
    package static let models: [Model] = [
        Model(name: "diverse-6k-small", folder: "diverse-6k-small"),
        Model(name: "diverse-6k-tiny", folder: "diverse-6k-tiny"),
        Model(name: "diverse-1k-tiny", folder: "diverse-1k-tiny"),
        Model(name: "narrow-6k-small", folder: "narrow-6k-small"),
        Model(name: "standard-500-tiny-300", folder: "standard-500-tiny-300", baseline: true),
        Model(name: "standard-1k-tiny-150", folder: "standard-1k-tiny-150", baseline: true),
        Model(name: "standard-6k-tiny-300", folder: "standard-6k-tiny-300", baseline: true),
        Model(name: "standard-6k-tiny-1000", folder: "standard-6k-tiny-1000", baseline: true),
    ]

    /// What the pilot demands of a model on every domain: a parts line needs most parts right, and a shift may cost
    /// little of what the model does on the reference.
    package static let criteria = PilotSpec.Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.1)

    /// The demo's stages: a supervised trial that tolerates more, then the whole line on the pilot's own criteria.
    package static func stages(_ language: PilotSpec.Language) -> [PilotSpec.Stage] {
        let names = language == .ja ? ["試験運用", "全ライン導入"] : ["supervised trial", "whole line"]
        return [
            PilotSpec.Stage(name: names[0], criteria: PilotSpec.Criteria(minAccuracy: 0.6, maxRelativeDrop: 0.25)),
            PilotSpec.Stage(name: names[1], criteria: criteria),
        ]
    }

    /// The largest outlier-feature ratio `r_j = m_j / mean m` any bundled model reaches on any demo domain. None reaches
    /// the probe's threshold of 10, and the notice says so on every page (DemoTests checks both against a real run).
    static let largestOutlierRatio = "4.2"

    /// The words of the demo pilot in one language (the images and models are the same).
    package struct Text {
        let pilot: String
        let title: String
        let question: String
        package let notice: String
    }

    package static func text(_ language: PilotSpec.Language) -> Text {
        let candidates = models.filter { !$0.baseline }.count, baselines = models.count - candidates
        switch language {
        case .en:
            return Text(
                pilot: "demo-parts-line",
                title: "Demo — parts inspection line (toy models, synthetic images)",
                question: "Which parts classifier keeps working through the night shift, a camera swap, drawings, a cluttered bench, a second line and the supplier's photos?",
                notice: "Demo: \(candidates) toy CLIP candidates and \(baselines) toy baselines (1.8–1.9 M parameters each), trained by the ShiftLens maintainers on synthetic 64×64 images of ten parts. None of them developed outlier features (no dimension reaches 10× the average activation; the largest ratio is \(largestOutlierRatio)), so this demo cannot show the link between outlier features and robustness. The numbers show the tool working on real, trained models, not how any production model behaves. To evaluate your own models and images, run “shiftlens init my-pilot” and follow its README.")
        case .ja:
            return Text(
                pilot: "demo-parts-line-ja",
                title: "デモ — 部品検査ライン（トイモデル・合成画像）",
                question: "夜勤の照明、カメラの交換、図面、散らかった作業台、第2ライン、仕入先の写真でも使い続けられる部品分類器はどれか？",
                notice: "デモ：ShiftLens の開発者が10種類の部品の合成画像（64×64）で学習させた、候補\(candidates)個とベースライン\(baselines)個のトイ CLIP モデル（各1.8〜1.9 M パラメータ）です。どのモデルにも外れ値特徴（平均の10倍以上の活性をもつ次元）は現れませんでした（最大の比は\(largestOutlierRatio)）。そのため、このデモでは外れ値特徴とロバスト性の関係は示せません。数値は、実際に学習したモデルでツールが動く様子を示すもので、実運用のモデルの振る舞いを示すものではありません。ご自分のモデルと画像を評価するには「shiftlens init my-pilot」を実行し、その README に従ってください。")
        }
    }

    /// Writes (or refreshes) the demo pilot in `folder`: `pilot.json` in English, `pilot-ja.json` in Japanese
    /// (same images, models and criteria); returns the spec's URL.
    @discardableResult
    package static func write(to folder: URL, assets: Assets, language: PilotSpec.Language = .en,
                              perClass: Int = DemoDataset.evaluationImagesPerClass) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for (index, domain) in DemoDataset.domains.enumerated() {
            let samples = DemoDataset.evaluationSamples(domain: index, perClass: perClass)
            var counters = [Int](repeating: 0, count: DemoRenderer.classes.count)
            for (number, sample) in samples.enumerated() {
                let relative: String
                if domain.labelled {
                    counters[sample.label] += 1
                    relative = "\(DemoRenderer.classes[sample.label])/\(String(format: "%03d", counters[sample.label])).png"
                } else {
                    relative = "photo-\(String(format: "%04d", number + 1)).png"
                }
                let bytes = try PNGEncoder.encode(RGBImage(width: DemoDataset.imageSize, height: DemoDataset.imageSize, pixels: sample.pixels))
                try writeIfChanged(bytes, to: folder.appendingPathComponent("data/\(domain.name)/\(relative)"))
            }
        }
        try writeIfChanged(Array((DemoRenderer.classes.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("classes.txt"))
        let templates = ["a photo of a {c}.", "a picture of a {c}.", "an image of a {c}."]
        try writeIfChanged(Array((templates.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("templates.txt"))
        let spec = folder.appendingPathComponent(language == .en ? "pilot.json" : "pilot-\(language.rawValue).json")
        try writeIfChanged(Array(specText(assets: assets, language: language).utf8), to: spec)
        return spec
    }

    static func specText(assets: Assets, language: PilotSpec.Language = .en) -> String {
        let text = text(language)
        let domains = DemoDataset.domains.enumerated().map { index, domain in
            let role = index == 0 ? #", "role": "reference""# : ""
            let labels = domain.labelled ? "" : #", "labels": "none""#
            return #"    { "name": "\#(domain.name)", "path": "data/\#(domain.name)"\#(role)\#(labels), "//": "\#(domain.title)" }"#
        }.joined(separator: ",\n")
        let models = models.map { model in
            let weights = assets.url("demo-models/\(model.folder)/open_clip_model.safetensors").path
            let baseline = model.baseline ? #", "baseline": true"# : ""
            return #"    { "name": "\#(model.name)", "weights": "\#(weights)"\#(baseline) }"#
        }.joined(separator: ",\n")
        let stages = stages(language).map { stage in
            #"    { "name": "\#(stage.name)", "criteria": \#(criteriaText(stage.criteria)) }"#
        }.joined(separator: ",\n")
        return """
            {
              "//": "The ShiftLens demo: toy CLIP models on synthetic images. Written by `shiftlens demo`.",
              "pilot": "\(text.pilot)",
              "title": "\(text.title)",
              "question": "\(text.question)",
              "language": "\(language.rawValue)",
              "classes": { "names": "classes.txt", "templates": "templates.txt" },
              "domains": [
            \(domains)
              ],
              "models": [
            \(models)
              ],
              "criteria": \(criteriaText(criteria)),
              "stages": [
            \(stages)
              ]
            }

            """
    }

    static func criteriaText(_ criteria: PilotSpec.Criteria) -> String {
        #"{ "min_accuracy": \#(criteria.minAccuracy ?? 0), "max_relative_drop": \#(criteria.maxRelativeDrop ?? 0) }"#
    }

    static func writeIfChanged(_ bytes: [UInt8], to url: URL) throws {
        if let existing = FileManager.default.contents(atPath: url.path), existing.elementsEqual(bytes) { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
