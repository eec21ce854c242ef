/// Average Thresholded Confidence (Garg et al. 2022). Confidence is the max softmax of
/// `100 · cos` (CLIP's logit scale).
package struct ATCResult: Codable, Sendable, Equatable {
    /// Confidence threshold fitted on the reference domain.
    package var threshold: Double
    /// Estimated accuracy: fraction of this domain's images with confidence above the threshold.
    package var estimate: Double
    /// Measured top-1 accuracy when the domain is labelled.
    package var actualAccuracy: Double?
    /// `estimate − actual_accuracy` when the domain is labelled.
    package var error: Double?

    package init(threshold: Double, estimate: Double, actualAccuracy: Double? = nil, error: Double? = nil) {
        self.threshold = threshold
        self.estimate = estimate
        self.actualAccuracy = actualAccuracy
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case threshold, estimate, actualAccuracy = "actual_accuracy", error }
}
