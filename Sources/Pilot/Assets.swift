import Foundation
#if canImport(Darwin)
import Darwin
#endif

/// The shipped `assets/` folder (ImageNet metadata, BPE vocabulary, concepts, site CSS,
/// message catalogues, demo models) and `templates/` beside it.
///
/// Found, in order (`locate`):
/// 1. `$SHIFTLENS_ASSETS` (the `assets/` folder; `templates/` is its sibling);
/// 2. from the running executable's real path (`/proc/self/exe` on Linux,
///    `_NSGetExecutablePath` on macOS; symbolic links resolved, so a link on `PATH` works):
///    the install layout `PREFIX/bin/shiftlens` + `PREFIX/share/shiftlens/{assets,templates}`,
///    then an `assets/` folder in the executable's folder or one of its parents (a build under
///    a checkout's `.build/…` finds the checkout's);
/// 3. an `assets/` folder in the current directory or one of its parents.
package struct Assets: Sendable {
    package let root: URL

    package init(root: URL) {
        self.root = root
    }

    package enum Error: Swift.Error, CustomStringConvertible {
        case notFound(searched: [String])
        case notAssetsFolder(String)
        package var description: String {
            switch self {
            case .notFound(let searched):
                return "cannot find the shiftlens assets folder (searched \(searched.joined(separator: ", ")))"
            case .notAssetsFolder(let path):
                return "SHIFTLENS_ASSETS=\(path) is not a shiftlens assets folder (it has no imagenet/classnames.txt)"
            }
        }
    }

    /// The assets folder, searched as the type's documentation says. A `SHIFTLENS_ASSETS`
    /// that does not name an assets folder is an error rather than silently skipped.
    package static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = executableURL(),
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> Assets {
        if let explicit = environment["SHIFTLENS_ASSETS"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            guard isAssets(url) else { throw Error.notAssetsFolder(explicit) }
            return Assets(root: url)
        }
        var searched: [String] = []
        func check(_ candidate: URL) -> Assets? {
            if isAssets(candidate) { return Assets(root: candidate.standardizedFileURL) }
            searched.append(candidate.standardizedFileURL.path)
            return nil
        }
        if let folder = executable?.deletingLastPathComponent() {
            let installed = folder.deletingLastPathComponent().appendingPathComponent("share/shiftlens/assets")
            if let found = check(installed) { return found }
            if let found = searchUpwards(from: folder, check) { return found }
        }
        if let found = searchUpwards(from: currentDirectory, check) { return found }
        throw Error.notFound(searched: Array(searched.prefix(4)) + (searched.count > 4 ? ["…"] : []))
    }

    private static func searchUpwards(from start: URL, _ check: (URL) -> Assets?) -> Assets? {
        var folder = start.standardizedFileURL
        for _ in 0..<8 {
            if let found = check(folder.appendingPathComponent("assets")) { return found }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    /// The running executable's path with symbolic links resolved, whatever `argv[0]` says.
    package static func executableURL() -> URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #elseif canImport(Darwin)
        var size: UInt32 = 0
        _ = _NSGetExecutablePath(nil, &size)
        var buffer = [CChar](repeating: 0, count: Int(size) + 1)
        if _NSGetExecutablePath(&buffer, &size) == 0 {
            return URL(fileURLWithPath: String(cString: buffer)).resolvingSymlinksInPath()
        }
        #endif
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
    }

    static func isAssets(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("imagenet/classnames.txt").path)
    }

    package func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The `templates/` folder beside `assets/`.
    package var templates: URL { root.deletingLastPathComponent().appendingPathComponent("templates") }
}
