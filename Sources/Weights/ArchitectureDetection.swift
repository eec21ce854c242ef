/// Which CLIP a state dict is, from canonical tensor names and shapes alone — never from
/// file names. The same facts open_clip's `build_model_from_openai_state_dict` reads:
///
/// - ViT (has `visual.class_embedding`): width and patch size from `visual.conv1.weight`
///   `(width, 3, patch, patch)`; layers = number of `visual.transformer.resblocks.{i}`;
///   grid = √(rows of `visual.positional_embedding` − 1), image size = grid · patch;
///   output dim = columns of `visual.proj`; MLP width = rows of the first block's `c_fc`.
/// - ModifiedResNet (has `visual.attnpool.*`): blocks per stage = number of
///   `visual.layer{k}.{j}`; width = output channels of `visual.layer1.0.conv1`;
///   image size = 32 · √(rows of the attention pool's positional embedding − 1);
///   output dim = rows of `visual.attnpool.c_proj.weight`.
/// - Text tower (has `token_embedding.weight`): vocabulary and width from the token
///   embedding, context length from `positional_embedding`, layers from
///   `transformer.resblocks.{i}`, output dim from `text_projection`.
///
/// Attention heads cannot be seen in shapes. Detection uses open_clip's conventions — a head
/// width of 64 (`width / 64` heads; `width · 32 / 64` for the ResNet attention pool) — and
/// reports 1 head where the width is not a multiple of 64 (of 2 for the pool); configuration
/// files beside the weights override this (see `Checkpoint.load`), which refuses a width that
/// needs a configured head count when none is found.
///
/// Works on a name → shape table so that real model sizes can be checked without weights.
enum ArchitectureDetection {
    /// The detected vision tower and, if the file has one, the text tower.
    static func detect(_ stateDict: StateDict) throws -> (vision: VisionConfig, text: TextConfig?) {
        try detect(shapes: stateDict.tensors.mapValues(\.shape), path: stateDict.path)
    }

    /// Detection on a name → shape table in canonical names.
    static func detect(shapes: [String: [Int]], path: String = "<shapes>") throws -> (vision: VisionConfig, text: TextConfig?) {
        let reader = ShapeReader(shapes: shapes, path: path)
        let isViT = shapes[OpenCLIPNames.visualClassEmbedding] != nil || reader.hasPrefix(OpenCLIPNames.visualBlocks + ".")
        let isResNet = reader.hasPrefix(OpenCLIPNames.attentionPool + ".") || reader.hasPrefix(OpenCLIPNames.resnetStage(1) + ".")
        let vision: VisionConfig
        switch (isViT, isResNet) {
        case (true, false): vision = .vit(try detectViT(reader))
        case (false, true): vision = .resnet(try detectResNet(reader))
        case (true, true):
            throw WeightsError.unknownArchitecture(
                path: path, message: "the file has both ViT (visual.transformer) and ModifiedResNet (visual.attnpool) tensors")
        case (false, false):
            let sample = shapes.keys.sorted().prefix(3).joined(separator: ", ")
            throw WeightsError.unknownArchitecture(
                path: path,
                message: "no CLIP vision tower in open_clip, OpenAI or Hugging Face naming (first tensors: \(sample.isEmpty ? "none" : sample))")
        }
        return (vision, try detectText(reader))
    }

    private static func detectViT(_ reader: ShapeReader) throws -> ViTConfig {
        let conv = try reader.shape(OpenCLIPNames.visualConv1, rank: 4)
        guard conv[1] == 3, conv[2] == conv[3], conv[2] > 0 else {
            throw reader.unknown("\(OpenCLIPNames.visualConv1) has shape \(conv); a ViT patch embedding is (width, 3, patch, patch)")
        }
        let width = conv[0]
        let patch = conv[3]
        let layers = try reader.blockCount(OpenCLIPNames.visualBlocks)
        let positions = try reader.shape(OpenCLIPNames.visualPositionalEmbedding, rank: 2)
        let grid = try reader.squareRoot(positions[0] - 1, of: OpenCLIPNames.visualPositionalEmbedding)
        let projection = try reader.shape(OpenCLIPNames.visualProjection, rank: 2)
        let mlp = reader.shapes[OpenCLIPNames.weight(OpenCLIPNames.Block(OpenCLIPNames.visualBlocks, 0).mlpUp)]?.first ?? 4 * width
        return ViTConfig(
            width: width, layers: layers, heads: defaultHeads(width: width, headWidth: 64), patchSize: patch,
            imageSize: grid * patch, outputDim: projection[1], mlpWidth: mlp)
    }

    private static func detectResNet(_ reader: ShapeReader) throws -> ModifiedResNetConfig {
        var layers: [Int] = []
        for stage in 1...4 { layers.append(try reader.blockCount(OpenCLIPNames.resnetStage(stage))) }
        let firstConv = try reader.shape(OpenCLIPNames.Bottleneck(stage: 1, index: 0).conv(1), rank: 4)
        let width = firstConv[0]
        let positions = try reader.shape(OpenCLIPNames.attentionPoolPositionalEmbedding, rank: 2)
        let grid = try reader.squareRoot(positions[0] - 1, of: OpenCLIPNames.attentionPoolPositionalEmbedding)
        let output = try reader.shape(OpenCLIPNames.attentionPoolOutput, rank: 2)
        return ModifiedResNetConfig(
            layers: layers, width: width, heads: defaultHeads(width: 32 * width, headWidth: 64), imageSize: 32 * grid,
            outputDim: output[0])
    }

    private static func detectText(_ reader: ShapeReader) throws -> TextConfig? {
        guard reader.shapes[OpenCLIPNames.tokenEmbedding] != nil else {
            let textNames = [OpenCLIPNames.textPositionalEmbedding, OpenCLIPNames.textProjection, OpenCLIPNames.weight(OpenCLIPNames.textLayerNormFinal)]
            if textNames.contains(where: { reader.shapes[$0] != nil }) || reader.hasPrefix(OpenCLIPNames.textBlocks + ".") {
                throw WeightsError.missingTensor(name: OpenCLIPNames.tokenEmbedding, path: reader.path)
            }
            return nil
        }
        let embedding = try reader.shape(OpenCLIPNames.tokenEmbedding, rank: 2)
        let width = embedding[1]
        let positions = try reader.shape(OpenCLIPNames.textPositionalEmbedding, rank: 2)
        let layers = try reader.blockCount(OpenCLIPNames.textBlocks)
        let projection = try reader.shape(OpenCLIPNames.textProjection, rank: 2)
        let mlp = reader.shapes[OpenCLIPNames.weight(OpenCLIPNames.Block(OpenCLIPNames.textBlocks, 0).mlpUp)]?.first ?? 4 * width
        return TextConfig(
            contextLength: positions[0], vocabSize: embedding[0], width: width,
            heads: defaultHeads(width: width, headWidth: 64), layers: layers, outputDim: projection[1], mlpWidth: mlp)
    }

    /// `width / headWidth` when that divides evenly, else 1 (the caller must then find the count in a configuration).
    static func defaultHeads(width: Int, headWidth: Int) -> Int {
        width >= headWidth && width % headWidth == 0 ? width / headWidth : 1
    }

    /// Whether `defaultHeads` had to guess.
    static func headsAreConventional(width: Int, headWidth: Int) -> Bool {
        width >= headWidth && width % headWidth == 0
    }
}

/// Typed lookups in a name → shape table.
private struct ShapeReader {
    let shapes: [String: [Int]]
    let path: String

    func unknown(_ message: String) -> WeightsError { .unknownArchitecture(path: path, message: message) }

    func hasPrefix(_ prefix: String) -> Bool { shapes.keys.contains { $0.hasPrefix(prefix) } }

    func shape(_ name: String, rank: Int) throws -> [Int] {
        guard let shape = shapes[name] else { throw WeightsError.missingTensor(name: name, path: path) }
        guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
            throw unknown("\(name) has shape \(shape); expected \(rank) non-zero dimensions")
        }
        return shape
    }

    /// Number of blocks `prefix.{i}.…` (largest index + 1; a gap shows up as missing tensors in validation).
    func blockCount(_ prefix: String) throws -> Int {
        let start = prefix + "."
        var largest = -1
        for name in shapes.keys where name.hasPrefix(start) {
            let rest = name.dropFirst(start.count)
            guard let index = Int(rest.prefix { $0 != "." }), index >= 0, index < 10_000 else { continue }
            largest = max(largest, index)
        }
        guard largest >= 0 else { throw unknown("no blocks \(start)0… found") }
        return largest + 1
    }

    /// The whole square root of `value`, or an error naming the tensor it came from.
    func squareRoot(_ value: Int, of name: String) throws -> Int {
        var root = Int(Double(max(value, 0)).squareRoot().rounded())
        while root * root > value { root -= 1 }
        guard value > 0, root * root == value else {
            throw unknown("\(name) has \(value + 1) rows; expected a square grid of positions plus one class token")
        }
        return root
    }
}
