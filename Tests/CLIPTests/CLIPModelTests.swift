import Foundation
import XCTest
@testable import CLIP
@testable import Tensor
@testable import Weights

/// The checkpoint-layout contract and input validation of `CLIPModel`.
final class CLIPModelTests: XCTestCase {
    private let folder = Fixtures.folder.appendingPathComponent("vit-text")

    private func weights(dropping dropped: String? = nil, adding extra: [String: [Int]] = [:], reshaping: (String, [Int])? = nil) throws -> StateDict {
        let original = try Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors"))
        var tensors = original.tensors
        if let dropped { tensors[dropped] = nil }
        for (name, shape) in extra {
            let owned = OwnedFloats(count: shape.reduce(1, *))
            tensors[name] = WeightTensor(name: name, shape: shape, values: owned.buffer, storage: owned)
        }
        if let (name, shape) = reshaping, let tensor = tensors[name] {
            tensors[name] = WeightTensor(name: name, shape: shape, values: tensor.values, storage: tensor.storage)
        }
        return StateDict(tensors: tensors, path: "fixture.safetensors")
    }

    func testMissingTensorIsNamed() throws {
        let config = try Fixtures.config(in: folder)
        for name in ["visual.ln_pre.bias", "transformer.resblocks.1.mlp.c_proj.weight", "text_projection"] {
            XCTAssertThrowsError(try CLIPModel(checkpoint: weights(dropping: name), config: config)) { error in
                XCTAssertEqual(error as? CLIPError, .checkpoint(.missingTensor(name: name, path: "fixture.safetensors")))
            }
        }
    }

    func testWrongShapeIsNamed() throws {
        let config = try Fixtures.config(in: folder)
        XCTAssertThrowsError(try CLIPModel(checkpoint: weights(reshaping: ("visual.proj", [32, 64])), config: config)) { error in
            XCTAssertEqual(error as? CLIPError, .checkpoint(.wrongShape(
                name: "visual.proj", expected: [64, 32], found: [32, 64], path: "fixture.safetensors")))
        }
    }

    func testLeftoverTensorsAreNamedButHarmlessExtrasAccepted() throws {
        var config = try Fixtures.config(in: folder)
        let extra = ["visual.transformer.resblocks.2.ln_1.weight": [64], "visual.ls_1.gamma": [64]]
        XCTAssertThrowsError(try CLIPModel(checkpoint: weights(adding: extra), config: config)) { error in
            XCTAssertEqual(error as? CLIPError, .checkpoint(.unexpectedTensors(
                names: ["visual.ls_1.gamma", "visual.transformer.resblocks.2.ln_1.weight"], path: "fixture.safetensors")))
        }
        // logit_scale is in the fixture; these are also tolerated.
        XCTAssertNoThrow(try CLIPModel(
            checkpoint: weights(adding: ["attn_mask": [77, 77], "input_resolution": [], "vocab_size": []]), config: config))
        // A config without a text tower leaves the text tensors over.
        config.text = nil
        XCTAssertThrowsError(try CLIPModel(checkpoint: weights(), config: config)) { error in
            guard case .checkpoint(.unexpectedTensors(let names, _)) = error as? CLIPError else { return XCTFail("\(error)") }
            XCTAssertTrue(names.contains("token_embedding.weight"))
        }
    }

    func testVisionOnlyModelRefusesText() throws {
        var config = try Fixtures.config(in: folder)
        config.text = nil
        let original = try Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors"))
        let visionOnly = StateDict(tensors: original.tensors.filter { $0.key.hasPrefix("visual.") }, path: "v.safetensors")
        let model = try CLIPModel(checkpoint: visionOnly, config: config)
        XCTAssertThrowsError(try model.encodeText([[1, 127]])) { XCTAssertEqual($0 as? CLIPError, .noTextTower) }
    }

    func testBadInputsAreTypedErrors() throws {
        let model = try CLIPModel(checkpoint: weights(), config: Fixtures.config(in: folder))
        XCTAssertThrowsError(try model.encodeImages(Tensor(zeros: [1, 3, 31, 32]))) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        XCTAssertThrowsError(try model.encodeImages(Tensor(zeros: [0, 3, 32, 32]))) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        var nan = Tensor(zeros: [1, 3, 32, 32])
        nan.scalars[7] = .nan
        XCTAssertThrowsError(try model.encodeImages(nan)) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        XCTAssertThrowsError(try model.encodeText([[1, 128]])) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        XCTAssertThrowsError(try model.encodeText([[1, -1]])) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        XCTAssertThrowsError(try model.encodeText([[]])) { XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input") }
        XCTAssertThrowsError(try model.encodeText([[Int32](repeating: 1, count: 78)])) {
            XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input")
        }
    }

    /// Trailing padding after the end token must not change the embedding (the causal
    /// tower stops at the end token).
    func testPaddingAfterEndTokenDoesNotMatter() throws {
        let model = try CLIPModel(checkpoint: weights(), config: Fixtures.config(in: folder))
        let short: [Int32] = [126, 5, 9, 127]
        let padded = short + [Int32](repeating: 0, count: 73)
        let a = try model.encodeText([short]), b = try model.encodeText([padded])
        XCTAssertEqual(a.scalars, b.scalars)
    }

    /// Batching (several images / prompts per transformer pass) changes nothing but rounding.
    func testBatchSizeDoesNotChangeEmbeddings() throws {
        let model = try CLIPModel(checkpoint: weights(), config: Fixtures.config(in: folder))
        let images = try Fixtures.npy("images", in: folder)
        let both = Tensor(shape: [4, 3, 32, 32], scalars: images.scalars + images.scalars.reversed())
        let one = try model.encodeImages(both, batch: 1), three = try model.encodeImages(both, batch: 3)
        XCTAssertTrue(Agreement(three.scalars[...], one.scalars[...]).isFaithful)
        let prompts: [[Int32]] = [[126, 127], [126, 3, 4, 5, 6, 7, 127, 0, 0], [126, 9, 127], [126] + [Int32](repeating: 2, count: 75) + [127]]
        let single = try model.encodeText(prompts, batch: 1), grouped = try model.encodeText(prompts, batch: 8)
        XCTAssertTrue(Agreement(grouped.scalars[...], single.scalars[...]).isFaithful)
        XCTAssertNotEqual(Array(single.scalars[0..<32]), Array(single.scalars[32..<64]))
    }

    /// Without a trace the vision tower runs its last block on the class token only; the
    /// embeddings are the bits of the full last block (which the traced, layer-by-layer
    /// fidelity tests run), at every batch size.
    func testClassTokenOnlyLastBlockGivesTheFullBlocksBits() throws {
        let model = try CLIPModel(checkpoint: weights(), config: Fixtures.config(in: folder))
        let images = try Fixtures.npy("images", in: folder)
        let both = Tensor(shape: [4, 3, 32, 32], scalars: images.scalars + images.scalars.reversed())
        let traced = try model.encodeImages(both, batch: 4) { _, _, _ in }
        for batch in [1, 3, 4] {
            let fast = try model.encodeImages(both, batch: batch)
            XCTAssertEqual(fast.scalars.map(\.bitPattern), traced.scalars.map(\.bitPattern), "batch \(batch)")
        }
    }
}
