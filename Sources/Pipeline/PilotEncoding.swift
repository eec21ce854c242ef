import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Tensor
import Weights

/// The images of every domain of a pilot, as discovered, with what could not be used.
package struct ScannedDomain {
    package var spec: PilotSpec.Domain
    var scan: DatasetScan?
    /// Why the domain cannot be used at all (missing folder, no images), if so.
    package var problem: String?

    package var items: [DatasetItem] { scan?.items ?? [] }
}

/// Everything one model produced for a run: embeddings per domain and its heads.
struct EncodedModel {
    var entry: PilotSpec.Model
    var sha256: String
    var family: String
    var activation: String
    /// The image tower's arithmetic ("fp32" or "bf16"; nil when the embeddings were imported).
    var precision: String?
    var dimension: Int
    /// Images per encoder pass, and whether the model's default or `--batch` chose it (nil when imported).
    var batch: EncoderBatch?
    var domains: [String: EncodedDomain]
    /// The full zero-shot head (C, D).
    var head: Tensor
    /// The concept vocabulary embedded by this model's text tower (K, D), for the concept probe.
    var conceptEmbeddings: Tensor?
    var conceptNames: [String]
    var warnings: [String]
}

/// Scans a pilot's domains and encodes them with each model through the store.
package struct PilotEncoding {
    let spec: PilotSpec
    let classes: ClassList
    let store: EmbeddingStore
    /// `--batch N`, or nil for each model's default (`EncoderBatch`).
    let batchSize: Int?
    let progress: ProgressReporter
    let cancel: CancellationFlag
    /// Background decode threads per model (see `defaultDecoders`).
    package var decoders = PilotEncoding.defaultDecoders
    /// Limits of every image decode (the operator's, docs/security.md); `maxMemory` also bounds all decode threads together.
    package var imageLimits = DecodingLimits.default
    /// A store whose rows count as cached without being copied (`encode --shard` reads the shared store).
    package var baseStore: EmbeddingStore?
    /// `--precision`: every model's image tower at this precision, whatever the pilot says.
    package var precision: Precision?

    package init(spec: PilotSpec, classes: ClassList, store: EmbeddingStore, batchSize: Int?, progress: ProgressReporter, cancel: CancellationFlag) {
        self.spec = spec
        self.classes = classes
        self.store = store
        self.batchSize = batchSize
        self.progress = progress
        self.cancel = cancel
    }

    /// One decode thread per four cores, at least one: decoding a 224×224 JPEG costs a few
    /// milliseconds, far less than encoding it, so one decoder keeps up with the encoder
    /// except for very small models — and for those the compute threads decode too while
    /// the encoder waits (`EncodingPipeline`'s helpers).
    package static var defaultDecoders: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 4) }

    /// Discovers each domain's images; a domain that cannot be read is kept with its problem.
    package static func scan(_ spec: PilotSpec, classes: ClassList, assets: Assets? = nil) -> [ScannedDomain] {
        spec.domains.map { domain in
            do {
                let objectNet = try domain.classSubset == .objectnet ? assets.map { try ObjectNetClasses.load(assets: $0) } : nil
                let scan = try DatasetScanner.scan(domain, classes: classes, objectNet: objectNet)
                if scan.items.isEmpty {
                    return ScannedDomain(spec: domain, scan: scan, problem: "no usable images (\(scan.nonImagesSkipped) non-image files, \(scan.hiddenSkipped) hidden entries skipped)")
                }
                return ScannedDomain(spec: domain, scan: scan, problem: nil)
            } catch {
                return ScannedDomain(spec: domain, scan: nil, problem: "\(error)")
            }
        }
    }

    /// A deterministic slice of every domain's images for shard `index` of `count`:
    /// image `i` of the pilot (domains in spec order, each domain's images in scan order —
    /// sorted by path for folders, row order for CSV manifests) goes to shard `i mod count`.
    /// Round-robin rather than contiguous ranges so that every shard gets a similar mix of
    /// domains (and image sizes) and finishes at about the same time. The slices only
    /// depend on the spec and the files, so every machine computes the same ones.
    package static func shard(_ domains: [ScannedDomain], index: Int, count: Int) -> [ScannedDomain] {
        var position = 0
        return domains.map { domain in
            var sliced = domain
            if var scan = domain.scan {
                scan.items = scan.items.filter { _ in
                    defer { position += 1 }
                    return position % count == index
                }
                sliced.scan = scan
            }
            return sliced
        }
    }

    /// Loads a model to encode with; `announce` prints its family and batch size.
    package func loadModel(_ entry: PilotSpec.Model, announce: Bool = true) throws -> ModelEncoder {
        let encoder = try ModelEncoder(
            name: entry.name, entry: entry, weights: entry.weights, store: store, batchSize: batchSize, progress: progress,
            precisionOverride: precision)
        encoder.decoders = decoders
        encoder.imageLimits = imageLimits
        encoder.baseStore = baseStore
        if announce { progress.finish("\(entry.name): \(Self.family(encoder.loaded.config)), \(encoder.precision.rawValue), \(encoder.batch.description)") }
        return encoder
    }

    /// The text rows a run needs from each model: every class's prompts, the prompts of the
    /// alternative class names (`classes.synonyms`), then the concept vocabulary, without
    /// duplicates, in that order. `encode --shard I/N` encodes prompt
    /// `j` of this list in shard `j mod N` (text is cheap next to images, but 1000 classes ×
    /// 80 templates is still 80,000 prompts per model).
    package static func textPrompts(classes: ClassList, concepts: [String]) -> [String] {
        var prompts: [String] = []
        var seen: Set<String> = []
        for index in classes.names.indices {
            for prompt in classes.prompts(forClass: index) where seen.insert(prompt).inserted { prompts.append(prompt) }
        }
        for prompt in classes.candidatePrompts() where seen.insert(prompt).inserted { prompts.append(prompt) }
        for concept in concepts where seen.insert(concept).inserted { prompts.append(concept) }
        return prompts
    }

    /// Encodes every usable domain (and, with a tokenizer, the zero-shot head) with one model.
    func encode(_ entry: PilotSpec.Model, domains: [ScannedDomain], tokenizer: Tokenizer?, concepts: [String] = []) throws -> EncodedModel {
        let encoder = try loadModel(entry)
        var encoded: [String: EncodedDomain] = [:]
        for domain in domains where domain.problem == nil {
            if cancel.isRaised { throw CancellationError() }
            encoded[domain.spec.name] = try encoder.encode(
                domain: domain.spec.name, items: domain.items, borderCrop: domain.spec.borderCrop, cancel: cancel)
        }
        var head = Tensor(zeros: [0, encoder.dimension])
        var conceptEmbeddings: Tensor?
        if let tokenizer, encoder.model.text != nil {
            head = try encoder.zeroShotHead(classes: classes, tokenizer: tokenizer)
            if !concepts.isEmpty {
                conceptEmbeddings = try encoder.embed(prompts: concepts, tokenizer: tokenizer, what: "concepts")
            }
        }
        return EncodedModel(
            entry: entry, sha256: encoder.loaded.sha256, family: Self.family(encoder.loaded.config),
            activation: encoder.loaded.config.activation.rawValue, precision: encoder.precision.rawValue, dimension: encoder.dimension, batch: encoder.batch,
            domains: encoded, head: head, conceptEmbeddings: conceptEmbeddings, conceptNames: concepts, warnings: encoder.loaded.warnings)
    }

    /// A short architecture name: `ViT-B/32`-style when the sizes are a known family, else the sizes.
    static func family(_ config: CLIPConfig) -> String {
        switch config.vision {
        case .vit(let vit):
            let size: String
            switch (vit.width, vit.layers) {
            case (768, 12): size = "B"
            case (1024, 24): size = "L"
            case (1280, 32): size = "H"
            case (512, 12): size = "M"
            case (384, 12): size = "S"
            default: size = "w\(vit.width)×\(vit.layers)"
            }
            return "ViT-\(size)/\(vit.patchSize)" + (vit.imageSize == 224 ? "" : "@\(vit.imageSize)")
        case .resnet(let resnet):
            switch (resnet.layers, resnet.width) {
            case ([3, 4, 6, 3], 64): return "RN50"
            case ([3, 4, 23, 3], 64): return "RN101"
            case ([4, 6, 10, 6], 80): return "RN50x4"
            case ([6, 8, 18, 8], 96): return "RN50x16"
            case ([3, 15, 36, 10], 128): return "RN50x64"
            default: return "ResNet \(resnet.layers.map(String.init).joined(separator: "-")) w\(resnet.width)"
            }
        }
    }
}

/// The concept vocabulary of the concept probe: the shipped list (`assets/concepts/concepts.txt`,
/// `category<TAB>concept`) plus the pilot's extra concepts, without duplicates.
package enum ConceptVocabulary {
    package static func load(assets: Assets, extra: URL?) throws -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        for url in [assets.url("concepts/concepts.txt")] + (extra.map { [$0] } ?? []) {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ShiftLensError(step: "concepts", path: url.path, message: "cannot be read", hint: "one concept per line, optionally category<TAB>concept")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let concept = (line.split(separator: "\t").last.map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
                if !concept.isEmpty, seen.insert(concept.lowercased()).inserted { names.append(concept) }
            }
        }
        return names
    }
}
