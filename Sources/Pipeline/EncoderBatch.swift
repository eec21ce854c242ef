import CLIP
import Weights

/// How many images go through a model's vision tower together when `run` / `encode` get no
/// `--batch`, and how many are written to the store together.
///
/// The rule, from `shiftlens bench --batch B` on ViT-B/32, ViT-B/16, RN50 and the demo models
/// with 2 threads (docs/running.md, "Batches sized for the model"): throughput rises with the batch
/// until the smallest matrix product of a pass has about `plateauRows` rows — enough work
/// items for both threads, the GEMM kernel's panels full — and is flat beyond. So the default
/// is the smallest power of two whose pass has `plateauRows` rows (tokens per image for a ViT,
/// positions of the 7×7 last stage for a ModifiedResNet, which runs groups of at most
/// `ModifiedResNet.maximumGroup` images anyway), lowered while the activations of one pass
/// would exceed `memoryBudget`. A larger batch would only cost memory.
///
/// The store is written in batches of `storeBatchSize` images (several passes): one write per
/// pass of 4 images (ViT-B/16) would leave 62,500 pending batches in a 250k-image domain before
/// its compaction, while 32 images are at most a few seconds of work to lose to `kill -9`.
struct EncoderBatch: Equatable {
    enum Source: String {
        /// Chosen by the rule for this model.
        case model
        /// Given with `--batch`.
        case option = "--batch"
    }

    var size: Int
    var source: Source

    /// Rows of the smallest matrix product of a pass from which the kernels run at full speed.
    static let plateauRows = 512
    /// Working memory allowed for one pass's activations (weights not counted).
    static let memoryBudget = 512 << 20
    static let maximum = 256
    /// Fewest images per store write.
    static let minimumStoreBatch = 32

    /// Images per store write: the smallest multiple of `size` that is at least `minimumStoreBatch`.
    var storeBatchSize: Int { max(1, (Self.minimumStoreBatch + size - 1) / size) * size }

    /// `--batch N` when given, else the model's default.
    static func choose(override: Int?, for vision: VisionConfig) -> EncoderBatch {
        if let override { return EncoderBatch(size: override, source: .option) }
        return EncoderBatch(size: automatic(for: vision), source: .model)
    }

    /// The smallest power of two reaching `plateauRows` rows (for a ModifiedResNet at most its
    /// group size), halved while its activations exceed `memoryBudget`; between 1 and `maximum`.
    static func automatic(for vision: VisionConfig) -> Int {
        let rows = max(rowsPerImage(vision), 1)
        var limit = maximum
        if case .resnet = vision { limit = ModifiedResNet.maximumGroup }
        var batch = 1
        while batch * rows < plateauRows, batch < limit { batch *= 2 }
        while batch > 1, batch * activationBytesPerImage(vision) > memoryBudget { batch /= 2 }
        return batch
    }

    /// Rows each image adds to the smallest matrix product of a pass: a ViT's tokens (every
    /// linear layer runs over all of them), a ModifiedResNet's last-stage positions (its
    /// narrowest convolution GEMMs).
    static func rowsPerImage(_ vision: VisionConfig) -> Int {
        switch vision {
        case .vit(let config): return config.gridSize * config.gridSize + 1
        case .resnet(let config): return (config.imageSize / 32) * (config.imageSize / 32)
        }
    }

    /// Bytes one image keeps live during a pass: its preprocessed pixels twice (the pipeline's
    /// batch and the tower's input), plus for a ViT the residual stream and the block's
    /// buffers (normed, q|k|v, attention output, MLP hidden) per token; for a ModifiedResNet
    /// the stem's last convolution at S/2: input and output maps and the input's im2col
    /// (9 taps per channel). Against the slope of peak RSS over batch sizes (docs/performance.md, "Batch size sweep"): ViT-B/32
    /// 2.7 MB estimated / 2.6 measured, ViT-B/16 7.3 / 8.5, RN50 20.5 / 22.
    static func activationBytesPerImage(_ vision: VisionConfig) -> Int {
        let pixels = 2 * 3 * vision.imageSize * vision.imageSize
        switch vision {
        case .vit(let config):
            let tokens = config.gridSize * config.gridSize + 1
            return 4 * (pixels + tokens * (6 * config.width + config.mlpWidth))
        case .resnet(let config):
            let half = config.imageSize / 2, inputChannels = config.width / 2
            return 4 * (pixels + (inputChannels + config.width + 9 * inputChannels) * half * half)
        }
    }

    /// "batch 8 (default for this model)" / "batch 4 (--batch)".
    var description: String { "batch \(size) (\(source == .model ? "default for this model" : "--batch"))" }
}
