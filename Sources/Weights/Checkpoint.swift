import Foundation

/// Loading a CLIP checkpoint: tensors under canonical names, the architecture, and the
/// configuration shapes cannot tell.
///
/// The container is chosen by the file's extension (`.safetensors`; `.pt/.pth/.bin` are PyTorch
/// zip or TorchScript archives, read by `TorchCheckpoint`), the naming scheme by its keys: Hugging Face
/// `CLIPModel` keys (`vision_model.…`, `text_model.…`) are translated to open_clip's,
/// everything else must already be in open_clip / OpenAI naming. The architecture comes from
/// shapes (`ArchitectureDetection`), then every tensor is checked against it
/// (`OpenCLIPNames.validate`): a missing, unexpected or wrongly-shaped tensor is an error.
///
/// What shapes cannot tell — activation, image mean/std, attention heads — comes from, in
/// order: configuration files beside the weights (`open_clip_config.json`, else Hugging Face
/// `config.json` + `preprocessor_config.json`); the caller's `ConfigOverrides` (the pilot's
/// model entry, `--activation`); the table of known checkpoints by file SHA-256. Without any
/// of them the activation is an error (`WeightsError.missingConfiguration`); mean/std default
/// to OpenAI's and heads to open_clip's 64-wide heads when the width allows it.
package enum Checkpoint {
    /// Loads `url`: reads, translates, detects, configures and validates. See the type's doc.
    package static func load(_ url: URL, overrides: ConfigOverrides = .init()) throws -> LoadedCheckpoint {
        let path = url.path
        let read = try readCanonical(url)
        let shapes = read.stateDict.tensors.mapValues(\.shape)
        var (vision, text) = try ArchitectureDetection.detect(shapes: shapes, path: path)
        let files = try ConfigurationFiles.read(besides: url)
        var warnings = read.warnings + files.warnings
        try files.check(vision: vision, text: text, path: path)

        // Attention heads: configuration, else open_clip's convention when the width allows it.
        var headsSource = "open_clip default, 64-wide heads"
        switch vision {
        case .vit(var config):
            if let (spec, source) = files.visionHeads {
                config.heads = try heads(spec, width: config.width, source: source, path: path)
                headsSource = source
            } else if !ArchitectureDetection.headsAreConventional(width: config.width, headWidth: 64) {
                throw WeightsError.missingConfiguration(
                    path: path, message: "cannot tell the attention heads of a \(config.width)-wide vision transformer from its shapes")
            }
            vision = .vit(config)
        case .resnet(var config):
            if let (spec, source) = files.visionHeads {
                config.heads = try heads(spec, width: 32 * config.width, source: source, path: path)
                headsSource = source
            } else if !ArchitectureDetection.headsAreConventional(width: 32 * config.width, headWidth: 64) {
                throw WeightsError.missingConfiguration(
                    path: path, message: "cannot tell the attention-pool heads of a \(config.width)-wide ResNet from its shapes")
            }
            vision = .resnet(config)
        }
        if var config = text {
            if let (count, source) = files.textHeads {
                config.heads = try heads(.count(count), width: config.width, source: source, path: path)
            } else if !ArchitectureDetection.headsAreConventional(width: config.width, headWidth: 64) {
                throw WeightsError.missingConfiguration(
                    path: path, message: "cannot tell the attention heads of a \(config.width)-wide text transformer from its shapes")
            }
            text = config
        }

        try OpenCLIPNames.validate(shapes, vision: vision, text: text, path: path)

        let sha256 = try DigestCache.sha256(of: url)
        let known = KnownCheckpoints.lookup(sha256: sha256, extra: overrides.knownCheckpoints)
        let knownSource = known.map { "known checkpoint \($0.name)" }

        var activation: Activation
        var activationSource: String
        var unknownActivation: WeightsError?
        if let (value, source) = files.activation {
            (activation, activationSource) = (value, source)
            if let requested = overrides.activation, requested != value {
                warnings.append("\(overrides.source) asks for \(requested.rawValue) but \(source) says \(value.rawValue); using \(value.rawValue)")
            }
        } else if let value = overrides.activation {
            (activation, activationSource) = (value, overrides.source)
        } else if let known, let knownSource {
            (activation, activationSource) = (known.activation, knownSource)
        } else {
            let error = WeightsError.missingConfiguration(
                path: path, message: "the MLP activation (gelu or quick_gelu) is not known for this checkpoint (sha256 \(sha256))")
            guard overrides.allowsUnknownActivation else { throw error }
            (activation, activationSource, unknownActivation) = (.gelu, "unknown", error)
        }

        var mean = CLIPConfig.openAIMean
        var std = CLIPConfig.openAIStd
        var normalizationSource = "OpenAI default"
        if let (fileMean, fileStd, source) = files.normalization {
            (mean, std, normalizationSource) = (fileMean, fileStd, source)
        } else if let overrideMean = overrides.imageMean, let overrideStd = overrides.imageStd {
            (mean, std, normalizationSource) = (overrideMean, overrideStd, overrides.source)
        } else if let known, let knownSource, let knownMean = known.imageMean, let knownStd = known.imageStd {
            (mean, std, normalizationSource) = (knownMean, knownStd, knownSource)
        }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw WeightsError.missingConfiguration(
                path: path, message: "image mean/std from \(normalizationSource) must be 3 finite numbers each, std positive")
        }

        let config = CLIPConfig(
            vision: vision, text: text, activation: activation, activationSource: activationSource, imageMean: mean, imageStd: std)
        return LoadedCheckpoint(
            stateDict: read.stateDict, config: config, sha256: sha256, format: read.format, dtype: read.dtype,
            parameterCount: parameterCount(read.stateDict), warnings: warnings,
            normalizationSource: normalizationSource, headsSource: headsSource, unknownActivation: unknownActivation)
    }

    /// Heads from a configuration, checked to divide the width.
    private static func heads(_ spec: ConfigurationFiles.HeadSpec, width: Int, source: String, path: String) throws -> Int {
        let count: Int
        switch spec {
        case .count(let value): count = value
        case .headWidth(let headWidth):
            guard headWidth > 0, width % headWidth == 0 else {
                throw WeightsError.unknownArchitecture(path: path, message: "\(source): head width \(headWidth) does not divide width \(width)")
            }
            count = width / headWidth
        }
        guard count > 0, width % count == 0 else {
            throw WeightsError.unknownArchitecture(path: path, message: "\(source): \(count) heads do not divide width \(width)")
        }
        return count
    }

    /// Learned parameters, as PyTorch counts them: batch-norm running statistics are buffers, not parameters.
    static func parameterCount(_ stateDict: StateDict) -> Int {
        stateDict.tensors.reduce(0) { total, entry in OpenCLIPNames.isBuffer(entry.key) ? total : total + entry.value.count }
    }

    /// The tensors of `url` under canonical names, with no check of completeness or
    /// shapes (that needs the architecture; see `load(_:overrides:)`).
    package static func loadStateDict(_ url: URL) throws -> StateDict {
        try readCanonical(url).stateDict
    }

    /// What a reader produced before architecture detection.
    struct CanonicalTensors {
        var stateDict: StateDict
        /// "safetensors (open_clip naming)", "safetensors (Hugging Face naming)", …
        var format: String
        /// Storage dtypes of the weights in the file, e.g. "F16" or "F32+F16".
        var dtype: String
        var warnings: [String]
    }

    static func readCanonical(_ url: URL) throws -> CanonicalTensors {
        let path = url.path
        switch url.pathExtension.lowercased() {
        case "safetensors":
            let file = try SafetensorsFile(url: url)
            let (raw, warnings) = try file.weightTensors()
            let floatTypes = Set(file.entries.map(\.dtype).filter { $0 != .i64 })
            let dtype = SafetensorsFile.DType.allCases.filter(floatTypes.contains).map(\.rawValue).joined(separator: "+")
            let (tensors, naming) = try translate(raw, path: path)
            return CanonicalTensors(
                stateDict: StateDict(tensors: tensors, path: path), format: "safetensors (\(naming))",
                dtype: dtype.isEmpty ? "none" : dtype, warnings: warnings)
        case "pt", "pth", "bin":
            return try readPyTorch(url)
        default:
            throw WeightsError.unsupported(
                path: path, message: "unknown checkpoint extension '.\(url.pathExtension)'; expected .safetensors, .pt, .pth or .bin")
        }
    }

    /// PyTorch zip archives (torch.save) and TorchScript archives (torch.jit.save); see `TorchCheckpoint`.
    static func readPyTorch(_ url: URL) throws -> CanonicalTensors {
        let contents = try TorchCheckpoint.read(url)
        let (tensors, naming) = try translate(contents.tensors, path: url.path)
        let order: [TorchDType] = [.float32, .float16, .bfloat16]
        let dtype = order.filter(contents.dtypes.contains).map(\.rawValue).joined(separator: "+")
        let container = contents.writer.hasPrefix("torch.jit.save") ? "TorchScript archive" : "PyTorch zip archive"
        return CanonicalTensors(
            stateDict: StateDict(tensors: tensors, path: url.path), format: "\(container) (\(contents.writer); \(naming))",
            dtype: dtype.isEmpty ? "none" : dtype, warnings: contents.warnings)
    }

    /// Tensors under file names → canonical names, and the name of the naming scheme.
    static func translate(_ tensors: [String: WeightTensor], path: String) throws -> ([String: WeightTensor], String) {
        if HuggingFaceNames.matches(tensors.keys) {
            return (try HuggingFaceNames.canonical(tensors, path: path), "Hugging Face naming")
        }
        return (try OpenCLIPNames.canonical(tensors, path: path), "open_clip naming")
    }
}
