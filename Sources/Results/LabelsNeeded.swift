/// How many labelled images would settle an undecided verdict, or check a label-free estimate
/// (`SampleSize` in Probes computes it; docs/probes.md, "Labels that settle it").
package struct LabelsNeeded: Codable, Sendable, Equatable {
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// Top-1's 95 % interval would lie entirely above or below `min_accuracy` (`threshold`).
        case settleMinAccuracy = "settle_min_accuracy"
        /// Top-1's 95 % interval would lie entirely above or below the accuracy the relative-drop
        /// criterion allows, `(1 − max_relative_drop) × reference accuracy` (`threshold`), the
        /// reference accuracy taken as known.
        case settleRelativeDrop = "settle_relative_drop"
        /// Unlabelled domain: a labelled sample's 95 % interval would lie within the label-free
        /// estimate ± `margin`.
        case checkEstimate = "check_estimate"
    }

    package var code: Code
    package var model: String
    package var domain: String
    /// The accuracy assumed to hold for the new labels: measured top-1, or on an unlabelled
    /// domain the ATC estimate (`estimated`).
    package var accuracy: Double
    package var estimated: Bool
    /// The accuracy the interval has to clear (settle codes).
    package var threshold: Double?
    /// The half-width the check asks for (`check_estimate`), a fraction.
    package var margin: Double?
    /// Labelled images of the domain now (0 when unlabelled).
    package var labelled: Int
    /// The smallest number of labelled images in all (the current ones included) that would do
    /// it; when `capped`, the cap: more than this many would be needed.
    package var total: Int
    /// `total − labelled`: the images to label on top of the current ones.
    package var additional: Int
    package var capped: Bool
    /// Settle codes, not capped: the exact binomial probability that a sample of `total`
    /// images reaches a decision (either side) when the accuracy is `accuracy`.
    package var decisionProbability: Double?

    package init(
        code: Code, model: String, domain: String, accuracy: Double, estimated: Bool, threshold: Double? = nil,
        margin: Double? = nil, labelled: Int, total: Int, capped: Bool, decisionProbability: Double? = nil
    ) {
        self.code = code
        self.model = model
        self.domain = domain
        self.accuracy = accuracy
        self.estimated = estimated
        self.threshold = threshold
        self.margin = margin
        self.labelled = labelled
        self.total = total
        self.additional = max(0, total - labelled)
        self.capped = capped
        self.decisionProbability = decisionProbability
    }

    enum CodingKeys: String, CodingKey {
        case code, model, domain, accuracy, estimated, threshold, margin, labelled, total, additional, capped
        case decisionProbability = "decision_probability"
    }
}
