import Foundation
import Results
import Support

/// Special functions, intervals, resampling and small fits the probes share.
///
/// Everything runs in `Double`. Contracts name the reference each function matches
/// (scipy / numpy) and the tolerance the tests hold it to.
package enum Statistics {
    // MARK: Logit space

    /// `log(p / (1 − p))`: −∞ at 0 and +∞ at 1, on purpose — an accuracy of exactly 0 or 1
    /// has no logit, and no arbitrary clamp pretends it has. Callers either know the counts
    /// (use `empiricalLogit(successes:trials:)`) or leave such points out.
    package static func logit(_ p: Double) -> Double {
        log(p / (1 - p))
    }

    /// The empirical logit `log((k + ½) / (n − k + ½))` = `logit((k + ½) / (n + 1))` of `k`
    /// successes out of `n` trials (Haldane; Cox 1970, "Analysis of Binary Data", §3.2): finite
    /// for k = 0 and k = n, and for interior k it removes the O(1/n) bias of the plain logit of
    /// `k / n`. Requires `0 ≤ k ≤ n`, `n ≥ 1`.
    static func empiricalLogit(successes k: Int, trials n: Int) -> Double {
        precondition(n >= 1 && k >= 0 && k <= n, "need 0 ≤ k ≤ n, n ≥ 1")
        return log((Double(k) + 0.5) / (Double(n - k) + 0.5))
    }

    /// `1 / (1 + e^−x)`, evaluated without overflow for large |x|.
    package static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    // MARK: Incomplete beta

    /// The regularized incomplete beta function `I_x(a, b)` (scipy.special.betainc), a, b > 0.
    ///
    /// Continued fraction (modified Lentz) on whichever of `I_x(a, b)` or `1 − I_{1−x}(b, a)`
    /// converges fast (x < (a + 1)/(a + b + 2)); relative accuracy ~1e-14.
    static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a, b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, b, a) / b
    }

    /// The continued fraction of `I_x(a, b)` (Abramowitz & Stegun 26.5.8), by modified Lentz.
    static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            // Even step: d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m)).
            var term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step: d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// The `x` with `I_x(a, b) = p` (scipy.stats.beta.ppf(p, a, b)).
    ///
    /// Safeguarded Newton: each step uses the beta density as the derivative and falls back
    /// to bisection of the bracketing interval when it would leave it; stops at 1e-15
    /// relative change (≤ 200 iterations). Tested against scipy to 1e-10.
    static func inverseRegularizedIncompleteBeta(_ p: Double, _ a: Double, _ b: Double) -> Double {
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        var low = 0.0, high = 1.0
        var x = a / (a + b)
        let logNorm = lgamma(a + b) - lgamma(a) - lgamma(b)
        for _ in 0..<200 {
            let f = regularizedIncompleteBeta(x, a, b) - p
            if f == 0 { return x }
            if f < 0 { low = x } else { high = x }
            let density = exp(logNorm + (a - 1) * log(x) + (b - 1) * log1p(-x))
            var next = x - f / density
            if !(density > 0) || !next.isFinite || next <= low || next >= high { next = 0.5 * (low + high) }
            if abs(next - x) <= 1e-15 * max(x, 1e-300) || high - low <= 1e-300 { return next }
            x = next
        }
        return x
    }

    // MARK: Intervals

    /// The Clopper–Pearson (exact) interval for `successes` out of `trials` at `level`:
    /// `[B(α/2; k, n − k + 1), B(1 − α/2; k + 1, n − k)]` with `B` the beta quantile,
    /// lower = 0 when k = 0 and upper = 1 when k = n. `nil` when `trials` is 0.
    static func clopperPearson(successes k: Int, trials n: Int, level: Double = 0.95) -> Interval? {
        guard n > 0, k >= 0, k <= n else { return nil }
        let alpha = 1 - level
        let lower = k == 0 ? 0 : inverseRegularizedIncompleteBeta(alpha / 2, Double(k), Double(n - k + 1))
        let upper = k == n ? 1 : inverseRegularizedIncompleteBeta(1 - alpha / 2, Double(k + 1), Double(n - k))
        return Interval(lower: lower, upper: upper, level: level)
    }

    /// numpy.percentile(values, q) with the default "linear" method (q in 0…100).
    /// `nil` for an empty array.
    ///
    /// The two order statistics it needs are found by selection (expected linear time) instead
    /// of a full sort — the same two numbers, so the same result; with a NaN it sorts.
    static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let position = q / 100 * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        guard below >= 0, below < values.count, !values.contains(where: \.isNaN) else {
            return percentile(sorted: values.sorted(), q)
        }
        var work = values
        let low = select(&work, below)
        let high = below + 1 < work.count ? work[(below + 1)...].min()! : low
        return low + (high - low) * (position - Double(below))
    }

    /// Rearranges `values` (no NaN) so that `values[k]` is the k-th smallest (0-based), with
    /// no larger value before it and no smaller one after it, and returns it: Hoare's
    /// FIND with a median-of-three pivot; a range still unsettled after 64 rounds is sorted.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        values.withUnsafeMutableBufferPointer { a in
            var low = 0, high = a.count - 1, rounds = 0
            while high > low {
                rounds += 1
                if rounds > 64 {
                    var unsettled = UnsafeMutableBufferPointer(rebasing: a[low...high])
                    unsettled.sort()
                    break
                }
                let middle = low + (high - low) / 2
                if a[middle] < a[low] { a.swapAt(middle, low) }
                if a[high] < a[low] { a.swapAt(high, low) }
                if a[high] < a[middle] { a.swapAt(high, middle) }
                let pivot = a[middle]
                var i = low, j = high
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // a[low...j] ≤ pivot ≤ a[i...high], and everything strictly between equals the pivot.
                if k <= j { high = j } else if k >= i { low = i } else { break }
            }
            return a[k]
        }
    }

    static func percentile(sorted: [Double], _ q: Double) -> Double {
        let position = q / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// numpy.median.
    package static func median(_ values: [Double]) -> Double? { percentile(values, 50) }

    // MARK: Moments

    /// scipy.stats.kurtosis(x, fisher=False, bias=True): `m4 / m2²` with biased central
    /// moments (Gaussian = 3). `nil` for fewer than 2 values or zero variance.
    static func pearsonKurtosis<C: Collection>(_ x: C) -> Double? where C.Element: BinaryFloatingPoint {
        let n = Double(x.count)
        guard x.count >= 2 else { return nil }
        var mean = 0.0
        for v in x { mean += Double(v) }
        mean /= n
        var m2 = 0.0, m4 = 0.0
        for v in x {
            let d = Double(v) - mean
            let d2 = d * d
            m2 += d2
            m4 += d2 * d2
        }
        m2 /= n
        m4 /= n
        guard m2 > 0, m2 > 1e-28 * mean * mean else { return nil }
        return m4 / (m2 * m2)
    }

    /// `pearsonKurtosis` of each row of `x` (rows × columns), the same numbers: eight rows side
    /// by side, one fp64 vector lane each, so that eight of its dependent sums advance at once.
    static func pearsonKurtosisOfRows(_ x: UnsafePointer<Float>, rows: Int, columns d: Int) -> [Double?] {
        typealias Lanes = SIMD8<Double>
        let group = Lanes.scalarCount, n = Double(d)
        var out = [Double?](repeating: nil, count: rows)
        guard d >= 2 else { return out }
        @inline(__always) func lanes(_ base: UnsafePointer<Float>, _ j: Int) -> Lanes {
            var v = Lanes()
            for lane in 0..<group { v[lane] = Double(base[lane * d + j]) }
            return v
        }
        var i = 0
        while i + group <= rows {
            let base = x + i * d
            var mean = Lanes()
            for j in 0..<d { mean += lanes(base, j) }
            mean /= Lanes(repeating: n)
            var m2 = Lanes(), m4 = Lanes()
            for j in 0..<d {
                let deviation = lanes(base, j) - mean
                let squared = deviation * deviation
                m2 += squared
                m4 += squared * squared
            }
            m2 /= Lanes(repeating: n)
            m4 /= Lanes(repeating: n)
            for lane in 0..<group where m2[lane] > 0 && m2[lane] > 1e-28 * mean[lane] * mean[lane] {
                out[i + lane] = m4[lane] / (m2[lane] * m2[lane])
            }
            i += group
        }
        while i < rows {
            out[i] = pearsonKurtosis(UnsafeBufferPointer(start: x + i * d, count: d))
            i += 1
        }
        return out
    }

    /// Pearson correlation of two equal-length samples; `nil` if either is constant or n < 2.
    static func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<x.count {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    // MARK: Fits

    /// Ordinary least squares `y ≈ slope · x + intercept` (numpy.polyfit(x, y, 1)).
    /// `nil` with fewer than 2 points or constant x — tested by equality, not by `Sxx > 0`:
    /// the rounded mean of equal values can differ from them, which would leave a tiny `Sxx`
    /// and a meaningless steep line.
    static func leastSquaresLine(x: [Double], y: [Double]) -> (slope: Double, intercept: Double)? {
        guard x.count == y.count, x.count >= 2, x.contains(where: { $0 != x[0] }) else { return nil }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for i in 0..<x.count {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        return (slope, my - slope * mx)
    }

    /// Area under the ROC curve of `scores` for binary `positives` (sklearn.metrics.roc_auc_score):
    /// the Mann–Whitney statistic with tied scores counted one half. `nil` if a class is empty.
    static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "one label per score")
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var positiveCount = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for t in i...j where positives[order[t]] {
                rankSumPositive += averageRank
                positiveCount += 1
            }
            i = j + 1
        }
        let negativeCount = Double(scores.count) - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        return (rankSumPositive - positiveCount * (positiveCount + 1) / 2) / (positiveCount * negativeCount)
    }

    // MARK: Bootstrap

    /// Percentile bootstrap interval of `difference(mean(b*) − mean(a*))` for two independent
    /// samples of 0/1 outcomes (or any numbers), resampling each with replacement.
    static func bootstrapDifferenceOfMeans(
        _ a: [Double], _ b: [Double], resamples: Int = 1000, level: Double = 0.95, seed: UInt64
    ) -> BootstrapDifference? {
        guard !a.isEmpty, !b.isEmpty, resamples > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        let meanA = a.reduce(0, +) / Double(a.count)
        let meanB = b.reduce(0, +) / Double(b.count)
        var differences = [Double]()
        differences.reserveCapacity(resamples)
        // With 0/1 outcomes every partial sum is an exact integer: counting the ones drawn
        // (`SplitMix64.countMarked`, the same draws) gives the same sums as adding them.
        let binary = (a + b).allSatisfy { $0 == 0 || $0 == 1 }
        let onesA = binary ? a.map { $0 == 1 } : [], onesB = binary ? b.map { $0 == 1 } : []
        for _ in 0..<resamples {
            var sumA = 0.0, sumB = 0.0
            if binary {
                sumA = Double(generator.countMarked(onesA, draws: a.count))
                sumB = Double(generator.countMarked(onesB, draws: b.count))
            } else {
                for _ in 0..<a.count { sumA += a[generator.index(below: a.count)] }
                for _ in 0..<b.count { sumB += b[generator.index(below: b.count)] }
            }
            differences.append(sumB / Double(b.count) - sumA / Double(a.count))
        }
        differences.sort()
        let tail = (1 - level) / 2 * 100
        return BootstrapDifference(
            difference: meanB - meanA,
            ci: Interval(lower: percentile(sorted: differences, tail), upper: percentile(sorted: differences, 100 - tail), level: level),
            resamples: resamples, seed: seed)
    }

    /// Percentile bootstrap interval of `mean(b) − mean(a)` for paired samples (`a[i]` and
    /// `b[i]` measured on the same image): each resample draws `n` image indices with
    /// replacement (`SplitMix64.index(below: n)`) and averages `b[j] − a[j]` over them.
    static func pairedBootstrapDifference(
        _ a: [Double], _ b: [Double], resamples: Int = 1000, level: Double = 0.95, seed: UInt64
    ) -> BootstrapDifference? {
        guard !a.isEmpty, a.count == b.count, resamples > 0 else { return nil }
        let n = a.count
        let paired = zip(a, b).map { $1 - $0 }
        var generator = SplitMix64(seed: seed)
        var differences = [Double]()
        differences.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += paired[generator.index(below: n)] }
            differences.append(sum / Double(n))
        }
        differences.sort()
        let tail = (1 - level) / 2 * 100
        return BootstrapDifference(
            difference: paired.reduce(0, +) / Double(n),
            ci: Interval(lower: percentile(sorted: differences, tail), upper: percentile(sorted: differences, 100 - tail), level: level),
            resamples: resamples, seed: seed)
    }
}
