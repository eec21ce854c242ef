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
    /// 95 % bootstrap intervals of ER and relative accuracy over the model's own images and the
    /// baseline points, and why ER has no interval when it has none (absent in results written
    /// before intervals existed, and for points whose image counts are not known).
    public var intervals: CandidateInterval?

    public init(
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
public struct BaselineFit: Codable, Sendable, Equatable {
    /// Where the points came from, e.g. `assets/baselines/imagenet-shifts-standard-testbed.csv`.
    public var source: String
    public var pointCount: Int
    public var slope: Double
    public var intercept: Double
    /// Pointwise percentile bootstrap band of the fitted line, in accuracy (fraction) space;
    /// empty when the points are fewer than 3 distinct ones (`too_few_distinct_baseline_points`).
    public var band: [BandPoint]
    public var resamples: Int
    public var seed: UInt64
    /// The points the line was fitted on, each with its source (absent in results written
    /// before the key existed).
    public var points: [BaselinePoint]?
    /// Points of the baseline left out of the fit because an accuracy is exactly 0 or 1 (no
    /// logit); absent when none was.
    public var excludedPoints: [BaselinePoint]?

    public init(
        source: String, pointCount: Int, slope: Double, intercept: Double, band: [BandPoint], resamples: Int, seed: UInt64,
        points: [BaselinePoint]? = nil, excludedPoints: [BaselinePoint]? = nil
    ) {
        self.excludedPoints = excludedPoints
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
        case excludedPoints = "excluded_points"
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
