import Weights

/// Floating-point operations of CLIP's towers, counted from the configuration.
///
/// Contract: FLOP = 2 × multiply-adds of the matrix products only — convolutions
/// (patch embedding, ResNet convs), linear layers, and attention's two products
/// (QKᵀ and weights·V, counted in full even where a causal mask makes half of them
/// zero). Layer norms, batch norms (folded into the convs), activations, softmax,
/// pooling and residual additions are not counted: they are memory-bound and well
/// under 1 % of the total. The numbers match the usual published counts: ViT-B/32
/// 8.82 GFLOP per 224² image, ViT-B/16 35.1, RN50 11.6 (our attention pool runs the
/// one query open_clip returns; open_clip computes all 50 queries, 12.0 GFLOP, which
/// is within 2 % of PERFORMANCE.md's 12.2).
package enum FLOPCount {
    /// FLOP per image of the vision tower.
    package static func image(_ vision: VisionConfig) -> Double {
        switch vision {
        case .vit(let config): return vit(config)
        case .resnet(let config): return resnet(config)
        }
    }

    /// ViT: patch embedding, `layers` pre-LN blocks over `grid² + 1` tokens, projection
    /// of the class token.
    package static func vit(_ config: ViTConfig) -> Double {
        let width = Double(config.width), patches = Double(config.gridSize * config.gridSize), tokens = patches + 1
        let patchEmbedding = patches * width * 3 * Double(config.patchSize * config.patchSize)
        let projection = width * Double(config.outputDim)
        return 2 * (patchEmbedding + Double(config.layers) * block(tokens: tokens, width: width, hidden: Double(config.mlpWidth)) + projection)
    }

    /// Multiply-adds of one transformer block over `tokens` rows: QKV (3w), the two
    /// attention products (tokens² · w each), output projection (w), MLP (2 · hidden).
    static func block(tokens: Double, width: Double, hidden: Double) -> Double {
        tokens * width * (3 * width + width + 2 * hidden) + 2 * tokens * tokens * width
    }

    /// ModifiedResNet: 3-conv stem (stride 2 then two stride-1 convs at S/2), bottleneck
    /// stages (1×1, 3×3 at the block's input size, average-pool downsampling, 1×1 ×4;
    /// a pooled 1×1 projection on the shortcut when the shape changes), then the
    /// attention pool: K and V for every token, Q and the output for the mean token.
    package static func resnet(_ config: ModifiedResNetConfig) -> Double {
        let width = config.width
        var size = (config.imageSize + 1) / 2
        var macs = Double(size * size) * (Double(width / 2 * 3 * 9) + Double(width / 2 * width / 2 * 9) + Double(width * width / 2 * 9))
        size /= 2
        var inPlanes = width
        for (index, blocks) in config.layers.enumerated() {
            let planes = width << index
            for block in 0..<blocks {
                let stride = (block == 0 && index > 0) ? 2 : 1
                let outSize = size / stride
                macs += Double(size * size) * Double(inPlanes * planes)          // conv1 1×1
                macs += Double(size * size) * Double(planes * planes * 9)        // conv2 3×3
                macs += Double(outSize * outSize) * Double(planes * 4 * planes)  // conv3 1×1
                if stride > 1 || inPlanes != 4 * planes {
                    macs += Double(outSize * outSize) * Double(inPlanes * 4 * planes)  // downsample 1×1
                }
                inPlanes = 4 * planes
                size = outSize
            }
        }
        let embed = Double(width * 32), tokens = Double(size * size + 1)
        macs += 2 * tokens * embed * embed + embed * embed       // K, V for all tokens; Q for the mean token
        macs += 2 * tokens * embed                               // scores and weighted sum, one query
        macs += embed * Double(config.outputDim)                 // c_proj
        return 2 * macs
    }

    /// FLOP of one text-tower pass over `prompts` prompts padded to `tokens` positions
    /// (the group's longest prompt through its end-of-text token).
    package static func text(_ config: TextConfig, prompts: Int, tokens: Int) -> Double {
        let width = Double(config.width)
        let perPrompt = Double(config.layers) * block(tokens: Double(tokens), width: width, hidden: Double(config.mlpWidth))
            + width * Double(config.outputDim)
        return 2 * Double(prompts) * perPrompt
    }
}
