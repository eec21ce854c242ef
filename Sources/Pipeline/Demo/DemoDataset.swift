import Foundation

/// The demo's synthetic dataset: ten industrial parts photographed in a reference
/// domain and four shifted ones that mirror real deployment shifts.
///
/// Deterministic: the same seed gives the same pixels on every run. Evaluation domains
/// and the training sets (used once, by `scripts/demo/train_demo_models.py`, to train the
/// bundled models) draw from disjoint seeds.
struct DemoDataset {
    struct Domain {
        let name: String
        let title: String
        let style: DemoRenderer.Style
        let captions: [String]
        /// Picks the domain's random stream (kept per domain, so adding a domain changes no other domain's pixels).
        let seed: UInt64
        /// Whether the pilot gets the labels (class folders) or only the images (a flat folder, shuffled).
        var labelled = true
    }

    static let imageSize = 64

    /// The evaluation domains, reference first. Indices 0–4 are stable (tests address them by index); the mild
    /// shift and the unlabelled one came later.
    static let domains: [Domain] = [
        Domain(name: "reference", title: "Reference line camera", style: .init(),
               captions: ["a photo of a {c}.", "a {c} on the inspection table."], seed: 0),
        Domain(name: "low-light", title: "Night shift: low light and sensor noise",
               style: .init(brightness: 0.3, noise: 0.06, cast: (0.9, 0.95, 1.1)),
               captions: ["a dark photo of a {c}.", "a noisy low-light photo of a {c}."], seed: 1),
        Domain(name: "new-camera", title: "New camera: blur, warm cast, other framing",
               style: .init(noise: 0.015, blur: 1.3, cast: (1.18, 1.0, 0.78), scale: 0.5...0.62, offset: 0.22, vignette: 0.35),
               captions: ["a blurry photo of a {c}.", "a warm-toned photo of a small {c}."], seed: 2),
        Domain(name: "sketch", title: "Engineering sketches instead of photos",
               style: .init(noise: 0, sketch: true),
               captions: ["a sketch of a {c}.", "a line drawing of a {c}."], seed: 3),
        Domain(name: "clutter", title: "Cluttered bench with occlusion",
               style: .init(clutter: 4, occlusion: true),
               captions: ["a photo of a {c} among other parts.", "a partly hidden {c}."], seed: 4),
        Domain(name: "second-line", title: "Second line: dimmer, cooler LED light (a mild shift)",
               style: .init(brightness: 0.8, noise: 0.02, cast: (0.92, 1.0, 1.1)),
               captions: ["a photo of a {c}.", "a dim photo of a {c}."], seed: 5),
        Domain(name: "site-photos", title: "Supplier site: phone photos without labels",
               style: .init(brightness: 0.8, noise: 0.02, blur: 0.7, cast: (1.12, 1.0, 0.85), scale: 0.55...0.8, offset: 0.18,
                            clutter: 2, vignette: 0.2),
               captions: ["a photo of a {c}."], seed: 6, labelled: false),
    ]

    /// Images per class per evaluation domain.
    static let evaluationImagesPerClass = 40

    /// One rendered image with its class and caption.
    struct Sample {
        let label: Int
        let caption: String
        let pixels: [UInt8]
    }

    /// The evaluation images of one domain: class by class for a labelled domain; for an unlabelled one the same
    /// images in a seeded shuffled order (its files are numbered in this order, so names do not give the class away).
    static func evaluationSamples(domain index: Int, perClass: Int = evaluationImagesPerClass, seed: UInt64 = 2026) -> [Sample] {
        let domain = domains[index]
        let stream = seed &* 1_000_003 &+ domain.seed &* 7919 &+ 11
        let ordered = samples(style: domain.style, captions: domain.captions, perClass: perClass, seed: stream)
        guard !domain.labelled else { return ordered }
        var random = DemoRandom(seed: stream &+ 1)
        var shuffled = ordered
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, random.integer(0..<(i + 1)))
        }
        return shuffled
    }

    /// Training images for the bundled models: `narrow` sees only reference-style photos with one caption;
    /// `diverse` sees randomised lighting, blur, colour casts, framing, drawings and clutter with varied captions
    /// (never the evaluation seeds or the exact evaluation settings).
    static func trainingSamples(diverse: Bool, perClass: Int, seed: UInt64 = 77) -> [Sample] {
        guard diverse else {
            return samples(style: .init(), captions: ["a photo of a {c}."], perClass: perClass, seed: seed &+ 1)
        }
        var random = DemoRandom(seed: seed &+ 2)
        var result: [Sample] = []
        let renderer = DemoRenderer(size: imageSize)
        for label in DemoRenderer.classes.indices {
            for _ in 0..<perClass {
                var style = DemoRenderer.Style()
                var caption = ["a photo of a {c}.", "a picture of a {c}.", "an image of a {c}."][random.integer(0..<3)]
                switch random.integer(0..<6) {
                case 0:
                    break
                case 1:
                    style.brightness = random.uniform(0.2, 0.6)
                    style.noise = random.uniform(0.02, 0.08)
                    caption = "a dark photo of a {c}."
                case 2:
                    style.blur = random.uniform(0.6, 1.8)
                    style.cast = (random.uniform(0.8, 1.25), random.uniform(0.9, 1.1), random.uniform(0.75, 1.2))
                    style.scale = 0.45...0.85
                    style.offset = 0.25
                    caption = "a blurry photo of a {c}."
                case 3:
                    style.sketch = true
                    style.noise = 0
                    caption = ["a sketch of a {c}.", "a drawing of a {c}."][random.integer(0..<2)]
                case 4:
                    style.clutter = random.integer(1..<6)
                    style.occlusion = random.unit() < 0.5
                    caption = "a photo of a {c} among other parts."
                default:
                    style.cast = (random.uniform(0.85, 1.2), random.uniform(0.85, 1.15), random.uniform(0.8, 1.2))
                    style.vignette = random.uniform(0, 0.4)
                    caption = "a color photo of a {c}."
                }
                result.append(Sample(label: label, caption: caption.replacingOccurrences(of: "{c}", with: DemoRenderer.classes[label]),
                                     pixels: quantize(renderer.render(label: label, style: style, random: &random))))
            }
        }
        return result
    }

    private static func samples(style: DemoRenderer.Style, captions: [String], perClass: Int, seed: UInt64) -> [Sample] {
        var random = DemoRandom(seed: seed)
        let renderer = DemoRenderer(size: imageSize)
        var result: [Sample] = []
        for label in DemoRenderer.classes.indices {
            for _ in 0..<perClass {
                let caption = captions[random.integer(0..<captions.count)].replacingOccurrences(of: "{c}", with: DemoRenderer.classes[label])
                result.append(Sample(label: label, caption: caption, pixels: quantize(renderer.render(label: label, style: style, random: &random))))
            }
        }
        return result
    }

    static func quantize(_ values: [Double]) -> [UInt8] {
        values.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
    }
}
