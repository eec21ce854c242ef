/// Why a shift has no effective-robustness baseline line, or a line without a band and ER intervals
/// (`EffectiveRobustnessProbe.BaselineCheck`).
package enum BaselineLimitation: String, Codable, Sendable, Equatable {
    /// No baseline point is left (none given, or every one at 0 % or 100 %).
    case noBaselinePoints = "no_baseline_points"
    /// One usable point: a line needs two.
    case tooFewBaselinePoints = "too_few_baseline_points"
    /// Every usable point has the same reference accuracy: the slope is undefined.
    case singleReferenceAccuracy = "single_reference_accuracy"
    /// A line, but fewer than 3 distinct points: resampling them gives the same line (or
    /// none), so a band or an interval would have zero width and claim a certainty the
    /// baseline does not have. ER is shown without an interval and judges nothing.
    case tooFewDistinctPoints = "too_few_distinct_baseline_points"
}

/// A model's effective robustness and relative accuracy on one shift with their bootstrap
/// intervals.
package struct CandidateInterval: Codable, Sendable, Equatable {
    /// Percentile interval of ER; `nil` without a band-worthy baseline (`limitation` says why)
    /// or when no resample had a line.
    package var effectiveRobustness: Interval?
    /// Percentile interval of `accuracy / reference_accuracy` (resamples with a reference
    /// accuracy of 0 left out); `nil` if every resample had one.
    package var relativeAccuracy: Interval?
    var resamples: Int
    /// Resamples whose baseline picks had a line (the others are left out of the ER interval).
    var lineResamples: Int?
    package var seed: UInt64
    /// Why `effective_robustness` is absent, when it is for a baseline reason.
    package var limitation: BaselineLimitation?

    package init(
        effectiveRobustness: Interval?, relativeAccuracy: Interval?, resamples: Int, lineResamples: Int?, seed: UInt64,
        limitation: BaselineLimitation?
    ) {
        self.effectiveRobustness = effectiveRobustness
        self.relativeAccuracy = relativeAccuracy
        self.resamples = resamples
        self.lineResamples = lineResamples
        self.seed = seed
        self.limitation = limitation
    }

    enum CodingKeys: String, CodingKey {
        case effectiveRobustness = "effective_robustness", relativeAccuracy = "relative_accuracy", resamples
        case lineResamples = "line_resamples", seed, limitation
    }
}
