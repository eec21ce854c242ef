import Foundation
import Support

/// What configuration files beside a checkpoint say about what shapes cannot tell.
///
/// Read from the weights' folder, first match wins per question:
/// 1. `open_clip_config.json` (open_clip's Hugging Face hub layout: `model_cfg` with
///    `quick_gelu`, `vision_cfg`, `text_cfg`, `embed_dim`; `preprocess_cfg` with `mean`/`std`).
///    Absent `quick_gelu` means GELU and absent `text_cfg.heads` means 8, as in open_clip.
/// 2. Hugging Face `config.json` (`model_type` `clip` or `clip_vision_model`: `hidden_act`,
///    `num_attention_heads`, sizes) and `preprocessor_config.json` (`image_mean`, `image_std`).
///
/// Sizes the files state are checked against the detected ones (a contradiction is an error:
/// the file belongs to other weights), and open_clip options this project's towers do not
/// implement (layer scale, attentional pooling, average pooling, …) are refused by name.
struct ConfigurationFiles {
    /// Which file said what, e.g. "open_clip_config.json".
    var activation: (value: Activation, source: String)?
    var normalization: (mean: [Float], std: [Float], source: String)?
    /// Vision heads as the file gives them: `.count` (Hugging Face) or `.headWidth` (open_clip).
    var visionHeads: (value: HeadSpec, source: String)?
    var textHeads: (value: Int, source: String)?
    /// Sizes the files claim, compared with detection: "vision width" → 768, …
    var claims: [(what: String, value: Int, source: String)] = []
    var resnetLayers: (value: [Int], source: String)?
    var warnings: [String] = []

    enum HeadSpec: Equatable {
        case count(Int)
        case headWidth(Int)
    }

    static let openCLIPFile = "open_clip_config.json"
    static let huggingFaceFile = "config.json"
    static let huggingFacePreprocessorFile = "preprocessor_config.json"

    /// Reads the configuration files in `weights`' folder (none is fine).
    static func read(besides weights: URL) throws -> ConfigurationFiles {
        let folder = weights.deletingLastPathComponent()
        var result = ConfigurationFiles()
        let openCLIP = folder.appendingPathComponent(openCLIPFile)
        if let object = try jsonObject(at: openCLIP) {
            try result.readOpenCLIP(object, path: openCLIP.path)
        } else if let object = try jsonObject(at: folder.appendingPathComponent(huggingFaceFile)) {
            try result.readHuggingFace(object, path: folder.appendingPathComponent(huggingFaceFile).path)
        }
        if result.normalization == nil {
            let preprocessor = folder.appendingPathComponent(huggingFacePreprocessorFile)
            if let object = try jsonObject(at: preprocessor) {
                try result.readHuggingFacePreprocessor(object, path: preprocessor.path)
            }
        }
        return result
    }

    /// Checks the files' size claims against what detection found.
    func check(vision: VisionConfig, text: TextConfig?, path: String) throws {
        var detected: [String: Int] = ["vision output_dim": vision.outputDim, "image_size": vision.imageSize]
        switch vision {
        case .vit(let config):
            detected["vision width"] = config.width
            detected["vision layers"] = config.layers
            detected["patch_size"] = config.patchSize
            detected["vision mlp width"] = config.mlpWidth
        case .resnet(let config):
            detected["vision width"] = config.width
            if let (layers, source) = resnetLayers, layers != config.layers {
                throw WeightsError.unknownArchitecture(
                    path: path, message: "\(source) says vision layers \(layers) but the weights have \(config.layers)")
            }
        }
        if let text {
            detected["text width"] = text.width
            detected["text layers"] = text.layers
            detected["context_length"] = text.contextLength
            detected["vocab_size"] = text.vocabSize
            detected["text output_dim"] = text.outputDim
            detected["text mlp width"] = text.mlpWidth
        }
        for claim in claims {
            guard let found = detected[claim.what], found != claim.value else { continue }
            throw WeightsError.unknownArchitecture(
                path: path, message: "\(claim.source) says \(claim.what) \(claim.value) but the weights have \(found)")
        }
    }

    // MARK: - open_clip

    private mutating func readOpenCLIP(_ root: [String: Any], path: String) throws {
        let source = ConfigurationFiles.openCLIPFile
        let model = (root["model_cfg"] as? [String: Any]) ?? root
        let json = JSONFields(path: path)
        activation = (try json.bool(model, "quick_gelu") ?? false ? .quickGelu : .gelu, source)
        if try json.bool(model, "custom_text") == true {
            throw WeightsError.unsupported(path: path, message: "open_clip option custom_text (CustomTextCLIP) is not supported")
        }
        if let embed = try json.int(model, "embed_dim") {
            claims.append(("vision output_dim", embed, source))
            claims.append(("text output_dim", embed, source))
        }
        if let vision = model["vision_cfg"] as? [String: Any] {
            try refuseOptions(vision, tower: "vision_cfg", path: path, allowedStrings: ["pos_embed_type": "learnable", "pool_type": "tok"])
            if let layers = vision["layers"] as? [Any] {
                resnetLayers = (try layers.map { item -> Int in
                    guard let number = JSONFields.integer(item) else {
                        throw WeightsError.corrupt(path: path, message: "vision_cfg.layers must hold whole numbers")
                    }
                    return number
                }, source)
            } else if let layers = try json.int(vision, "layers") {
                claims.append(("vision layers", layers, source))
            }
            if let width = try json.int(vision, "width") { claims.append(("vision width", width, source)) }
            if let patch = try json.int(vision, "patch_size") { claims.append(("patch_size", patch, source)) }
            if let size = try json.imageSize(vision, "image_size") { claims.append(("image_size", size, source)) }
            if let width = try json.int(vision, "width"), let ratio = try json.double(vision, "mlp_ratio") {
                claims.append(("vision mlp width", try json.mlpWidth(width, ratio, "vision_cfg.mlp_ratio"), source))
            }
            visionHeads = (.headWidth(try json.int(vision, "head_width") ?? 64), source)
        }
        if let text = model["text_cfg"] as? [String: Any] {
            try refuseOptions(text, tower: "text_cfg", path: path, allowedStrings: ["pool_type": "argmax", "proj_type": "linear"])
            if let width = try json.int(text, "width") { claims.append(("text width", width, source)) }
            if let layers = try json.int(text, "layers") { claims.append(("text layers", layers, source)) }
            if let context = try json.int(text, "context_length") { claims.append(("context_length", context, source)) }
            if let vocabulary = try json.int(text, "vocab_size") { claims.append(("vocab_size", vocabulary, source)) }
            if let width = try json.int(text, "width"), let ratio = try json.double(text, "mlp_ratio") {
                claims.append(("text mlp width", try json.mlpWidth(width, ratio, "text_cfg.mlp_ratio"), source))
            }
            textHeads = (try json.int(text, "heads") ?? 8, source)
        }
        if let preprocess = root["preprocess_cfg"] as? [String: Any] {
            let mean = try json.triple(preprocess, "mean")
            let std = try json.triple(preprocess, "std")
            if let mean, let std {
                normalization = (mean, std, source)
            } else if (mean == nil) != (std == nil) {
                throw WeightsError.corrupt(path: path, message: "preprocess_cfg has only one of mean and std")
            }
            if let interpolation = preprocess["interpolation"] as? String, interpolation != "bicubic" {
                warnings.append("\(source) asks for \(interpolation) resizing; ShiftLens preprocesses with bicubic like OpenAI's CLIP")
            }
            if let mode = preprocess["resize_mode"] as? String, mode != "shortest" {
                warnings.append("\(source) asks for resize_mode \(mode); ShiftLens resizes the shortest side and centre-crops")
            }
        }
    }

    /// open_clip options that change the forward pass without changing tensor names: any
    /// value other than the default is refused, naming the option.
    private func refuseOptions(_ tower: [String: Any], tower name: String, path: String, allowedStrings: [String: String]) throws {
        let mustBeFalse = [
            "attentional_pool", "no_ln_pre", "final_ln_after_pool", "output_tokens", "embed_cls", "no_causal_mask",
            "proj_bias", "qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc",
        ]
        let mustBeNull = ["ls_init_value", "act_kwargs", "norm_kwargs", "timm_model_name", "hf_model_name"]
        for key in mustBeFalse {
            if let value = tower[key], !(value is NSNull), JSONFields.truthy(value) {
                throw WeightsError.unsupported(path: path, message: "open_clip option \(name).\(key) = true is not supported")
            }
        }
        for key in mustBeNull {
            if let value = tower[key], !(value is NSNull) {
                throw WeightsError.unsupported(path: path, message: "open_clip option \(name).\(key) is not supported")
            }
        }
        for (key, expected) in allowedStrings {
            if let value = tower[key], !(value is NSNull), (value as? String) != expected {
                throw WeightsError.unsupported(
                    path: path, message: "open_clip option \(name).\(key) = \(value) is not supported (only \(expected))")
            }
        }
        if let block = tower["block_type"] as? String, block != "default" {
            throw WeightsError.unsupported(path: path, message: "open_clip option \(name).block_type = \(block) is not supported")
        }
    }

    // MARK: - Hugging Face

    private mutating func readHuggingFace(_ root: [String: Any], path: String) throws {
        let source = ConfigurationFiles.huggingFaceFile
        let json = JSONFields(path: path)
        let modelType = root["model_type"] as? String
        let vision: [String: Any]?
        let text: [String: Any]?
        switch modelType {
        case "clip":
            vision = root["vision_config"] as? [String: Any]
            text = root["text_config"] as? [String: Any]
            if let projection = try json.int(root, "projection_dim") {
                claims.append(("vision output_dim", projection, source))
                claims.append(("text output_dim", projection, source))
            }
        case "clip_vision_model":
            vision = root
            text = nil
            if let projection = try json.int(root, "projection_dim") { claims.append(("vision output_dim", projection, source)) }
        default:
            warnings.append("\(source) beside the weights is not a CLIP configuration (model_type \(modelType ?? "missing")); ignored")
            return
        }
        var activations: [Activation] = []
        for (tower, fields) in [("vision", vision), ("text", text)] {
            guard let fields else { continue }
            if let name = fields["hidden_act"] as? String {
                guard let value = Activation(huggingFaceName: name) else {
                    throw WeightsError.unsupported(path: path, message: "\(tower) hidden_act \"\(name)\" is not supported (gelu or quick_gelu)")
                }
                activations.append(value)
            }
            if let epsilon = try json.double(fields, "layer_norm_eps"), abs(epsilon - 1e-5) > 1e-12 {
                throw WeightsError.unsupported(path: path, message: "\(tower) layer_norm_eps \(epsilon) is not supported (CLIP uses 1e-5)")
            }
            if let width = try json.int(fields, "hidden_size") { claims.append(("\(tower) width", width, source)) }
            if let layers = try json.int(fields, "num_hidden_layers") { claims.append(("\(tower) layers", layers, source)) }
            if let mlp = try json.int(fields, "intermediate_size") { claims.append(("\(tower) mlp width", mlp, source)) }
        }
        if let vision {
            if let heads = try json.int(vision, "num_attention_heads") { visionHeads = (.count(heads), source) }
            if let patch = try json.int(vision, "patch_size") { claims.append(("patch_size", patch, source)) }
            if let size = try json.imageSize(vision, "image_size") { claims.append(("image_size", size, source)) }
        }
        if let text {
            if let heads = try json.int(text, "num_attention_heads") { textHeads = (heads, source) }
            if let context = try json.int(text, "max_position_embeddings") { claims.append(("context_length", context, source)) }
            if let vocabulary = try json.int(text, "vocab_size") { claims.append(("vocab_size", vocabulary, source)) }
        }
        if let first = activations.first {
            guard activations.allSatisfy({ $0 == first }) else {
                throw WeightsError.unsupported(path: path, message: "the vision and text towers use different activations")
            }
            activation = (first, source)
        }
    }

    private mutating func readHuggingFacePreprocessor(_ root: [String: Any], path: String) throws {
        let json = JSONFields(path: path)
        if let mean = try json.triple(root, "image_mean"), let std = try json.triple(root, "image_std") {
            normalization = (mean, std, ConfigurationFiles.huggingFacePreprocessorFile)
        }
    }

    /// The parsed JSON object at `url`, nil if there is no such file.
    private static func jsonObject(at url: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do throws(InputFile.Error) {
            data = Data(try InputFile.contents(of: url.path, maxBytes: 10_000_000))
        } catch .tooLarge(let size, _) {
            throw WeightsError.corrupt(path: url.path, message: "a configuration file of \(size) bytes is not plausible")
        } catch {
            throw WeightsError.unreadable(path: url.path, message: "\(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WeightsError.corrupt(path: url.path, message: "not a JSON object")
        }
        return object
    }
}

extension Activation {
    /// Hugging Face `hidden_act` names of the two CLIP activations.
    init?(huggingFaceName name: String) {
        switch name {
        case "quick_gelu": self = .quickGelu
        case "gelu": self = .gelu
        default: return nil
        }
    }
}

/// Typed reads of JSONSerialization values, with errors naming the file and key.
private struct JSONFields {
    let path: String

    static func integer(_ value: Any) -> Int? {
        // No `is Bool` test: Foundation bridges 0 and 1 to Bool on some platforms.
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    static func truthy(_ value: Any) -> Bool {
        if let flag = value as? Bool { return flag }
        if let number = value as? NSNumber { return number.doubleValue != 0 }
        return true
    }

    func int(_ object: [String: Any], _ key: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = JSONFields.integer(value), number > 0 else {
            throw WeightsError.corrupt(path: path, message: "\(key) must be a positive whole number, not \(value)")
        }
        return number
    }

    func double(_ object: [String: Any], _ key: String) throws -> Double? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, number.doubleValue.isFinite else {
            throw WeightsError.corrupt(path: path, message: "\(key) must be a number, not \(value)")
        }
        return number.doubleValue
    }

    func bool(_ object: [String: Any], _ key: String) throws -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let flag = value as? Bool { return flag }
        throw WeightsError.corrupt(path: path, message: "\(key) must be true or false, not \(value)")
    }

    /// open_clip's `int(width * mlp_ratio)`, refused unless it is a plausible width (a ratio
    /// of 1e300 would otherwise become a width of Int.min or a trap).
    func mlpWidth(_ width: Int, _ ratio: Double, _ key: String) throws -> Int {
        let product = (Double(width) * ratio).rounded(.towardZero)
        guard ratio > 0, product >= 1, product <= Double(JSONFields.maxMLPWidth) else {
            throw WeightsError.corrupt(path: path, message: "\(key) \(ratio) gives an MLP width of \(width) × \(ratio), not a usable size")
        }
        return Int(product)
    }

    /// Wider than any MLP of any released model (ViT-bigG: 8192), far from overflowing.
    static let maxMLPWidth = 1 << 24

    /// An image size given as `224` or `[224, 224]`; non-square sizes are refused.
    func imageSize(_ object: [String: Any], _ key: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let pair = value as? [Any], pair.count == 2, let height = JSONFields.integer(pair[0]), let width = JSONFields.integer(pair[1]) {
            guard height == width else {
                throw WeightsError.unsupported(path: path, message: "\(key) \(height)×\(width) is not square")
            }
            return width
        }
        return try int(object, key)
    }

    /// Three finite per-channel numbers (mean or std).
    func triple(_ object: [String: Any], _ key: String) throws -> [Float]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let items = value as? [Any], items.count == 3 else {
            throw WeightsError.corrupt(path: path, message: "\(key) must list 3 numbers (one per RGB channel)")
        }
        return try items.map { item in
            guard let number = item as? NSNumber, number.doubleValue.isFinite else {
                throw WeightsError.corrupt(path: path, message: "\(key) must list 3 numbers (one per RGB channel)")
            }
            return number.floatValue
        }
    }
}
