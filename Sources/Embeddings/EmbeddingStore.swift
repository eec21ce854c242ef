import Foundation
import Support

/// The content-addressed embedding store: one `EmbeddingTable` per (weights sha256,
/// preprocessing id) under `<root>/v1/<weights sha256>/<preprocessing id>/`.
///
/// Image rows are keyed by the SHA-256 of the file's bytes, so renaming or moving
/// images costs nothing and an identical second run encodes nothing. Text rows (prompt
/// embeddings for zero-shot heads) live in the same store under the preprocessing id
/// `text-<tokenizer id>` keyed by the SHA-256 of the prompt's UTF-8 bytes.
///
/// With numpy: `E = np.load(".../embeddings.npy"); keys = open(".../keys.txt").read().split()`.
public final class EmbeddingStore: @unchecked Sendable {
    public let root: URL
    private let lock = NSLock()
    private var tables: [String: EmbeddingTable] = [:]

    public init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("v1"), withIntermediateDirectories: true)
        } catch {
            throw EmbeddingsError.io(path: root.path, message: "cannot create the store folder (\((error as NSError).localizedDescription))")
        }
    }

    public func table(weightsSHA256: String, preprocessing: String) throws -> EmbeddingTable {
        guard weightsSHA256.count == 64, weightsSHA256.allSatisfy(\.isHexDigit),
              !preprocessing.isEmpty, preprocessing.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw EmbeddingsError.invalid("bad store key (\(weightsSHA256), \(preprocessing))")
        }
        let id = "\(weightsSHA256)/\(preprocessing)"
        return try lock.withLock {
            if let table = tables[id] { return table }
            let folder = root.appendingPathComponent("v1").appendingPathComponent(weightsSHA256).appendingPathComponent(preprocessing)
            let table = try EmbeddingTable(folder: folder, weightsSHA256: weightsSHA256, preprocessing: preprocessing)
            tables[id] = table
            return table
        }
    }

    /// The per-image statistics (`ImageStatistics.row`, one row per image file, keyed like image
    /// embeddings) under `<root>/image-statistics/v1/`: they do not depend on a model, so every
    /// model's encoding fills the same table. Its `meta.json` names `image-statistics` as weights.
    public func imageStatistics() throws -> EmbeddingTable {
        try lock.withLock {
            let id = "image-statistics"
            if let table = tables[id] { return table }
            let folder = root.appendingPathComponent("image-statistics").appendingPathComponent("v1")
            let table = try EmbeddingTable(folder: folder, weightsSHA256: "image-statistics", preprocessing: "v1")
            tables[id] = table
            return table
        }
    }

    /// The statistics table if this store has one on disk (never created here: for reading a base store).
    public func existingImageStatistics() throws -> EmbeddingTable? {
        let meta = root.appendingPathComponent("image-statistics/v1/meta.json")
        return FileManager.default.fileExists(atPath: meta.path) ? try imageStatistics() : nil
    }

    /// Every (weights, preprocessing) table present on disk.
    func allTables() throws -> [EmbeddingTable] {
        let v1 = root.appendingPathComponent("v1")
        var result: [EmbeddingTable] = []
        for weights in ((try? FileManager.default.contentsOfDirectory(atPath: v1.path)) ?? []).sorted() where !weights.hasPrefix(".") {
            let folder = v1.appendingPathComponent(weights)
            for preprocessing in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where !preprocessing.hasPrefix(".") {
                result.append(try table(weightsSHA256: weights, preprocessing: preprocessing))
            }
        }
        return result
    }

    /// What `merge(_:)` did.
    public struct MergeSummary: Sendable, Equatable {
        /// (weights, preprocessing) tables that received rows or already held them.
        public var tables = 0
        public var rowsAdded = 0
        /// Rows present in more than one input (or already here), counted once each time they were seen again.
        public var rowsAlreadyPresent = 0
        /// Keys whose rows differ between inputs; the first row seen is kept. Non-zero means the
        /// encoders did not produce identical rows for identical bytes (e.g. different kernels).
        public var conflictingKeys: [String] = []
    }

    /// Copies every row of `others` into this store and compacts; rows already present are kept.
    /// The result depends only on the union of the rows (compaction sorts by key), so merging
    /// shards in any order gives the same bytes.
    @discardableResult
    public func merge(_ others: [EmbeddingStore]) throws -> MergeSummary {
        var summary = MergeSummary()
        var touched: Set<String> = []
        for other in others {
            let statistics = try other.existingImageStatistics().map { [$0] } ?? []
            for source in try other.allTables() + statistics where source.count > 0 {
                guard let dimension = source.dimension else { continue }
                let target = source.weightsSHA256 == "image-statistics"
                    ? try imageStatistics() : try table(weightsSHA256: source.weightsSHA256, preprocessing: source.preprocessing)
                touched.insert("\(source.weightsSHA256)/\(source.preprocessing)")
                var missing: [String] = []
                for key in source.keys {
                    if let existing = target.row(key) {
                        summary.rowsAlreadyPresent += 1
                        if existing != source.row(key) { summary.conflictingKeys.append(key) }
                    } else {
                        missing.append(key)
                    }
                }
                guard !missing.isEmpty, let rows = source.rows(missing) else { continue }
                try target.append(keys: missing, values: rows.scalars, dimension: dimension)
                summary.rowsAdded += missing.count
            }
        }
        summary.tables = touched.count
        for table in try allTables() { try table.compact() }
        try existingImageStatistics()?.compact()
        return summary
    }
}
