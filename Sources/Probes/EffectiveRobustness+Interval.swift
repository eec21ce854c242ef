import Foundation
import Results
import Support

extension EffectiveRobustnessProbe {
    /// A model's ER and relative-accuracy intervals on one shift (the schema type, in Results).
    package typealias CandidateInterval = Results.CandidateInterval

    /// Bootstrap intervals of a model's ER and relative accuracy on one shift.
    ///
    /// Each resample draws, in this order from one `SplitMix64(seed:)` stream:
    /// 1. the number of correct images among `reference.total` reference images drawn with
    ///    replacement — exactly Binomial(n, k/n), drawn by inversion from one `unit()`
    ///    (`ResampledCount`), which is what resampling the images gives, at the cost of one
    ///    draw instead of n;
    /// 2. the same for the shift's images;
    /// 3. when the baseline allows a band (`BaselineCheck.allowsBand`), `m` indices below `m`
    ///    into its usable points, and refits the line (a resample whose picks share one
    ///    reference accuracy has no line and is left out of the ER interval).
    ///
    /// ER* = y* − σ(β₁* · logit((k* + ½)/(n + 1)) + β₀*). The intervals are numpy-linear
    /// percentiles at (1 − level)/2 and (1 + level)/2. The baseline points' own sampling error
    /// (their test sets) is not known here and is not included.
    package static func interval(
        reference: Counts, shift: Counts, baseline: [BaselinePoint]?, resamples: Int = 1000, level: Double = 0.95, seed: UInt64
    ) -> CandidateInterval {
        let check = baseline.map(BaselineCheck.init)
        let points = check?.allowsBand == true ? check!.usable : []
        let x = points.map(\.logits.x), y = points.map(\.logits.y)
        let referenceCount = ResampledCount(reference), shiftCount = ResampledCount(shift)
        var generator = SplitMix64(seed: seed)
        var effective: [Double] = [], relative: [Double] = []
        effective.reserveCapacity(resamples)
        relative.reserveCapacity(resamples)
        for _ in 0..<max(resamples, 0) {
            let k = referenceCount.draw(&generator)
            let m = shiftCount.draw(&generator)
            let accuracy = Double(m) / Double(shift.total)
            if k > 0 { relative.append(accuracy / (Double(k) / Double(reference.total))) }
            guard !points.isEmpty else { continue }
            let picks = (0..<points.count).map { _ in generator.index(below: points.count) }
            guard let line = Statistics.leastSquaresLine(x: picks.map { x[$0] }, y: picks.map { y[$0] }) else { continue }
            let predicted = Statistics.sigmoid(line.slope * Statistics.empiricalLogit(successes: k, trials: reference.total) + line.intercept)
            effective.append(accuracy - predicted)
        }
        return CandidateInterval(
            effectiveRobustness: points.isEmpty ? nil : percentileInterval(effective, level: level),
            relativeAccuracy: percentileInterval(relative, level: level), resamples: resamples,
            lineResamples: points.isEmpty ? nil : effective.count, seed: seed,
            limitation: baseline == nil ? nil : check?.limitation)
    }

    private static func percentileInterval(_ values: [Double], level: Double) -> Interval? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), tail = (1 - level) / 2 * 100
        return Interval(
            lower: Statistics.percentile(sorted: sorted, tail), upper: Statistics.percentile(sorted: sorted, 100 - tail), level: level)
    }
}

/// The number of correct images among `n` drawn with replacement from `k` correct of `n`:
/// Binomial(n, k/n), sampled by inversion of its cumulative distribution.
///
/// The table is built with arithmetic a transcription reproduces bit for bit (no log-gamma,
/// no library calls): weights relative to the mode m = ⌊(n + 1) k / n⌋ by the ratio
/// `w(j+1) = w(j) · ((n − j)/(j + 1)) · (k/(n − k))` outwards until a weight falls below 1e-20
/// (the mass left out is below 1e-15), summed from the lowest count up, and each running sum
/// divided by the total. A draw is the first count whose cumulative value exceeds `unit()`.
struct ResampledCount {
    let lowest: Int
    let cumulative: [Double]

    init(_ counts: AccuracyCounts) {
        let n = counts.total, k = counts.correct
        guard k > 0, k < n else {
            lowest = k
            cumulative = [1]
            return
        }
        let ratio = Double(k) / Double(n - k)
        let mode = (n + 1) * k / n
        var below: [Double] = [], above: [Double] = []
        var weight = 1.0
        var j = mode
        while j > 0 {
            weight = weight * (Double(j) / Double(n - j + 1)) / ratio
            if weight < 1e-20 { break }
            below.append(weight)
            j -= 1
        }
        weight = 1
        j = mode
        while j < n {
            weight = weight * (Double(n - j) / Double(j + 1)) * ratio
            if weight < 1e-20 { break }
            above.append(weight)
            j += 1
        }
        let weights = below.reversed() + [1] + above
        var running = 0.0
        var sums: [Double] = []
        sums.reserveCapacity(weights.count)
        for w in weights {
            running += w
            sums.append(running)
        }
        lowest = mode - below.count
        cumulative = sums.map { $0 / running }
    }

    func draw(_ generator: inout SplitMix64) -> Int {
        let u = generator.unit()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        return lowest + low
    }
}
