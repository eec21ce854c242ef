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
