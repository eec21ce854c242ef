import Foundation
import Support

/// SHA-256 of large files (checkpoints), remembered between runs.
///
/// Hashing a 600 MB checkpoint costs about 3 s of CPU; the digest is the weights' content
/// address in the embedding store, so every run needs it. A digest is reused only while
/// the file's device, inode, size and modification time (nanoseconds) are all unchanged —
/// any rewrite of the file changes at least one of them. The cache lives in
/// `$SHIFTLENS_CACHE` or `$XDG_CACHE_HOME/shiftlens` or `~/.cache/shiftlens`
/// (`digests.json`); when it cannot be read or written the digest is simply recomputed.
package enum DigestCache {
    package static func sha256(of url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard let identity = identity(of: url) else { return try SHA256.hex(fileAt: url) }
        let cacheFile = folder(environment).appendingPathComponent("digests.json")
        var entries = (try? JSONSerialization.jsonObject(with: Data(contentsOf: cacheFile))) as? [String: String] ?? [:]
        if let digest = entries[identity], digest.count == 64 { return digest }
        let digest = try SHA256.hex(fileAt: url)
        entries[identity] = digest
        if entries.count > 1000 { entries = [identity: digest] }
        if let data = try? JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys]) {
            try? FileManager.default.createDirectory(at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? data.write(to: cacheFile, options: .atomic)
        }
        return digest
    }

    /// `device:inode:size:mtime-ns` of the file behind `url` (symlinks followed).
    static func identity(of url: URL) -> String? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        let nanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(nanoseconds)"
    }

    static func folder(_ environment: [String: String]) -> URL {
        if let explicit = environment["SHIFTLENS_CACHE"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("shiftlens") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/shiftlens")
    }
}
