import Foundation

/// The shipped `assets/` folder (ImageNet metadata, BPE vocabulary, concepts, site CSS,
/// message catalogues, demo models) and `templates/`.
///
/// Found, in order, at `$SHIFTLENS_ASSETS`, then by walking up from the running
/// executable (a build under `.build/…` finds the checkout's `assets/`), then from the
/// current directory.
public struct Assets: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public enum Error: Swift.Error, CustomStringConvertible {
        case notFound(searched: [String])
        public var description: String {
            switch self {
            case .notFound(let searched):
                return "cannot find the shiftlens assets folder (searched \(searched.joined(separator: ", "))); set SHIFTLENS_ASSETS to the checkout's assets/ folder"
            }
        }
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Assets {
        var searched: [String] = []
        if let explicit = environment["SHIFTLENS_ASSETS"] {
            let url = URL(fileURLWithPath: explicit)
            if isAssets(url) { return Assets(root: url) }
            searched.append(explicit)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        for start in [executable.deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var folder = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = folder.appendingPathComponent("assets")
                if isAssets(candidate) { return Assets(root: candidate) }
                searched.append(candidate.path)
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw Error.notFound(searched: Array(searched.prefix(4)))
    }

    static func isAssets(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("imagenet/classnames.txt").path)
    }

    public func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The `templates/` folder beside `assets/`.
    public var templates: URL { root.deletingLastPathComponent().appendingPathComponent("templates") }
}
