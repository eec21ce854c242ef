/// Expected calibration error and reliability diagram of one model on one labelled domain.
package struct CalibrationResult: Codable, Sendable, Equatable {
    package var count: Int
    /// Equal-mass bins, lowest confidence first.
    package var bins: [ReliabilityBin]
    /// Σ_b (n_b / n) |accuracy_b − mean confidence_b|.
    package var ece: Double
    /// Top-1 accuracy over all images.
    package var accuracy: Double
    package var meanConfidence: Double
    /// `mean_confidence − accuracy`: positive when over-confident.
    package var overconfidence: Double
    /// Mean ECE of a perfectly calibrated head with these confidences (simulated); `null` with no resample.
    var calibratedFloor: Double?
    /// 95th percentile of the same simulation.
    package var calibratedFloor95: Double?
    var resamples: Int
    package var seed: UInt64

    package init(
        count: Int, bins: [ReliabilityBin], ece: Double, accuracy: Double, meanConfidence: Double, overconfidence: Double,
        calibratedFloor: Double?, calibratedFloor95: Double?, resamples: Int, seed: UInt64
    ) {
        self.count = count
        self.bins = bins
        self.ece = ece
        self.accuracy = accuracy
        self.meanConfidence = meanConfidence
        self.overconfidence = overconfidence
        self.calibratedFloor = calibratedFloor
        self.calibratedFloor95 = calibratedFloor95
        self.resamples = resamples
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case count, bins, ece, accuracy, meanConfidence = "mean_confidence", overconfidence
        case calibratedFloor = "calibrated_floor", calibratedFloor95 = "calibrated_floor_95", resamples, seed
    }
}

/// One bin of the reliability diagram.
package struct ReliabilityBin: Codable, Sendable, Equatable {
    package var count: Int
    package var correct: Int
    package var meanConfidence: Double
    package var accuracy: Double
    /// The smallest and largest confidence in the bin.
    var lowerConfidence: Double
    var upperConfidence: Double

    package init(count: Int, correct: Int, meanConfidence: Double, accuracy: Double, lowerConfidence: Double, upperConfidence: Double) {
        self.count = count
        self.correct = correct
        self.meanConfidence = meanConfidence
        self.accuracy = accuracy
        self.lowerConfidence = lowerConfidence
        self.upperConfidence = upperConfidence
    }

    enum CodingKeys: String, CodingKey {
        case count, correct, meanConfidence = "mean_confidence", accuracy
        case lowerConfidence = "lower_confidence", upperConfidence = "upper_confidence"
    }
}
