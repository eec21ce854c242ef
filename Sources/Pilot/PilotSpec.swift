import Foundation
import Support

/// A pilot: the decision to support, the classes, the image domains and the models.
///
/// Parsed strictly from JSON (`PilotSpec.load(from:)`): unknown keys, wrong types and
/// missing files are errors carrying the JSON path and the file. Relative paths resolve
/// against the spec file's folder. The format is documented in docs/pilot-spec.md.
package struct PilotSpec: Sendable, Equatable {
    package enum Language: String, Sendable, Equatable, CaseIterable { case en, ja }

    /// Where class names and prompt templates come from.
    package enum Classes: Sendable, Equatable {
        /// The 1000 curated ImageNet names and the 80 OpenAI templates (or the 7-template subset).
        case imagenet(templates: TemplateSet)
        /// Names (one per line) and templates (one per line, `{c}` for the class) from files;
        /// `wnids` optionally maps WordNet-id folder names to the names, line by line.
        case files(names: URL, templates: TemplateSource, wnids: URL?)
    }

    package enum TemplateSet: String, Sendable, Equatable { case openai80 = "imagenet", simple7 = "simple" }

    package enum TemplateSource: Sendable, Equatable {
        case preset(TemplateSet)
        case file(URL)
    }

    package enum DomainRole: String, Sendable, Equatable { case reference, shift }

    /// How a domain's images get their labels.
    package enum LabelSource: String, Sendable, Equatable {
        /// Folder layout decides: class folders → labelled, a flat folder → unlabelled; a `.csv` path → manifest.
        case auto
        /// Ignore any folder structure: every image is unlabelled.
        case none
    }

    /// ImageNet's class subsets of the testbed's shifts: the 200 classes of ImageNet-R and
    /// ImageNet-A, and ObjectNet's 125 ImageNet classes (under 113 ObjectNet classes, see
    /// `ObjectNetClasses`: scored by class group, border cropped).
    package enum ClassSubset: String, Sendable, Equatable, CaseIterable {
        case imagenetR = "imagenet-r", imagenetA = "imagenet-a", objectnet
    }

    package struct Domain: Sendable, Equatable {
        package var name: String
        /// A folder (ImageFolder or flat) or a CSV manifest `path,label`.
        package var path: URL
        package var role: DomainRole
        package var labels: LabelSource
        package var classSubset: ClassSubset?

        /// Pixels cropped off every side before preprocessing: 2 for ObjectNet (its images carry
        /// a 1-pixel red frame; the testbed's protocol), else 0.
        package var borderCrop: Int { classSubset == .objectnet ? 2 : 0 }
    }

    package struct Model: Sendable, Equatable {
        package var name: String
        package var weights: URL
        /// "gelu" or "quick_gelu" when the checkpoint cannot tell.
        package var activation: String?
        /// Counts as a baseline point for effective robustness instead of a candidate.
        package var baseline: Bool
        package var mean: [Double]?
        package var std: [Double]?
        package var imageSize: Int?
        /// "fp32" or "bf16": the arithmetic of the image tower's linear layers (nil: fp32).
        package var precision: String?
    }

    /// The pilot's pass/fail thresholds (fractions, 0–1).
    package struct Criteria: Sendable, Equatable {
        /// Lowest acceptable zero-shot top-1 on every domain, the reference included.
        package var minAccuracy: Double?
        /// Largest acceptable relative drop `1 − acc_shift / acc_reference`.
        package var maxRelativeDrop: Double?
        /// Lowest acceptable effective robustness, a difference of accuracies (−0.05: 5 points
        /// under the baseline line); a model is flagged when the whole 95 % interval of its ER
        /// lies below it.
        package var minEffectiveRobustness: Double
        package static let defaultMinEffectiveRobustness = -0.05
        package init(minAccuracy: Double? = nil, maxRelativeDrop: Double? = nil, minEffectiveRobustness: Double = Criteria.defaultMinEffectiveRobustness) {
            self.minAccuracy = minAccuracy
            self.maxRelativeDrop = maxRelativeDrop
            self.minEffectiveRobustness = minEffectiveRobustness
        }
    }

    /// A named set of criteria ("trial", "line 3"); stages are listed in the order a model is
    /// meant to pass them, and every run reports the highest one each model meets.
    package struct Stage: Sendable, Equatable {
        package var name: String
        package var criteria: Criteria
        package init(name: String, criteria: Criteria) {
            self.name = name
            self.criteria = criteria
        }
    }

    /// Probe settings; every default is documented in docs/pilot-spec.md.
    package struct ProbeSettings: Sendable, Equatable {
        package var seed: UInt64 = 0
        package var outlierThreshold: Double = 10
        package var conceptThreshold: Double = 0.5
        /// Whether the linear probe runs (the costliest probe with many classes; see docs/probes.md).
        package var linearProbe: Bool = true
        /// Whether the few-shot learning curve runs, its draws per k and its largest k.
        package var fewShot: Bool = true
        package var fewShotDraws: Int = 5
        package var fewShotMaxShots: Int = 16
        package var fewShotMaxClasses: Int = 100
        /// Whether the prompt probe runs (accuracy per template and of the subset chosen on the
        /// reference; T times the zero-shot head's products, so off by default).
        package var prompts: Bool = false
        /// Extra concepts (one per line, optionally `category<TAB>concept`) added to the shipped vocabulary.
        package var extraConcepts: URL?
        package init() {}
    }

    /// A short identifier (`[a-z0-9._-]+`) used in folder names.
    package var pilot: String
    package var title: String
    /// The decision the packet's cover asks ("Should we deploy … on line 3?").
    package var question: String?
    package var language: Language
    package var classes: Classes
    /// Alternative class names to compare with the given ones (`classes.synonyms`, a
    /// `class name<TAB>alternative…` file; `ClassList.synonyms`), or nil.
    package var synonyms: URL?
    package var domains: [Domain]
    package var models: [Model]
    package var criteria: Criteria
    /// The pilot's stages, in its order (empty when it declares none).
    package var stages: [Stage]
    package var probes: ProbeSettings
    /// Baseline points for effective robustness: CSV `model,domain,reference_accuracy,accuracy`.
    package var baselines: URL?
    /// The spec file itself.
    package var file: URL

    package var referenceDomain: Domain { domains.first { $0.role == .reference }! }

    // MARK: Loading

    /// Largest spec file read (specs are a few KB).
    static let maxSpecBytes = 16 << 20

    package static func load(from url: URL) throws -> PilotSpec {
        let file = url.path
        let data: Data
        do throws(InputFile.Error) {
            data = Data(try InputFile.contents(of: file, maxBytes: maxSpecBytes))
        } catch .notFound {
            throw PilotError.missingFile(file: file, path: "the spec", resolved: file)
        } catch {
            throw PilotError.malformed(file: file, message: "cannot be read: \(error)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PilotError.malformed(file: file, message: "invalid JSON" + jsonErrorLocation(error, in: data))
        }
        return try parse(json, file: url)
    }

    /// " at line L, column C (what the parser said)" for a JSONSerialization error; both are 1-based.
    /// The parser reports either the line and column (Darwin) or the byte offset ("around
    /// character N", swift-corelibs-foundation), which is turned into a line and column here.
    static func jsonErrorLocation(_ error: Error, in data: Data) -> String {
        let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? (error as NSError).localizedDescription
        if detail.contains("line "), detail.contains("column ") { return " (\(detail))" }
        guard let range = detail.range(of: "character "),
              let offset = Int(detail[range.upperBound...].prefix { $0.isNumber }), offset <= data.count else {
            return " (\(detail))"
        }
        let before = data.prefix(offset)
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
        // Columns count characters, not bytes: a UTF-8 continuation byte does not start one.
        let column = 1 + data[lineStart..<(data.startIndex + offset)].filter { $0 & 0xC0 != 0x80 }.count
        return " at line \(line), column \(column) (\(detail))"
    }

    static func parse(_ json: Any, file url: URL) throws -> PilotSpec {
        let file = url.path
        let base = url.deletingLastPathComponent()
        var root = try JSONObjectReader(json, file: file, path: "")

        let pilot = try root.requiredString("pilot")
        guard pilot.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), !pilot.hasPrefix(".") else {
            throw PilotError.invalidValue(file: file, path: "pilot", message: "use letters, digits, '-', '_' or '.' only (it names folders), e.g. \"line3-lighting\"")
        }
        let title = try root.string("title") ?? pilot
        let question = try root.string("question")
        let languageText = try root.string("language") ?? "en"
        guard let language = Language(rawValue: languageText) else {
            throw PilotError.invalidValue(file: file, path: "language", message: "must be \"en\" or \"ja\", not \"\(languageText)\"")
        }

        let (classes, synonyms) = try parseClasses(root.raw("classes"), file: file, base: base)

        guard let domainValues = try root.array("domains") else { throw PilotError.missingKey(file: file, path: "domains") }
        var domains: [Domain] = []
        for (index, value) in domainValues.enumerated() {
            domains.append(try parseDomain(value, file: file, path: "domains[\(index)]", base: base, classes: classes))
        }
        guard !domains.isEmpty else { throw PilotError.invalidValue(file: file, path: "domains", message: "needs at least one domain") }
        let references = domains.filter { $0.role == .reference }
        if references.isEmpty {
            if domains.count == 1 {
                domains[0].role = .reference
            } else {
                throw PilotError.invalidValue(file: file, path: "domains", message: "mark exactly one domain with \"role\": \"reference\"")
            }
        } else if references.count > 1 {
            throw PilotError.invalidValue(file: file, path: "domains", message: "only one domain can have \"role\": \"reference\"")
        }
        try checkUnique(domains.map(\.name), file: file, path: "domains", what: "domain name")

        guard let modelValues = try root.array("models") else { throw PilotError.missingKey(file: file, path: "models") }
        var models: [Model] = []
        for (index, value) in modelValues.enumerated() {
            models.append(try parseModel(value, file: file, path: "models[\(index)]", base: base))
        }
        guard !models.isEmpty else { throw PilotError.invalidValue(file: file, path: "models", message: "needs at least one model") }
        try checkUnique(models.map(\.name), file: file, path: "models", what: "model name")

        let criteria = try root.raw("criteria").map { try parseCriteria($0, file: file, path: "criteria") } ?? Criteria()
        var stages: [Stage] = []
        if let stageValues = try root.array("stages") {
            for (index, value) in stageValues.enumerated() {
                let path = "stages[\(index)]"
                var reader = try JSONObjectReader(value, file: file, path: path)
                let name = try reader.requiredString("name")
                guard let criteriaValue = reader.raw("criteria") else { throw PilotError.missingKey(file: file, path: "\(path).criteria") }
                let stageCriteria = try parseCriteria(criteriaValue, file: file, path: "\(path).criteria")
                try reader.finish(known: ["name", "criteria"])
                stages.append(Stage(name: name, criteria: stageCriteria))
            }
            try checkUnique(stages.map(\.name), file: file, path: "stages", what: "stage name")
        }

        var probes = ProbeSettings()
        if let value = root.raw("probes") {
            var reader = try JSONObjectReader(value, file: file, path: "probes")
            if let seed = try reader.integer("seed") {
                guard seed >= 0 else { throw PilotError.invalidValue(file: file, path: "probes.seed", message: "must not be negative") }
                probes.seed = UInt64(seed)
            }
            if let tau = try reader.number("outlier_threshold") {
                guard tau > 1 else { throw PilotError.invalidValue(file: file, path: "probes.outlier_threshold", message: "must be greater than 1") }
                probes.outlierThreshold = tau
            }
            if let rho = try reader.number("concept_threshold") {
                guard rho > 0, rho < 1 else { throw PilotError.invalidValue(file: file, path: "probes.concept_threshold", message: "must be between 0 and 1") }
                probes.conceptThreshold = rho
            }
            if let concepts = try reader.string("concepts") {
                probes.extraConcepts = try resolveFile(concepts, file: file, path: "probes.concepts", base: base)
            }
            if let linearProbe = try reader.bool("linear_probe") { probes.linearProbe = linearProbe }
            if let fewShot = try reader.bool("few_shot") { probes.fewShot = fewShot }
            if let prompts = try reader.bool("prompts") { probes.prompts = prompts }
            if let draws = try reader.integer("few_shot_draws") {
                guard (1...100).contains(draws) else {
                    throw PilotError.invalidValue(file: file, path: "probes.few_shot_draws", message: "must be between 1 and 100, not \(draws)")
                }
                probes.fewShotDraws = draws
            }
            if let shots = try reader.integer("few_shot_max_shots") {
                guard shots >= 1 else {
                    throw PilotError.invalidValue(file: file, path: "probes.few_shot_max_shots", message: "must be at least 1, not \(shots)")
                }
                probes.fewShotMaxShots = shots
            }
            if let classes = try reader.integer("few_shot_max_classes") {
                guard classes >= 2 else {
                    throw PilotError.invalidValue(file: file, path: "probes.few_shot_max_classes", message: "must be at least 2, not \(classes)")
                }
                probes.fewShotMaxClasses = classes
            }
            try reader.finish(known: [
                "seed", "outlier_threshold", "concept_threshold", "concepts", "linear_probe", "few_shot", "few_shot_draws", "few_shot_max_shots",
                "few_shot_max_classes", "prompts",
            ])
        }

        let baselines = try root.string("baselines").map { try resolveFile($0, file: file, path: "baselines", base: base) }

        try root.finish(known: ["pilot", "title", "question", "language", "classes", "domains", "models", "criteria", "stages", "probes", "baselines"])
        return PilotSpec(
            pilot: pilot, title: title, question: question, language: language, classes: classes, synonyms: synonyms, domains: domains,
            models: models, criteria: criteria, stages: stages, probes: probes, baselines: baselines, file: url)
    }

    /// A `criteria` object: the pilot's own, or a stage's (`path` names it in errors).
    private static func parseCriteria(_ value: Any, file: String, path: String) throws -> Criteria {
        var criteria = Criteria()
        var reader = try JSONObjectReader(value, file: file, path: path)
        criteria.minAccuracy = try reader.number("min_accuracy")
        criteria.maxRelativeDrop = try reader.number("max_relative_drop")
        if let margin = try reader.number("min_effective_robustness") {
            guard (-1...1).contains(margin) else {
                throw PilotError.invalidValue(
                    file: file, path: "\(path).min_effective_robustness",
                    message: "is a difference of accuracies between −1 and 1 (−0.05 means 5 points under the baseline line), not \(margin)")
            }
            criteria.minEffectiveRobustness = margin
        }
        try reader.finish(known: ["min_accuracy", "max_relative_drop", "min_effective_robustness"])
        for (key, number) in [("min_accuracy", criteria.minAccuracy), ("max_relative_drop", criteria.maxRelativeDrop)] {
            if let number, !(0...1).contains(number) {
                throw PilotError.invalidValue(file: file, path: "\(path).\(key)", message: "is a fraction between 0 and 1 (0.8 means 80 %), not \(number)")
            }
        }
        return criteria
    }

    /// The class source and the synonyms file, if any.
    private static func parseClasses(_ value: Any?, file: String, base: URL) throws -> (Classes, URL?) {
        guard let value else { throw PilotError.missingKey(file: file, path: "classes") }
        if let preset = value as? String {
            guard preset == "imagenet" else {
                throw PilotError.invalidValue(file: file, path: "classes", message: "the only preset is \"imagenet\"; otherwise give {\"names\": \"classes.txt\", \"templates\": \"templates.txt\"}")
            }
            return (.imagenet(templates: .openai80), nil)
        }
        var reader = try JSONObjectReader(value, file: file, path: "classes")
        let templatesText = try reader.string("templates")
        let templates: TemplateSource
        switch templatesText {
        case nil, "imagenet": templates = .preset(.openai80)
        case "simple": templates = .preset(.simple7)
        case let path?: templates = .file(try resolveFile(path, file: file, path: "classes.templates", base: base))
        }
        let result: Classes
        if let preset = try reader.string("preset") {
            guard preset == "imagenet" else {
                throw PilotError.invalidValue(file: file, path: "classes.preset", message: "the only preset is \"imagenet\"")
            }
            guard case .preset(let set) = templates else {
                throw PilotError.invalidValue(file: file, path: "classes.templates", message: "with the imagenet preset use \"imagenet\" or \"simple\" templates")
            }
            result = .imagenet(templates: set)
        } else {
            let names = try resolveFile(try reader.requiredString("names"), file: file, path: "classes.names", base: base)
            let wnids = try reader.string("wnids").map { try resolveFile($0, file: file, path: "classes.wnids", base: base) }
            result = .files(names: names, templates: templates, wnids: wnids)
        }
        let synonyms = try reader.string("synonyms").map { try resolveFile($0, file: file, path: "classes.synonyms", base: base) }
        try reader.finish(known: ["names", "templates", "wnids", "preset", "synonyms"])
        return (result, synonyms)
    }

    private static func parseDomain(_ value: Any, file: String, path: String, base: URL, classes: Classes) throws -> Domain {
        var reader = try JSONObjectReader(value, file: file, path: path)
        let name = try reader.requiredString("name")
        let location = try resolveFile(try reader.requiredString("path"), file: file, path: "\(path).path", base: base)
        let roleText = try reader.string("role") ?? "shift"
        guard let role = DomainRole(rawValue: roleText) else {
            throw PilotError.invalidValue(file: file, path: "\(path).role", message: "must be \"reference\" or \"shift\", not \"\(roleText)\"")
        }
        let labelsText = try reader.string("labels") ?? "auto"
        guard let labels = LabelSource(rawValue: labelsText) else {
            throw PilotError.invalidValue(file: file, path: "\(path).labels", message: "must be \"auto\" or \"none\", not \"\(labelsText)\"")
        }
        var subset: ClassSubset?
        if let subsetText = try reader.string("class_subset") {
            guard let parsed = ClassSubset(rawValue: subsetText) else {
                throw PilotError.invalidValue(file: file, path: "\(path).class_subset", message: "must be \"imagenet-r\", \"imagenet-a\" or \"objectnet\"")
            }
            guard case .imagenet = classes else {
                throw PilotError.invalidValue(file: file, path: "\(path).class_subset", message: "needs \"classes\": \"imagenet\"")
            }
            subset = parsed
        }
        try reader.finish(known: ["name", "path", "role", "labels", "class_subset"])
        return Domain(name: name, path: location, role: role, labels: labels, classSubset: subset)
    }

    private static func parseModel(_ value: Any, file: String, path: String, base: URL) throws -> Model {
        var reader = try JSONObjectReader(value, file: file, path: path)
        let name = try reader.requiredString("name")
        let named = try resolveFile(try reader.requiredString("weights"), file: file, path: "\(path).weights", base: base)
        guard let weights = ModelFolder.weights(at: named) else {
            throw PilotError.invalidValue(file: file, path: "\(path).weights", message: "\(named.path) is a folder without \(ModelFolder.weightsFiles.joined(separator: " or "))")
        }
        let activation = try reader.string("activation")
        if let activation, !["gelu", "quick_gelu"].contains(activation) {
            throw PilotError.invalidValue(file: file, path: "\(path).activation", message: "must be \"gelu\" or \"quick_gelu\"")
        }
        let baseline = try reader.bool("baseline") ?? false
        let mean = try reader.numbers("mean")
        let std = try reader.numbers("std")
        for (key, values) in [("mean", mean), ("std", std)] {
            if let values, values.count != 3 {
                throw PilotError.invalidValue(file: file, path: "\(path).\(key)", message: "needs three numbers (R, G, B)")
            }
        }
        if let std, std.contains(where: { $0 <= 0 }) {
            throw PilotError.invalidValue(file: file, path: "\(path).std", message: "must be positive")
        }
        let imageSize = try reader.integer("image_size")
        if let imageSize, !(16...4096).contains(imageSize) {
            throw PilotError.invalidValue(file: file, path: "\(path).image_size", message: "must be between 16 and 4096")
        }
        let precision = try reader.string("precision")
        if let precision, !["fp32", "bf16"].contains(precision) {
            throw PilotError.invalidValue(file: file, path: "\(path).precision", message: "must be \"fp32\" or \"bf16\"")
        }
        try reader.finish(known: ["name", "weights", "activation", "baseline", "mean", "std", "image_size", "precision"])
        return Model(
            name: name, weights: weights, activation: activation, baseline: baseline, mean: mean, std: std, imageSize: imageSize,
            precision: precision)
    }

    private static func resolveFile(_ text: String, file: String, path: String, base: URL) throws -> URL {
        let expanded = (text as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
        let standardized = url.standardizedFileURL
        guard FileManager.default.fileExists(atPath: standardized.path) else {
            throw PilotError.missingFile(file: file, path: path, resolved: standardized.path)
        }
        return standardized
    }

    private static func checkUnique(_ names: [String], file: String, path: String, what: String) throws {
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            throw PilotError.invalidValue(file: file, path: path, message: "\(what) \"\(name)\" appears twice")
        }
    }
}
