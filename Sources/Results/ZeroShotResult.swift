/// Zero-shot classification accuracy. Logits are `normalize(h) · Wᵀ` (cosine
/// similarities); the argmax does not depend on CLIP's logit scale.
package struct ZeroShotResult: Codable, Sendable, Equatable {
    /// Labelled images that entered the accuracy (NaN embeddings and labels outside the head excluded).
    package var count: Int
    package var top1Correct: Int
    /// Top-1 accuracy, fraction.
    package var top1: Double
    /// Clopper–Pearson (exact binomial) 95 % interval of `top1`.
    package var top1CI: Interval
    var top5Correct: Int
    /// Top-5 accuracy, fraction (equals 1 when the head has ≤ 5 classes).
    package var top5: Double
    package var top5CI: Interval
    /// Accuracy per class, for every class of the head (classes without images have `accuracy: null`).
    package var perClass: [ClassAccuracy]
    /// `top1(this domain) − top1(reference)` with a percentile bootstrap interval; `null` on the reference.
    package var differenceFromReference: BootstrapDifference?
    /// The most frequent wrong top-1 predictions (true class → predicted class), at most
    /// `ZeroShot.confusionCount`, most frequent first; absent in results written before.
    package var confusions: [Confusion]?
    /// The wrong top-1 predictions made with the highest confidence, at most
    /// `ZeroShot.confidentMistakeCount`, most confident first; absent when the images' paths were not
    /// given (`shiftlens probe`) and in results written before.
    package var confidentMistakes: [ConfidentMistake]?

    package init(
        count: Int, top1Correct: Int, top1: Double, top1CI: Interval, top5Correct: Int, top5: Double,
        top5CI: Interval, perClass: [ClassAccuracy], differenceFromReference: BootstrapDifference? = nil,
        confusions: [Confusion]? = nil, confidentMistakes: [ConfidentMistake]? = nil
    ) {
        self.confusions = confusions
        self.confidentMistakes = confidentMistakes
        self.count = count
        self.top1Correct = top1Correct
        self.top1 = top1
        self.top1CI = top1CI
        self.top5Correct = top5Correct
        self.top5 = top5
        self.top5CI = top5CI
        self.perClass = perClass
        self.differenceFromReference = differenceFromReference
    }

    enum CodingKeys: String, CodingKey {
        case count, top1Correct = "top1_correct", top1, top1CI = "top1_ci", top5Correct = "top5_correct"
        case top5, top5CI = "top5_ci", perClass = "per_class", differenceFromReference = "difference_from_reference"
        case confusions, confidentMistakes = "confident_mistakes"
    }
}

/// One image predicted wrongly with high confidence.
package struct ConfidentMistake: Codable, Sendable, Equatable {
    /// The image's path relative to its domain's folder.
    package var path: String
    /// Class indices as in `ClassAccuracy.classIndex`.
    package var trueClass: Int
    package var predictedClass: Int
    /// The top-1 softmax probability, `max_c softmax(100 · cos(h, w_c))`.
    package var probability: Double

    package init(path: String, trueClass: Int, predictedClass: Int, probability: Double) {
        self.path = path
        self.trueClass = trueClass
        self.predictedClass = predictedClass
        self.probability = probability
    }

    enum CodingKeys: String, CodingKey { case path, trueClass = "true_class", predictedClass = "predicted_class", probability }
}

/// Images of one class predicted as another.
package struct Confusion: Codable, Sendable, Equatable {
    /// Class indices as in `ClassAccuracy.classIndex`.
    package var trueClass: Int
    package var predictedClass: Int
    package var count: Int

    package init(trueClass: Int, predictedClass: Int, count: Int) {
        self.trueClass = trueClass
        self.predictedClass = predictedClass
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case trueClass = "true_class", predictedClass = "predicted_class", count }
}

/// Top-1 accuracy of one class.
package struct ClassAccuracy: Codable, Sendable, Equatable {
    package var classIndex: Int
    package var count: Int
    package var correct: Int
    /// Fraction; `null` when the class has no images in the domain.
    package var accuracy: Double?
    package var ci: Interval?

    package init(classIndex: Int, count: Int, correct: Int, accuracy: Double?, ci: Interval?) {
        self.classIndex = classIndex
        self.count = count
        self.correct = correct
        self.accuracy = accuracy
        self.ci = ci
    }

    enum CodingKeys: String, CodingKey {
        case classIndex = "class_index", count, correct, accuracy, ci
    }
}

/// A difference of two accuracies with its bootstrap interval.
package struct BootstrapDifference: Codable, Sendable, Equatable {
    /// Point estimate, fraction (negative = worse than the reference).
    package var difference: Double
    /// Percentile interval from independent resampling of each domain's images.
    package var ci: Interval
    var resamples: Int
    package var seed: UInt64

    package init(difference: Double, ci: Interval, resamples: Int, seed: UInt64) {
        self.difference = difference
        self.ci = ci
        self.resamples = resamples
        self.seed = seed
    }
}
