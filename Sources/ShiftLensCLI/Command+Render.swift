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
            Templates and assets default to the folders every command uses: SHIFTLENS_ASSETS (and
            templates/ beside it), else the installed or checked-out folders found from the executable,
            else assets/ in the current folder or above it.
            """,
        options: [
            .value("--site", "DIR", "Site folder (default: site)."),
            .value("--templates", "DIR", "Templates folder (default: templates/ beside the assets folder)."),
            .value("--assets", "DIR", "Assets folder with site.css and i18n/ (default: as for every command, see above)."),
            .value("--language", "en|ja", "Language of the site index page (default: en)."),
        ]
    ) { invocation, console in
        let site = URL(fileURLWithPath: invocation.value("--site") ?? "site")
        let language = invocation.value("--language") ?? "en"
        guard Catalog.languages.contains(language) else {
            throw UsageError("--language must be one of \(Catalog.languages.joined(separator: ", ")), not '\(language)'")
        }
        let (templates, assets) = try SiteResources.folders(templates: invocation.value("--templates"), assets: invocation.value("--assets"))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: site.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ShiftLensError(step: "render", path: site.path, message: "no site folder here", hint: "pass --site DIR, or run `shiftlens run PILOT.json` first")
        }
        let builder = try SiteBuilder(siteDirectory: site, templatesDirectory: templates, assetsDirectory: assets, indexLanguage: language)
        let counts = try builder.renderAll()
        console.out("rendered \(counts.pages) page\(counts.pages == 1 ? "" : "s") of \(counts.runs) run\(counts.runs == 1 ? "" : "s") into \(site.path)")
        return ExitCode.ok
    }
}
