import Foundation
@testable import Tensor
@testable import Support
import XCTest
@testable import Embeddings

final class EncodingPipelineTests: XCTestCase {
    var scratch: URL!
    let weights = String(repeating: "cd", count: 32)

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// "Images" whose first byte is their value; a file starting with 0xFF is corrupt.
    func makeFiles(_ values: [UInt8], prefix: String = "img") throws -> [URL] {
        try values.enumerated().map { index, value in
            let url = scratch.appendingPathComponent("\(prefix)-\(index).bin")
            try Data([value, UInt8(index % 3)]).write(to: url)
            return url
        }
    }

    struct Corrupt: Error, CustomStringConvertible { var description: String { "corrupt image" } }

    let prepare: @Sendable ([UInt8]) throws -> [Float] = { bytes in
        if bytes[0] == 0xFF { throw Corrupt() }
        return [Float(bytes[0]), Float(bytes[1])]
    }

    func run(_ files: [URL], table: EmbeddingTable, counter: inout Int, cancel: CancellationFlag = CancellationFlag(), cancelAfter: Int? = nil) throws -> EncodingPipeline.Outcome {
        var calls = 0
        var encodedCount = 0
        let outcome = try EncodingPipeline.run(
            files: files, table: table, batchSize: 4, dimension: 3, prepare: prepare,
            encode: { values, count in
                calls += 1
                encodedCount += count
                if let cancelAfter, calls >= cancelAfter { cancel.raise() }
                var output: [Float] = []
                for i in 0..<count {
                    let first: Float = values[2 * i]
                    output += [first, values[2 * i + 1], first * 2]
                }
                return output
            },
            cancel: cancel)
        counter += encodedCount
        return outcome
    }

    func testSecondRunEncodesNothingAndAddedImagesEncodeOnlyThemselves() throws {
        let table = try EmbeddingStore(root: scratch.appendingPathComponent("store")).table(weightsSHA256: weights, preprocessing: "p")
        let files = try makeFiles(Array(0..<10))
        var encoded = 0
        let first = try run(files, table: table, counter: &encoded)
        XCTAssertEqual(first.encoded, 10)
        XCTAssertEqual(encoded, 10)
        XCTAssertEqual(table.row(first.keys[3]!), [3, 0, 6])

        encoded = 0
        let second = try run(files, table: table, counter: &encoded)
        XCTAssertEqual(encoded, 0)
        XCTAssertEqual(second.cached, 10)
        XCTAssertEqual(second.keys, first.keys)

        // Renamed copies cost nothing; 3 new images encode 3.
        let renamed = try makeFiles(Array(0..<10), prefix: "moved")
        let added = try makeFiles([100, 101, 102], prefix: "new")
        encoded = 0
        let third = try run(renamed + added, table: table, counter: &encoded)
        XCTAssertEqual(encoded, 3)
        XCTAssertEqual(third.cached, 10)
    }

    func testCorruptImagesAreSkippedWithTheirReason() throws {
        let table = try EmbeddingStore(root: scratch.appendingPathComponent("store")).table(weightsSHA256: weights, preprocessing: "p")
        let files = try makeFiles([1, 0xFF, 2, 3, 4, 5])
        var encoded = 0
        let outcome = try run(files + [scratch.appendingPathComponent("missing.png")], table: table, counter: &encoded)
        XCTAssertEqual(outcome.encoded, 5)
        // Failures are listed in input order.
        XCTAssertEqual(outcome.failures.map(\.reason), ["corrupt image", "no such file"])
        XCTAssertEqual(outcome.failures.map(\.cause), [.undecodable(nil), .unreadable])
        XCTAssertNil(outcome.keys[1])
        XCTAssertNil(outcome.keys[6])
    }

    func testCancellationKeepsFinishedBatchesAndResumes() throws {
        let root = scratch.appendingPathComponent("store")
        let table = try EmbeddingStore(root: root).table(weightsSHA256: weights, preprocessing: "p")
        let files = try makeFiles(Array(0..<20))
        var encoded = 0
        let outcome = try run(files, table: table, counter: &encoded, cancelAfter: 2)
        XCTAssertTrue(outcome.interrupted)
        XCTAssertEqual(outcome.encoded, 8)
        // A new process sees the finished batches and encodes only the rest.
        let reopened = try EmbeddingStore(root: root).table(weightsSHA256: weights, preprocessing: "p")
        encoded = 0
        let resumed = try run(files, table: reopened, counter: &encoded)
        XCTAssertEqual(resumed.cached, 8)
        XCTAssertEqual(encoded, 12)
    }
    /// Several decoders fill batches in completion order; the outcome per input and the
    /// compacted table are the same as with one. Duplicates are encoded once; rows that
    /// `isCached` knows are not encoded.
    func testSeveralDecodersGiveTheSameTable() throws {
        // Indices 40 and 42 repeat the bytes of 7 and 12; 44 repeats the corrupt 41.
        let values: [UInt8] = Array(0..<40) + [7, 0xFF, 12, 0xFF, 0xFF] + Array(40..<60)
        let files = try makeFiles(values)
        var outcomes: [EncodingPipeline.Outcome] = []
        var folders: [URL] = []
        for decoders in [1, 4] {
            let folder = scratch.appendingPathComponent("store-\(decoders)")
            let table = try EmbeddingStore(root: folder).table(weightsSHA256: weights, preprocessing: "p")
            var calls = 0
            let outcome = try EncodingPipeline.run(
                files: files, table: table, batchSize: 4, dimension: 2, prepare: prepare,
                encode: { values, count in
                    calls += count
                    return Array(values.prefix(count * 2))
                },
                decoders: decoders)
            try table.compact()
            XCTAssertEqual(calls, outcome.encoded)
            outcomes.append(outcome)
            folders.append(table.folder)
        }
        XCTAssertEqual(outcomes[0].keys, outcomes[1].keys)
        XCTAssertEqual(outcomes[0].failures, outcomes[1].failures)
        XCTAssertEqual(outcomes[1].failures.map(\.path), [files[41], files[43], files[44]].map(\.path))
        XCTAssertEqual(outcomes[1].cached, 2)
        XCTAssertEqual(outcomes[1].encoded + outcomes[1].cached + outcomes[1].failures.count, files.count)
        for name in ["embeddings.npy", "keys.txt"] {
            XCTAssertEqual(try Data(contentsOf: folders[0].appendingPathComponent(name)), try Data(contentsOf: folders[1].appendingPathComponent(name)), name)
        }

        let known = Set(outcomes[0].keys.prefix(10).compactMap { $0 })
        let fresh = try EmbeddingStore(root: scratch.appendingPathComponent("fresh")).table(weightsSHA256: weights, preprocessing: "p")
        let skipping = try EncodingPipeline.run(
            files: files, table: fresh, batchSize: 4, dimension: 2, prepare: prepare,
            encode: { values, count in Array(values.prefix(count * 2)) }, isCached: { known.contains($0) }, decoders: 2)
        XCTAssertEqual(skipping.encoded, outcomes[0].encoded - 10)
        XCTAssertFalse(known.contains { fresh.contains($0) })
    }

    /// Statistics rows come from the same `prepareImage` call as the input; images whose embedding is
    /// cached but whose row is missing are measured alone. The compacted statistics table is the
    /// same bytes whatever the batch size, decoders, an interruption, or a split into shards merged.
    func testStatisticsRowsDependOnlyOnTheBytes() throws {
        let values: [UInt8] = Array(0..<30) + [7, 0xFF]
        let files = try makeFiles(values)
        let measured = Counter()
        func statistics(_ store: EmbeddingStore) throws -> EncodingPipeline.Statistics {
            EncodingPipeline.Statistics(table: try store.imageStatistics(), dimension: 2, measure: { bytes in
                measured.add()
                return [Float(bytes[0]) / 2, Float(bytes[1])]
            })
        }
        let prepare = self.prepare
        func encode(_ files: [URL], store: EmbeddingStore, batch: Int, decoders: Int, cancelAfter: Int? = nil) throws {
            let cancel = CancellationFlag()
            var calls = 0
            _ = try EncodingPipeline.run(
                files: files, table: try store.table(weightsSHA256: weights, preprocessing: "p"), batchSize: batch, dimension: 2,
                prepareImage: { bytes in
                    let input = try prepare(bytes)
                    return EncodingPipeline.Input(values: input, statistics: [Float(bytes[0]) / 2, Float(bytes[1])])
                },
                statistics: try statistics(store),
                encode: { values, count in
                    calls += 1
                    if let cancelAfter, calls >= cancelAfter { cancel.raise() }
                    return Array(values.prefix(count * 2))
                },
                decoders: decoders, cancel: cancel)
            try store.imageStatistics().compact()
        }
        let plain = try EmbeddingStore(root: scratch.appendingPathComponent("plain"))
        try encode(files, store: plain, batch: 3, decoders: 1)
        XCTAssertEqual(try plain.imageStatistics().count, 31)
        XCTAssertEqual(measured.value, 0)
        XCTAssertEqual(try plain.imageStatistics().row(SHA256.hex([10, 1])), [5, 1])

        let resumed = try EmbeddingStore(root: scratch.appendingPathComponent("resumed"))
        try encode(files, store: resumed, batch: 7, decoders: 4, cancelAfter: 2)
        try encode(files, store: try EmbeddingStore(root: resumed.root), batch: 5, decoders: 2)

        // An older store: every embedding, no statistics; only the rows are measured, nothing is encoded.
        let older = try EmbeddingStore(root: scratch.appendingPathComponent("older"))
        _ = try EncodingPipeline.run(files: files, table: try older.table(weightsSHA256: weights, preprocessing: "p"), batchSize: 4, dimension: 2,
                                     prepare: prepare, encode: { values, count in Array(values.prefix(count * 2)) })
        try encode(files, store: older, batch: 4, decoders: 1)
        XCTAssertEqual(measured.value, 31)

        let shards = try (0..<2).map { index in
            let store = try EmbeddingStore(root: scratch.appendingPathComponent("shard-\(index)"))
            try encode(files.enumerated().filter { $0.offset % 2 == index }.map(\.element), store: store, batch: 4, decoders: 1)
            return store
        }
        let merged = try EmbeddingStore(root: scratch.appendingPathComponent("merged"))
        try merged.merge(shards)

        for store in [resumed, older, merged] {
            for name in ["embeddings.npy", "keys.txt", "meta.json"] {
                XCTAssertEqual(try Data(contentsOf: store.imageStatistics().folder.appendingPathComponent(name)),
                               try Data(contentsOf: plain.imageStatistics().folder.appendingPathComponent(name)), "\(store.root.lastPathComponent) \(name)")
            }
        }
    }

    /// With `helpers`, the compute threads decode when nothing decoded is waiting: here the
    /// only decoder thread is stuck on its first image until every other image is prepared,
    /// which can only happen if the helpers prepared them. The table is the one a plain run
    /// with another batch size writes.
    func testHelpersDecodeWhileTheDecoderIsBusy() throws {
        let files = try makeFiles(Array(0..<30) + [0xFF])
        let others = DispatchSemaphore(value: 0)
        let helped = LockedCount()
        let stalling: @Sendable ([UInt8]) throws -> [Float] = { [prepare] bytes in
            if Thread.current.name?.hasPrefix(EncodingPipeline.decoderThreadPrefix) == true {
                // Released once the helpers have prepared every other image (or after 60 s, failing below).
                _ = others.wait(timeout: .now() + 60)
            } else if helped.increment() == files.count - 1 {
                others.signal()
            }
            return try prepare(bytes)
        }
        let helpedTable = try EmbeddingStore(root: scratch.appendingPathComponent("helped")).table(weightsSHA256: weights, preprocessing: "p")
        let outcome = try EncodingPipeline.run(
            files: files, table: helpedTable, batchSize: 4, dimension: 2, prepare: stalling,
            encode: { values, count in Array(values.prefix(count * 2)) }, decoders: 1, helpers: ThreadPool(threadCount: 2))
        XCTAssertGreaterThanOrEqual(helped.value, files.count - 1, "the helpers did not decode the images the decoder could not")
        XCTAssertEqual(outcome.encoded, 30)
        XCTAssertEqual(outcome.failures.map(\.path), [files[30].path])
        XCTAssertGreaterThan(outcome.helpSeconds, 0)

        let plainTable = try EmbeddingStore(root: scratch.appendingPathComponent("plain")).table(weightsSHA256: weights, preprocessing: "p")
        _ = try EncodingPipeline.run(
            files: files, table: plainTable, batchSize: 7, dimension: 2, prepare: prepare,
            encode: { values, count in Array(values.prefix(count * 2)) })
        try helpedTable.compact()
        try plainTable.compact()
        for name in ["embeddings.npy", "keys.txt"] {
            XCTAssertEqual(try Data(contentsOf: helpedTable.folder.appendingPathComponent(name)),
                           try Data(contentsOf: plainTable.folder.appendingPathComponent(name)), name)
        }
    }
}

/// A counter shared between threads.
private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    /// Adds one; returns the new count.
    func increment() -> Int { lock.withLock { count += 1; return count } }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func add() { lock.withLock { count += 1 } }
}
