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

    public init(model: String, referenceAccuracy: Double, accuracy: Double, source: String? = nil) {
        self.model = model
        self.referenceAccuracy = referenceAccuracy
        self.accuracy = accuracy
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case model, referenceAccuracy = "reference_accuracy", accuracy, source
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
