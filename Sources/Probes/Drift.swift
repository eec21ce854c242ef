import Foundation
import Results

/// Drift: what changed since the pilot's previous run, beyond chance.
///
/// For every candidate model of this run whose checkpoint (SHA-256) the previous run also
/// evaluated, and every image set of the same name in both:
/// - labelled in both (`accuracy`): zero-shot top-1, k₁ of n₁ now against k₀ of n₀ then;
/// - unlabelled in both (`estimated_accuracy`): the ATC-MC estimate, read as the share of the set's
///   images scoring above the run's threshold (k = estimate · n of n).
///
/// - in both runs, for every image set (whatever the models): the mean of each image statistic
///   (`image_mean`) and the grayscale share (`grayscale_share`).
///
/// The difference `k₁/n₁ − k₀/n₀` gets Newcombe's hybrid score interval (his method 10: Wilson
/// score intervals of each proportion, without continuity correction, combined by the square-root
/// rule) at 95 %; the comparison has drifted when that interval excludes 0. The two runs' images
/// are taken as independent samples. For an estimate the interval covers the sampling of images
/// only — not the noise of each run's threshold nor the estimator's own error — so an estimated
/// drift is a reason to label a sample, as every estimate is. A mean's difference gets Welch's t
/// interval, each run's standard error recovered from its stored Student-t interval of the mean
/// (`s/√n = half-width / t(0.975, n − 1)`); the grayscale share's, Newcombe's.
package enum Drift {
    /// z = Φ⁻¹(0.975), the 95 % two-sided normal quantile (scipy.stats.norm.ppf(0.975)).
    static let z95 = 1.959963984540054

    /// Wilson's score interval for k successes in n trials (no continuity correction); nil for n = 0.
    static func wilson(successes k: Int, trials n: Int, z: Double = z95) -> Interval? {
        guard n > 0, (0...n).contains(k) else { return nil }
        let n = Double(n), p = Double(k) / n, z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return Interval(lower: max(0, center - half), upper: min(1, center + half), level: 0.95)
    }

    /// Newcombe's hybrid score interval (method 10) for `k1/n1 − k0/n0`; nil when either n is 0.
    static func newcombe(successes k1: Int, trials n1: Int, versus k0: Int, trials n0: Int) -> Interval? {
        guard let w1 = wilson(successes: k1, trials: n1), let w0 = wilson(successes: k0, trials: n0) else { return nil }
        let p1 = Double(k1) / Double(n1), p0 = Double(k0) / Double(n0)
        let d = p1 - p0
        let lower = d - ((p1 - w1.lower) * (p1 - w1.lower) + (w0.upper - p0) * (w0.upper - p0)).squareRoot()
        let upper = d + ((w1.upper - p1) * (w1.upper - p1) + (p0 - w0.lower) * (p0 - w0.lower)).squareRoot()
        return Interval(lower: lower, upper: upper, level: 0.95)
    }

    /// Every comparison of `current` with `previous` (see the type's documentation), candidate
    /// models in this run's order, image sets in this run's order.
    package static func compare(current: RunResults, previous: RunResults) -> DriftResults {
        var comparisons: [DriftComparison] = []
        for model in current.models where !model.isBaseline {
            guard let before = previous.models.first(where: { $0.sha256 == model.sha256 && !$0.sha256.isEmpty }) else { continue }
            for domain in current.domains {
                guard let now = current.probes(model: model.name, domain: domain.name),
                      let then = previous.probes(model: before.name, domain: domain.name) else { continue }
                if let a = now.zeroShot, let b = then.zeroShot {
                    if let ci = newcombe(successes: a.top1Correct, trials: a.count, versus: b.top1Correct, trials: b.count) {
                        comparisons.append(DriftComparison(
                            code: .accuracy, model: model.name, domain: domain.name, previous: b.top1, current: a.top1,
                            previousCount: b.count, currentCount: a.count, ci: ci))
                    }
                } else if now.zeroShot == nil, then.zeroShot == nil, let a = estimate(now), let b = estimate(then),
                          let ci = newcombe(successes: a.successes, trials: a.count, versus: b.successes, trials: b.count) {
                    comparisons.append(DriftComparison(
                        code: .estimatedAccuracy, model: model.name, domain: domain.name, previous: b.estimate, current: a.estimate,
                        previousCount: b.count, currentCount: a.count, ci: ci))
                }
            }
        }
        for domain in current.domains {
            guard let now = domain.imageStatistics,
                  let then = previous.domains.first(where: { $0.name == domain.name })?.imageStatistics else { continue }
            for measure in ImageStatisticsSummary.Measure.allCases {
                guard let a = now.mean(measure), let b = then.mean(measure), let ma = moments(a), let mb = moments(b),
                      let ci = Statistics.welchInterval(ma, mb, level: 0.95) else { continue }
                comparisons.append(DriftComparison(
                    code: .imageMean, model: nil, domain: domain.name, measure: measure, previous: b.mean, current: a.mean,
                    previousCount: b.count, currentCount: a.count, ci: ci))
            }
            if let a = now.grayscale, let b = then.grayscale,
               let ci = newcombe(successes: a.count, trials: now.imageCount, versus: b.count, trials: then.imageCount) {
                comparisons.append(DriftComparison(
                    code: .grayscaleShare, model: nil, domain: domain.name, previous: b.share, current: a.share,
                    previousCount: then.imageCount, currentCount: now.imageCount, ci: ci))
            }
        }
        return DriftResults(previousRunID: previous.runID, previousCreatedAt: previous.createdAt, comparisons: comparisons)
    }

    /// A stored mean's count, mean and variance, the variance recovered from its Student-t interval.
    static func moments(_ summary: ImageStatisticsSummary.MeanSummary) -> Moments? {
        guard summary.count > 1, let interval = summary.interval else { return nil }
        let t = Statistics.studentTQuantile(0.975, degreesOfFreedom: Double(summary.count - 1))
        let standardError = (interval.upper - interval.lower) / 2 / t
        return Moments(count: summary.count, mean: summary.mean, variance: standardError * standardError * Double(summary.count))
    }

    /// The ATC-MC estimate of an unlabelled set as a count of its images.
    static func estimate(_ probes: ProbeResults) -> (estimate: Double, successes: Int, count: Int)? {
        guard let entry = probes.labelFree?.first(where: { $0.score == .maxConfidence }), entry.count > 0 else { return nil }
        return (entry.estimate, Int((entry.estimate * Double(entry.count)).rounded()), entry.count)
    }
}

extension Moments {
    init(count: Int, mean: Double, variance: Double?) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }
}
