/// Every probe of one model × domain. Each is optional: absent when the probe was not
/// run or does not apply (no labels → no `zero_shot`; the reference domain has no
/// `distance`).
package struct ProbeResults: Codable, Sendable, Equatable {
    package var zeroShot: ZeroShotResult?
    package var outliers: OutlierResult?
    package var directions: DirectionsResult?
    package var concepts: ConceptResult?
    package var atc: ATCResult?
    package var distance: DistanceResult?
    package var linearProbe: LinearProbeResult?
    /// Label-free accuracy estimates (ATC-MC and ATC-NE), each with its error where labels
    /// exist; on the reference they are over its check half. Absent in older results.
    package var labelFree: [LabelFreeEstimate]?
    /// On an unlabelled domain: how far each label-free estimator was off on this model's
    /// labelled domains (the reference's check half included). Absent when nothing was checked.
    package var labelFreeErrors: [LabelFreeErrorSummary]?
    /// Expected calibration error and reliability diagram (labelled domains).
    package var calibration: CalibrationResult?
    /// Few-shot learning curve of the linear probe on this labelled domain.
    package var fewShot: FewShotResult?
    /// Accuracy per prompt template, of the ensemble and of the subset chosen on the reference.
    package var prompts: PromptsResult?
    /// Accuracy with the class names as given and as chosen on the reference among the pilot's
    /// alternatives (`classes.synonyms`).
    package var names: NamesResult?
    /// What made a probe undefined or changed how it ran, as codes and the numbers they
    /// mention (e.g. `nonfinite_embeddings`, count 3); pages say them in their own language.
    package var notes: [ProbeNote]
    /// The English notes of a schema-1 results.json written before notes had codes (its
    /// `notes` without `note_codes`): pages show them as written. Never written to a file.
    package var uncodedNotes: [String]

    package init(
        zeroShot: ZeroShotResult? = nil, outliers: OutlierResult? = nil, directions: DirectionsResult? = nil,
        concepts: ConceptResult? = nil, atc: ATCResult? = nil, distance: DistanceResult? = nil,
        linearProbe: LinearProbeResult? = nil, notes: [ProbeNote] = []
    ) {
        self.zeroShot = zeroShot
        self.outliers = outliers
        self.directions = directions
        self.concepts = concepts
        self.atc = atc
        self.distance = distance
        self.linearProbe = linearProbe
        self.notes = notes
        self.uncodedNotes = []
    }

    enum CodingKeys: String, CodingKey {
        case zeroShot = "zero_shot", outliers, directions, concepts, atc, distance
        case linearProbe = "linear_probe", notes
        case labelFree = "label_free", labelFreeErrors = "label_free_errors", calibration
        case fewShot = "few_shot", prompts, names
        /// Schema 1 only: the code of each English note in `notes`.
        case noteCodes = "note_codes"
    }

    /// Reads schema 2 (`notes`: codes) and schema 1 (`notes`: English sentences, and since
    /// codes existed `note_codes` beside them, same order and length).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        zeroShot = try container.decodeIfPresent(ZeroShotResult.self, forKey: .zeroShot)
        outliers = try container.decodeIfPresent(OutlierResult.self, forKey: .outliers)
        directions = try container.decodeIfPresent(DirectionsResult.self, forKey: .directions)
        concepts = try container.decodeIfPresent(ConceptResult.self, forKey: .concepts)
        atc = try container.decodeIfPresent(ATCResult.self, forKey: .atc)
        distance = try container.decodeIfPresent(DistanceResult.self, forKey: .distance)
        linearProbe = try container.decodeIfPresent(LinearProbeResult.self, forKey: .linearProbe)
        labelFree = try container.decodeIfPresent([LabelFreeEstimate].self, forKey: .labelFree)
        labelFreeErrors = try container.decodeIfPresent([LabelFreeErrorSummary].self, forKey: .labelFreeErrors)
        calibration = try container.decodeIfPresent(CalibrationResult.self, forKey: .calibration)
        fewShot = try container.decodeIfPresent(FewShotResult.self, forKey: .fewShot)
        prompts = try container.decodeIfPresent(PromptsResult.self, forKey: .prompts)
        names = try container.decodeIfPresent(NamesResult.self, forKey: .names)
        uncodedNotes = []
        if let sentences = try? container.decode([String].self, forKey: .notes), !sentences.isEmpty {
            // Schema 1: English sentences, with their codes beside them since codes existed.
            let codes = try container.decodeIfPresent([ProbeNote].self, forKey: .noteCodes)
            if let codes, codes.count == sentences.count {
                notes = codes
            } else {
                notes = []
                uncodedNotes = sentences
            }
        } else {
            notes = try container.decode([ProbeNote].self, forKey: .notes)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(zeroShot, forKey: .zeroShot)
        try container.encodeIfPresent(outliers, forKey: .outliers)
        try container.encodeIfPresent(directions, forKey: .directions)
        try container.encodeIfPresent(concepts, forKey: .concepts)
        try container.encodeIfPresent(atc, forKey: .atc)
        try container.encodeIfPresent(distance, forKey: .distance)
        try container.encodeIfPresent(linearProbe, forKey: .linearProbe)
        try container.encodeIfPresent(labelFree, forKey: .labelFree)
        try container.encodeIfPresent(labelFreeErrors, forKey: .labelFreeErrors)
        try container.encodeIfPresent(calibration, forKey: .calibration)
        try container.encodeIfPresent(fewShot, forKey: .fewShot)
        try container.encodeIfPresent(prompts, forKey: .prompts)
        try container.encodeIfPresent(names, forKey: .names)
        try container.encode(notes, forKey: .notes)
    }
}

/// One probe note: `code` names the situation (the site's catalogue key is `note.<code>`),
/// `count` is the number the note mentions, if any; `domain` names the image set the note is
/// about when it is not the one whose results hold it (`shiftlens probe` reports the
/// reference's concept-probe notes with the probed domain).
package struct ProbeNote: Codable, Sendable, Equatable {
    /// Every situation `ProbeSuite` reports.
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// Embeddings with NaN or infinity were left out (`count` of them).
        case nonfiniteEmbeddings = "nonfinite_embeddings"
        /// The reference has no labels: no ATC estimate and no linear probe.
        case referenceUnlabelled = "reference_unlabelled"
        /// Too few reference images or classes for the linear probe.
        case linearProbeTooFew = "linear_probe_too_few"
        /// No usable embedding: every probe was skipped.
        case noUsableEmbedding = "no_usable_embedding"
        /// The concept probe needs at least 100 reference images and 1 concept (`count`: the images there were).
        case conceptProbeTooFew = "concept_probe_too_few"
        /// The concept similarities do not match the usable reference images.
        case conceptSimilaritiesMismatch = "concept_similarities_mismatch"
        /// One image: Fréchet distance and MMD need at least 2.
        case singleImageDistance = "single_image_distance"
        /// Every image has the same label.
        case singleLabel = "single_label"
        /// No few-shot curve: fewer than 2 classes, or a class with a single image (`count`: the
        /// fewest images of a class).
        case fewShotTooFew = "few_shot_too_few"
        /// No few-shot curve: more classes (`count`) than `probes.few_shot_max_classes`.
        case fewShotTooManyClasses = "few_shot_too_many_classes"
    }

    package var code: Code
    package var count: Int?
    package var domain: String?

    package init(_ code: Code, count: Int? = nil, domain: String? = nil) {
        self.code = code
        self.count = count
        self.domain = domain
    }
}

/// A two-sided confidence interval (fractions or the probe's own unit).
package struct Interval: Codable, Sendable, Equatable {
    package var lower: Double
    package var upper: Double
    /// Confidence level, e.g. 0.95.
    package var level: Double

    package init(lower: Double, upper: Double, level: Double = 0.95) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}
