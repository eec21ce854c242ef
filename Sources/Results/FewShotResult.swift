/// What light adaptation would buy on one labelled domain: a few-shot learning curve of the
/// linear probe trained on k labelled images per class of this domain and tested on the rest
/// of it, beside zero-shot accuracy on the same test images (`FewShot` in Probes computes it;
/// docs/probes.md, "Few-shot learning curve").
package struct FewShotResult: Codable, Sendable, Equatable {
    /// How the curve compares with the pilot's `min_accuracy` (absent without that criterion).
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// The mean accuracy reaches the criterion at `shots_reaching` labelled images per class.
        case reachesMinAccuracy = "reaches_min_accuracy"
        /// No k the data allow reaches it: even the largest k's mean stays below the criterion.
        case shortOfMinAccuracy = "short_of_min_accuracy"
    }

    /// Seeded draws of the training images per k, and the fixed L2 strength λ of every fit.
    package var draws: Int
    package var l2: Double
    package var seed: UInt64
    /// Classes with labelled images in this domain (the probe chooses among them), and the
    /// fewest images any of them has: k stays below it, so every class keeps a test image.
    package var classes: Int
    var minImagesPerClass: Int
    package var points: [FewShotPoint]
    package var code: Code?
    /// The criterion compared with (`criteria.min_accuracy`) and, for `reaches_min_accuracy`,
    /// the smallest k whose mean accuracy is at or above it.
    package var threshold: Double?
    package var shotsReaching: Int?

    package init(draws: Int, l2: Double, seed: UInt64, classes: Int, minImagesPerClass: Int, points: [FewShotPoint]) {
        self.draws = draws
        self.l2 = l2
        self.seed = seed
        self.classes = classes
        self.minImagesPerClass = minImagesPerClass
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case draws, l2, seed, classes, minImagesPerClass = "min_images_per_class", points, code, threshold
        case shotsReaching = "shots_reaching"
    }
}

/// One k of a few-shot learning curve, over all draws.
package struct FewShotPoint: Codable, Sendable, Equatable {
    /// Labelled images per class used for training (k), and the training and test images of
    /// each draw (the same counts in every draw).
    package var shots: Int
    package var trainCount: Int
    package var testCount: Int
    /// Mean test accuracy over the draws and its 95 % Clopper–Pearson interval at one test
    /// set's size (docs/probes.md says why), with the lowest and highest draw.
    package var accuracy: Double
    package var ci: Interval
    package var minAccuracy: Double
    package var maxAccuracy: Double
    /// Zero-shot top-1 on the same test images, mean over the draws.
    package var zeroShotAccuracy: Double

    package init(
        shots: Int, trainCount: Int, testCount: Int, accuracy: Double, ci: Interval, minAccuracy: Double, maxAccuracy: Double,
        zeroShotAccuracy: Double
    ) {
        self.shots = shots
        self.trainCount = trainCount
        self.testCount = testCount
        self.accuracy = accuracy
        self.ci = ci
        self.minAccuracy = minAccuracy
        self.maxAccuracy = maxAccuracy
        self.zeroShotAccuracy = zeroShotAccuracy
    }

    enum CodingKeys: String, CodingKey {
        case shots, trainCount = "train_count", testCount = "test_count", accuracy, ci, minAccuracy = "min_accuracy"
        case maxAccuracy = "max_accuracy", zeroShotAccuracy = "zero_shot_accuracy"
    }
}
