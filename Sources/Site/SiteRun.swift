import Foundation
import Results

/// One stored run as the site sees it: the probes' `RunResults` plus the class names, read
/// from the same `results.json` (key `class_names`, optional — without it classes are shown
/// by index), and the folder names the pages link to.
struct SiteRun: Sendable {
    let results: RunResults
    let classNames: [String]
    /// Folder-safe names: pilot, run, and one per model and per domain, unique within the run.
    let pilotSlug: String
    let runSlug: String
    let modelSlugs: [String: String]
    let domainSlugs: [String: String]
    /// The sample images of each domain (results.json key `thumbnails`, optional), and their
    /// PNG bytes by file (read from the run folder; the packet embeds them).
    var thumbnails: [StoredThumbnail] = []
    /// The images of the confident mistakes (results.json key `mistake_thumbnails`, optional), one per image.
    var mistakeThumbnails: [StoredThumbnail] = []
    var thumbnailData: [String: [UInt8]] = [:]

    /// One entry of `thumbnails`: the image set, the PNG's path in the run folder and the image
    /// it shows (path relative to the image set's folder).
    struct StoredThumbnail: Codable, Sendable, Equatable {
        var domain: String
        var file: String
        var source: String
    }

    init(results: RunResults, classNames: [String] = []) {
        self.results = results
        self.classNames = classNames
        pilotSlug = Slug.folder(results.pilot.name)
        runSlug = Slug.folder(results.runID)
        modelSlugs = Slug.unique(results.models.map(\.name))
        domainSlugs = Slug.unique(results.domains.map(\.name))
    }

    /// Decodes `results.json` bytes (the `RunResults` schema plus the optional `class_names`).
    init(resultsJSON data: Data) throws {
        struct Version: Decodable {
            var schemaVersion: Int
            enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version" }
        }
        // The version first: a file from a newer tool gets that message, not a decoding error.
        if let version = (try? JSONDecoder().decode(Version.self, from: data))?.schemaVersion,
           !RunResults.readableSchemaVersions.contains(version) {
            throw SiteError.invalidInput(
                "results.json has schema version \(version); this tool reads versions \(RunResults.readableSchemaVersions.lowerBound)–\(RunResults.currentSchemaVersion)")
        }
        let results: RunResults
        do {
            results = try RunResults.decode(data)
        } catch {
            throw SiteError.invalidInput("results.json does not match the results schema: \(error)")
        }
        struct Extra: Decodable {
            var classNames: [String]?
            var thumbnails: [StoredThumbnail]?
            var mistakeThumbnails: [StoredThumbnail]?
            enum CodingKeys: String, CodingKey { case classNames = "class_names", thumbnails, mistakeThumbnails = "mistake_thumbnails" }
        }
        let extra = try? JSONDecoder().decode(Extra.self, from: data)
        self.init(results: results, classNames: extra?.classNames ?? [])
        thumbnails = extra?.thumbnails ?? []
        mistakeThumbnails = extra?.mistakeThumbnails ?? []
    }

    /// The thumbnail file of the image `source` of `domain` among the confident mistakes, if there is one.
    func mistakeThumbnail(_ domain: String, source: String) -> String? {
        mistakeThumbnails.first { $0.domain == domain && $0.source == source }?.file
    }

    /// The thumbnails of `domain`, in sample order.
    func thumbnails(of domain: String) -> [StoredThumbnail] { thumbnails.filter { $0.domain == domain } }

    // MARK: Lookups (no statistics: only selection and ordering)

    /// Models evaluated for the decision (baseline-only models excluded).
    var evaluatedModels: [ModelSummary] { results.models.filter { !$0.isBaseline } }
    var reference: DomainSummary? { results.domains.first { $0.role == .reference } }
    var shifts: [DomainSummary] { results.domains.filter { $0.role == .shift } }

    func probes(_ model: String, _ domain: String) -> ProbeResults? { results.probes(model: model, domain: domain) }
    func zeroShot(_ model: String, _ domain: String) -> ZeroShotResult? { probes(model, domain)?.zeroShot }
    func robustness(_ model: String, _ domain: String) -> RobustnessPoint? {
        results.effectiveRobustness.first { $0.model == model }?.points.first { $0.domain == domain }
    }
    func verdict(_ model: String) -> ModelVerdict? { results.verdicts.models.first { $0.model == model } }
    func verdict(_ model: String, _ domain: String) -> ShiftVerdict? {
        results.verdicts.shifts.first { $0.model == model && $0.domain == domain }
    }

    /// The worst verdict over the evaluated models; nil when no model has one.
    var overallStatus: VerdictStatus? {
        evaluatedModels.compactMap { verdict($0.name)?.status }.max()
    }

    /// The baseline fit used on `domain` (the same for every model of a run).
    func baselineFit(_ domain: String) -> BaselineFit? {
        for entry in results.effectiveRobustness {
            if let fit = entry.points.first(where: { $0.domain == domain })?.baseline { return fit }
        }
        return nil
    }

    func className(_ index: Int) -> String {
        index >= 0 && index < classNames.count ? classNames[index] : "#\(index)"
    }

    func modelSlug(_ name: String) -> String { modelSlugs[name] ?? Slug.make(name) }
    func domainSlug(_ name: String) -> String { domainSlugs[name] ?? Slug.make(name) }
}

/// Folder- and file-safe names derived from user text.
package enum Slug {
    /// Lowercase ASCII letters and digits, runs of anything else as one "-", no leading or
    /// trailing "-"; "item" when nothing is left. ("ViT-B/32 LAION-2B" → "vit-b-32-laion-2b").
    static func make(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? "item" : String(out.prefix(80))
    }

    /// `name` itself when it is already a safe folder name (ASCII letters, digits, `-`, `_`, `.`,
    /// not starting with `.`, at most 100 characters), otherwise `make(name)`. Keeps run ids such
    /// as `2026-11-26T1904Z-3f2a` as they are.
    static func folder(_ name: String) -> String {
        let safe = !name.isEmpty && name.count <= 100 && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || "-_.".unicodeScalars.contains(scalar)
        }
        return safe ? name : make(name)
    }

    /// Slugs for `names` in order, made unique with "-2", "-3", … on collision.
    package static func unique(_ names: [String]) -> [String: String] {
        var used = Set<String>()
        var result: [String: String] = [:]
        for name in names where result[name] == nil {
            let base = make(name)
            var slug = base
            var counter = 2
            while used.contains(slug) {
                slug = "\(base)-\(counter)"
                counter += 1
            }
            used.insert(slug)
            result[name] = slug
        }
        return result
    }
}
