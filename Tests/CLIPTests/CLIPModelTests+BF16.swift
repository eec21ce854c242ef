import Foundation
import XCTest
@testable import CLIP
@testable import Tensor
@testable import Weights

/// The bf16 image tower (`CLIPModel(…, precision: .bf16)`) on the tiny fixture models.
final class BF16TowerTests: XCTestCase {
    private let vit = Fixtures.folder.appendingPathComponent("vit-text")

    private func model(_ folder: URL, _ precision: Precision) throws -> CLIPModel {
        try CLIPModel(
            checkpoint: Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors")),
            config: Fixtures.config(in: folder), precision: precision)
    }

    /// Every image's bf16 embedding is within cosine 0.999 of its fp32 one (the figure
    /// docs/performance.md states for full-size towers), yet not the same bits (bf16 is used).
    func testBF16EmbeddingsStayWithinCosine0999OfFP32() throws {
        let images = try Fixtures.npy("images", in: vit)
        let both = Tensor(shape: [4, 3, 32, 32], scalars: images.scalars + images.scalars.reversed())
        let fp32 = try model(vit, .fp32).encodeImages(both), bf16 = try model(vit, .bf16).encodeImages(both)
        let d = fp32.shape[1]
        for n in 0..<4 {
            let a = fp32.scalars[(n * d)..<((n + 1) * d)].map(Double.init), b = bf16.scalars[(n * d)..<((n + 1) * d)].map(Double.init)
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let cosine = dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
            XCTAssertGreaterThanOrEqual(cosine, 0.999, "image \(n)")
        }
        XCTAssertNotEqual(fp32.scalars, bf16.scalars)
    }

    /// bf16 rows do not depend on the batch they were encoded in (a store written with any
    /// batch size holds the same bytes), and the text tower stays fp32.
    func testBF16IsBatchInvariantAndLeavesTheTextTowerFP32() throws {
        let images = try Fixtures.npy("images", in: vit)
        let both = Tensor(shape: [4, 3, 32, 32], scalars: images.scalars + images.scalars.reversed())
        let bf16 = try model(vit, .bf16)
        let all = try bf16.encodeImages(both, batch: 4)
        for batch in [1, 3] {
            XCTAssertEqual(try bf16.encodeImages(both, batch: batch).scalars.map(\.bitPattern), all.scalars.map(\.bitPattern), "batch \(batch)")
        }
        let prompts: [[Int32]] = [[126, 127], [126, 3, 4, 5, 6, 7, 127]]
        XCTAssertEqual(try bf16.encodeText(prompts).scalars, try model(vit, .fp32).encodeText(prompts).scalars)
    }

    /// bf16 is implemented for ViT image towers; a ModifiedResNet tower says so when it loads.
    func testModifiedResNetRefusesBF16() throws {
        XCTAssertThrowsError(try model(Fixtures.folder.appendingPathComponent("resnet-text"), .bf16)) { error in
            XCTAssertEqual((error as? CLIPError)?.code, "unsupported-precision")
        }
    }
}
