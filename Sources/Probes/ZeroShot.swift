import Foundation
import Results
import Tensor

/// Probe 1 — zero-shot classification, and the per-image scores other probes reuse.
package enum ZeroShot {
    /// CLIP's logit scale (exp of the learned temperature, clamped at 100 in training):
    /// confidences are `softmax(100 · cos(h, w_c))`. Accuracies do not depend on it.
    package static let logitScale: Double = 100

    /// Per-image outcome of the zero-shot head on one domain.
    package struct Scores: Sendable {
        /// argmax_c cos(h_i, w_c) (first index on ties, as numpy.argmax).
        var predictions: [Int]
        /// max_c softmax(100 · cos(h_i, ·)) — the ATC-MC score and the calibration confidence.
        var confidences: [Double]
        /// Σ_c p_c log p_c of the same softmax (minus its entropy; 0 when certain, −log C
        /// when uniform) — the ATC-NE score.
        var negativeEntropies: [Double]
        /// 0-based rank of the true class (number of classes scoring strictly higher than the
        /// best class the label accepts); nil without labels.
        var labelRanks: [Int]?

        init(predictions: [Int], confidences: [Double], negativeEntropies: [Double], labelRanks: [Int]?) {
            self.predictions = predictions
            self.confidences = confidences
            self.negativeEntropies = negativeEntropies
            self.labelRanks = labelRanks
        }

        /// Zeros for `rows` images, to be filled by `ZeroShot.score(_:rows:…)`.
        init(rows: Int, labelled: Bool) {
            self.init(
                predictions: [Int](repeating: 0, count: rows), confidences: [Double](repeating: 0, count: rows),
                negativeEntropies: [Double](repeating: 0, count: rows), labelRanks: labelled ? [Int](repeating: 0, count: rows) : nil)
        }
    }

    /// Whether `prediction` (a head row) is correct for `label` (a head row): the same row, or
    /// with `groups` (one group id per head row) a row of the label's group — ObjectNet counts
    /// any ImageNet class mapped to the image's ObjectNet class.
    @inline(__always)
    static func accepts(_ prediction: Int, _ label: Int, groups: [Int]?) -> Bool {
        guard let groups else { return prediction == label }
        return groups[prediction] == groups[label]
    }

    /// Scores `embeddings` (n×d, before normalisation) against `head` (C×d).
    static func scores(embeddings: Matrix<Float>, head: Matrix<Float>, labels: [Int]?, groups: [Int]? = nil) throws -> Scores {
        try validate(embeddings: embeddings, head: head, labels: labels, groups: groups)
        let logits = embeddings.rowNormalized().multiplied(byTransposeOf: head)  // (n, C)
        return scores(cosines: logits, rowScales: nil, labels: labels, groups: groups)
    }

    /// Scores from precomputed logits: `cosines` are `normalize(H) · Wᵀ`, or `H · Wᵀ` when
    /// `rowScales` holds `1 / |h_i|` (the product the coordinate-pruning curve ends with).
    static func scores(cosines logits: Matrix<Float>, rowScales: [Double]?, labels: [Int]?, groups: [Int]? = nil) -> Scores {
        var scores = Scores(rows: logits.rows, labelled: labels != nil)
        logits.values.withUnsafeBufferPointer { z in
            score(z.baseAddress!, rows: 0..<logits.rows, classes: logits.columns, rowScales: rowScales, labels: labels, groups: groups, into: &scores)
        }
        return scores
    }

    /// Fills `scores` for the images `rows` from their logits (`rows.count × classes`, the
    /// first row being image `rows.lowerBound`), as `scores(cosines:…)` does for all rows.
    static func score(
        _ z: UnsafePointer<Float>, rows: Range<Int>, classes: Int, rowScales: [Double]?, labels: [Int]?, groups: [Int]?,
        into scores: inout Scores
    ) {
        for i in rows {
            let row = z + (i - rows.lowerBound) * classes
            let best = LinearAlgebra.argmax(row, count: classes)
            scores.predictions[i] = best
            // With s_c = scale · (z_c − max z), p_c = e^{s_c} / S: the top class has p = 1 / S
            // and Σ p log p = Σ p_c s_c − log S = M / S − log S.
            let (sum, moment) = Softmax.denominatorAndMoment(row, count: classes, top: row[best], scale: Float(logitScale * (rowScales?[i] ?? 1)))
            scores.confidences[i] = 1 / sum
            scores.negativeEntropies[i] = min(0, moment / sum - log(sum))
            if let labels {
                var own = row[labels[i]]
                if let groups {
                    for c in 0..<classes where groups[c] == groups[labels[i]] { own = max(own, row[c]) }
                }
                var higher = 0
                for c in 0..<classes where row[c] > own { higher += 1 }
                scores.labelRanks![i] = higher
            }
        }
    }

    /// Accuracy, intervals and per-class accuracy from `scores`; `nil` without labels or images.
    /// With `groups`, a prediction is correct when it is in the label's group (see `accepts`).
    /// With `paths` (one per image), also the most confident mistakes (`confidentMistakes`).
    static func result(scores: Scores, labels: [Int]?, classCount: Int, groups: [Int]? = nil, paths: [String]? = nil,
                              level: Double = 0.95) -> ZeroShotResult? {
        guard let labels, let ranks = scores.labelRanks, !labels.isEmpty else { return nil }
        let n = labels.count
        var top1 = 0, top5 = 0
        var perClassCount = [Int](repeating: 0, count: classCount)
        var perClassCorrect = [Int](repeating: 0, count: classCount)
        for i in 0..<n {
            let correct = accepts(scores.predictions[i], labels[i], groups: groups)
            if correct { top1 += 1 }
            if ranks[i] < 5 { top5 += 1 }
            perClassCount[labels[i]] += 1
            if correct { perClassCorrect[labels[i]] += 1 }
        }
        // Classes share few (correct, count) pairs: each pair's interval is computed once.
        var intervals = [SIMD2<Int>: Interval?]()
        let perClass = (0..<classCount).map { c in
            let pair = SIMD2(perClassCorrect[c], perClassCount[c])
            let ci = intervals[pair] ?? Statistics.clopperPearson(successes: pair[0], trials: pair[1], level: level)
            intervals.updateValue(ci, forKey: pair)
            return ClassAccuracy(
                classIndex: c, count: perClassCount[c], correct: perClassCorrect[c],
                accuracy: perClassCount[c] > 0 ? Double(perClassCorrect[c]) / Double(perClassCount[c]) : nil, ci: ci)
        }
        return ZeroShotResult(
            count: n, top1Correct: top1, top1: Double(top1) / Double(n),
            top1CI: Statistics.clopperPearson(successes: top1, trials: n, level: level)!,
            top5Correct: top5, top5: Double(top5) / Double(n),
            top5CI: Statistics.clopperPearson(successes: top5, trials: n, level: level)!,
            perClass: perClass, confusions: confusions(predictions: scores.predictions, labels: labels),
            confidentMistakes: paths.map { confidentMistakes(scores, labels: labels, groups: groups, paths: $0) })
    }

    /// How many confident mistakes a result keeps.
    static let confidentMistakeCount = 6

    /// The `limit` wrong top-1 predictions with the highest confidence (top-1 softmax probability),
    /// ties broken by path (ascending), so the choice depends only on the images and their
    /// embeddings — not on batches, shards or the order the images were encoded in.
    static func confidentMistakes(_ scores: Scores, labels: [Int], groups: [Int]?, paths: [String], limit: Int = confidentMistakeCount) -> [ConfidentMistake] {
        let wrong = labels.indices.filter { !accepts(scores.predictions[$0], labels[$0], groups: groups) }
        let chosen = wrong.sorted { a, b in
            scores.confidences[a] != scores.confidences[b] ? scores.confidences[a] > scores.confidences[b] : paths[a] < paths[b]
        }.prefix(limit)
        return chosen.map { ConfidentMistake(path: paths[$0], trueClass: labels[$0], predictedClass: scores.predictions[$0], probability: scores.confidences[$0]) }
    }

    /// How many confusions a result keeps.
    static let confusionCount = 10

    /// The `limit` most frequent (true, predicted) pairs with true ≠ predicted: by count, then
    /// true class, then predicted class (ascending), so the order is total and reproducible.
    static func confusions(predictions: [Int], labels: [Int], limit: Int = confusionCount) -> [Confusion] {
        var counts: [Int: [Int: Int]] = [:]
        for (label, prediction) in zip(labels, predictions) where label != prediction {
            counts[label, default: [:]][prediction, default: 0] += 1
        }
        let all = counts.flatMap { label, row in row.map { Confusion(trueClass: label, predictedClass: $0.key, count: $0.value) } }
        return Array(all.sorted { ($1.count, $0.trueClass, $0.predictedClass) < ($0.count, $1.trueClass, $1.predictedClass) }.prefix(limit))
    }

    /// 1 for a correct top-1 prediction, 0 otherwise (the bootstrap's sample).
    static func outcomes(_ scores: Scores, labels: [Int], groups: [Int]? = nil) -> [Double] {
        zip(scores.predictions, labels).map { accepts($0, $1, groups: groups) ? 1 : 0 }
    }

    static func validate(embeddings: Matrix<Float>, head: Matrix<Float>, labels: [Int]?, groups: [Int]? = nil) throws {
        if let groups, groups.count != head.rows {
            throw ProbesError.shape("\(groups.count) class groups for a head of \(head.rows) classes")
        }
        guard head.rows >= 1 else { throw ProbesError.invalid("the zero-shot head has no classes") }
        guard embeddings.columns == head.columns else {
            throw ProbesError.shape("embeddings have \(embeddings.columns) dimensions but the head has \(head.columns)")
        }
        if let labels {
            guard labels.count == embeddings.rows else {
                throw ProbesError.shape("\(labels.count) labels for \(embeddings.rows) embeddings")
            }
            if let bad = labels.first(where: { $0 < 0 || $0 >= head.rows }) {
                throw ProbesError.invalid("label \(bad) is outside the head's classes 0..<\(head.rows)")
            }
        }
    }
}
