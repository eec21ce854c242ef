import Foundation
import Results

/// Summarises the per-image statistics of a domain (`ImageStatistics` rows, measured while
/// decoding) as `ImageStatisticsSummary`: t intervals of means, a Clopper–Pearson interval of the
/// grayscale share, and Welch intervals of a shift's differences from the reference. Matches scipy
/// (`Tests/ProbesTests/Fixtures/make_image_statistics_summary.py`) to 1e-9.
package enum ImageStatisticsProbe {
    /// One domain's values, per measure over the images that have it.
    package struct Sample: Sendable, Equatable {
        package var imageCount: Int
        package var values: [ImageStatisticsSummary.Measure: [Double]]
        package var grayscale: Int

        package init(imageCount: Int, values: [ImageStatisticsSummary.Measure: [Double]], grayscale: Int) {
            self.imageCount = imageCount
            self.values = values
            self.grayscale = grayscale
        }
    }

    /// The summary of `sample`; with `reference`, each difference from it (this minus reference).
    package static func summarize(_ sample: Sample, reference: Sample? = nil, level: Double = 0.95) -> ImageStatisticsSummary {
        var means: [ImageStatisticsSummary.MeanSummary] = []
        for measure in ImageStatisticsSummary.Measure.allCases {
            guard let values = sample.values[measure], !values.isEmpty else { continue }
            let moments = Moments(values)
            var summary = ImageStatisticsSummary.MeanSummary(
                measure: measure, count: values.count, mean: moments.mean, interval: Statistics.tInterval(moments, level: level))
            if let other = reference?.values[measure], !other.isEmpty {
                let base = Moments(other)
                summary.difference = moments.mean - base.mean
                summary.differenceInterval = Statistics.welchInterval(moments, base, level: level)
            }
            means.append(summary)
        }
        var grayscale: ImageStatisticsSummary.ShareSummary?
        if sample.imageCount > 0 {
            let share = Double(sample.grayscale) / Double(sample.imageCount)
            grayscale = .init(count: sample.grayscale, share: share,
                              interval: Statistics.clopperPearson(successes: sample.grayscale, trials: sample.imageCount, level: level))
            if let reference, reference.imageCount > 0 {
                grayscale?.difference = share - Double(reference.grayscale) / Double(reference.imageCount)
            }
        }
        return ImageStatisticsSummary(imageCount: sample.imageCount, means: means, grayscale: grayscale)
    }
}

/// Count, mean and sample variance (ddof 1) of a list, by two passes.
struct Moments {
    var count: Int
    var mean: Double
    /// nil below 2 values.
    var variance: Double?

    init(_ values: [Double]) {
        count = values.count
        mean = values.reduce(0, +) / Double(max(count, 1))
        let mean = self.mean
        variance = count > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1) : nil
    }
}

extension Statistics {
    /// The `p` quantile of Student's t with `df` degrees of freedom (scipy.stats.t.ppf), from the
    /// incomplete beta: for p > ½, `t = √(df (1 − x) / x)` with `x = I⁻¹(2 (1 − p); df/2, ½)`.
    static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        guard p != 0.5 else { return 0 }
        let tail = p > 0.5 ? 1 - p : p
        let x = inverseRegularizedIncompleteBeta(2 * tail, df / 2, 0.5)
        let t = (df * (1 - x) / x).squareRoot()
        return p > 0.5 ? t : -t
    }

    /// `mean ± t(½ + level/2, n − 1) · s / √n` (scipy.stats.t.interval with scale = sem); nil below 2 values.
    static func tInterval(_ moments: Moments, level: Double) -> Interval? {
        guard let variance = moments.variance else { return nil }
        let half = studentTQuantile(0.5 + level / 2, degreesOfFreedom: Double(moments.count - 1)) * (variance / Double(moments.count)).squareRoot()
        return Interval(lower: moments.mean - half, upper: moments.mean + half, level: level)
    }

    /// Welch's interval of `a.mean − b.mean` (scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval):
    /// standard error `√(s_a²/n_a + s_b²/n_b)`, Welch–Satterthwaite degrees of freedom; the point when
    /// both variances are 0; nil when either side has fewer than 2 values.
    static func welchInterval(_ a: Moments, _ b: Moments, level: Double) -> Interval? {
        guard let va = a.variance, let vb = b.variance else { return nil }
        let difference = a.mean - b.mean
        let qa = va / Double(a.count), qb = vb / Double(b.count)
        let se2 = qa + qb
        guard se2 > 0 else { return Interval(lower: difference, upper: difference, level: level) }
        let df = se2 * se2 / (qa * qa / Double(a.count - 1) + qb * qb / Double(b.count - 1))
        let half = studentTQuantile(0.5 + level / 2, degreesOfFreedom: df) * se2.squareRoot()
        return Interval(lower: difference - half, upper: difference + half, level: level)
    }
}
