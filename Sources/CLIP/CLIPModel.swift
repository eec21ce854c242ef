import Tensor
import Weights

/// A CLIP model built from a checkpoint in canonical (open_clip) names: a vision tower
/// (ViT or ModifiedResNet) and, when the file has one, the text tower.
///
/// Building validates the whole layout: every tensor the configuration implies must
/// exist with exactly the expected shape, and every tensor in the file must be used —
/// except known-harmless extras (`logit_scale`, `logit_bias`, `attn_mask`,
/// `input_resolution`, `context_length`, `vocab_size`, `num_batches_tracked`).
/// Embeddings are open_clip fp32's to cosine ≥ 0.99999 (see CLIPTests).
public struct CLIPModel: Sendable {
    public enum Vision: Sendable {
        case vit(VisionTransformer)
        case resnet(ModifiedResNet)
    }

    /// Tensor names (last path component) that carry nothing the forward passes need.
    static let harmlessExtras: Set<String> = [
        "logit_scale", "logit_bias", "attn_mask", "input_resolution", "context_length", "vocab_size", "num_batches_tracked",
    ]

    public let config: CLIPConfig
    /// The arithmetic of the image tower's linear layers; the text tower is always fp32
    /// (prompts are few and cached, and the zero-shot head is shared by both precisions).
    public let precision: Precision
    public let vision: Vision
    public let text: TextTransformer?
    /// Keeps memory-mapped weights alive for as long as the model is.
    public let checkpoint: StateDict

    /// Builds the towers, checking every tensor's name and shape; throws
    /// `CLIPError.checkpoint` naming the first missing or misshapen tensor, or every leftover,
    /// and `CLIPError.unsupportedPrecision` for bf16 with a ModifiedResNet image tower.
    public init(checkpoint: StateDict, config: CLIPConfig, precision: Precision = .fp32) throws {
        let source = TensorSource(checkpoint)
        switch config.vision {
        case .vit(let vit):
            vision = .vit(try VisionTransformer(source, config: vit, activation: config.activation, precision: precision))
        case .resnet(let resnet):
            guard precision == .fp32 else {
                throw CLIPError.unsupportedPrecision("\(precision.rawValue) is implemented for ViT image towers; ModifiedResNet towers run in fp32")
            }
            vision = .resnet(try ModifiedResNet(source, config: resnet))
        }
        text = try config.text.map { try TextTransformer(source, config: $0, activation: config.activation) }
        try source.finish(ignoring: Self.harmlessExtras)
        self.config = config
        self.precision = precision
        self.checkpoint = checkpoint
    }

    /// Side length of the square input images.
    public var imageSize: Int { config.vision.imageSize }
    /// Embedding dimension of the image tower.
    public var embeddingDimension: Int { config.vision.outputDim }

    /// Image embeddings (N, D), not normalised, for preprocessed `images` (N, 3, S, S).
    /// `batch` images share each pass (the ViT's transformer blocks, the ResNet's convolutions).
    public func encodeImages(_ images: Tensor, batch: Int = defaultTransformerBatch) throws -> Tensor {
        try encodeImages(images, batch: batch, trace: nil)
    }

    func encodeImages(_ images: Tensor, batch: Int = defaultTransformerBatch, trace: LayerTrace?) throws -> Tensor {
        switch vision {
        case .vit(let tower): return try tower.encode(images: images, batch: batch, trace: trace)
        case .resnet(let tower): return try tower.encode(images: images, batch: batch, trace: trace)
        }
    }

    /// Text embeddings (N, D), not normalised, for tokenized prompts (`Tokenizer.tokenize`).
    public func encodeText(_ tokens: [[Int32]], batch: Int = defaultTransformerBatch) throws -> Tensor {
        try encodeText(tokens, batch: batch, trace: nil)
    }

    func encodeText(_ tokens: [[Int32]], batch: Int = defaultTransformerBatch, trace: LayerTrace?) throws -> Tensor {
        guard let text else { throw CLIPError.noTextTower }
        return try text.encode(tokens: tokens, batch: batch, trace: trace)
    }
}
