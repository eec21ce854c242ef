import Foundation
import Support
import Tensor

/// The embeddings of one (weights sha256, preprocessing id) pair, keyed by the SHA-256
/// of each input's bytes (image files) or text (prompts).
///
/// On disk (a folder of the store):
/// ```
/// meta.json          {"format": 1, "weights_sha256": …, "preprocessing": …, "dimension": D}
/// embeddings.npy     (N, D) float32, rows sorted by key         ← compacted rows
/// keys.txt           N lines, the row keys (lower-case hex), same order
/// pending/<id>.npy   rows added since the last compaction, one file per batch,
/// pending/<id>.keys  and their keys; the .keys file is renamed into place last, so a
///                    batch without one was interrupted and is ignored
/// ```
/// Every file is written to a temporary name and renamed, so a killed run never leaves a
/// torn file; at most the batch in flight is lost. `compact()` folds pending batches
/// into `embeddings.npy`/`keys.txt`; the result depends only on the set of rows, so
/// stores built by different shardings compact to identical bytes.
public final class EmbeddingTable: @unchecked Sendable {
    public let folder: URL
    let weightsSHA256: String
    public let preprocessing: String
    public private(set) var dimension: Int?

    private let lock = NSLock()
    private var rowsByKey: [String: [Float]] = [:]

    /// Opens (or creates) the table in `folder`, loading every complete row.
    public init(folder: URL, weightsSHA256: String, preprocessing: String) throws {
        self.folder = folder
        self.weightsSHA256 = weightsSHA256
        self.preprocessing = preprocessing
        let fileManager = FileManager.default
        // Nothing is created until the first row is added, so opening a store only reads it.
        let metaURL = folder.appendingPathComponent("meta.json")
        if let data = fileManager.contents(atPath: metaURL.path) {
            guard let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  meta["weights_sha256"] as? String == weightsSHA256, meta["preprocessing"] as? String == preprocessing
            else {
                throw EmbeddingsError.corrupt(path: metaURL.path, message: "meta.json does not describe weights \(weightsSHA256.prefix(12))… with \(preprocessing)")
            }
            dimension = meta["dimension"] as? Int
        }
        try load()
    }

    public var count: Int { lock.withLock { rowsByKey.count } }

    public func contains(_ key: String) -> Bool { lock.withLock { rowsByKey[key] != nil } }

    public func row(_ key: String) -> [Float]? { lock.withLock { rowsByKey[key] } }

    /// All keys, sorted.
    public var keys: [String] { lock.withLock { rowsByKey.keys.sorted() } }

    /// The rows for `keys` as an (N, D) tensor; nil if any is missing.
    public func rows(_ keys: [String]) -> Tensor? {
        lock.withLock {
            guard let dimension else { return keys.isEmpty ? Tensor(zeros: [0, 0]) : nil }
            var values: [Float] = []
            values.reserveCapacity(keys.count * dimension)
            for key in keys {
                guard let row = rowsByKey[key] else { return nil }
                values += row
            }
            return Tensor(shape: [keys.count, dimension], scalars: values)
        }
    }

    /// Adds one batch of rows (`values` is keys.count × dimension) durably.
    public func append(keys: [String], values: [Float], dimension: Int) throws {
        precondition(values.count == keys.count * dimension, "rows do not match keys × dimension")
        guard !keys.isEmpty else { return }
        try lock.withLock {
            if let existing = self.dimension, existing != dimension {
                throw EmbeddingsError.corrupt(path: folder.path, message: "rows of dimension \(dimension) added to a table of dimension \(existing)")
            }
            let pending = folder.appendingPathComponent("pending")
            do {
                try FileManager.default.createDirectory(at: pending, withIntermediateDirectories: true)
            } catch {
                throw EmbeddingsError.io(path: pending.path, message: "cannot create the folder (\((error as NSError).localizedDescription))")
            }
            if self.dimension == nil {
                self.dimension = dimension
                try writeMeta()
            }
            let id = SHA256.hex(Array(keys.joined(separator: "\n").utf8)).prefix(24)
            try writeAtomically(NPY.encode(float32: values, shape: [keys.count, dimension]), to: pending.appendingPathComponent("\(id).npy"))
            try writeAtomically(Array((keys.joined(separator: "\n") + "\n").utf8), to: pending.appendingPathComponent("\(id).keys"))
            for (index, key) in keys.enumerated() {
                rowsByKey[key] = Array(values[(index * dimension)..<((index + 1) * dimension)])
            }
        }
    }

    /// Rewrites `embeddings.npy` + `keys.txt` with every row (sorted by key) and removes the pending batches.
    public func compact() throws {
        try lock.withLock {
            let pending = folder.appendingPathComponent("pending")
            let pendingFiles = (try? FileManager.default.contentsOfDirectory(atPath: pending.path)) ?? []
            let hasKeysFile = FileManager.default.fileExists(atPath: folder.appendingPathComponent("keys.txt").path)
            // Nothing new, or nothing at all (an empty table writes no files, so stores that
            // hold the same rows hold the same files).
            guard !pendingFiles.isEmpty || (!hasKeysFile && !rowsByKey.isEmpty) else { return }
            let sorted = rowsByKey.keys.sorted()
            let dimension = self.dimension ?? 0
            var values: [Float] = []
            values.reserveCapacity(sorted.count * dimension)
            for key in sorted { values += rowsByKey[key]! }
            try writeAtomically(NPY.encode(float32: values, shape: [sorted.count, dimension]), to: folder.appendingPathComponent("embeddings.npy"))
            try writeAtomically(Array(sorted.map { $0 + "\n" }.joined().utf8), to: folder.appendingPathComponent("keys.txt"))
            for name in pendingFiles { try? FileManager.default.removeItem(at: pending.appendingPathComponent(name)) }
        }
    }

    // MARK: Loading

    private func load() throws {
        let compacted = folder.appendingPathComponent("embeddings.npy")
        if FileManager.default.fileExists(atPath: compacted.path) {
            try loadPair(npy: compacted, keys: folder.appendingPathComponent("keys.txt"))
        }
        let pending = folder.appendingPathComponent("pending")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: pending.path)) ?? []).sorted()
        for name in names where name.hasSuffix(".keys") {
            let stem = String(name.dropLast(5))
            let npy = pending.appendingPathComponent(stem + ".npy")
            guard FileManager.default.fileExists(atPath: npy.path) else { continue }
            try loadPair(npy: npy, keys: pending.appendingPathComponent(name))
        }
    }

    private func loadPair(npy: URL, keys keysURL: URL) throws {
        guard let keyData = FileManager.default.contents(atPath: keysURL.path) else {
            throw EmbeddingsError.corrupt(path: keysURL.path, message: "missing keys for \(npy.lastPathComponent)")
        }
        let keys = String(decoding: keyData, as: UTF8.self).split(separator: "\n").map(String.init)
        let array: NPY.Array
        do {
            array = try NPY.decode(Array(try Data(contentsOf: npy)))
        } catch {
            throw EmbeddingsError.corrupt(path: npy.path, message: "\(error)")
        }
        guard array.dtype == .float32, array.shape.count == 2, array.shape[0] == keys.count else {
            throw EmbeddingsError.corrupt(path: npy.path, message: "shape \(array.shape) does not match \(keys.count) keys")
        }
        let width = array.shape[1]
        if let dimension, dimension != width, !keys.isEmpty {
            throw EmbeddingsError.corrupt(path: npy.path, message: "rows of dimension \(width) in a table of dimension \(dimension)")
        }
        if !keys.isEmpty { dimension = width }
        let values = array.floats()
        for (index, key) in keys.enumerated() {
            rowsByKey[key] = Array(values[(index * width)..<((index + 1) * width)])
        }
    }

    private func writeMeta() throws {
        let meta: [String: Any] = ["format": 1, "weights_sha256": weightsSHA256, "preprocessing": preprocessing, "dimension": dimension ?? 0]
        let data = try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted])
        try writeAtomically(Array(data) + [0x0A], to: folder.appendingPathComponent("meta.json"))
    }
}

/// Writes to a temporary file in the same folder and renames it into place.
func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
        try Data(bytes).write(to: temporary)
        // rename(2) replaces an existing file atomically (FileManager's replaceItemAt does not on Linux).
        guard rename(temporary.path, url.path) == 0 else {
            throw EmbeddingsError.io(path: url.path, message: String(cString: strerror(errno)))
        }
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw EmbeddingsError.io(path: url.path, message: (error as NSError).localizedDescription)
    }
}
