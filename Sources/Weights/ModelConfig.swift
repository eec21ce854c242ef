/// What a CLIP checkpoint is, as far as the forward passes need to know.
///
/// Sizes come from tensor names and shapes (`ArchitectureDetection`); what shapes cannot
/// tell (activation, preprocessing mean/std) comes from config files beside the weights,
/// the pilot's model entry or a table of well-known checkpoints, and `*Source` records which.

/// The MLP activation of the residual blocks.
package enum Activation: String, Codable, Sendable, Equatable {
    /// `x · Φ(x)` — most LAION / DataComp checkpoints.
    case gelu
    /// `x · σ(1.702 x)` — OpenAI's checkpoints.
    case quickGelu = "quick_gelu"
}

/// Vision transformer sizes (open_clip `VisionTransformer`).
public struct ViTConfig: Codable, Sendable, Equatable {
    package var width: Int
    package var layers: Int
    package var heads: Int
    package var patchSize: Int
    package var imageSize: Int
    /// Dimension of the projected embedding (`visual.proj` columns).
    package var outputDim: Int
    /// Hidden width of the residual MLPs (`4 · width` for most models; 4.9231 · width for ViT-g/bigG).
    package var mlpWidth: Int

    package init(width: Int, layers: Int, heads: Int, patchSize: Int, imageSize: Int, outputDim: Int, mlpWidth: Int? = nil) {
        self.width = width
        self.layers = layers
        self.heads = heads
        self.patchSize = patchSize
        self.imageSize = imageSize
        self.outputDim = outputDim
        self.mlpWidth = mlpWidth ?? 4 * width
    }

    package var gridSize: Int { imageSize / patchSize }
}

/// ModifiedResNet sizes (open_clip `ModifiedResNet`): 3-conv stem, four stages of
/// bottlenecks, attention pooling.
public struct ModifiedResNetConfig: Codable, Sendable, Equatable {
    /// Bottleneck blocks per stage, e.g. [3, 4, 6, 3] for RN50.
    package var layers: [Int]
    /// Stem width (64 for RN50); stage `i` has `width · 2^i` planes and `4×` that output channels.
    package var width: Int
    /// Attention-pool heads (`width · 32 / 64`).
    package var heads: Int
    package var imageSize: Int
    package var outputDim: Int

    package init(layers: [Int], width: Int, heads: Int, imageSize: Int, outputDim: Int) {
        self.layers = layers
        self.width = width
        self.heads = heads
        self.imageSize = imageSize
        self.outputDim = outputDim
    }
}

package enum VisionConfig: Codable, Sendable, Equatable {
    case vit(ViTConfig)
    case resnet(ModifiedResNetConfig)

    package var imageSize: Int {
        switch self {
        case .vit(let config): return config.imageSize
        case .resnet(let config): return config.imageSize
        }
    }

    package var outputDim: Int {
        switch self {
        case .vit(let config): return config.outputDim
        case .resnet(let config): return config.outputDim
        }
    }
}

/// Text transformer sizes (causal, end-of-text pooling).
public struct TextConfig: Codable, Sendable, Equatable {
    package var contextLength: Int
    package var vocabSize: Int
    package var width: Int
    package var heads: Int
    package var layers: Int
    package var outputDim: Int
    /// Hidden width of the residual MLPs (`4 · width` for every released CLIP text tower).
    package var mlpWidth: Int

    package init(contextLength: Int, vocabSize: Int, width: Int, heads: Int, layers: Int, outputDim: Int, mlpWidth: Int? = nil) {
        self.contextLength = contextLength
        self.vocabSize = vocabSize
        self.width = width
        self.heads = heads
        self.layers = layers
        self.outputDim = outputDim
        self.mlpWidth = mlpWidth ?? 4 * width
    }
}

/// Everything needed to build a CLIP model from a `StateDict` in canonical names.
public struct CLIPConfig: Codable, Sendable, Equatable {
    package var vision: VisionConfig
    /// `nil` for files that hold only the vision tower.
    package var text: TextConfig?
    package var activation: Activation
    /// Where the activation came from ("open_clip_config.json", "pilot", "known checkpoint ViT-B-32 openai", …).
    package var activationSource: String
    /// Per-channel normalisation of preprocessing (open_clip's OPENAI_DATASET_MEAN/STD by default).
    package var imageMean: [Float]
    package var imageStd: [Float]

    package init(
        vision: VisionConfig, text: TextConfig?, activation: Activation, activationSource: String,
        imageMean: [Float] = CLIPConfig.openAIMean, imageStd: [Float] = CLIPConfig.openAIStd
    ) {
        self.vision = vision
        self.text = text
        self.activation = activation
        self.activationSource = activationSource
        self.imageMean = imageMean
        self.imageStd = imageStd
    }

    /// open_clip's `OPENAI_DATASET_MEAN` / `OPENAI_DATASET_STD`.
    public static let openAIMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
}
