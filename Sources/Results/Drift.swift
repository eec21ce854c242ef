/// How this run differs from the pilot's previous run, beyond chance (results.json `drift`;
/// `Drift` in Probes computes it; docs/probes.md, "Drift").
///
/// Runs are compared model by model (the same checkpoint, by SHA-256) and image set by image set
/// (the same name). Every comparison made is stored, drifted or not, so a page can say "no drift
/// in 12 comparisons" as well as list what moved.
package struct DriftResults: Codable, Sendable, Equatable {
    /// The run compared with: the pilot's latest run stored before this one.
    var previousRunID: String
    package var previousCreatedAt: String
    package var comparisons: [DriftComparison]

    package init(previousRunID: String, previousCreatedAt: String, comparisons: [DriftComparison]) {
        self.previousRunID = previousRunID
        self.previousCreatedAt = previousCreatedAt
        self.comparisons = comparisons
    }

    enum CodingKeys: String, CodingKey {
        case previousRunID = "previous_run_id", previousCreatedAt = "previous_created_at", comparisons
    }
}

/// One model × image set compared with the previous run.
package struct DriftComparison: Codable, Sendable, Equatable {
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// Measured zero-shot top-1 on a labelled image set in both runs.
        case accuracy
        /// The ATC-MC label-free estimate on an image set unlabelled in both runs.
        case estimatedAccuracy = "estimated_accuracy"
        /// The mean of an image statistic (`measure`) over the image set, in both runs; no model.
        case imageMean = "image_mean"
        /// The share of grayscale images of the image set, in both runs; no model.
        case grayscaleShare = "grayscale_share"
    }

    package var code: Code
    /// The model's name in this run (its name in the previous run may differ; the checkpoint is the
    /// same); absent for the image statistics, which belong to the images alone.
    package var model: String?
    package var domain: String
    /// `image_mean`: the statistic.
    package var measure: ImageStatisticsSummary.Measure?
    /// The accuracy (or estimate, or share: fractions; a mean: in its measure's unit) in the previous run and in this one.
    package var previous: Double
    package var current: Double
    /// Images each is over (labelled images; for an estimate, the images it counts).
    var previousCount: Int
    var currentCount: Int
    /// `current − previous`.
    package var difference: Double
    /// Newcombe's hybrid score interval of the difference (95 %); `image_mean`: Welch's t interval.
    package var ci: Interval
    /// The interval excludes 0: the change is beyond chance.
    package var drifted: Bool

    package init(code: Code, model: String?, domain: String, measure: ImageStatisticsSummary.Measure? = nil, previous: Double,
                current: Double, previousCount: Int, currentCount: Int, ci: Interval) {
        self.code = code
        self.model = model
        self.domain = domain
        self.measure = measure
        self.previous = previous
        self.current = current
        self.previousCount = previousCount
        self.currentCount = currentCount
        self.difference = current - previous
        self.ci = ci
        self.drifted = ci.lower > 0 || ci.upper < 0
    }

    enum CodingKeys: String, CodingKey {
        case code, model, domain, measure, previous, current, difference, ci, drifted
        case previousCount = "previous_count", currentCount = "current_count"
    }
}
