import Foundation
import XCTest
@testable import CLIP
@testable import Tensor
@testable import Weights

/// `ZeroShotHead` against open_clip's `build_zero_shot_classifier` on the tiny ViT+text
/// model (Fixtures/vit-text/zeroshot.json, zeroshot_head.npy).
final class ZeroShotHeadTests: XCTestCase {
    private struct Golden: Decodable {
        let classnames: [String]
        let templates: [String]
        let prompts: [String: [Int32]]
    }

    func testMatchesOpenCLIPBuildZeroShotClassifier() throws {
        let folder = Fixtures.folder.appendingPathComponent("vit-text")
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("zeroshot.json")))
        let expected = try Fixtures.npy("zeroshot_head", in: folder)
        let model = try CLIPModel(checkpoint: Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors")),
                                  config: Fixtures.config(in: folder))
        var seen: [String] = []
        let head = try ZeroShotHead.build(classNames: golden.classnames, templates: golden.templates) { prompts in
            seen += prompts
            return try model.encodeText(prompts.map { golden.prompts[$0]! })
        }
        XCTAssertEqual(seen, golden.classnames.flatMap { c in golden.templates.map { $0.replacingOccurrences(of: "{c}", with: c) } })
        XCTAssertEqual(head.shape, expected.shape)
        let agreement = Agreement(head.scalars[...], expected.scalars[...])
        XCTAssertTrue(agreement.isFaithful, "\(agreement)")

        // Precomputed-embedding variant: same result from the C·T rows at once.
        let allPrompts = golden.classnames.flatMap { c in golden.templates.map { $0.replacingOccurrences(of: "{c}", with: c) } }
        let embeddings = try model.encodeText(allPrompts.map { golden.prompts[$0]! })
        let fromEmbeddings = try ZeroShotHead.build(textEmbeddings: embeddings, classCount: golden.classnames.count)
        XCTAssertEqual(fromEmbeddings.scalars, head.scalars)
    }

    func testRowsAreUnitLengthAndScaleInvariant() throws {
        let embeddings = Tensor(shape: [4, 3], scalars: [1, 0, 0, 0, 2, 0, 0, 0, 3, 3, 4, 0])
        let head = try ZeroShotHead.build(textEmbeddings: embeddings, classCount: 2)
        // Class 0: mean of (1,0,0) and (0,1,0) normalised; class 1: mean of (0,0,1) and (0.6,0.8,0).
        let r = Float(0.5).squareRoot()
        let expected: [Float] = [r, r, 0] + { let v: [Float] = [0.3, 0.4, 0.5]; let n = (0.09 + 0.16 + 0.25 as Float).squareRoot(); return v.map { $0 / n } }()
        for (a, b) in zip(head.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testBadInputsAreTypedErrors() {
        XCTAssertThrowsError(try ZeroShotHead.build(textEmbeddings: Tensor(zeros: [5, 3]), classCount: 2))
        XCTAssertThrowsError(try ZeroShotHead.build(textEmbeddings: Tensor(zeros: [2, 3]), classCount: 2)) {
            XCTAssertEqual(($0 as? CLIPError)?.code, "bad-input")  // zero vectors have no direction
        }
        XCTAssertThrowsError(try ZeroShotHead.build(classNames: ["a"], templates: ["no placeholder"]) { _ in Tensor(zeros: [1, 1]) })
        XCTAssertThrowsError(try ZeroShotHead.build(classNames: [], templates: ["{c}"]) { _ in Tensor(zeros: [1, 1]) })
    }

    /// With the real tokenizer on a full-vocabulary checkpoint: the F16 tiny model of the
    /// `embed` CLI fixtures (Tests/ShiftLensCLITests/Fixtures/embed, whose make_fixtures.py
    /// records open_clip's head for four class names and templates).
    func testMatchesOpenCLIPWithTheRealTokenizer() throws {
        struct Manifest: Decodable { let classnames: [String]; let templates: [String] }
        let folder = Fixtures.packageRoot.appendingPathComponent("Tests/ShiftLensCLITests/Fixtures/embed")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        let loaded = try Checkpoint.load(folder.appendingPathComponent("model.safetensors"))
        let model = try CLIPModel(checkpoint: loaded.stateDict, config: loaded.config)
        let tokenizer = try Tokenizer(vocabularyAt: Fixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        let head = try ZeroShotHead.build(model: model, tokenizer: tokenizer, classNames: manifest.classnames, templates: manifest.templates)
        let expected = try Fixtures.npy("zeroshot_head", in: folder)
        XCTAssertEqual(head.shape, expected.shape)
        let agreement = Agreement(head.scalars[...], expected.scalars[...])
        XCTAssertTrue(agreement.isFaithful, "\(agreement)")
    }
}
