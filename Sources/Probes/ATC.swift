import Results

/// Probe 6 — label-free accuracy estimate by Average Thresholded Confidence (Garg et al. 2022).
///
/// On the reference domain with `a` correct top-1 predictions out of n, the threshold `t`
/// is the a-th largest confidence, so that (barring ties) exactly the fraction `a/n` of
/// reference images has confidence ≥ t. The estimate on a domain is the fraction of its
/// images with confidence ≥ t. With a = 0 the threshold sits just above the largest
/// reference confidence (estimate 0 unless a domain is more confident than any reference image).
public enum ATC {
    public static func threshold(referenceConfidences: [Double], referenceCorrect: Int) throws -> Double {
        guard !referenceConfidences.isEmpty else { throw ProbesError.invalid("ATC needs reference images") }
        guard referenceCorrect >= 0, referenceCorrect <= referenceConfidences.count else {
            throw ProbesError.invalid("\(referenceCorrect) correct of \(referenceConfidences.count)")
        }
        let sorted = referenceConfidences.sorted(by: >)
        if referenceCorrect == 0 { return sorted[0].nextUp }
        return sorted[referenceCorrect - 1]
    }

    /// The estimate for a domain, with its error when the measured accuracy is known.
    public static func result(threshold: Double, confidences: [Double], actualAccuracy: Double?) -> ATCResult? {
        guard !confidences.isEmpty else { return nil }
        let above = confidences.reduce(0) { $0 + ($1 >= threshold ? 1 : 0) }
        let estimate = Double(above) / Double(confidences.count)
        return ATCResult(threshold: threshold, estimate: estimate, actualAccuracy: actualAccuracy, error: actualAccuracy.map { estimate - $0 })
    }
}
