import Foundation
import Results

/// Probe 9 — pass / not assessed / watch / fail verdicts from explicit rules.
///
/// Rules for one model on one domain (the status is the worst of the reasons, in the order
/// `pass` < `not_assessed` < `watch` < `fail`; with no reason above `pass` the verdict is `pass`
/// with reason `criteria_met`):
///
/// | code | status | when |
/// |---|---|---|
/// | `accuracy_below_minimum` | fail | top-1 CI upper bound < `min_accuracy` (clearly below) |
/// | `accuracy_uncertain` | watch | CI lower bound < `min_accuracy` ≤ CI upper bound |
/// | `estimated_accuracy_below_minimum` | watch | unlabelled domain, ATC estimate < `min_accuracy` (an estimate never fails a model: label a sample) |
/// | `relative_drop_above_maximum` | fail | relative drop > `max_relative_drop` and the bootstrap CI of the accuracy difference lies entirely below `−max_relative_drop · reference accuracy` |
/// | `relative_drop_uncertain` | watch | relative drop > `max_relative_drop` but its CI reaches the allowed drop |
/// | `relative_drop_near_maximum` | watch | 0.8 · `max_relative_drop` < relative drop ≤ `max_relative_drop` |
/// | `estimated_relative_drop_above_maximum` | watch | unlabelled: 1 − ATC estimate / reference accuracy > `max_relative_drop` |
/// | `below_baseline_trend` | watch | the whole 95 % interval of effective robustness lies below `min_effective_robustness` (default −0.05: 5 points under the baseline line) |
/// | `strong_unlabelled_shift` | watch | unlabelled shift with domain-classifier AUC ≥ 0.9, with or without an ATC estimate |
/// | `no_criterion_evaluated` | not_assessed | none of the checks above could be evaluated (no labels and no label-free estimate, no criterion set that applies, ER without an interval); the AUC check warns but is not a criterion |
///
/// The model verdict is the worst over its reference-domain verdict and every shift
/// verdict (`not_assessed` when it has none); its reasons are those non-pass reasons, each
/// naming its domain (`domain`). So a model is never `pass` while one of its domains is
/// `not_assessed`. A
/// criterion the pilot does not set is not checked. Outlier features are reported, not judged.
package enum Verdict {
    /// The verdict of `model` on `domain`.
    package static func shift(
        model: String, domain: String, isReference: Bool, probes: ProbeResults, referenceAccuracy: Double?,
        robustness: RobustnessPoint?, criteria: Criteria
    ) -> ShiftVerdict {
        var reasons = [VerdictReason]()
        // Whether any criterion could be evaluated (passed or not).
        var assessed = false
        if let zeroShot = probes.zeroShot {
            if let minimum = criteria.minAccuracy {
                assessed = true
                if zeroShot.top1CI.upper < minimum {
                    reasons.append(VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: zeroShot.top1, limit: minimum))
                } else if zeroShot.top1CI.lower < minimum {
                    reasons.append(VerdictReason(code: .accuracyUncertain, status: .watch, value: zeroShot.top1, limit: minimum))
                }
            }
            if !isReference, let maximum = criteria.maxRelativeDrop, let reference = referenceAccuracy, reference > 0 {
                assessed = true
                let relativeDrop = (reference - zeroShot.top1) / reference
                let allowed = -maximum * reference
                if relativeDrop > maximum {
                    if let ci = zeroShot.differenceFromReference?.ci, ci.upper < allowed {
                        reasons.append(VerdictReason(code: .relativeDropAboveMaximum, status: .fail, value: relativeDrop, limit: maximum))
                    } else {
                        reasons.append(VerdictReason(code: .relativeDropUncertain, status: .watch, value: relativeDrop, limit: maximum))
                    }
                } else if relativeDrop > 0.8 * maximum {
                    reasons.append(VerdictReason(code: .relativeDropNearMaximum, status: .watch, value: relativeDrop, limit: maximum))
                }
            }
        } else if let atc = probes.atc, !isReference {
            if criteria.minAccuracy != nil { assessed = true }
            if let minimum = criteria.minAccuracy, atc.estimate < minimum {
                reasons.append(VerdictReason(code: .estimatedAccuracyBelowMinimum, status: .watch, value: atc.estimate, limit: minimum))
            }
            if let maximum = criteria.maxRelativeDrop, let reference = referenceAccuracy, reference > 0 {
                assessed = true
                let relativeDrop = 1 - atc.estimate / reference
                if relativeDrop > maximum {
                    reasons.append(VerdictReason(code: .estimatedRelativeDropAboveMaximum, status: .watch, value: relativeDrop, limit: maximum))
                }
            }
        }
        // Whether or not there is an ATC estimate (an unlabelled reference gives none).
        if probes.zeroShot == nil, !isReference, let auc = probes.distance?.auc, auc >= 0.9 {
            reasons.append(VerdictReason(code: .strongUnlabelledShift, status: .watch, value: auc, limit: 0.9))
        }
        // On the interval, never on the point estimate alone: without an interval (fewer than
        // 3 distinct baseline points) ER judges nothing.
        if let margin = criteria.minEffectiveRobustness, let er = robustness?.effectiveRobustness,
           let interval = robustness?.intervals?.effectiveRobustness {
            assessed = true
            if interval.upper < margin {
                reasons.append(VerdictReason(code: .belowBaselineTrend, status: .watch, value: er, limit: margin))
            }
        }
        if !assessed {
            reasons.append(VerdictReason(code: .noCriterionEvaluated, status: .notAssessed))
        }
        let status = reasons.map(\.status).max() ?? .pass
        if status == .pass {
            reasons.insert(VerdictReason(code: .criteriaMet, status: .pass), at: 0)
        }
        return ShiftVerdict(model: model, domain: domain, status: status, reasons: reasons)
    }

    /// The model verdict: the worst of its domain verdicts.
    package static func model(_ model: String, shifts: [ShiftVerdict]) -> ModelVerdict {
        let own = shifts.filter { $0.model == model }
        let status = own.map(\.status).max() ?? .notAssessed
        var reasons = own.flatMap { verdict in
            verdict.reasons.filter { $0.status != .pass }.map { reason in
                var onDomain = reason
                onDomain.domain = verdict.domain
                return onDomain
            }
        }
        if own.isEmpty {
            reasons = [VerdictReason(code: .noCriterionEvaluated, status: .notAssessed)]
        } else if reasons.isEmpty {
            reasons = [VerdictReason(code: .criteriaMet, status: .pass)]
        }
        return ModelVerdict(model: model, status: status, reasons: reasons)
    }
}
