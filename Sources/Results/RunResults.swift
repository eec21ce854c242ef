import Foundation
import Support

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
/// Bump `currentSchemaVersion` on any change that renames or removes a key or changes a
/// unit; adding an optional key is backwards compatible and does not bump it.
public struct RunResults: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var pilot: PilotSummary
    /// Unique id of the run, e.g. `2026-11-26T1904Z-3f2a`; the run's folder name.
    public var runID: String
    /// ISO 8601 UTC timestamp of the start of the run.
    public var createdAt: String
    /// `shiftlens` version that produced the file.
    public var toolVersion: String
    public var models: [ModelSummary]
    public var domains: [DomainSummary]
    /// One entry per model × domain (the reference domain included).
    public var probes: [ModelDomainProbes]
    /// One entry per model.
    public var effectiveRobustness: [EffectiveRobustness]
    public var verdicts: Verdicts
    public var criteria: Criteria
    public var seeds: Seeds

    public init(
        schemaVersion: Int = RunResults.currentSchemaVersion, pilot: PilotSummary, runID: String, createdAt: String,
        toolVersion: String, models: [ModelSummary], domains: [DomainSummary], probes: [ModelDomainProbes],
        effectiveRobustness: [EffectiveRobustness], verdicts: Verdicts, criteria: Criteria, seeds: Seeds
    ) {
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
        case effectiveRobustness = "effective_robustness", verdicts, criteria, seeds
    }

    /// The probe results of `model` on `domain`, if they were computed.
    public func probes(model: String, domain: String) -> ProbeResults? {
        probes.first { $0.model == model && $0.domain == domain }?.results
    }

    /// Encoder for `results.json`: pretty-printed, sorted keys (stable diffs between runs).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decode(_ data: Data) throws -> RunResults {
        try JSONDecoder().decode(RunResults.self, from: data)
    }
}

/// Who the run was for.
public struct PilotSummary: Codable, Sendable, Equatable {
    /// Machine name (folder name), e.g. `line3-lighting`.
    public var name: String
    /// Human title shown on pages.
    public var title: String
    /// Page language: `en` or `ja`.
    public var language: String
    /// The decision the run supports, as the pilot states it (pages generate one when absent).
    public var question: String?
    /// A sentence every page of the run shows prominently (the demo says it uses toy models).
    public var notice: String?

    public init(name: String, title: String, language: String, question: String? = nil, notice: String? = nil) {
        self.name = name
        self.title = title
        self.language = language
        self.question = question
        self.notice = notice
    }
}

/// One evaluated CLIP model.
public struct ModelSummary: Codable, Sendable, Equatable {
    public var name: String
    /// Lowercase hex SHA-256 of the weights file.
    public var sha256: String
    /// Architecture family as detected, e.g. `ViT-B/32`, `RN50`.
    public var family: String
    /// Activation of the tower, e.g. `gelu`, `quick_gelu`.
    public var activation: String
    /// Whether the model is a baseline point for the effective-robustness fit only.
    public var isBaseline: Bool

    public init(name: String, sha256: String, family: String, activation: String, isBaseline: Bool = false) {
        self.name = name
        self.sha256 = sha256
        self.family = family
        self.activation = activation
        self.isBaseline = isBaseline
    }

    enum CodingKeys: String, CodingKey {
        case name, sha256, family, activation, isBaseline = "is_baseline"
    }
}

/// One domain (image set) of the pilot.
public struct DomainSummary: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case reference, shift }

    public var name: String
    public var role: Role
    /// Whether the domain has class labels (accuracy can be measured, not only estimated).
    public var isLabelled: Bool
    /// Images that were decoded and embedded.
    public var imageCount: Int
    /// Images that could not be used, each with its reason.
    public var skippedImages: [SkippedImage]

    public init(name: String, role: Role, isLabelled: Bool, imageCount: Int, skippedImages: [SkippedImage] = []) {
        self.name = name
        self.role = role
        self.isLabelled = isLabelled
        self.imageCount = imageCount
        self.skippedImages = skippedImages
    }

    enum CodingKeys: String, CodingKey {
        case name, role, isLabelled = "is_labelled", imageCount = "image_count", skippedImages = "skipped_images"
    }
}

/// An image left out of a run and why.
public struct SkippedImage: Codable, Sendable, Equatable {
    /// Path relative to the domain's folder.
    public var path: String
    /// Terse error code, e.g. `jpeg.corrupt`.
    public var code: String
    /// Human message.
    public var reason: String

    public init(path: String, code: String, reason: String) {
        self.path = path
        self.code = code
        self.reason = reason
    }
}

/// The probe results of one model on one domain.
public struct ModelDomainProbes: Codable, Sendable, Equatable {
    public var model: String
    public var domain: String
    public var results: ProbeResults

    public init(model: String, domain: String, results: ProbeResults) {
        self.model = model
        self.domain = domain
        self.results = results
    }
}

/// Every probe of one model × domain. Each is optional: absent when the probe was not
/// run or does not apply (no labels → no `zero_shot`; the reference domain has no
/// `distance`).
public struct ProbeResults: Codable, Sendable, Equatable {
    public var zeroShot: ZeroShotResult?
    public var outliers: OutlierResult?
    public var directions: DirectionsResult?
    public var concepts: ConceptResult?
    public var atc: ATCResult?
    public var distance: DistanceResult?
    public var linearProbe: LinearProbeResult?
    /// Messages about inputs that made a probe undefined or changed how it ran
    /// (e.g. "3 embeddings with NaN or infinity left out"), in English.
    public var notes: [String]
    /// The code of every entry of `notes`, same order and length, so pages can show the note
    /// in their own language. Absent in results written before codes existed (and whenever a
    /// note has no code); readers then show `notes` as they are.
    public var noteCodes: [ProbeNote]?

    public init(
        zeroShot: ZeroShotResult? = nil, outliers: OutlierResult? = nil, directions: DirectionsResult? = nil,
        concepts: ConceptResult? = nil, atc: ATCResult? = nil, distance: DistanceResult? = nil,
        linearProbe: LinearProbeResult? = nil, notes: [String] = [], noteCodes: [ProbeNote]? = nil
    ) {
        self.zeroShot = zeroShot
        self.outliers = outliers
        self.directions = directions
        self.concepts = concepts
        self.atc = atc
        self.distance = distance
        self.linearProbe = linearProbe
        self.notes = notes
        self.noteCodes = noteCodes
    }

    /// Each note with its code, or nil when `noteCodes` is absent or does not match `notes`.
    public var codedNotes: [(text: String, note: ProbeNote)]? {
        guard let noteCodes, noteCodes.count == notes.count else { return nil }
        return Array(zip(notes, noteCodes)).map { (text: $0.0, note: $0.1) }
    }

    enum CodingKeys: String, CodingKey {
        case zeroShot = "zero_shot", outliers, directions, concepts, atc, distance
        case linearProbe = "linear_probe", notes, noteCodes = "note_codes"
    }
}

/// The stable identity of one probe note: `code` names the situation (the site's catalogue
/// key is `note.<code>`), `count` is the number the note mentions, if any.
public struct ProbeNote: Codable, Sendable, Equatable {
    /// Codes written by `ProbeSuite`.
    public static let nonFiniteEmbeddings = "nonfinite_embeddings"
    public static let referenceUnlabelled = "reference_unlabelled"
    public static let linearProbeTooFew = "linear_probe_too_few"
    public static let noUsableEmbedding = "no_usable_embedding"
    public static let conceptProbeTooFew = "concept_probe_too_few"
    public static let conceptSimilaritiesMismatch = "concept_similarities_mismatch"
    public static let singleImageDistance = "single_image_distance"
    public static let singleLabel = "single_label"

    public var code: String
    public var count: Int?

    public init(code: String, count: Int? = nil) {
        self.code = code
        self.count = count
    }
}

/// A two-sided confidence interval (fractions or the probe's own unit).
public struct Interval: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Confidence level, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double = 0.95) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}

// MARK: 1. Zero-shot accuracy

/// Zero-shot classification accuracy. Logits are `normalize(h) · Wᵀ` (cosine
/// similarities); the argmax does not depend on CLIP's logit scale.
public struct ZeroShotResult: Codable, Sendable, Equatable {
    /// Labelled images that entered the accuracy (NaN embeddings and labels outside the head excluded).
    public var count: Int
    public var top1Correct: Int
    /// Top-1 accuracy, fraction.
    public var top1: Double
    /// Clopper–Pearson (exact binomial) 95 % interval of `top1`.
    public var top1CI: Interval
    public var top5Correct: Int
    /// Top-5 accuracy, fraction (equals 1 when the head has ≤ 5 classes).
    public var top5: Double
    public var top5CI: Interval
    /// Accuracy per class, for every class of the head (classes without images have `accuracy: null`).
    public var perClass: [ClassAccuracy]
    /// `top1(this domain) − top1(reference)` with a percentile bootstrap interval; `null` on the reference.
    public var differenceFromReference: BootstrapDifference?

    public init(
        count: Int, top1Correct: Int, top1: Double, top1CI: Interval, top5Correct: Int, top5: Double,
        top5CI: Interval, perClass: [ClassAccuracy], differenceFromReference: BootstrapDifference? = nil
    ) {
        self.count = count
        self.top1Correct = top1Correct
        self.top1 = top1
        self.top1CI = top1CI
        self.top5Correct = top5Correct
        self.top5 = top5
        self.top5CI = top5CI
        self.perClass = perClass
        self.differenceFromReference = differenceFromReference
    }

    enum CodingKeys: String, CodingKey {
        case count, top1Correct = "top1_correct", top1, top1CI = "top1_ci", top5Correct = "top5_correct"
        case top5, top5CI = "top5_ci", perClass = "per_class", differenceFromReference = "difference_from_reference"
    }
}

/// Top-1 accuracy of one class.
public struct ClassAccuracy: Codable, Sendable, Equatable {
    public var classIndex: Int
    public var count: Int
    public var correct: Int
    /// Fraction; `null` when the class has no images in the domain.
    public var accuracy: Double?
    public var ci: Interval?

    public init(classIndex: Int, count: Int, correct: Int, accuracy: Double?, ci: Interval?) {
        self.classIndex = classIndex
        self.count = count
        self.correct = correct
        self.accuracy = accuracy
        self.ci = ci
    }

    enum CodingKeys: String, CodingKey {
        case classIndex = "class_index", count, correct, accuracy, ci
    }
}

/// A difference of two accuracies with its bootstrap interval.
public struct BootstrapDifference: Codable, Sendable, Equatable {
    /// Point estimate, fraction (negative = worse than the reference).
    public var difference: Double
    /// Percentile interval from independent resampling of each domain's images.
    public var ci: Interval
    public var resamples: Int
    public var seed: UInt64

    public init(difference: Double, ci: Interval, resamples: Int, seed: UInt64) {
        self.difference = difference
        self.ci = ci
        self.resamples = resamples
        self.seed = seed
    }
}

// MARK: 2. Outlier features

/// Outlier features and activation kurtosis of `H` (before normalisation).
public struct OutlierResult: Codable, Sendable, Equatable {
    /// τ: a dimension is an outlier when its ratio is ≥ τ (default 10).
    public var threshold: Double
    /// `m_j = mean_i |H_ij|` per dimension.
    public var meanAbsActivation: [Double]
    /// `r_j = m_j / mean_k m_k` per dimension (all 0 when every activation is 0).
    public var ratios: [Double]
    /// Number of dimensions with `r_j ≥ τ`.
    public var count: Int
    /// The outlier dimensions, largest ratio first.
    public var dimensions: [Int]
    /// The `top_k` dimensions with the largest ratios, largest first (ties: lower index first).
    public var topDimensions: [Int]
    public var topK: Int
    /// Mean over images of the Pearson (non-excess) kurtosis of each row `H_i,:` (Gaussian = 3);
    /// rows with zero variance are left out; `null` if none is left.
    public var kurtosisMean: Double?
    /// Pearson kurtosis of each dimension `H_:,j` across images; `null` for a constant dimension or n < 2.
    public var kurtosisPerDimension: [Double?]
    /// Jaccard index of `top_dimensions` with the reference domain's; `null` on the reference.
    public var jaccardWithReference: Double?

    public init(
        threshold: Double, meanAbsActivation: [Double], ratios: [Double], count: Int, dimensions: [Int],
        topDimensions: [Int], topK: Int, kurtosisMean: Double?, kurtosisPerDimension: [Double?],
        jaccardWithReference: Double? = nil
    ) {
        self.threshold = threshold
        self.meanAbsActivation = meanAbsActivation
        self.ratios = ratios
        self.count = count
        self.dimensions = dimensions
        self.topDimensions = topDimensions
        self.topK = topK
        self.kurtosisMean = kurtosisMean
        self.kurtosisPerDimension = kurtosisPerDimension
        self.jaccardWithReference = jaccardWithReference
    }

    /// Ratios sorted from largest to smallest — the log-scale profile chart.
    public var sortedRatios: [Double] { ratios.sorted(by: >) }

    enum CodingKeys: String, CodingKey {
        case threshold, meanAbsActivation = "mean_abs_activation", ratios, count, dimensions
        case topDimensions = "top_dimensions", topK = "top_k", kurtosisMean = "kurtosis_mean"
        case kurtosisPerDimension = "kurtosis_per_dimension", jaccardWithReference = "jaccard_with_reference"
    }
}

// MARK: 3. Privileged directions

/// Zero-shot accuracy after pruning directions of the head's row space, or coordinates.
public struct DirectionsResult: Codable, Sendable, Equatable {
    /// Singular values of the head `W` (C×d), largest first.
    public var singularValues: [Double]
    /// `σ_k · mean_i |cos(v_k, h_i)|` on the reference domain, in singular-value order.
    public var importance: [Double]
    /// Accuracy after keeping the most important `(1 − p)` right singular directions.
    public var curve: [PruningPoint]
    /// Accuracy after keeping the `(1 − p)` coordinates with the largest reference `m_j`.
    public var coordinateCurve: [PruningPoint]

    public init(singularValues: [Double], importance: [Double], curve: [PruningPoint], coordinateCurve: [PruningPoint]) {
        self.singularValues = singularValues
        self.importance = importance
        self.curve = curve
        self.coordinateCurve = coordinateCurve
    }

    enum CodingKeys: String, CodingKey {
        case singularValues = "singular_values", importance, curve, coordinateCurve = "coordinate_curve"
    }
}

/// One point of a pruning curve.
public struct PruningPoint: Codable, Sendable, Equatable {
    /// Fraction pruned p (0, 0.1, …, 0.9, 0.95).
    public var prunedFraction: Double
    /// Directions (or coordinates) kept: `max(1, round((1 − p) · total))`.
    public var kept: Int
    /// Top-1 accuracy, fraction.
    public var accuracy: Double

    public init(prunedFraction: Double, kept: Int, accuracy: Double) {
        self.prunedFraction = prunedFraction
        self.kept = kept
        self.accuracy = accuracy
    }

    enum CodingKeys: String, CodingKey { case prunedFraction = "pruned_fraction", kept, accuracy }
}

// MARK: 4. Concepts

/// CLIP-Dissect-style concept matching of representation dimensions.
public struct ConceptResult: Codable, Sendable, Equatable {
    /// ρ: a dimension encodes a concept when their correlation is ≥ ρ (default 0.5).
    public var threshold: Double
    public var conceptCount: Int
    public var imageCount: Int
    /// Concepts encoded by at least one dimension.
    public var uniqueConceptCount: Int
    /// Number of concepts each dimension encodes (polysemanticity), per dimension.
    public var conceptsPerDimension: [Int]
    /// Mean of `concepts_per_dimension` over dimensions that encode at least one concept; `null` if none.
    public var polysemanticityMean: Double?
    /// The best-matching concept of each dimension (highest correlation, even below ρ); `null`
    /// for a constant dimension.
    public var bestConcept: [ConceptMatch?]

    public init(
        threshold: Double, conceptCount: Int, imageCount: Int, uniqueConceptCount: Int,
        conceptsPerDimension: [Int], polysemanticityMean: Double?, bestConcept: [ConceptMatch?]
    ) {
        self.threshold = threshold
        self.conceptCount = conceptCount
        self.imageCount = imageCount
        self.uniqueConceptCount = uniqueConceptCount
        self.conceptsPerDimension = conceptsPerDimension
        self.polysemanticityMean = polysemanticityMean
        self.bestConcept = bestConcept
    }

    enum CodingKeys: String, CodingKey {
        case threshold, conceptCount = "concept_count", imageCount = "image_count"
        case uniqueConceptCount = "unique_concept_count", conceptsPerDimension = "concepts_per_dimension"
        case polysemanticityMean = "polysemanticity_mean", bestConcept = "best_concept"
    }
}

public struct ConceptMatch: Codable, Sendable, Equatable {
    public var conceptIndex: Int
    public var concept: String
    /// Pearson correlation, −1…1.
    public var correlation: Double

    public init(conceptIndex: Int, concept: String, correlation: Double) {
        self.conceptIndex = conceptIndex
        self.concept = concept
        self.correlation = correlation
    }

    enum CodingKeys: String, CodingKey { case conceptIndex = "concept_index", concept, correlation }
}

// MARK: 6. Label-free accuracy estimate

/// Average Thresholded Confidence (Garg et al. 2022). Confidence is the max softmax of
/// `100 · cos` (CLIP's logit scale).
public struct ATCResult: Codable, Sendable, Equatable {
    /// Confidence threshold fitted on the reference domain.
    public var threshold: Double
    /// Estimated accuracy: fraction of this domain's images with confidence above the threshold.
    public var estimate: Double
    /// Measured top-1 accuracy when the domain is labelled.
    public var actualAccuracy: Double?
    /// `estimate − actual_accuracy` when the domain is labelled.
    public var error: Double?

    public init(threshold: Double, estimate: Double, actualAccuracy: Double? = nil, error: Double? = nil) {
        self.threshold = threshold
        self.estimate = estimate
        self.actualAccuracy = actualAccuracy
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case threshold, estimate, actualAccuracy = "actual_accuracy", error }
}

// MARK: 7. Domain distance

/// How far a domain's embeddings are from the reference's.
public struct DistanceResult: Codable, Sendable, Equatable {
    /// Fréchet distance `|μ1 − μ2|² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)` on the raw embeddings (squared units).
    public var frechet: Double?
    /// Unbiased MMD² with an RBF kernel `exp(−|x − y|² / (2 s²))` on L2-normalised embeddings.
    public var mmd2: Double?
    /// The kernel bandwidth `s` (median pairwise distance of the pooled sample).
    public var mmdBandwidth: Double?
    /// Permutation p-value `(1 + #{perm ≥ observed}) / (1 + permutations)`.
    public var mmdPValue: Double?
    public var mmdPermutations: Int
    /// Images per domain used for MMD (a seeded subsample above `DistanceOptions.mmdMaxSamples`).
    public var mmdSampleSize: Int
    /// Images per domain used for Fréchet (a seeded subsample above `DistanceOptions.frechetMaxSamples`).
    public var frechetSampleSize: Int
    /// Cross-validated ROC AUC of a logistic-regression domain classifier (0.5 = indistinguishable).
    public var auc: Double?
    public var aucFolds: Int
    public var aucSampleSize: Int
    public var seed: UInt64

    public init(
        frechet: Double?, mmd2: Double?, mmdBandwidth: Double?, mmdPValue: Double?, mmdPermutations: Int,
        mmdSampleSize: Int, frechetSampleSize: Int, auc: Double?, aucFolds: Int, aucSampleSize: Int, seed: UInt64
    ) {
        self.frechet = frechet
        self.mmd2 = mmd2
        self.mmdBandwidth = mmdBandwidth
        self.mmdPValue = mmdPValue
        self.mmdPermutations = mmdPermutations
        self.mmdSampleSize = mmdSampleSize
        self.frechetSampleSize = frechetSampleSize
        self.auc = auc
        self.aucFolds = aucFolds
        self.aucSampleSize = aucSampleSize
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case frechet, mmd2, mmdBandwidth = "mmd_bandwidth", mmdPValue = "mmd_p_value"
        case mmdPermutations = "mmd_permutations", mmdSampleSize = "mmd_sample_size"
        case frechetSampleSize = "frechet_sample_size", auc, aucFolds = "auc_folds", aucSampleSize = "auc_sample_size", seed
    }
}

// MARK: 8. Linear probe

/// A multinomial logistic-regression probe fitted on a split of the reference domain.
public struct LinearProbeResult: Codable, Sendable, Equatable {
    /// Top-1 accuracy of the probe on this domain (on the held-out test split for the reference).
    public var accuracy: Double
    public var ci: Interval
    public var count: Int
    /// The chosen L2 strength λ in `mean loss + λ/2 |W|²` (sklearn's `C = 1 / (λ · n_train)`).
    public var l2: Double
    /// Validation accuracy of every candidate λ, in the order tried.
    public var candidates: [RegularizationCandidate]
    public var trainCount: Int
    public var validationCount: Int
    public var seed: UInt64
    /// Whether the chosen fit reached its stopping tolerance (false: stopped at the iteration cap).
    public var converged: Bool?

    public init(
        accuracy: Double, ci: Interval, count: Int, l2: Double, candidates: [RegularizationCandidate],
        trainCount: Int, validationCount: Int, seed: UInt64, converged: Bool? = nil
    ) {
        self.converged = converged
        self.accuracy = accuracy
        self.ci = ci
        self.count = count
        self.l2 = l2
        self.candidates = candidates
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case accuracy, ci, count, l2, candidates, trainCount = "train_count", validationCount = "validation_count", seed, converged
    }
}

public struct RegularizationCandidate: Codable, Sendable, Equatable {
    public var l2: Double
    public var validationAccuracy: Double
    /// L-BFGS iterations of this candidate's fit (each started from the previous candidate's
    /// optimum) and whether it reached the tolerance; absent in runs before they were recorded.
    public var iterations: Int?
    public var converged: Bool?

    public init(l2: Double, validationAccuracy: Double, iterations: Int? = nil, converged: Bool? = nil) {
        self.l2 = l2
        self.validationAccuracy = validationAccuracy
        self.iterations = iterations
        self.converged = converged
    }

    enum CodingKeys: String, CodingKey { case l2, validationAccuracy = "validation_accuracy", iterations, converged }
}

// MARK: 5. Effective robustness

/// Effective robustness of one model: its points and, when a baseline exists, the fit.
public struct EffectiveRobustness: Codable, Sendable, Equatable {
    public var model: String
    /// One point per labelled shift.
    public var points: [RobustnessPoint]

    public init(model: String, points: [RobustnessPoint]) {
        self.model = model
        self.points = points
    }
}

/// A model's accuracy on one shift against its reference accuracy.
public struct RobustnessPoint: Codable, Sendable, Equatable {
    public var domain: String
    /// Top-1 on the reference (or the baseline's x column for this shift), fraction.
    public var referenceAccuracy: Double
    /// Top-1 on the shift, fraction.
    public var accuracy: Double
    /// `accuracy / reference_accuracy`; `null` when the reference accuracy is 0.
    public var relativeAccuracy: Double?
    /// `reference_accuracy − accuracy` (positive = worse on the shift).
    public var drop: Double
    /// Present only when a baseline fit exists for this shift.
    public var baseline: BaselineFit?
    /// `accuracy − σ(β₁ · logit(reference_accuracy) + β₀)`; `null` without a baseline.
    public var effectiveRobustness: Double?

    public init(
        domain: String, referenceAccuracy: Double, accuracy: Double, relativeAccuracy: Double?, drop: Double,
        baseline: BaselineFit? = nil, effectiveRobustness: Double? = nil
    ) {
        self.domain = domain
        self.referenceAccuracy = referenceAccuracy
        self.accuracy = accuracy
        self.relativeAccuracy = relativeAccuracy
        self.drop = drop
        self.baseline = baseline
        self.effectiveRobustness = effectiveRobustness
    }

    enum CodingKeys: String, CodingKey {
        case domain, referenceAccuracy = "reference_accuracy", accuracy, relativeAccuracy = "relative_accuracy"
        case drop, baseline, effectiveRobustness = "effective_robustness"
    }
}

/// The baseline line `logit(y) = β₁ · logit(x) + β₀` fitted by least squares on baseline points.
public struct BaselineFit: Codable, Sendable, Equatable {
    /// Where the points came from, e.g. `assets/baselines/imagenet-shifts-standard-testbed.csv`.
    public var source: String
    public var pointCount: Int
    public var slope: Double
    public var intercept: Double
    /// Pointwise percentile bootstrap band of the fitted line, in accuracy (fraction) space.
    public var band: [BandPoint]
    public var resamples: Int
    public var seed: UInt64
    /// The points the line was fitted on, each with its source (absent in results written
    /// before the key existed).
    public var points: [BaselinePoint]?

    public init(
        source: String, pointCount: Int, slope: Double, intercept: Double, band: [BandPoint], resamples: Int, seed: UInt64,
        points: [BaselinePoint]? = nil
    ) {
        self.source = source
        self.pointCount = pointCount
        self.slope = slope
        self.intercept = intercept
        self.band = band
        self.resamples = resamples
        self.seed = seed
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case source, pointCount = "point_count", slope, intercept, band, resamples, seed, points
    }
}

/// One baseline model on one shift: (reference accuracy, shift accuracy), fractions.
public struct BaselinePoint: Codable, Sendable, Equatable {
    public var model: String
    public var referenceAccuracy: Double
    public var accuracy: Double
    /// Where the point came from (a CSV file, the testbed table, the run's baseline models);
    /// stored with the fit so a reader can trace every point of the line.
    public var source: String?
    /// The counts behind `reference_accuracy` and `accuracy` when the point was measured in
    /// this run (absent for published accuracies); the fit then uses their empirical logits.
    public var referenceCounts: AccuracyCounts?
    public var counts: AccuracyCounts?

    public init(
        model: String, referenceAccuracy: Double, accuracy: Double, source: String? = nil,
        referenceCounts: AccuracyCounts? = nil, counts: AccuracyCounts? = nil
    ) {
        self.model = model
        self.referenceAccuracy = referenceAccuracy
        self.accuracy = accuracy
        self.source = source
        self.referenceCounts = referenceCounts
        self.counts = counts
    }

    enum CodingKeys: String, CodingKey {
        case model, referenceAccuracy = "reference_accuracy", accuracy, source
        case referenceCounts = "reference_counts", counts
    }
}

/// The fitted line and its band at one reference accuracy (all fractions).
public struct BandPoint: Codable, Sendable, Equatable {
    public var referenceAccuracy: Double
    public var fitted: Double
    public var lower: Double
    public var upper: Double

    public init(referenceAccuracy: Double, fitted: Double, lower: Double, upper: Double) {
        self.referenceAccuracy = referenceAccuracy
        self.fitted = fitted
        self.lower = lower
        self.upper = upper
    }

    enum CodingKeys: String, CodingKey { case referenceAccuracy = "reference_accuracy", fitted, lower, upper }
}

// MARK: 9. Verdicts, criteria, seeds

/// Pass / watch / fail per model and per model × shift.
public struct Verdicts: Codable, Sendable, Equatable {
    public var models: [ModelVerdict]
    public var shifts: [ShiftVerdict]

    public init(models: [ModelVerdict], shifts: [ShiftVerdict]) {
        self.models = models
        self.shifts = shifts
    }
}

public enum VerdictStatus: String, Codable, Sendable, Comparable {
    case pass, watch, fail

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .watch: return 1
        case .fail: return 2
        }
    }

    public static func < (a: VerdictStatus, b: VerdictStatus) -> Bool { a.rank < b.rank }
}

/// One reason behind a verdict: a stable code (for translations), the status it implies,
/// an English sentence, and the numbers it compared.
public struct VerdictReason: Codable, Sendable, Equatable {
    /// e.g. `accuracy_below_minimum`, `relative_drop_above_maximum`, `ci_straddles_minimum`.
    public var code: String
    public var status: VerdictStatus
    public var message: String
    public var value: Double?
    public var limit: Double?

    public init(code: String, status: VerdictStatus, message: String, value: Double? = nil, limit: Double? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.value = value
        self.limit = limit
    }
}

public struct ShiftVerdict: Codable, Sendable, Equatable {
    public var model: String
    public var domain: String
    public var status: VerdictStatus
    public var reasons: [VerdictReason]

    public init(model: String, domain: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.domain = domain
        self.status = status
        self.reasons = reasons
    }
}

public struct ModelVerdict: Codable, Sendable, Equatable {
    public var model: String
    /// The worst status over the model's reference and shift verdicts.
    public var status: VerdictStatus
    public var reasons: [VerdictReason]

    public init(model: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.status = status
        self.reasons = reasons
    }
}

/// The pilot's pass criteria (fractions). A missing criterion is not checked.
public struct Criteria: Codable, Sendable, Equatable {
    /// Minimum top-1 (measured, or ATC-estimated on unlabelled shifts) on every domain.
    public var minAccuracy: Double?
    /// Maximum `drop / reference_accuracy` on every shift.
    public var maxRelativeDrop: Double?

    public init(minAccuracy: Double? = nil, maxRelativeDrop: Double? = nil) {
        self.minAccuracy = minAccuracy
        self.maxRelativeDrop = maxRelativeDrop
    }

    enum CodingKeys: String, CodingKey { case minAccuracy = "min_accuracy", maxRelativeDrop = "max_relative_drop" }
}

/// Every seed of the run. Each probe derives its own stream from `base` (see `SplitMix64.derive`),
/// and the seed each probe used is also stored beside its result.
public struct Seeds: Codable, Sendable, Equatable {
    public var base: UInt64
    public var bootstrap: UInt64
    public var distance: UInt64
    public var linearProbe: UInt64

    public init(base: UInt64) {
        self.base = base
        self.bootstrap = SplitMix64.derive(base, stream: .bootstrap)
        self.distance = SplitMix64.derive(base, stream: .distance)
        self.linearProbe = SplitMix64.derive(base, stream: .linearProbe)
    }

    enum CodingKeys: String, CodingKey { case base, bootstrap, distance, linearProbe = "linear_probe" }
}
