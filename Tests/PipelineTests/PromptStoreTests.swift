@testable import CLIP
@testable import Embeddings
import Foundation
@testable import Pipeline
import XCTest

/// Prompt embeddings in the store are keyed by the tokens the text tower sees, so a tokenizer fix
/// re-encodes exactly the prompts whose tokens changed and equivalent spellings share one row.
final class PromptStoreTests: XCTestCase {
    /// The key of "a photo of a cat." from open_clip itself:
    /// `hashlib.sha256(open_clip.tokenize([p])[0].numpy().astype('<i4').tobytes()).hexdigest()`
    /// (open_clip 3.3.0) — what a numpy user computes to find a prompt's row.
    func testPromptKeyIsTheSHA256OfOpenCLIPTokenIDs() throws {
        let tokenizer = try Tokenizer(vocabularyAt: PipelineFixtures.root.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        XCTAssertEqual(ModelEncoder.promptKey(tokens: tokenizer.tokenize("a photo of a cat.")),
                       "c1bda002e9a6f62bc0f5087c4970acec6908e5734f161fc28f6757374fa31982")
    }

    /// Mojibake that cleaning repairs ("cafÃ©" → "café") and spacing that cleaning collapses give the
    /// same tokens, hence one stored row; a second call encodes nothing.
    func testPromptsWithTheSameTokensShareOneRow() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EmbeddingStore(root: folder)
        let encoder = try ModelEncoder(
            name: "toy", entry: nil, weights: PipelineFixtures.diverse, store: store, batchSize: nil,
            progress: ProgressReporter(console: Console(out: { _ in }, err: { _ in })))
        let tokenizer = try Tokenizer(vocabularyAt: PipelineFixtures.root.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        let prompts = ["a photo of a café.", "a photo of a cafÃ©.", "a  photo of a café. ", "a photo of a gear."]
        let first = try encoder.storePrompts(prompts, tokenizer: tokenizer, what: "test")
        XCTAssertEqual(first.encoded, 2)
        XCTAssertEqual(Set(first.keys[0..<3]).count, 1)
        XCTAssertNotEqual(first.keys[0], first.keys[3])
        XCTAssertEqual(try encoder.storePrompts(prompts, tokenizer: tokenizer, what: "test").encoded, 0)
        let rows = try encoder.embed(prompts: prompts, tokenizer: tokenizer, what: "test")
        XCTAssertEqual(rows.shape, [4, encoder.dimension])
        XCTAssertEqual(Array(rows.scalars[0..<encoder.dimension]), Array(rows.scalars[encoder.dimension..<2 * encoder.dimension]))
    }
}
