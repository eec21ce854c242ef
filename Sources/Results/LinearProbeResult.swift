/// A multinomial logistic-regression probe fitted on a split of the reference domain.
package struct LinearProbeResult: Codable, Sendable, Equatable {
    /// Top-1 accuracy of the probe on this domain (on the held-out test split for the reference).
    package var accuracy: Double
    package var ci: Interval
    package var count: Int
    /// The chosen L2 strength λ in `mean loss + λ/2 |W|²` (sklearn's `C = 1 / (λ · n_train)`).
    package var l2: Double
    /// Validation accuracy of every candidate λ, in the order tried.
    package var candidates: [RegularizationCandidate]
    package var trainCount: Int
    package var validationCount: Int
    package var seed: UInt64
    /// Whether the chosen fit reached its stopping tolerance (false: stopped at the iteration cap).
    package var converged: Bool?
    /// Classes with at least one training row, and the fewest and median training rows over
    /// them (absent in older results).
    package var trainClasses: Int?
    package var minTrainRowsPerClass: Int?
    package var medianTrainRowsPerClass: Double?
    /// When λ was chosen on a seeded subset of the classes (then the candidates' validation
    /// accuracies are on that subset's rows): how many classes it had; absent when on all.
    package var searchClasses: Int?

    package init(
        accuracy: Double, ci: Interval, count: Int, l2: Double, candidates: [RegularizationCandidate],
        trainCount: Int, validationCount: Int, seed: UInt64, converged: Bool? = nil
    ) {
        self.converged = converged
        self.accuracy = accuracy
        self.ci = ci
        self.count = count
        self.l2 = l2
        self.candidates = candidates
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case accuracy, ci, count, l2, candidates, trainCount = "train_count", validationCount = "validation_count", seed, converged
        case trainClasses = "train_classes", minTrainRowsPerClass = "min_train_rows_per_class"
        case medianTrainRowsPerClass = "median_train_rows_per_class", searchClasses = "search_classes"
    }
}

package struct RegularizationCandidate: Codable, Sendable, Equatable {
    package var l2: Double
    var validationAccuracy: Double
    /// L-BFGS iterations of this candidate's fit (each started from the previous candidate's
    /// optimum) and whether it reached the tolerance; absent in runs before they were recorded.
    package var iterations: Int?
    package var converged: Bool?

    package init(l2: Double, validationAccuracy: Double, iterations: Int? = nil, converged: Bool? = nil) {
        self.l2 = l2
        self.validationAccuracy = validationAccuracy
        self.iterations = iterations
        self.converged = converged
    }

    enum CodingKeys: String, CodingKey { case l2, validationAccuracy = "validation_accuracy", iterations, converged }
}
