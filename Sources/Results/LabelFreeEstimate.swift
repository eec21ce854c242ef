/// The score ATC puts its threshold on (Garg et al. 2022), from the zero-shot softmax
/// `p = softmax(100 · cos(h, w_c))`.
package enum ATCScore: String, Codable, Sendable, CaseIterable {
    /// ATC-MC: `max_c p_c`.
    case maxConfidence = "max_confidence"
    /// ATC-NE: `Σ_c p_c log p_c` (minus the entropy).
    case negativeEntropy = "negative_entropy"
}

/// One label-free estimate of a domain's top-1 accuracy.
package struct LabelFreeEstimate: Codable, Sendable, Equatable {
    package var score: ATCScore
    /// The threshold fitted on the reference's fit half (in the score's units).
    package var threshold: Double
    /// Images the estimate is over (the check half on the reference).
    package var count: Int
    /// Estimated top-1 accuracy, a fraction.
    package var estimate: Double
    /// Measured top-1 accuracy on the same images; `nil` without labels.
    package var actualAccuracy: Double?
    /// `estimate − actualAccuracy`; `nil` without labels.
    package var error: Double?

    package init(score: ATCScore, threshold: Double, count: Int, estimate: Double, actualAccuracy: Double?, error: Double?) {
        self.score = score
        self.threshold = threshold
        self.count = count
        self.estimate = estimate
        self.actualAccuracy = actualAccuracy
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case score, threshold, count, estimate, actualAccuracy = "actual_accuracy", error
    }
}

/// How far one estimator was off over the domains where it could be checked.
package struct LabelFreeErrorSummary: Codable, Sendable, Equatable {
    package var score: ATCScore
    /// Checked estimates (labelled domains, the reference's check half included).
    package var checks: Int
    var meanAbsoluteError: Double
    package var maxAbsoluteError: Double
    /// Mean of `estimate − actual`: positive when the estimator tends to be optimistic.
    var meanError: Double

    package init(score: ATCScore, checks: Int, meanAbsoluteError: Double, maxAbsoluteError: Double, meanError: Double) {
        self.score = score
        self.checks = checks
        self.meanAbsoluteError = meanAbsoluteError
        self.maxAbsoluteError = maxAbsoluteError
        self.meanError = meanError
    }

    enum CodingKeys: String, CodingKey {
        case score, checks, meanAbsoluteError = "mean_absolute_error", maxAbsoluteError = "max_absolute_error"
        case meanError = "mean_error"
    }
}
