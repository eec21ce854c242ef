/// The canonical key table: open_clip / OpenAI `CLIP` state-dict names and the shape of
/// every tensor for a given configuration. This is the only file that spells these keys
/// (STYLE: one file per format); detection and models ask it for names.
///
/// Layout facts (open_clip `VisionTransformer`, `ModifiedResNet`, text `Transformer`):
/// linear weights are `(out, in)`; `visual.proj` and `text_projection` are `(width, outputDim)`
/// and are applied as `x · proj`; attention keeps q, k, v stacked in `in_proj_weight`
/// `(3 · width, width)` in that order; every bottleneck that changes its channel count has a
/// `downsample` (average pool, 1×1 conv `downsample.0`, batch norm `downsample.1`), which in
/// CLIP's ModifiedResNet is exactly the first block of each stage.
package enum OpenCLIPNames {
    // Vision, both families.
    package static let visualConv1 = "visual.conv1.weight"
    // ViT.
    package static let visualClassEmbedding = "visual.class_embedding"
    package static let visualPositionalEmbedding = "visual.positional_embedding"
    package static let visualLayerNormPre = "visual.ln_pre"
    package static let visualLayerNormPost = "visual.ln_post"
    package static let visualProjection = "visual.proj"
    package static let visualBlocks = "visual.transformer.resblocks"
    // ModifiedResNet.
    static let attentionPool = "visual.attnpool"
    package static let attentionPoolPositionalEmbedding = "visual.attnpool.positional_embedding"
    static let attentionPoolOutput = "visual.attnpool.c_proj.weight"
    /// `visual.layer1` … `visual.layer4`.
    static func resnetStage(_ stage: Int) -> String { "visual.layer\(stage)" }
    /// Stem convolutions and their batch norms: `visual.conv1` … `visual.conv3`, `visual.bn1` … `visual.bn3`.
    package static func stemConv(_ index: Int) -> String { "visual.conv\(index)" }
    package static func stemNorm(_ index: Int) -> String { "visual.bn\(index)" }
    // Text.
    package static let tokenEmbedding = "token_embedding.weight"
    package static let textPositionalEmbedding = "positional_embedding"
    package static let textBlocks = "transformer.resblocks"
    package static let textLayerNormFinal = "ln_final"
    package static let textProjection = "text_projection"
    static let logitScale = "logit_scale"

    /// Keys of one residual attention block under `prefix.index`, e.g. `visual.transformer.resblocks.3`.
    package struct Block: Sendable {
        package let prefix: String
        package init(_ blocks: String, _ index: Int) { prefix = "\(blocks).\(index)" }
        package var layerNorm1: String { "\(prefix).ln_1" }
        package var inProjectionWeight: String { "\(prefix).attn.in_proj_weight" }
        package var inProjectionBias: String { "\(prefix).attn.in_proj_bias" }
        package var outProjection: String { "\(prefix).attn.out_proj" }
        package var layerNorm2: String { "\(prefix).ln_2" }
        package var mlpUp: String { "\(prefix).mlp.c_fc" }
        package var mlpDown: String { "\(prefix).mlp.c_proj" }
    }

    /// Keys of one ModifiedResNet bottleneck, e.g. `visual.layer2.0`.
    package struct Bottleneck: Sendable {
        package let prefix: String
        package init(stage: Int, index: Int) { prefix = "\(OpenCLIPNames.resnetStage(stage)).\(index)" }
        package func conv(_ index: Int) -> String { "\(prefix).conv\(index).weight" }
        package func norm(_ index: Int) -> String { "\(prefix).bn\(index)" }
        package var downsampleConv: String { "\(prefix).downsample.0.weight" }
        package var downsampleNorm: String { "\(prefix).downsample.1" }
    }

    /// Attention-pool projections `q_proj`, `k_proj`, `v_proj`, `c_proj` (each `.weight`, `.bias`).
    package static func attentionPoolProjection(_ name: String) -> String { "\(attentionPool).\(name)" }

    /// `weight` of a linear or norm module.
    package static func weight(_ module: String) -> String { "\(module).weight" }
    package static func bias(_ module: String) -> String { "\(module).bias" }
    /// Batch-norm statistics (`num_batches_tracked` is an integer buffer that readers drop).
    package static func runningMean(_ module: String) -> String { "\(module).running_mean" }
    package static func runningVariance(_ module: String) -> String { "\(module).running_var" }
    /// Whether `name` is a batch-norm statistic (a buffer in PyTorch, not a learned parameter).
    static func isBuffer(_ name: String) -> Bool { name.hasSuffix(".running_mean") || name.hasSuffix(".running_var") }

    // MARK: - Expected shapes

    /// Every tensor a model of `vision` (+ `text`) has, with its shape. `logit_scale` is
    /// required with a text tower; vision-only files may carry it or not (`optional`).
    package static func expectedShapes(vision: VisionConfig, text: TextConfig?) -> (required: [String: [Int]], optional: [String: [Int]]) {
        var shapes: [String: [Int]] = [:]
        switch vision {
        case .vit(let config): addViT(config, to: &shapes)
        case .resnet(let config): addResNet(config, to: &shapes)
        }
        var optional: [String: [Int]] = [:]
        if let text {
            addText(text, to: &shapes)
            shapes[logitScale] = []
        } else {
            optional[logitScale] = []
        }
        return (shapes, optional)
    }

    private static func addNorm(_ module: String, _ width: Int, to shapes: inout [String: [Int]]) {
        shapes[weight(module)] = [width]
        shapes[bias(module)] = [width]
    }

    private static func addBatchNorm(_ module: String, _ width: Int, to shapes: inout [String: [Int]]) {
        addNorm(module, width, to: &shapes)
        shapes[runningMean(module)] = [width]
        shapes[runningVariance(module)] = [width]
    }

    private static func addLinear(_ module: String, out: Int, in inputs: Int, to shapes: inout [String: [Int]]) {
        shapes[weight(module)] = [out, inputs]
        shapes[bias(module)] = [out]
    }

    private static func addBlocks(_ blocks: String, layers: Int, width: Int, mlpWidth: Int, to shapes: inout [String: [Int]]) {
        for index in 0..<layers {
            let block = Block(blocks, index)
            addNorm(block.layerNorm1, width, to: &shapes)
            shapes[block.inProjectionWeight] = [3 * width, width]
            shapes[block.inProjectionBias] = [3 * width]
            addLinear(block.outProjection, out: width, in: width, to: &shapes)
            addNorm(block.layerNorm2, width, to: &shapes)
            addLinear(block.mlpUp, out: mlpWidth, in: width, to: &shapes)
            addLinear(block.mlpDown, out: width, in: mlpWidth, to: &shapes)
        }
    }

    private static func addViT(_ config: ViTConfig, to shapes: inout [String: [Int]]) {
        let width = config.width
        shapes[visualConv1] = [width, 3, config.patchSize, config.patchSize]
        shapes[visualClassEmbedding] = [width]
        shapes[visualPositionalEmbedding] = [config.gridSize * config.gridSize + 1, width]
        addNorm(visualLayerNormPre, width, to: &shapes)
        addBlocks(visualBlocks, layers: config.layers, width: width, mlpWidth: config.mlpWidth, to: &shapes)
        addNorm(visualLayerNormPost, width, to: &shapes)
        shapes[visualProjection] = [width, config.outputDim]
    }

    private static func addResNet(_ config: ModifiedResNetConfig, to shapes: inout [String: [Int]]) {
        let width = config.width
        // Stem: three 3×3 convolutions, width/2 → width/2 → width.
        shapes[weight(stemConv(1))] = [width / 2, 3, 3, 3]
        addBatchNorm(stemNorm(1), width / 2, to: &shapes)
        shapes[weight(stemConv(2))] = [width / 2, width / 2, 3, 3]
        addBatchNorm(stemNorm(2), width / 2, to: &shapes)
        shapes[weight(stemConv(3))] = [width, width / 2, 3, 3]
        addBatchNorm(stemNorm(3), width, to: &shapes)
        var inputs = width
        for (stageIndex, blocks) in config.layers.enumerated() {
            let planes = width << stageIndex
            for index in 0..<blocks {
                let block = Bottleneck(stage: stageIndex + 1, index: index)
                shapes[block.conv(1)] = [planes, inputs, 1, 1]
                addBatchNorm(block.norm(1), planes, to: &shapes)
                shapes[block.conv(2)] = [planes, planes, 3, 3]
                addBatchNorm(block.norm(2), planes, to: &shapes)
                shapes[block.conv(3)] = [4 * planes, planes, 1, 1]
                addBatchNorm(block.norm(3), 4 * planes, to: &shapes)
                if inputs != 4 * planes || (index == 0 && stageIndex > 0) {
                    shapes[block.downsampleConv] = [4 * planes, inputs, 1, 1]
                    addBatchNorm(block.downsampleNorm, 4 * planes, to: &shapes)
                }
                inputs = 4 * planes
            }
        }
        let embed = 32 * width
        let grid = config.imageSize / 32
        shapes[attentionPoolPositionalEmbedding] = [grid * grid + 1, embed]
        for name in ["q_proj", "k_proj", "v_proj"] {
            addLinear(attentionPoolProjection(name), out: embed, in: embed, to: &shapes)
        }
        addLinear(attentionPoolProjection("c_proj"), out: config.outputDim, in: embed, to: &shapes)
    }

    private static func addText(_ config: TextConfig, to shapes: inout [String: [Int]]) {
        shapes[tokenEmbedding] = [config.vocabSize, config.width]
        shapes[textPositionalEmbedding] = [config.contextLength, config.width]
        addBlocks(textBlocks, layers: config.layers, width: config.width, mlpWidth: config.mlpWidth, to: &shapes)
        addNorm(textLayerNormFinal, config.width, to: &shapes)
        shapes[textProjection] = [config.width, config.outputDim]
    }

    // MARK: - Validation

    /// Checks `shapes` (name → shape, as in the file after translation) against the
    /// configuration: a missing tensor, a wrong shape or an unexpected tensor is an error
    /// naming it. Missing tensors are reported before shapes, shapes before extras.
    package static func validate(_ shapes: [String: [Int]], vision: VisionConfig, text: TextConfig?, path: String) throws {
        let (required, optional) = expectedShapes(vision: vision, text: text)
        for name in required.keys.sorted() where shapes[name] == nil {
            throw WeightsError.missingTensor(name: name, path: path)
        }
        for name in shapes.keys.sorted() {
            guard let expected = required[name] ?? optional[name], let found = shapes[name] else { continue }
            if found != expected { throw WeightsError.wrongShape(name: name, expected: expected, found: found, path: path) }
        }
        let unexpected = shapes.keys.filter { required[$0] == nil && optional[$0] == nil }.sorted()
        if !unexpected.isEmpty { throw WeightsError.unexpectedTensors(names: unexpected, path: path) }
    }

    // MARK: - Reading files in this naming

    /// Tensors of a file already in open_clip naming. A `module.` prefix on every key
    /// (checkpoints saved from DistributedDataParallel) is removed.
    static func canonical(_ tensors: [String: WeightTensor], path: String) throws -> [String: WeightTensor] {
        let prefix = "module."
        guard !tensors.isEmpty, tensors.keys.allSatisfy({ $0.hasPrefix(prefix) }) else { return tensors }
        var renamed: [String: WeightTensor] = [:]
        for (name, tensor) in tensors {
            let newName = String(name.dropFirst(prefix.count))
            renamed[newName] = WeightTensor(name: newName, shape: tensor.shape, values: tensor.values, storage: tensor.storage)
        }
        return renamed
    }
}
