import Foundation
import Pilot
import Pipeline
import Weights

extension Command {
    static let inspect = Command(
        name: "inspect",
        summary: "Show a checkpoint's architecture, sizes, parameter count, dtype, activation and sha256.",
        usage: "shiftlens inspect W|DIR [--json] [--activation gelu|quick_gelu] [--known-checkpoints FILE]",
        discussion: """
            Reads a checkpoint — .safetensors, or a PyTorch .pt/.pth/.bin written by torch.save or \
            torch.jit.save (OpenAI's files), read without Python — in open_clip, OpenAI or Hugging \
            Face naming, detects the \
            architecture from tensor names and shapes, checks every tensor, and reports where each \
            setting shapes cannot tell came from: open_clip_config.json or Hugging Face config.json / \
            preprocessor_config.json beside the weights, then --activation, then the table of known \
            checkpoints (by sha256; extend it with --known-checkpoints, a JSON list of objects with \
            "sha256", "name", "activation" and optional "image_mean", "image_std"). A folder stands for \
            the weights inside it, as hub snapshots have them: open_clip_model.safetensors (with \
            open_clip_config.json), else model.safetensors (with config.json).
            """,
        options: [
            .flag("--json", "Print one JSON object (machine output) instead of text."),
            .value("--known-checkpoints", "FILE", "Extra known checkpoints (JSON list), consulted before the built-in table."),
        ],
        groups: [CheckpointSettings.self],
        positionals: 1...1
    ) { invocation, console in
        let path = invocation.positionals[0]
        var overrides = invocation.group(CheckpointSettings.self).overrides
        overrides.allowsUnknownActivation = true
        if let file = invocation.value("--known-checkpoints") {
            do {
                overrides.knownCheckpoints = try JSONDecoder().decode([KnownCheckpoint].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ShiftLensError(
                    step: "inspect", path: file, message: "not a JSON list of known checkpoints (\(ShiftLensError.describe(error).message))",
                    hint: "each entry needs \"sha256\", \"name\" and \"activation\" (gelu or quick_gelu)")
            }
        }
        guard let weights = ModelFolder.weights(at: URL(fileURLWithPath: path)) else {
            throw ShiftLensError(step: "inspect", path: path, message: "is a folder without \(ModelFolder.weightsFiles.joined(separator: " or "))",
                                 hint: "give the weights file, or a Hugging Face / open_clip snapshot folder")
        }
        let loaded = try Checkpoint.load(weights, overrides: overrides)
        let report = InspectReport(path: weights.path == URL(fileURLWithPath: path).path ? path : weights.path, loaded)
        if invocation.flag("--json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            console.out(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            console.out(report.rendered)
        }
        for warning in loaded.warnings { console.err("warning: \(warning)") }
        // Everything else is shown above; the run would stop here, so inspect says so and fails.
        if let missing = loaded.unknownActivation { throw missing }
        return ExitCode.ok
    }
}

/// What `shiftlens inspect` prints; the JSON form is its Codable encoding.
struct InspectReport: Codable, Equatable {
    struct Vision: Codable, Equatable {
        var family: String
        var width: Int
        var layers: [Int]
        var heads: Int
        var headsSource: String
        var patchSize: Int?
        var imageSize: Int
        var outputDim: Int
        var mlpWidth: Int?

        enum CodingKeys: String, CodingKey {
            case family, width, layers, heads
            case headsSource = "heads_source"
            case patchSize = "patch_size"
            case imageSize = "image_size"
            case outputDim = "output_dim"
            case mlpWidth = "mlp_width"
        }
    }

    struct Text: Codable, Equatable {
        var width: Int
        var layers: Int
        var heads: Int
        var contextLength: Int
        var vocabSize: Int
        var outputDim: Int
        var mlpWidth: Int

        enum CodingKeys: String, CodingKey {
            case width, layers, heads
            case contextLength = "context_length"
            case vocabSize = "vocab_size"
            case outputDim = "output_dim"
            case mlpWidth = "mlp_width"
        }
    }

    var file: String
    var format: String
    var dtype: String
    var sha256: String
    var parameterCount: Int
    var vision: Vision
    var text: Text?
    /// nil when nothing tells the activation (`activation_source` is then "unknown").
    var activation: String?
    var activationSource: String
    var imageMean: [Double]
    var imageStd: [Double]
    var normalizationSource: String
    var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case file, format, dtype, sha256, vision, text, activation, warnings
        case parameterCount = "parameter_count"
        case activationSource = "activation_source"
        case imageMean = "image_mean"
        case imageStd = "image_std"
        case normalizationSource = "normalization_source"
    }

    init(path: String, _ loaded: LoadedCheckpoint) {
        file = path
        format = loaded.format
        dtype = loaded.dtype
        sha256 = loaded.sha256
        parameterCount = loaded.parameterCount
        let config = loaded.config
        switch config.vision {
        case .vit(let vit):
            vision = Vision(
                family: "ViT", width: vit.width, layers: [vit.layers], heads: vit.heads, headsSource: loaded.headsSource,
                patchSize: vit.patchSize, imageSize: vit.imageSize, outputDim: vit.outputDim, mlpWidth: vit.mlpWidth)
        case .resnet(let resnet):
            vision = Vision(
                family: "ModifiedResNet", width: resnet.width, layers: resnet.layers, heads: resnet.heads,
                headsSource: loaded.headsSource, patchSize: nil, imageSize: resnet.imageSize, outputDim: resnet.outputDim, mlpWidth: nil)
        }
        text = config.text.map {
            Text(width: $0.width, layers: $0.layers, heads: $0.heads, contextLength: $0.contextLength, vocabSize: $0.vocabSize,
                 outputDim: $0.outputDim, mlpWidth: $0.mlpWidth)
        }
        activation = loaded.unknownActivation == nil ? config.activation.rawValue : nil
        activationSource = config.activationSource
        // Through the shortest decimal text so that 0.48145466 prints as written, not as its binary64 widening.
        imageMean = config.imageMean.map { Double("\($0)") ?? Double($0) }
        imageStd = config.imageStd.map { Double("\($0)") ?? Double($0) }
        normalizationSource = loaded.normalizationSource
        warnings = loaded.warnings
    }

    var rendered: String {
        func numbers(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: ", ") }
        func from(_ source: String) -> String { source.contains("default") ? "(\(source))" : "(from \(source))" }
        var visionLine = "width \(vision.width), "
        if vision.family == "ViT" {
            visionLine += "\(vision.layers[0]) layers, patch \(vision.patchSize ?? 0), "
        } else {
            visionLine += "blocks \(vision.layers.map(String.init).joined(separator: "-")), "
        }
        visionLine += "image \(vision.imageSize)×\(vision.imageSize), output \(vision.outputDim)"
        if let mlp = vision.mlpWidth { visionLine += ", MLP \(mlp)" }
        let textLine = text.map {
            "width \($0.width), \($0.layers) layers, \($0.heads) heads, context \($0.contextLength), vocabulary \($0.vocabSize), output \($0.outputDim)"
        } ?? "none (vision tower only)"
        let rows: [(String, String)] = [
            ("file", file),
            ("format", format),
            ("dtype", "\(dtype) (fp32 in memory)"),
            ("sha256", sha256),
            ("family", vision.family),
            ("vision", visionLine),
            (vision.family == "ViT" ? "heads" : "pool heads", "\(vision.heads) \(from(vision.headsSource))"),
            ("text", textLine),
            ("parameters", "\(parameterCount) (\(String(format: "%.2f", Double(parameterCount) / 1e6)) M)"),
            ("activation", activation.map { "\($0) \(from(activationSource))" } ?? "unknown (see the error below)"),
            ("mean", "\(numbers(imageMean)) \(from(normalizationSource))"),
            ("std", "\(numbers(imageStd)) \(from(normalizationSource))"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
