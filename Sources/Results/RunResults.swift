import Foundation

/// The results of one ShiftLens run — everything the site renders, in `results.json`.
///
/// Schema contract (version `RunResults.currentSchemaVersion`):
/// - keys are snake_case, spelled out in each type's `CodingKeys`, so a plain
///   `JSONEncoder`/`JSONDecoder` round-trips them (use `RunResults.encoder()` for stable,
///   sorted, pretty output);
/// - every accuracy, rate, drop or fraction is a **fraction in 0…1**, never a percent;
/// - a value that is undefined for the inputs (no labels, one image, a constant
///   dimension) is `null` (a Swift `nil`), never NaN or infinity — JSON has neither, and
///   a page must never show "NaN";
/// - dimensions and class indices are 0-based;
/// - every random choice names the seed it used, so a run can be repeated exactly.
///
/// Bump `currentSchemaVersion` on any change that renames or removes a key, changes a
/// unit or a key's type, or adds a code; adding an optional key is backwards compatible and
/// does not bump it. Every earlier version stays readable (`readableSchemaVersions`): the
/// types decode what earlier versions wrote (docs/results-json.md says how).
package struct RunResults: Codable, Sendable, Equatable {
    /// 2: probe notes and verdict reasons as codes without English sentences.
    package static let currentSchemaVersion = 2
    package static let readableSchemaVersions = 1...currentSchemaVersion

    package var schemaVersion: Int
    package var pilot: PilotSummary
    /// Unique id of the run, e.g. `2026-11-26T1904Z-3f2a`; the run's folder name.
    package var runID: String
    /// ISO 8601 UTC timestamp of the start of the run.
    package var createdAt: String
    /// `shiftlens` version that produced the file.
    package var toolVersion: String
    package var models: [ModelSummary]
    package var domains: [DomainSummary]
    /// One entry per model × domain (the reference domain included).
    package var probes: [ModelDomainProbes]
    /// One entry per model.
    package var effectiveRobustness: [EffectiveRobustness]
    package var verdicts: Verdicts
    package var criteria: Criteria
    package var seeds: Seeds
    /// What a reader must know before trusting a number (`Guardrail.Code`); absent in results
    /// written before guardrails existed.
    package var guardrails: [Guardrail]?
    /// How many labelled images would settle each `watch` or `not_assessed` model × domain, or
    /// check a label-free estimate (`LabelsNeeded`); absent in results written before it existed.
    package var labelsNeeded: [LabelsNeeded]?
    /// The pilot's stages and the highest one each model meets (`StageResults`); absent when the
    /// pilot declares none, and in results written before stages existed.
    package var stages: StageResults?
    /// Changes since the pilot's previous run beyond chance (`DriftResults`); absent for a pilot's
    /// first run, and in results written before drift existed.
    package var drift: DriftResults?
    /// Per candidate model, every next step that applies, in rule order (the first is the
    /// recommendation; `NextStep`); absent in results written before next steps existed.
    package var nextSteps: [NextStep]?

    package init(
        schemaVersion: Int = RunResults.currentSchemaVersion, pilot: PilotSummary, runID: String, createdAt: String,
        toolVersion: String, models: [ModelSummary], domains: [DomainSummary], probes: [ModelDomainProbes],
        effectiveRobustness: [EffectiveRobustness], verdicts: Verdicts, criteria: Criteria, seeds: Seeds,
        guardrails: [Guardrail]? = nil, labelsNeeded: [LabelsNeeded]? = nil,
        stages: StageResults? = nil, drift: DriftResults? = nil
    ) {
        self.drift = drift
        self.guardrails = guardrails
        self.labelsNeeded = labelsNeeded
        self.stages = stages
        self.schemaVersion = schemaVersion
        self.pilot = pilot
        self.runID = runID
        self.createdAt = createdAt
        self.toolVersion = toolVersion
        self.models = models
        self.domains = domains
        self.probes = probes
        self.effectiveRobustness = effectiveRobustness
        self.verdicts = verdicts
        self.criteria = criteria
        self.seeds = seeds
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", pilot, runID = "run_id", createdAt = "created_at"
        case toolVersion = "tool_version", models, domains, probes
        case effectiveRobustness = "effective_robustness", verdicts, criteria, seeds, guardrails
        case labelsNeeded = "labels_needed", stages, drift, nextSteps = "next_steps"
    }

    /// The probe results of `model` on `domain`, if they were computed.
    package func probes(model: String, domain: String) -> ProbeResults? {
        probes.first { $0.model == model && $0.domain == domain }?.results
    }

    /// Encoder for `results.json`: pretty-printed, sorted keys (stable diffs between runs).
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    package static func decode(_ data: Data) throws -> RunResults {
        try JSONDecoder().decode(RunResults.self, from: data)
    }
}

/// Who the run was for.
package struct PilotSummary: Codable, Sendable, Equatable {
    /// Machine name (folder name), e.g. `line3-lighting`.
    package var name: String
    /// Human title shown on pages.
    package var title: String
    /// Page language: `en` or `ja`.
    package var language: String
    /// The decision the run supports, as the pilot states it (pages generate one when absent).
    package var question: String?
    /// A sentence every page of the run shows prominently (the demo says it uses toy models).
    package var notice: String?

    package init(name: String, title: String, language: String, question: String? = nil, notice: String? = nil) {
        self.name = name
        self.title = title
        self.language = language
        self.question = question
        self.notice = notice
    }
}

/// One evaluated CLIP model.
package struct ModelSummary: Codable, Sendable, Equatable {
    package var name: String
    /// Lowercase hex SHA-256 of the weights file.
    package var sha256: String
    /// Architecture family as detected, e.g. `ViT-B/32`, `RN50`.
    package var family: String
    /// Activation of the tower, e.g. `gelu`, `quick_gelu`.
    package var activation: String
    /// The image tower's arithmetic, "fp32" or "bf16"; nil in runs stored before it was
    /// recorded (all fp32) and for imported embeddings (unknown).
    package var precision: String?
    /// Whether the model is a baseline point for the effective-robustness fit only.
    package var isBaseline: Bool

    package init(name: String, sha256: String, family: String, activation: String, precision: String? = nil, isBaseline: Bool = false) {
        self.name = name
        self.sha256 = sha256
        self.family = family
        self.activation = activation
        self.precision = precision
        self.isBaseline = isBaseline
    }

    enum CodingKeys: String, CodingKey {
        case name, sha256, family, activation, precision, isBaseline = "is_baseline"
    }
}

/// One domain (image set) of the pilot.
package struct DomainSummary: Codable, Sendable, Equatable {
    package enum Role: String, Codable, Sendable { case reference, shift }

    package var name: String
    package var role: Role
    /// Whether the domain has class labels (accuracy can be measured, not only estimated).
    package var isLabelled: Bool
    /// Images that were decoded and embedded.
    package var imageCount: Int
    /// Images that could not be used, each with its reason.
    package var skippedImages: [SkippedImage]
    /// Brightness, contrast, … of the images and a shift's difference from the reference (absent for
    /// imported embeddings and in runs written before it existed).
    package var imageStatistics: ImageStatisticsSummary?

    package init(name: String, role: Role, isLabelled: Bool, imageCount: Int, skippedImages: [SkippedImage] = [],
                imageStatistics: ImageStatisticsSummary? = nil) {
        self.name = name
        self.role = role
        self.isLabelled = isLabelled
        self.imageCount = imageCount
        self.skippedImages = skippedImages
        self.imageStatistics = imageStatistics
    }

    enum CodingKeys: String, CodingKey {
        case name, role, isLabelled = "is_labelled", imageCount = "image_count", skippedImages = "skipped_images"
        case imageStatistics = "image_statistics"
    }
}

/// An image (or a counted group of files) left out of a run and why.
package struct SkippedImage: Codable, Sendable, Equatable {
    /// Why it was left out. Codes are lower snake_case; schema 1 spelled them `image.too-large`,
    /// `label.unknown`, `not-an-image`, `hidden`, `domain`, …, which still decode.
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// The file ended before its image data did.
        case imageTruncated = "image_truncated"
        /// The file contradicts its own format.
        case imageCorrupt = "image_corrupt"
        /// A kind of JPEG or PNG the decoder does not implement.
        case imageUnsupported = "image_unsupported"
        /// More pixels than the decoder's limit (or a zero size).
        case imageTooLarge = "image_too_large"
        /// Decoding would exceed the decoder's memory limit.
        case imageMemoryLimit = "image_memory_limit"
        /// Neither JPEG nor PNG (by its first bytes).
        case imageUnknownFormat = "image_unknown_format"
        /// The file cannot be read (permissions, a folder, larger than the file limit).
        case imageUnreadable = "image_unreadable"
        /// Decoding or preprocessing failed otherwise.
        case imageError = "image_error"
        /// Images whose label is not in the class list (`path`: the label).
        case labelUnknown = "label_unknown"
        /// A manifest row names a file that does not exist.
        case fileMissing = "file_missing"
        /// Files that are not .jpg, .jpeg or .png (counted).
        case notAnImage = "not_an_image"
        /// Hidden files and folders (counted).
        case hiddenFile = "hidden_file"
        /// The domain gave no usable image (`path`: the domain's folder).
        case domainUnusable = "domain_unusable"

        /// The code of a schema-1 spelling, or nil.
        package init?(schema1 spelling: String) {
            switch spelling {
            case "hidden": self = .hiddenFile
            case "domain": self = .domainUnusable
            default:
                let snake = spelling.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_")
                guard snake != spelling, let code = Code(rawValue: snake) else { return nil }
                self = code
            }
        }
    }

    /// Path relative to the domain's folder; for a counted group a summary such as `(3 files)`.
    package var path: String
    package var code: Code
    /// What went wrong, in English (it may carry detail the code does not, e.g. where a JPEG
    /// scan ended).
    package var reason: String
    /// The code as a schema-1 file spelled it, which pages of that run show; nil in files of
    /// schema 2. Never written.
    var storedSpelling: String?

    package init(path: String, code: Code, reason: String) {
        self.path = path
        self.code = code
        self.reason = reason
    }

    /// The code as pages show it: as the file spelled it.
    package var shownCode: String { storedSpelling ?? code.rawValue }

    enum CodingKeys: String, CodingKey { case path, code, reason }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        reason = try container.decode(String.self, forKey: .reason)
        let spelling = try container.decode(String.self, forKey: .code)
        if let code = Code(rawValue: spelling) {
            self.code = code
        } else if let code = Code(schema1: spelling) {
            self.code = code
            storedSpelling = spelling
        } else {
            throw DecodingError.dataCorruptedError(forKey: .code, in: container, debugDescription: "unknown skip code '\(spelling)'")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(code, forKey: .code)
        try container.encode(reason, forKey: .reason)
    }
}

/// The probe results of one model on one domain.
package struct ModelDomainProbes: Codable, Sendable, Equatable {
    package var model: String
    package var domain: String
    package var results: ProbeResults

    package init(model: String, domain: String, results: ProbeResults) {
        self.model = model
        self.domain = domain
        self.results = results
    }
}
