import Foundation
import Results

/// How many labelled images settle an undecided verdict, and how many check a label-free
/// estimate (docs/probes.md, "Labels that settle it").
///
/// Assumption throughout: the accuracy stays what was observed (or estimated) and the new
/// images are like these, so a sample of n images has k = ⌊p·n + ½⌋ correct. The interval is the
/// verdict's own, Clopper–Pearson at 95 % (`Statistics.clopperPearson`). Its bounds are compared
/// with a threshold through the beta CDF they invert — `lower ≥ t` ⟺ `I_t(k, n − k + 1) ≤ α/2`,
/// `upper < t` ⟺ `I_t(k + 1, n − k) > 1 − α/2` — which is the same test without the root finding.
package enum SampleSize {
    /// No search goes beyond this many labelled images in all: past it, "more than 10,000".
    static let cap = 10_000
    /// The half-width `check_estimate` asks for: the estimate within ± 5 points.
    static let checkMargin = 0.05

    /// The correct count assumed among `n` images at accuracy `p`: ⌊p·n + ½⌋.
    static func successes(accuracy p: Double, trials n: Int) -> Int {
        min(n, max(0, Int((p * Double(n) + 0.5).rounded(.down))))
    }

    /// Whether the Clopper–Pearson interval of `k` out of `n` clears `threshold` as the verdict
    /// reads it: wholly below (`upper < t`, a fail) or wholly at or above (`lower ≥ t`, a pass).
    static func decides(successes k: Int, trials n: Int, threshold t: Double, level: Double = 0.95) -> Bool {
        let alpha = 1 - level
        let observed = Double(k) / Double(n)
        if observed > t {
            // lower = 0 when k = 0, but then observed = 0 ≤ t.
            return Statistics.regularizedIncompleteBeta(t, Double(k), Double(n - k + 1)) <= alpha / 2
        }
        if observed < t {
            // upper = 1 when k = n, but then observed = 1 ≥ t.
            return Statistics.regularizedIncompleteBeta(t, Double(k + 1), Double(n - k)) > 1 - alpha / 2
        }
        return false
    }

    /// The smallest total n > `labelled` whose interval at accuracy `p` clears `threshold`, or nil
    /// when none up to `cap` does (the criterion sits at, or very near, the accuracy).
    static func labelsToSettle(accuracy p: Double, threshold t: Double, labelled: Int = 0, level: Double = 0.95, cap: Int = cap) -> Int? {
        guard labelled < cap else { return nil }
        for n in (labelled + 1)...cap where decides(successes: successes(accuracy: p, trials: n), trials: n, threshold: t, level: level) {
            return n
        }
        return nil
    }

    /// P(X ≤ k) for X ~ Binomial(n, p) (scipy.stats.binom.cdf), through `I_{1−p}(n − k, k + 1)`.
    static func binomialCDF(_ k: Int, trials n: Int, probability p: Double) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return Statistics.regularizedIncompleteBeta(1 - p, Double(n - k), Double(k + 1))
    }

    /// The exact probability that `n` images, each right with probability `p`, give an interval
    /// that decides `threshold` either way: P(X ≤ k_fail) + P(X ≥ k_pass), with k_fail the largest
    /// count whose interval lies below the threshold and k_pass the smallest whose interval lies
    /// at or above it (both bounds rise with k, so a bisection finds each).
    package static func decisionProbability(trials n: Int, accuracy p: Double, threshold t: Double, level: Double = 0.95) -> Double {
        // Largest k with k/n < t and the interval below t (−1 when none).
        var low = -1, high = n + 1
        // Invariant: every k ≤ low decides below; every k ≥ high does not.
        while high - low > 1 {
            let mid = (low + high) / 2
            if Double(mid) / Double(n) < t && decides(successes: mid, trials: n, threshold: t, level: level) { low = mid } else { high = mid }
        }
        let failing = low
        // Smallest k with k/n > t and the interval at or above t (n + 1 when none).
        low = -1
        high = n + 1
        // Invariant: every k ≥ high decides above; every k ≤ low does not.
        while high - low > 1 {
            let mid = (low + high) / 2
            if Double(mid) / Double(n) > t && decides(successes: mid, trials: n, threshold: t, level: level) { high = mid } else { low = mid }
        }
        let passing = high
        return binomialCDF(failing, trials: n, probability: p) + (1 - binomialCDF(passing - 1, trials: n, probability: p))
    }

    /// The smallest n ≥ 1 whose interval at the estimate `e` lies within `e ± margin`, or nil
    /// past `cap`.
    static func labelsToCheck(estimate e: Double, margin: Double = checkMargin, level: Double = 0.95, cap: Int = cap) -> Int? {
        let alpha = 1 - level
        for n in 1...cap {
            let k = successes(accuracy: e, trials: n)
            // lower ≥ e − margin: lower = 0 when k = 0.
            let lowerInside = e - margin <= 0 || (k > 0 && Statistics.regularizedIncompleteBeta(e - margin, Double(k), Double(n - k + 1)) <= alpha / 2)
            // upper ≤ e + margin: upper = 1 when k = n.
            let upperInside = e + margin >= 1 || (k < n && Statistics.regularizedIncompleteBeta(e + margin, Double(k + 1), Double(n - k)) >= 1 - alpha / 2)
            if lowerInside && upperInside { return n }
        }
        return nil
    }

    /// One `LabelsNeeded` per criterion that more labels could settle, for every `watch` or
    /// `not_assessed` verdict:
    /// - labelled domain, reason `accuracy_uncertain`: `settle_min_accuracy` at the measured top-1;
    /// - labelled shift, reason `relative_drop_uncertain`: `settle_relative_drop` against
    ///   `(1 − max_relative_drop) × reference top-1`;
    /// - unlabelled shift with an ATC estimate: `check_estimate`, and each settle code whose
    ///   criterion the pilot sets, at the estimate, from no labels.
    /// Other reasons (near the maximum drop, below the baseline trend, a strong unlabelled shift,
    /// nothing to evaluate) are not a question of sample size and get none.
    package static func evaluate(probes: [ModelDomainProbes], referenceDomain: String, verdicts: [ShiftVerdict], criteria: Criteria) -> [LabelsNeeded] {
        var needed: [LabelsNeeded] = []
        for verdict in verdicts where verdict.status == .watch || verdict.status == .notAssessed {
            guard let results = probes.first(where: { $0.model == verdict.model && $0.domain == verdict.domain })?.results else { continue }
            let reference = probes.first { $0.model == verdict.model && $0.domain == referenceDomain }?.results.zeroShot?.top1
            let codes = Set(verdict.reasons.map(\.code))
            let isShift = verdict.domain != referenceDomain
            let relativeThreshold = criteria.maxRelativeDrop.flatMap { drop in reference.map { (1 - drop) * $0 } }

            func settle(_ code: LabelsNeeded.Code, accuracy: Double, estimated: Bool, threshold: Double, labelled: Int) {
                if let total = labelsToSettle(accuracy: accuracy, threshold: threshold, labelled: labelled) {
                    needed.append(LabelsNeeded(
                        code: code, model: verdict.model, domain: verdict.domain, accuracy: accuracy, estimated: estimated, threshold: threshold,
                        labelled: labelled, total: total, capped: false,
                        decisionProbability: decisionProbability(trials: total, accuracy: accuracy, threshold: threshold)))
                } else {
                    needed.append(LabelsNeeded(
                        code: code, model: verdict.model, domain: verdict.domain, accuracy: accuracy, estimated: estimated, threshold: threshold,
                        labelled: labelled, total: cap, capped: true))
                }
            }

            if let zeroShot = results.zeroShot {
                if codes.contains(.accuracyUncertain), let minimum = criteria.minAccuracy {
                    settle(.settleMinAccuracy, accuracy: zeroShot.top1, estimated: false, threshold: minimum, labelled: zeroShot.count)
                }
                if isShift, codes.contains(.relativeDropUncertain), let threshold = relativeThreshold {
                    settle(.settleRelativeDrop, accuracy: zeroShot.top1, estimated: false, threshold: threshold, labelled: zeroShot.count)
                }
            } else if isShift, let estimate = results.atc?.estimate {
                let total = labelsToCheck(estimate: estimate)
                needed.append(LabelsNeeded(
                    code: .checkEstimate, model: verdict.model, domain: verdict.domain, accuracy: estimate, estimated: true,
                    margin: checkMargin, labelled: 0, total: total ?? cap, capped: total == nil))
                if let minimum = criteria.minAccuracy {
                    settle(.settleMinAccuracy, accuracy: estimate, estimated: true, threshold: minimum, labelled: 0)
                }
                if let threshold = relativeThreshold {
                    settle(.settleRelativeDrop, accuracy: estimate, estimated: true, threshold: threshold, labelled: 0)
                }
            }
        }
        return needed
    }
}
