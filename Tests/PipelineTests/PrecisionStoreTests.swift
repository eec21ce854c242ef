@testable import CLIP
@testable import Embeddings
import Foundation
@testable import Pipeline
@testable import Tensor
import XCTest

/// bf16 rows live in their own store table; fp32 tables keep the name they always had.
final class PrecisionStoreTests: XCTestCase {
    func testBF16RowsNeverMixWithFP32RowsAndFP32KeysAreUnchanged() throws {
        let recipe = PreprocessConfig()
        // Stores written before precision existed hold fp32 rows under the plain preprocessing id.
        XCTAssertEqual(ModelEncoder.imageTableID(preprocessing: recipe, precision: .fp32), recipe.id)
        let bf16ID = ModelEncoder.imageTableID(preprocessing: recipe, precision: .bf16)
        XCTAssertNotEqual(bf16ID, recipe.id)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precision-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EmbeddingStore(root: folder)
        let weights = String(repeating: "ab", count: 32)
        let fp32 = try store.table(weightsSHA256: weights, preprocessing: recipe.id)
        try fp32.append(keys: [String(repeating: "0", count: 64)], values: [1, 2], dimension: 2)
        let bf16 = try store.table(weightsSHA256: weights, preprocessing: bf16ID)
        XCTAssertFalse(bf16.contains(String(repeating: "0", count: 64)))
        try bf16.append(keys: [String(repeating: "1", count: 64)], values: [3, 4], dimension: 2)
        XCTAssertFalse(fp32.contains(String(repeating: "1", count: 64)))
        XCTAssertEqual(Set(try store.allTables().map(\.preprocessing)), [recipe.id, bf16ID])
    }

    /// `--precision` reaches the model's image tower (the toy demo model is a ViT).
    func testPrecisionOverrideBuildsABF16Tower() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precision-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let progress = ProgressReporter(console: Console(out: { _ in }, err: { _ in }))
        let store = try EmbeddingStore(root: folder)
        let plain = try ModelEncoder(name: "toy", entry: nil, weights: PipelineFixtures.diverse, store: store, batchSize: nil, progress: progress)
        XCTAssertEqual(plain.precision, .fp32)
        let bf16 = try ModelEncoder(
            name: "toy", entry: nil, weights: PipelineFixtures.diverse, store: store, batchSize: nil, progress: progress, precisionOverride: .bf16)
        XCTAssertEqual(bf16.precision, .bf16)
        XCTAssertEqual(bf16.model.precision, .bf16)
    }
}
