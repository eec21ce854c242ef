import Foundation
import Pilot
import Pipeline

extension Command {
    /// The shipped assets (and the templates beside them), found as `Assets.locate` says:
    /// `SHIFTLENS_ASSETS`, then from the executable's real path, then the current directory.
    static func locateAssets() throws -> Assets {
        try attributing(step: "assets") { try Assets.locate() }
    }
}

/// The `templates/` and `assets/` folders the site is built from.
enum SiteResources {
    /// `--templates DIR` and `--assets DIR` when given (each must exist); otherwise the folders
    /// `Command.locateAssets()` finds, so `render` finds them as every other command does.
    static func folders(templates templatesOption: String?, assets assetsOption: String?) throws -> (templates: URL, assets: URL) {
        let templates = try folder("templates", option: templatesOption), assets = try folder("assets", option: assetsOption)
        if let templates, let assets { return (templates, assets) }
        let located = try Command.locateAssets()
        return (templates ?? located.templates, assets ?? located.root)
    }

    private static func folder(_ name: String, option: String?) throws -> URL? {
        guard let option else { return nil }
        guard FileManager.default.fileExists(atPath: option) else {
            throw ShiftLensError(step: "render", path: option, message: "\(name) folder not found")
        }
        return URL(fileURLWithPath: option)
    }
}
