/// Effective robustness of one model: its points and, when a baseline exists, the fit.
package struct EffectiveRobustness: Codable, Sendable, Equatable {
    package var model: String
    /// One point per labelled shift.
    package var points: [RobustnessPoint]

    package init(model: String, points: [RobustnessPoint]) {
        self.model = model
        self.points = points
    }
}

/// A model's accuracy on one shift against its reference accuracy.
package struct RobustnessPoint: Codable, Sendable, Equatable {
    package var domain: String
    /// Top-1 on the reference (or the baseline's x column for this shift), fraction.
    package var referenceAccuracy: Double
    /// Top-1 on the shift, fraction.
    package var accuracy: Double
    /// `accuracy / reference_accuracy`; `null` when the reference accuracy is 0.
    package var relativeAccuracy: Double?
    /// `reference_accuracy − accuracy` (positive = worse on the shift).
    package var drop: Double
    /// Present only when a baseline fit exists for this shift.
    package var baseline: BaselineFit?
    /// `accuracy − σ(β₁ · logit(reference_accuracy) + β₀)`; `null` without a baseline.
    package var effectiveRobustness: Double?
    /// 95 % bootstrap intervals of ER and relative accuracy over the model's own images and the
    /// baseline points, and why ER has no interval when it has none (absent in results written
    /// before intervals existed, and for points whose image counts are not known).
    package var intervals: CandidateInterval?

    package init(
        domain: String, referenceAccuracy: Double, accuracy: Double, relativeAccuracy: Double?, drop: Double,
        baseline: BaselineFit? = nil, effectiveRobustness: Double? = nil, intervals: CandidateInterval? = nil
    ) {
        self.domain = domain
        self.referenceAccuracy = referenceAccuracy
        self.accuracy = accuracy
        self.relativeAccuracy = relativeAccuracy
        self.drop = drop
        self.baseline = baseline
        self.effectiveRobustness = effectiveRobustness
        self.intervals = intervals
    }

    enum CodingKeys: String, CodingKey {
        case domain, referenceAccuracy = "reference_accuracy", accuracy, relativeAccuracy = "relative_accuracy"
        case drop, baseline, effectiveRobustness = "effective_robustness", intervals
    }
}

/// The baseline line `logit(y) = β₁ · logit(x) + β₀` fitted by least squares on baseline points.
package struct BaselineFit: Codable, Sendable, Equatable {
    /// Where the points came from: each distinct source of `points`, in order of first use.
    package var sources: [BaselineSource]
    package var pointCount: Int
    package var slope: Double
    package var intercept: Double
    /// Pointwise percentile bootstrap band of the fitted line, in accuracy (fraction) space;
    /// empty when the points are fewer than 3 distinct ones (`too_few_distinct_baseline_points`).
    package var band: [BandPoint]
    var resamples: Int
    package var seed: UInt64
    /// The points the line was fitted on, each with its source (absent in results written
    /// before the key existed).
    package var points: [BaselinePoint]?
    /// Points of the baseline left out of the fit because an accuracy is exactly 0 or 1 (no
    /// logit); absent when none was.
    var excludedPoints: [BaselinePoint]?
    /// A schema-1 file's `source` sentence (its sources joined by ", "), which pages of that
    /// run show as written; nil in files of schema 2. Never written.
    package var storedSource: String?

    package init(
        sources: [BaselineSource], pointCount: Int, slope: Double, intercept: Double, band: [BandPoint], resamples: Int, seed: UInt64,
        points: [BaselinePoint]? = nil, excludedPoints: [BaselinePoint]? = nil
    ) {
        self.excludedPoints = excludedPoints
        self.sources = sources
        self.pointCount = pointCount
        self.slope = slope
        self.intercept = intercept
        self.band = band
        self.resamples = resamples
        self.seed = seed
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case sources, pointCount = "point_count", slope, intercept, band, resamples, seed, points
        case excludedPoints = "excluded_points"
        /// Schema 1 only: the sources as one English sentence.
        case source
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pointCount = try container.decode(Int.self, forKey: .pointCount)
        slope = try container.decode(Double.self, forKey: .slope)
        intercept = try container.decode(Double.self, forKey: .intercept)
        band = try container.decode([BandPoint].self, forKey: .band)
        resamples = try container.decode(Int.self, forKey: .resamples)
        seed = try container.decode(UInt64.self, forKey: .seed)
        points = try container.decodeIfPresent([BaselinePoint].self, forKey: .points)
        excludedPoints = try container.decodeIfPresent([BaselinePoint].self, forKey: .excludedPoints)
        if let sources = try container.decodeIfPresent([BaselineSource].self, forKey: .sources) {
            self.sources = sources
        } else {
            storedSource = try container.decode(String.self, forKey: .source)
            sources = BaselineSource.distinct(points?.compactMap(\.source) ?? [])
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sources, forKey: .sources)
        try container.encode(pointCount, forKey: .pointCount)
        try container.encode(slope, forKey: .slope)
        try container.encode(intercept, forKey: .intercept)
        try container.encode(band, forKey: .band)
        try container.encode(resamples, forKey: .resamples)
        try container.encode(seed, forKey: .seed)
        try container.encodeIfPresent(points, forKey: .points)
        try container.encodeIfPresent(excludedPoints, forKey: .excludedPoints)
    }
}

/// Where baseline points came from: a kind and the file that holds (or names) them.
package struct BaselineSource: Codable, Sendable, Hashable {
    package enum Kind: String, Codable, Sendable, CaseIterable {
        /// Rows of the pilot's `baselines` CSV; `file` is its file name.
        case csvFile = "csv_file"
        /// The pilot's models marked `"baseline": true`, measured in this run on the pilot's
        /// images; `file` is the pilot spec's file name, the models are the points' `model`.
        case pilotModels = "pilot_models"
        /// Published accuracies of standard models (ImageNet val ≥ 55 %) shipped with the tool;
        /// `file` is the table's path in the checkout (`assets/baselines/…`).
        case testbed
    }

    package var kind: Kind
    package var file: String

    package init(_ kind: Kind, file: String) {
        self.kind = kind
        self.file = file
    }

    /// The testbed table's path, as results.json names it.
    package static let testbedFile = "assets/baselines/imagenet-shifts-standard-testbed.csv"

    /// Each source once, in order of first appearance.
    package static func distinct(_ sources: [BaselineSource]) -> [BaselineSource] {
        var seen = Set<BaselineSource>()
        return sources.filter { seen.insert($0).inserted }
    }

    /// A source as schema 1 wrote it, an English phrase: "models marked baseline in
    /// pilot.json", the testbed's path followed by " (standard models, val ≥ 55 %)", or a
    /// CSV file name. Only for reading schema-1 files; schema 2 stores the structure.
    package init(schema1 phrase: String) {
        let measured = "models marked baseline in "
        if phrase.hasPrefix(measured) {
            self.init(.pilotModels, file: String(phrase.dropFirst(measured.count)))
        } else if phrase.hasPrefix(Self.testbedFile + " (") {
            self.init(.testbed, file: Self.testbedFile)
        } else {
            self.init(.csvFile, file: phrase)
        }
    }

    enum CodingKeys: String, CodingKey { case kind, file }

    /// Reads schema 2 (`{kind, file}`) and schema 1 (a phrase).
    package init(from decoder: any Decoder) throws {
        if let phrase = try? decoder.singleValueContainer().decode(String.self) {
            self.init(schema1: phrase)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try container.decode(Kind.self, forKey: .kind), file: try container.decode(String.self, forKey: .file))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(file, forKey: .file)
    }
}

/// One baseline model on one shift: (reference accuracy, shift accuracy), fractions.
package struct BaselinePoint: Codable, Sendable, Equatable {
    package var model: String
    package var referenceAccuracy: Double
    package var accuracy: Double
    /// Where the point came from, stored with the fit so a reader can trace every point of
    /// the line.
    package var source: BaselineSource?
    /// The counts behind `reference_accuracy` and `accuracy` when the point was measured in
    /// this run (absent for published accuracies); the fit then uses their empirical logits.
    package var referenceCounts: AccuracyCounts?
    package var counts: AccuracyCounts?

    package init(
        model: String, referenceAccuracy: Double, accuracy: Double, source: BaselineSource? = nil,
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
package struct BandPoint: Codable, Sendable, Equatable {
    package var referenceAccuracy: Double
    var fitted: Double
    package var lower: Double
    package var upper: Double

    package init(referenceAccuracy: Double, fitted: Double, lower: Double, upper: Double) {
        self.referenceAccuracy = referenceAccuracy
        self.fitted = fitted
        self.lower = lower
        self.upper = upper
    }

    enum CodingKeys: String, CodingKey { case referenceAccuracy = "reference_accuracy", fitted, lower, upper }
}
