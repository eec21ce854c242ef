import Foundation
import XCTest
@testable import Embeddings

final class EmbeddingStoreTests: XCTestCase {
    let weights = String(repeating: "ab", count: 32)
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-store-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func key(_ i: Int) -> String { String(format: "%064x", i * 7919 + 13) }
    func row(_ i: Int) -> [Float] { (0..<4).map { Float(i) + Float($0) / 8 } }

    func fill(_ store: EmbeddingStore, _ indices: [Int], batch: Int) throws {
        let table = try store.table(weightsSHA256: weights, preprocessing: "clip-224")
        for start in stride(from: 0, to: indices.count, by: batch) {
            let part = Array(indices[start..<min(start + batch, indices.count)])
            try table.append(keys: part.map(key), values: part.flatMap(row), dimension: 4)
        }
    }

    func testRowsSurviveReopeningBeforeAndAfterCompaction() throws {
        let store = try EmbeddingStore(root: scratch)
        try fill(store, Array(0..<10), batch: 3)
        let reopened = try EmbeddingStore(root: scratch).table(weightsSHA256: weights, preprocessing: "clip-224")
        XCTAssertEqual(reopened.count, 10)
        XCTAssertEqual(reopened.row(key(4)), row(4))
        try reopened.compact()
        let compacted = try EmbeddingStore(root: scratch).table(weightsSHA256: weights, preprocessing: "clip-224")
        XCTAssertEqual(compacted.count, 10)
        XCTAssertEqual(compacted.rows([key(9), key(0)])?.scalars, row(9) + row(0))
        XCTAssertNil(compacted.rows([key(99)]))
        let pending = try FileManager.default.contentsOfDirectory(atPath: compacted.folder.appendingPathComponent("pending").path)
        XCTAssertEqual(pending, [])
    }

    func testAnInterruptedBatchIsIgnored() throws {
        let store = try EmbeddingStore(root: scratch)
        try fill(store, [1, 2], batch: 2)
        let table = try store.table(weightsSHA256: weights, preprocessing: "clip-224")
        // A batch killed between writing its rows and its keys leaves a lone .npy.
        try Data([0x93, 0x4E]).write(to: table.folder.appendingPathComponent("pending/deadbeef.npy"))
        let reopened = try EmbeddingStore(root: scratch).table(weightsSHA256: weights, preprocessing: "clip-224")
        XCTAssertEqual(reopened.count, 2)
    }

    func testCompactionDependsOnlyOnTheSetOfRows() throws {
        let single = try EmbeddingStore(root: scratch.appendingPathComponent("single"))
        try fill(single, Array(0..<20), batch: 8)
        try single.allTables().forEach { try $0.compact() }

        var shards: [EmbeddingStore] = []
        for shard in 0..<3 {
            let store = try EmbeddingStore(root: scratch.appendingPathComponent("shard\(shard)"))
            try fill(store, Array(0..<20).filter { $0 % 3 == shard }.reversed(), batch: 5)
            shards.append(store)
        }
        let merged = try EmbeddingStore(root: scratch.appendingPathComponent("merged"))
        try merged.merge(shards)

        for file in ["embeddings.npy", "keys.txt", "meta.json"] {
            let a = try Data(contentsOf: try single.table(weightsSHA256: weights, preprocessing: "clip-224").folder.appendingPathComponent(file))
            let b = try Data(contentsOf: try merged.table(weightsSHA256: weights, preprocessing: "clip-224").folder.appendingPathComponent(file))
            XCTAssertEqual(a, b, file)
        }
    }

    func testRejectsMismatchedDimensionsAndBadKeys() throws {
        let store = try EmbeddingStore(root: scratch)
        try fill(store, [1], batch: 1)
        let table = try store.table(weightsSHA256: weights, preprocessing: "clip-224")
        XCTAssertThrowsError(try table.append(keys: [key(2)], values: [1, 2], dimension: 2))
        XCTAssertThrowsError(try store.table(weightsSHA256: "not-a-hash", preprocessing: "clip-224"))
        XCTAssertThrowsError(try store.table(weightsSHA256: weights, preprocessing: "../escape"))
    }
}
