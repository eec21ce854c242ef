import Results
import Support

/// Calibration of the zero-shot head on one labelled domain: expected calibration error with
/// equal-mass bins and the reliability diagram behind it.
///
/// Confidence is the ATC-MC score, `max_c softmax(100 · cos(h, w_c))` (CLIP's logit scale; see
/// `ZeroShot.Scores.confidences`); an image counts as correct when its top-1 prediction is.
/// Images are sorted by confidence (stable: equal confidences keep their order) and cut into
/// `bins` consecutive groups whose sizes differ by at most one, the first `n mod bins` groups
/// one larger (numpy.array_split); with fewer images than bins, one image per bin. Then
///
///     ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b|
///
/// (equal-mass or "adaptive" ECE: Nixon et al. 2019, "Measuring calibration in deep learning";
/// 15 bins as in Guo et al. 2017). `overconfidence = mean confidence − accuracy` over all images
/// is the signed summary: positive when the head is more sure than right.
///
/// ECE is biased upwards: even a perfectly calibrated head shows |accuracy_b − confidence_b| of
/// the order √(p(1 − p) / n_b) in every bin. `calibratedFloor` measures that floor on these
/// very confidences: `resamples` times, every image is drawn correct with probability equal to
/// its confidence (SplitMix64 uniforms, `u < confidence`, image by image in sorted order) and
/// the ECE of the draw computed on the same bins; the mean and the 95th percentile (numpy's
/// linear percentile) are reported. An ECE inside that range is indistinguishable from a
/// calibrated head at this sample size.
enum Calibration {
    static let defaultBins = 15
    static let defaultResamples = 200

    /// The calibration of one domain; `nil` with no image. `confidences[i]` in [0, 1] and
    /// `correct[i]` belong to image i.
    static func analyze(
        confidences: [Double], correct: [Bool], bins: Int = defaultBins, resamples: Int = defaultResamples, seed: UInt64
    ) throws -> CalibrationResult? {
        let n = confidences.count
        guard correct.count == n else { throw ProbesError.shape("\(correct.count) outcomes for \(n) confidences") }
        guard bins >= 1 else { throw ProbesError.invalid("calibration needs at least one bin") }
        guard n > 0 else { return nil }
        let order = (0..<n).sorted { confidences[$0] != confidences[$1] ? confidences[$0] < confidences[$1] : $0 < $1 }
        let sortedConfidences = order.map { confidences[$0] }
        let sortedCorrect = order.map { correct[$0] }
        let bounds = binBounds(count: n, bins: bins)
        var reliability = [ReliabilityBin]()
        var ece = 0.0
        for range in bounds {
            let count = range.count
            let meanConfidence = sortedConfidences[range].reduce(0, +) / Double(count)
            let hits = sortedCorrect[range].reduce(0) { $0 + ($1 ? 1 : 0) }
            let accuracy = Double(hits) / Double(count)
            reliability.append(ReliabilityBin(
                count: count, correct: hits, meanConfidence: meanConfidence, accuracy: accuracy,
                lowerConfidence: sortedConfidences[range.lowerBound], upperConfidence: sortedConfidences[range.upperBound - 1]))
            ece += Double(count) / Double(n) * abs(accuracy - meanConfidence)
        }
        let accuracy = Double(sortedCorrect.filter { $0 }.count) / Double(n)
        let meanConfidence = sortedConfidences.reduce(0, +) / Double(n)

        var generator = SplitMix64(seed: seed)
        var floors = [Double]()
        floors.reserveCapacity(resamples)
        // Each bin's confidence total, summed in the same order as the draws.
        let binConfidences = bounds.map { range in range.reduce(0.0) { $0 + sortedConfidences[$1] } }
        for _ in 0..<resamples {
            var value = 0.0
            for (range, confidence) in zip(bounds, binConfidences) {
                var hits = 0
                for i in range where generator.unit() < sortedConfidences[i] { hits += 1 }
                value += abs(Double(hits) - confidence) / Double(n)
            }
            floors.append(value)
        }
        return CalibrationResult(
            count: n, bins: reliability, ece: ece, accuracy: accuracy, meanConfidence: meanConfidence,
            overconfidence: meanConfidence - accuracy,
            calibratedFloor: floors.isEmpty ? nil : floors.reduce(0, +) / Double(floors.count),
            calibratedFloor95: Statistics.percentile(floors, 95), resamples: resamples, seed: seed)
    }

    /// Consecutive index ranges of `count` sorted items in `min(bins, count)` groups, sizes
    /// differing by at most one, the larger ones first (numpy.array_split, empty groups dropped).
    static func binBounds(count: Int, bins: Int) -> [Range<Int>] {
        let groups = min(bins, count)
        guard groups > 0 else { return [] }
        let base = count / groups, larger = count % groups
        var start = 0
        return (0..<groups).map { b in
            let size = base + (b < larger ? 1 : 0)
            defer { start += size }
            return start..<(start + size)
        }
    }
}
