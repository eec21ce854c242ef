import Results
import Support

/// Probe 6 — label-free accuracy estimates by Average Thresholded Confidence (Garg, Balakrishnan,
/// Lipton, Neyshabur & Sedghi, "Leveraging unlabeled data to predict out-of-distribution
/// performance", ICLR 2022).
///
/// A score `s` says how sure the zero-shot head is about an image. On reference images with
/// `a` correct top-1 predictions out of `n`, the threshold `t` is the a-th largest score, so
/// that (barring ties) exactly the fraction `a/n` of them scores ≥ t; the estimate on a domain
/// is the fraction of its images scoring ≥ t. With a = 0 the threshold sits just above the
/// largest score. Two scores, both from `softmax(100 · cos(h, w_c))` (`ZeroShot.Scores`):
/// - **ATC-MC**: the maximum probability (`maxConfidence`);
/// - **ATC-NE**: the negative entropy `Σ_c p_c log p_c` (`negativeEntropy`), which Garg et al.
///   found the more accurate of the two.
///
/// The threshold is fitted on one seeded half of the reference (`split`) and checked on the
/// other, so that the reference's error is a real out-of-sample error and not 0 by
/// construction. On every labelled domain the estimate's error (estimate − measured top-1) is
/// reported; `errorSummary` gathers them so that a reader of an unlabelled domain sees how far
/// each estimator was off where it could be checked.
package enum ATC {
    /// The per-image score the threshold is put on (defined in Results).
    package typealias Score = ATCScore

    /// Reference rows that fit the threshold and rows that check it.
    package struct Split: Sendable, Equatable {
        /// Increasing row indices; ⌈n/2⌉ of them.
        let fitRows: [Int]
        /// Increasing row indices; the other ⌊n/2⌋.
        let checkRows: [Int]
        package let seed: UInt64
    }

    /// The fit half is the first ⌈n/2⌉ entries of the SplitMix64 permutation of `0..<count`
    /// seeded with `seed`; the check half is the rest.
    package static func split(count: Int, seed: UInt64) -> Split {
        var generator = SplitMix64(seed: seed)
        let order = generator.permutation(count)
        let fitCount = (count + 1) / 2
        return Split(fitRows: order.prefix(fitCount).sorted(), checkRows: order.dropFirst(fitCount).sorted(), seed: seed)
    }

    /// The threshold for `referenceScores` of which `referenceCorrect` were correct top-1 predictions.
    package static func threshold(referenceScores: [Double], referenceCorrect: Int) throws -> Double {
        guard !referenceScores.isEmpty else { throw ProbesError.invalid("ATC needs reference images") }
        guard referenceCorrect >= 0, referenceCorrect <= referenceScores.count else {
            throw ProbesError.invalid("\(referenceCorrect) correct of \(referenceScores.count)")
        }
        let sorted = referenceScores.sorted(by: >)
        if referenceCorrect == 0 { return sorted[0].nextUp }
        return sorted[referenceCorrect - 1]
    }

    /// `score` for every image of `scores`.
    package static func values(_ score: Score, _ scores: ZeroShot.Scores) -> [Double] {
        switch score {
        case .maxConfidence: return scores.confidences
        case .negativeEntropy: return scores.negativeEntropies
        }
    }

    /// One score's threshold, fitted on the fit half of the reference.
    package struct Estimator: Sendable, Equatable {
        package let score: Score
        package let threshold: Double
    }

    /// Fits `score`'s threshold on `split.fitRows` of the reference (`scores`, and `correct[i]`
    /// whether image i's top-1 prediction is right). Throws when the fit half is empty.
    package static func fit(score: Score, reference scores: ZeroShot.Scores, correct: [Bool], split: Split) throws -> Estimator {
        let values = values(score, scores)
        guard correct.count == values.count else { throw ProbesError.shape("\(correct.count) outcomes for \(values.count) images") }
        let fitted = split.fitRows.map { values[$0] }
        let hits = split.fitRows.reduce(0) { $0 + (correct[$1] ? 1 : 0) }
        return Estimator(score: score, threshold: try threshold(referenceScores: fitted, referenceCorrect: hits))
    }

    /// The fraction of `values` at or above the threshold; `nil` for no image.
    package static func estimate(_ estimator: Estimator, values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let above = values.reduce(0) { $0 + ($1 >= estimator.threshold ? 1 : 0) }
        return Double(above) / Double(values.count)
    }

    /// The estimate on `rows` of a domain (all rows when `nil`), with its error when the
    /// domain's outcomes are known. `nil` when no row is left.
    static func result(
        _ estimator: Estimator, scores: ZeroShot.Scores, correct: [Bool]?, rows: [Int]? = nil
    ) -> LabelFreeEstimate? {
        let all = values(estimator.score, scores)
        let values = rows.map { $0.map { all[$0] } } ?? all
        guard let estimate = estimate(estimator, values: values) else { return nil }
        let actual = correct.map { outcomes -> Double in
            let picked = rows.map { $0.map { outcomes[$0] } } ?? outcomes
            return Double(picked.filter { $0 }.count) / Double(picked.count)
        }
        return LabelFreeEstimate(
            score: estimator.score, threshold: estimator.threshold, count: values.count, estimate: estimate,
            actualAccuracy: actual, error: actual.map { estimate - $0 })
    }

    /// Per score, the errors of every estimate that could be checked (a labelled domain, or the
    /// reference's check half), in the order the scores first appear.
    static func errorSummary(_ estimates: [LabelFreeEstimate]) -> [LabelFreeErrorSummary] {
        var order = [Score]()
        var errors = [Score: [Double]]()
        for estimate in estimates {
            guard let error = estimate.error else { continue }
            if errors[estimate.score] == nil { order.append(estimate.score) }
            errors[estimate.score, default: []].append(error)
        }
        return order.map { score in
            let values = errors[score]!
            let absolute = values.map { abs($0) }
            return LabelFreeErrorSummary(
                score: score, checks: values.count, meanAbsoluteError: absolute.reduce(0, +) / Double(values.count),
                maxAbsoluteError: absolute.max()!, meanError: values.reduce(0, +) / Double(values.count))
        }
    }
}
