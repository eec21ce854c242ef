@testable import CLIP
@testable import Weights
import XCTest
@testable import Pipeline

/// The default batch per model (`EncoderBatch`): the values the table in docs/running.md documents,
/// and the rule's two limits on shapes nobody measured.
final class EncoderBatchTests: XCTestCase {
    static let vitB32 = VisionConfig.vit(ViTConfig(width: 768, layers: 12, heads: 12, patchSize: 32, imageSize: 224, outputDim: 512))
    static let vitB16 = VisionConfig.vit(ViTConfig(width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224, outputDim: 512))
    static let vitL14 = VisionConfig.vit(ViTConfig(width: 1024, layers: 24, heads: 16, patchSize: 14, imageSize: 224, outputDim: 768))
    static let vitL14At336 = VisionConfig.vit(ViTConfig(width: 1024, layers: 24, heads: 16, patchSize: 14, imageSize: 336, outputDim: 768))
    static let vitH14 = VisionConfig.vit(ViTConfig(width: 1280, layers: 32, heads: 16, patchSize: 14, imageSize: 224, outputDim: 1024))
    static let rn50 = VisionConfig.resnet(ModifiedResNetConfig(layers: [3, 4, 6, 3], width: 64, heads: 32, imageSize: 224, outputDim: 1024))
    /// A toy ViT of the demo models' size (64 px, patch 16; width 128, wider than the bundled ones).
    static let toy = VisionConfig.vit(ViTConfig(width: 128, layers: 4, heads: 2, patchSize: 16, imageSize: 64, outputDim: 64))

    func testDefaultsOfTheMeasuredModels() {
        XCTAssertEqual(EncoderBatch.automatic(for: Self.vitB32), 16)
        XCTAssertEqual(EncoderBatch.automatic(for: Self.vitB16), 4)
        XCTAssertEqual(EncoderBatch.automatic(for: Self.rn50), 8)
        XCTAssertEqual(EncoderBatch.automatic(for: Self.toy), 32)
        // The large towers (docs/performance.md, "Large models": checked with a bf16 sweep).
        XCTAssertEqual(EncoderBatch.automatic(for: Self.vitL14), 2)
        XCTAssertEqual(EncoderBatch.automatic(for: Self.vitL14At336), 1)
        XCTAssertEqual(EncoderBatch.automatic(for: Self.vitH14), 2)
    }

    /// Every default is the smallest power of two that reaches the plateau, unless the memory
    /// budget or a ModifiedResNet's group size lowers it; it never exceeds the budget (except a
    /// single image).
    func testTheRuleReachesThePlateauWithinTheMemoryBudget() {
        for vision in [Self.vitB32, Self.vitB16, Self.vitL14, Self.vitL14At336, Self.vitH14, Self.rn50, Self.toy] {
            let batch = EncoderBatch.automatic(for: vision)
            let rows = EncoderBatch.rowsPerImage(vision), bytes = EncoderBatch.activationBytesPerImage(vision)
            XCTAssertEqual(batch & (batch - 1), 0, "\(vision): \(batch) is not a power of two")
            XCTAssertTrue(batch == 1 || batch * bytes <= EncoderBatch.memoryBudget, "\(vision): over the budget")
            if case .resnet = vision {
                XCTAssertLessThanOrEqual(batch, ModifiedResNet.maximumGroup)
            } else if 2 * batch * bytes <= EncoderBatch.memoryBudget {
                XCTAssertGreaterThanOrEqual(batch * rows, EncoderBatch.plateauRows, "\(vision): short of the plateau with memory to spare")
            }
            XCTAssertTrue(batch == 1 || batch / 2 * rows < EncoderBatch.plateauRows, "\(vision): \(batch) is larger than needed")
        }
    }

    func testAnOptionOverridesTheModelsDefault() {
        XCTAssertEqual(EncoderBatch.choose(override: 3, for: Self.vitB32), EncoderBatch(size: 3, source: .option))
        XCTAssertEqual(EncoderBatch.choose(override: nil, for: Self.vitB32), EncoderBatch(size: 16, source: .model))
        XCTAssertEqual(EncoderBatch(size: 3, source: .option).description, "batch 3 (--batch)")
    }

    /// The store is written in whole passes of at least 32 images.
    func testStoreWritesAreWholePassesOfAtLeast32Images() {
        XCTAssertEqual([1, 2, 3, 8, 32, 33, 256].map { EncoderBatch(size: $0, source: .option).storeBatchSize }, [32, 32, 33, 32, 32, 33, 256])
    }
}
