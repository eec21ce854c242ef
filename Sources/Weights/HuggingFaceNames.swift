/// Hugging Face `transformers` CLIP naming → canonical open_clip naming. This is the only
/// file that spells Hugging Face keys.
///
/// Covers `CLIPModel` (`vision_model.…`, `text_model.…`, `visual_projection.weight`,
/// `text_projection.weight`, `logit_scale`) and the vision-only
/// `CLIPVisionModelWithProjection` (`vision_model.…` + `visual_projection.weight`).
/// Hugging Face has no ModifiedResNet, so every vision tower here is a ViT.
///
/// Differences that are more than a rename:
/// - attention keeps separate `q_proj`, `k_proj`, `v_proj`; open_clip stacks them in that
///   order into `in_proj_weight` `(3·width, width)` / `in_proj_bias` (copied into one allocation);
/// - the projections are `nn.Linear` weights `(outputDim, width)`, open_clip's are matrices
///   `(width, outputDim)` applied on the right — transposed on the way in;
/// - `position_ids` are integer buffers and are dropped.
enum HuggingFaceNames {
    private static let vision = "vision_model."
    private static let text = "text_model."
    private static let visualProjection = "visual_projection.weight"
    private static let textProjection = "text_projection.weight"
    private static let logitScale = "logit_scale"

    /// Whether the keys are in Hugging Face naming.
    static func matches<Names: Sequence>(_ names: Names) -> Bool where Names.Element == String {
        names.contains { $0.hasPrefix(vision) || $0.hasPrefix(text) || $0 == visualProjection }
    }

    /// Renames inside one tower, applied to what follows `vision_model.` / `text_model.`.
    private static let towerRenames: [String: String] = [
        "embeddings.patch_embedding.weight": "conv1.weight",
        "embeddings.class_embedding": "class_embedding",
        "embeddings.position_embedding.weight": "positional_embedding",
        "embeddings.token_embedding.weight": "token_embedding.weight",
        "pre_layrnorm.weight": "ln_pre.weight",
        "pre_layrnorm.bias": "ln_pre.bias",
        "post_layernorm.weight": "ln_post.weight",
        "post_layernorm.bias": "ln_post.bias",
        "final_layer_norm.weight": "ln_final.weight",
        "final_layer_norm.bias": "ln_final.bias",
    ]

    /// Renames inside one encoder layer (after `encoder.layers.{i}.`), except q/k/v.
    private static let layerRenames: [String: String] = [
        "layer_norm1.weight": "ln_1.weight",
        "layer_norm1.bias": "ln_1.bias",
        "layer_norm2.weight": "ln_2.weight",
        "layer_norm2.bias": "ln_2.bias",
        "self_attn.out_proj.weight": "attn.out_proj.weight",
        "self_attn.out_proj.bias": "attn.out_proj.bias",
        "mlp.fc1.weight": "mlp.c_fc.weight",
        "mlp.fc1.bias": "mlp.c_fc.bias",
        "mlp.fc2.weight": "mlp.c_proj.weight",
        "mlp.fc2.bias": "mlp.c_proj.bias",
    ]

    private static let attentionParts = ["q_proj", "k_proj", "v_proj"]

    static func canonical(_ tensors: [String: WeightTensor], path: String) throws -> [String: WeightTensor] {
        var result: [String: WeightTensor] = [:]
        var unexpected: [String] = []
        // (canonical block prefix, "weight"/"bias") → q/k/v source tensors by part.
        var attention: [String: [String: WeightTensor]] = [:]

        func put(_ name: String, _ tensor: WeightTensor) {
            result[name] = WeightTensor(name: name, shape: tensor.shape, values: tensor.values, storage: tensor.storage)
        }

        for (name, tensor) in tensors {
            if name.hasSuffix("embeddings.position_ids") { continue }
            if name == visualProjection || name == textProjection {
                let target = name == visualProjection ? OpenCLIPNames.visualProjection : OpenCLIPNames.textProjection
                result[target] = try transposed(tensor, as: target, path: path)
                continue
            }
            if name == logitScale {
                put(OpenCLIPNames.logitScale, tensor)
                continue
            }
            let tower: (prefix: String, canonical: String, blocks: String)
            if name.hasPrefix(vision) {
                tower = (vision, "visual.", OpenCLIPNames.visualBlocks)
            } else if name.hasPrefix(text) {
                tower = (text, "", OpenCLIPNames.textBlocks)
            } else {
                unexpected.append(name)
                continue
            }
            let rest = String(name.dropFirst(tower.prefix.count))
            if let renamed = towerRenames[rest] {
                put(tower.canonical + renamed, tensor)
                continue
            }
            let layersPrefix = "encoder.layers."
            guard rest.hasPrefix(layersPrefix) else {
                unexpected.append(name)
                continue
            }
            let afterLayers = rest.dropFirst(layersPrefix.count)
            guard let dot = afterLayers.firstIndex(of: "."), let index = Int(afterLayers[..<dot]), index >= 0 else {
                unexpected.append(name)
                continue
            }
            let inLayer = String(afterLayers[afterLayers.index(after: dot)...])
            let block = OpenCLIPNames.Block(tower.blocks, index)
            if let renamed = layerRenames[inLayer] {
                put("\(block.prefix).\(renamed)", tensor)
                continue
            }
            let attentionPrefix = "self_attn."
            let attentionKey = inLayer.hasPrefix(attentionPrefix) ? inLayer.dropFirst(attentionPrefix.count).split(separator: ".") : []
            if attentionKey.count == 2, attentionParts.contains(String(attentionKey[0])), ["weight", "bias"].contains(String(attentionKey[1])) {
                let kind = String(attentionKey[1])
                let target = kind == "weight" ? block.inProjectionWeight : block.inProjectionBias
                attention[target, default: [:]][String(attentionKey[0])] = tensor
                continue
            }
            unexpected.append(name)
        }
        if !unexpected.isEmpty { throw WeightsError.unexpectedTensors(names: unexpected.sorted(), path: path) }
        // Name missing projections as the file spells them (a bare CLIPVisionModel has none).
        for (tower, projection) in [(vision, visualProjection), (text, textProjection)]
        where tensors[projection] == nil && tensors.keys.contains(where: { $0.hasPrefix(tower) }) {
            throw WeightsError.missingTensor(name: projection, path: path)
        }

        for (target, parts) in attention {
            var ordered: [WeightTensor] = []
            for part in attentionParts {
                guard let tensor = parts[part] else {
                    let kind = target.hasSuffix("bias") ? "bias" : "weight"
                    throw WeightsError.missingTensor(name: sourceName(ofCanonicalBlock: target, part: part, kind: kind), path: path)
                }
                ordered.append(tensor)
            }
            result[target] = try stacked(ordered, as: target, path: path)
        }
        return result
    }

    /// The Hugging Face name of one of q/k/v for a canonical `in_proj_*` name (for error messages).
    private static func sourceName(ofCanonicalBlock target: String, part: String, kind: String) -> String {
        let isVision = target.hasPrefix(OpenCLIPNames.visualBlocks)
        let blocks = isVision ? OpenCLIPNames.visualBlocks : OpenCLIPNames.textBlocks
        let index = target.dropFirst(blocks.count + 1).prefix { $0 != "." }
        return "\(isVision ? vision : text)encoder.layers.\(index).self_attn.\(part).\(kind)"
    }

    /// `(rows, columns)` → `(columns, rows)` in a new allocation. Other ranks are passed on
    /// unchanged for the shape validation to report against the expected shape.
    private static func transposed(_ tensor: WeightTensor, as name: String, path: String) throws -> WeightTensor {
        guard tensor.shape.count == 2 else {
            return WeightTensor(name: name, shape: tensor.shape, values: tensor.values, storage: tensor.storage)
        }
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        let owned = OwnedFloats(count: rows * columns)
        let source = tensor.values
        for row in 0..<rows {
            for column in 0..<columns { owned.pointer[column * rows + row] = source[row * columns + column] }
        }
        return WeightTensor(name: name, shape: [columns, rows], values: owned.buffer, storage: owned)
    }

    /// q, k, v of equal shape stacked along the first dimension.
    private static func stacked(_ parts: [WeightTensor], as name: String, path: String) throws -> WeightTensor {
        let first = parts[0]
        for part in parts.dropFirst() where part.shape != first.shape {
            throw WeightsError.wrongShape(name: part.name, expected: first.shape, found: part.shape, path: path)
        }
        let owned = OwnedFloats(count: parts.count * first.count)
        for (index, part) in parts.enumerated() {
            if let base = part.values.baseAddress {
                (owned.pointer + index * first.count).update(from: base, count: first.count)
            }
        }
        var shape = first.shape.isEmpty ? [1] : first.shape
        shape[0] *= parts.count
        return WeightTensor(name: name, shape: shape, values: owned.buffer, storage: owned)
    }
}
