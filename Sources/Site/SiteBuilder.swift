import Foundation
import Results

/// Writes and rebuilds the static site.
///
/// Layout (relative to `siteDirectory`):
/// `index.html`, `assets/site.css`, `pilots/<pilot>/index.html`, and one immutable folder per
/// run `pilots/<pilot>/<run>/` holding `results.json`, `manifest.json`, `tables/*.csv`,
/// `index.html`, `packet.html`, `models/*.html`, `shifts/*.html`.
///
/// Contracts: a run folder is written into a hidden temporary folder and renamed into place,
/// so a killed build never leaves a half-written run; an existing run folder is never
/// overwritten (`addRun` fails instead). Index and pilot pages are rebuilt from every stored
/// `results.json`; `renderAll` re-renders every page (after a template change) without
/// touching results, manifests or tables. Every file is written to a temporary name and renamed.
package struct SiteBuilder: Sendable {
    let siteDirectory: URL
    let templates: TemplateSet
    let assetsDirectory: URL
    /// Language of the site index (pilot and run pages use their pilot's language).
    let indexLanguage: String
    let css: String
    let catalogs: [String: Catalog]

    /// `templatesDirectory` holds the page templates (`templates/`); `assetsDirectory` holds
    /// `site.css` and `i18n/<language>.json` (`assets/`).
    package init(siteDirectory: URL, templatesDirectory: URL, assetsDirectory: URL, indexLanguage: String = "en") throws {
        self.siteDirectory = siteDirectory
        self.templates = try TemplateSet(directory: templatesDirectory)
        self.assetsDirectory = assetsDirectory
        self.indexLanguage = indexLanguage
        let cssURL = assetsDirectory.appendingPathComponent("site.css")
        guard let data = FileManager.default.contents(atPath: cssURL.path), let css = String(data: data, encoding: .utf8) else {
            throw SiteError.io(path: cssURL.path, message: "stylesheet not found")
        }
        self.css = css
        var catalogs: [String: Catalog] = [:]
        for language in Catalog.languages {
            catalogs[language] = try Catalog(language: language, directory: assetsDirectory.appendingPathComponent("i18n"))
        }
        self.catalogs = catalogs
    }

    func catalog(_ language: String) throws -> Catalog {
        guard let catalog = catalogs[language] else {
            throw SiteError.invalidInput("pilot language '\(language)' is not supported (use \(Catalog.languages.joined(separator: " or ")))")
        }
        return catalog
    }

    // MARK: Pages

    /// Every page of one run, by path relative to the run folder.
    func runPages(_ run: SiteRun) throws -> [String: String] {
        let context = PageContext(run: run, catalog: try catalog(run.results.pilot.language))
        var pages: [String: String] = [:]
        pages["index.html"] = try templates.render("run.html", context.runOverview())
        pages["packet.html"] = try templates.render("packet.html", context.packet(css: css))
        for model in run.evaluatedModels {
            pages["models/\(run.modelSlug(model.name)).html"] = try templates.render("model.html", context.modelPage(model))
        }
        for domain in run.results.domains {
            pages["shifts/\(run.domainSlug(domain.name)).html"] = try templates.render("shift.html", context.shiftPage(domain))
        }
        return pages
    }

    /// The CSV tables of one run, by path relative to the run folder.
    func runTables(_ run: SiteRun) throws -> [String: String] {
        var files: [String: String] = [:]
        for (name, text) in try RunTables.csvFiles(run, english: try catalog("en")) { files["tables/\(name).csv"] = text }
        return files
    }

    // MARK: Writing

    /// Stores a new run (results, manifest, tables, pages) and rebuilds the index pages.
    /// `resultsJSON` is the run's `results.json` exactly as it will be stored; `manifestJSON`
    /// is written as given. Fails if the run's folder already exists. Returns the run folder.
    @discardableResult
    func addRun(resultsJSON: Data, manifestJSON: Data, thumbnails: [String: [UInt8]] = [:]) throws -> URL {
        var run = try SiteRun(resultsJSON: resultsJSON)
        run.thumbnailData = thumbnails
        let pilotFolder = siteDirectory.appendingPathComponent("pilots").appendingPathComponent(run.pilotSlug)
        let final = pilotFolder.appendingPathComponent(run.runSlug)
        let manager = FileManager.default
        if manager.fileExists(atPath: final.path) {
            throw SiteError.invalidInput("run folder \(final.path) already exists; runs are never overwritten")
        }
        let temporary = pilotFolder.appendingPathComponent(".tmp-\(run.runSlug)-\(UUID().uuidString.prefix(8))")
        do {
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw SiteError.io(path: temporary.path, message: "cannot create folder: \(error.localizedDescription)")
        }
        do {
            var files: [String: Data] = ["results.json": resultsJSON, "manifest.json": manifestJSON]
            for (path, png) in thumbnails { files[path] = Data(png) }
            for (path, text) in try runTables(run) { files[path] = Data(text.utf8) }
            for (path, text) in try runPages(run) { files[path] = Data(text.utf8) }
            for (path, data) in files.sorted(by: { $0.key < $1.key }) {
                let url = temporary.appendingPathComponent(path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard manager.createFile(atPath: url.path, contents: data) else {
                    throw SiteError.io(path: url.path, message: "cannot write file")
                }
            }
            try manager.moveItem(at: temporary, to: final)
        } catch {
            try? manager.removeItem(at: temporary)
            if let error = error as? SiteError { throw error }
            throw SiteError.io(path: final.path, message: "cannot store the run: \(error.localizedDescription)")
        }
        try rebuildIndexes()
        return final
    }

    /// Convenience: encodes `results` (adding `class_names` and `thumbnails` when given) and
    /// stores it, with the thumbnails' PNG files at `thumbnails/<domain>/<nn>.png`.
    @discardableResult
    package func addRun(results: RunResults, classNames: [String] = [], thumbnails: [SiteThumbnail] = [], manifestJSON: Data) throws -> URL {
        let slugs = Slug.unique(results.domains.map(\.name))
        var stored: [SiteRun.StoredThumbnail] = []
        var mistakes: [SiteRun.StoredThumbnail] = []
        var files: [String: [UInt8]] = [:]
        for thumbnail in thumbnails {
            let folder = "thumbnails/\(slugs[thumbnail.domain] ?? Slug.make(thumbnail.domain))" + (thumbnail.isMistake ? "/mistakes" : "")
            let number = (thumbnail.isMistake ? mistakes : stored).filter { $0.domain == thumbnail.domain }.count + 1
            let file = folder + "/" + (number < 10 ? "0" : "") + "\(number).png"
            if thumbnail.isMistake {
                mistakes.append(.init(domain: thumbnail.domain, file: file, source: thumbnail.source))
            } else {
                stored.append(.init(domain: thumbnail.domain, file: file, source: thumbnail.source))
            }
            files[file] = thumbnail.png
        }
        return try addRun(resultsJSON: try Self.encode(results, classNames: classNames, thumbnails: stored, mistakeThumbnails: mistakes),
                          manifestJSON: manifestJSON, thumbnails: files)
    }

    /// `results.json` bytes: the probes' stable encoding, plus `class_names` and `thumbnails` when given.
    static func encode(_ results: RunResults, classNames: [String], thumbnails: [SiteRun.StoredThumbnail] = [],
                       mistakeThumbnails: [SiteRun.StoredThumbnail] = []) throws -> Data {
        let data = try RunResults.encoder().encode(results)
        guard !classNames.isEmpty || !thumbnails.isEmpty || !mistakeThumbnails.isEmpty else { return data }
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SiteError.invalidInput("results do not encode to a JSON object")
        }
        if !classNames.isEmpty { object["class_names"] = classNames }
        if !thumbnails.isEmpty { object["thumbnails"] = thumbnails.map { ["domain": $0.domain, "file": $0.file, "source": $0.source] } }
        if !mistakeThumbnails.isEmpty {
            object["mistake_thumbnails"] = mistakeThumbnails.map { ["domain": $0.domain, "file": $0.file, "source": $0.source] }
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Every stored run, grouped by pilot folder (sorted), each pilot's runs oldest first.
    func storedRuns() throws -> [[SiteRun]] {
        let manager = FileManager.default
        let pilots = siteDirectory.appendingPathComponent("pilots")
        guard let pilotNames = try? manager.contentsOfDirectory(atPath: pilots.path) else { return [] }
        var result: [[SiteRun]] = []
        for pilot in pilotNames.sorted() where !pilot.hasPrefix(".") {
            let folder = pilots.appendingPathComponent(pilot)
            guard let runNames = try? manager.contentsOfDirectory(atPath: folder.path) else { continue }
            var runs: [SiteRun] = []
            for name in runNames.sorted() where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name).appendingPathComponent("results.json")
                guard let data = manager.contents(atPath: url.path) else { continue }
                do {
                    var run = try SiteRun(resultsJSON: data)
                    for thumbnail in run.thumbnails + run.mistakeThumbnails where !thumbnail.file.contains("..") {
                        let url = folder.appendingPathComponent(name).appendingPathComponent(thumbnail.file)
                        if let bytes = manager.contents(atPath: url.path) { run.thumbnailData[thumbnail.file] = [UInt8](bytes) }
                    }
                    runs.append(run)
                } catch let error as SiteError {
                    throw SiteError.io(path: url.path, message: error.description)
                }
            }
            runs.sort { ($0.results.createdAt, $0.results.runID) < ($1.results.createdAt, $1.results.runID) }
            if !runs.isEmpty { result.append(runs) }
        }
        return result
    }

    /// The results of `pilot`'s latest stored run (by `created_at`, then run id), or nil when it has
    /// none: what a new run compares itself with (drift).
    package func latestResults(pilot: String) throws -> RunResults? {
        let manager = FileManager.default
        let folder = siteDirectory.appendingPathComponent("pilots").appendingPathComponent(Slug.folder(pilot))
        guard let runNames = try? manager.contentsOfDirectory(atPath: folder.path) else { return nil }
        var latest: RunResults?
        for name in runNames.sorted() where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name).appendingPathComponent("results.json")
            guard let data = manager.contents(atPath: url.path) else { continue }
            let results: RunResults
            do {
                results = try SiteRun(resultsJSON: data).results
            } catch let error as SiteError {
                throw SiteError.io(path: url.path, message: error.description)
            }
            guard results.pilot.name == pilot else { continue }
            if latest.map({ ($0.createdAt, $0.runID) < (results.createdAt, results.runID) }) ?? true { latest = results }
        }
        return latest
    }

    /// Rewrites `index.html`, `assets/site.css` and every pilot's `index.html` from the stored runs.
    func rebuildIndexes() throws {
        let pilots = try storedRuns()
        try writeAtomically(Data(css.utf8), to: siteDirectory.appendingPathComponent(SitePaths.stylesheet))
        let archive = ArchiveContext(catalog: try catalog(indexLanguage), toolVersion: pilots.last?.last?.results.toolVersion ?? "")
        try writeAtomically(Data(try templates.render("index.html", archive.index(pilots: pilots)).utf8),
                            to: siteDirectory.appendingPathComponent("index.html"))
        for runs in pilots {
            guard let latest = runs.last else { continue }
            let pilotArchive = ArchiveContext(catalog: try catalog(latest.results.pilot.language), toolVersion: latest.results.toolVersion)
            let url = siteDirectory.appendingPathComponent("pilots").appendingPathComponent(latest.pilotSlug).appendingPathComponent("index.html")
            try writeAtomically(Data(try templates.render("pilot.html", pilotArchive.pilot(runs: runs)).utf8), to: url)
        }
    }

    /// Re-renders the pages of every stored run and the index pages. Returns the number of
    /// runs and of pages written.
    @discardableResult
    package func renderAll() throws -> (runs: Int, pages: Int) {
        var runCount = 0, pageCount = 0
        let pilots = try storedRuns()
        for runs in pilots {
            for run in runs {
                let folder = siteDirectory.appendingPathComponent("pilots").appendingPathComponent(run.pilotSlug).appendingPathComponent(run.runSlug)
                for (path, html) in try runPages(run).sorted(by: { $0.key < $1.key }) {
                    try writeAtomically(Data(html.utf8), to: folder.appendingPathComponent(path))
                    pageCount += 1
                }
                runCount += 1
            }
        }
        try rebuildIndexes()
        // The site index and one index page per pilot.
        return (runCount, pageCount + 1 + pilots.count)
    }

    /// Writes `data` to a temporary file beside `url`, then renames it over `url`.
    func writeAtomically(_ data: Data, to url: URL) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                try? manager.removeItem(at: temporary)
                throw SiteError.io(path: url.path, message: "cannot rename into place (errno \(errno))")
            }
        } catch let error as SiteError {
            throw error
        } catch {
            throw SiteError.io(path: url.path, message: error.localizedDescription)
        }
    }
}

/// A sample image of one image set (or one of its confident mistakes) for the pages: its PNG
/// bytes and the image it shows.
package struct SiteThumbnail: Sendable, Equatable {
    package var domain: String
    /// The image's path relative to its image set's folder.
    package var source: String
    package var png: [UInt8]
    /// An image of `ZeroShotResult.confidentMistakes`, not of the seeded sample.
    var isMistake: Bool

    package init(domain: String, source: String, png: [UInt8], isMistake: Bool = false) {
        self.domain = domain
        self.source = source
        self.png = png
        self.isMistake = isMistake
    }
}
