import Embeddings
import Foundation
import Pipeline

extension Command {
    static let merge = Command(
        name: "merge",
        summary: "Join embedding stores (e.g. the shards of `encode --shard`) into one compacted store.",
        usage: "shiftlens merge STORE... --into DIR",
        discussion: """
            Copies every row of every STORE into DIR (created if needed; rows already in DIR are kept) and compacts
            it: each table's embeddings.npy and keys.txt are sorted by key, so the result depends only on the set of
            rows — merging N shards gives the same bytes as encoding everything in one process. The inputs are only
            read. DIR must not be one of the inputs. Rows present in two inputs with different values are reported
            (the first is kept): identical image bytes must give identical rows.
            """,
        options: [
            .value("--into", "DIR", "The store to write (required)."),
        ],
        positionals: 1...100_000
    ) { invocation, console in
        let target = URL(fileURLWithPath: try invocation.required("--into")).standardizedFileURL
        let targetPath = target.resolvingSymlinksInPath().path
        var inputs: [EmbeddingStore] = []
        var seen: Set<String> = []
        for path in invocation.positionals {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            let resolved = url.resolvingSymlinksInPath().path
            guard resolved != targetPath else {
                throw UsageError("--into \(target.path) is also an input; merge into a new folder or into the shared store the shards live in")
            }
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("v1").path) else {
                throw ShiftLensError(step: "merge", path: url.path, message: "is not an embedding store (no v1/ folder inside)",
                                     hint: "pass the shard folders, e.g. .shiftlens/store/shard-*-of-8")
            }
            guard seen.insert(resolved).inserted else { continue }
            inputs.append(try openStore(url))
        }
        let store = try openStore(target)
        let started = Date()
        let summary = try attributing(step: "merge", path: target.path, hint: "re-run the shard whose store is damaged, then merge again") {
            try store.merge(inputs)
        }
        if !summary.conflictingKeys.isEmpty {
            console.err("! \(summary.conflictingKeys.count) rows differ between inputs for the same key (first kept), e.g. \(summary.conflictingKeys.prefix(3).joined(separator: ", ")); the shards did not compute identical embeddings")
        }
        console.out(tabLine(["tables=\(summary.tables)", "rows_added=\(summary.rowsAdded)", "rows_already_present=\(summary.rowsAlreadyPresent)", "conflicts=\(summary.conflictingKeys.count)"]))
        console.err("Merged \(inputs.count) store\(inputs.count == 1 ? "" : "s") into \(target.path): \(summary.rowsAdded) rows added, \(summary.rowsAlreadyPresent) already present, \(summary.tables) tables, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return ExitCode.ok
    }
}
