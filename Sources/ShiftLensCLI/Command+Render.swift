import Foundation
import Pipeline
import Site

extension Command {
    static let render = Command(
        name: "render", summary: "Rebuild every page of the site from the stored results.",
        usage: "shiftlens render [--site DIR] [--templates DIR] [--assets DIR] [--language en|ja]",
        discussion: """
            Re-renders the pages of every stored run (pilots/<pilot>/<run>/) and the index and pilot
            pages from their results.json files, without recomputing anything: use it after editing
            templates/ or assets/site.css. Results, manifests and CSV tables are left as they are.
            Templates and assets default to ./templates and ./assets, else to the folders beside the
            installed tool.
            """,
        options: [
            .value("--site", "DIR", "Site folder (default: site)."),
            .value("--templates", "DIR", "Templates folder (default: ./templates)."),
            .value("--assets", "DIR", "Assets folder with site.css and i18n/ (default: ./assets)."),
            .value("--language", "en|ja", "Language of the site index page (default: en)."),
        ]
    ) { invocation, console in
        let site = URL(fileURLWithPath: invocation.value("--site") ?? "site")
        let language = invocation.value("--language") ?? "en"
        guard Catalog.languages.contains(language) else {
            throw UsageError("--language must be one of \(Catalog.languages.joined(separator: ", ")), not '\(language)'")
        }
        let templates = try SiteResources.folder("templates", option: invocation.value("--templates"))
        let assets = try SiteResources.folder("assets", option: invocation.value("--assets"))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: site.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ShiftLensError(step: "render", path: site.path, message: "no site folder here", hint: "pass --site DIR, or run `shiftlens run PILOT.json` first")
        }
        do {
            let builder = try SiteBuilder(siteDirectory: site, templatesDirectory: templates, assetsDirectory: assets, indexLanguage: language)
            let counts = try builder.renderAll()
            console.out("rendered \(counts.pages) page\(counts.pages == 1 ? "" : "s") of \(counts.runs) run\(counts.runs == 1 ? "" : "s") into \(site.path)")
            return ExitCode.ok
        } catch let error as SiteError {
            throw ShiftLensError(step: "render", path: nil, message: error.description,
                                 hint: error.code == "template" ? "fix the template named above; nothing else was changed by this error" : nil)
        }
    }
}

/// Finds the `templates/` and `assets/` folders the site is built from.
enum SiteResources {
    /// The folder given with an option; else `./<name>`; else `<name>` beside or above the
    /// running executable (a development checkout or an install prefix).
    static func folder(_ name: String, option: String?) throws -> URL {
        let manager = FileManager.default
        if let option {
            guard manager.fileExists(atPath: option) else {
                throw ShiftLensError(step: "render", path: option, message: "\(name) folder not found")
            }
            return URL(fileURLWithPath: option)
        }
        let local = URL(fileURLWithPath: manager.currentDirectoryPath).appendingPathComponent(name)
        if manager.fileExists(atPath: local.path) { return local }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(name)
            if manager.fileExists(atPath: candidate.appendingPathComponent(name == "assets" ? "site.css" : "run.html").path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ShiftLensError(step: "render", path: local.path, message: "\(name) folder not found",
                             hint: "run from the ShiftLens folder or pass --\(name) DIR")
    }
}
