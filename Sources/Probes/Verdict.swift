import Foundation
import Results

/// Probe 9 — pass / watch / fail verdicts from explicit rules.
///
/// Rules for one model on one domain (the status is the worst of the reasons; with no
/// reason above `pass` the verdict is `pass` with reason `criteria_met`):
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
/// | `below_baseline_trend` | watch | effective robustness < −0.05 (5 points under the baseline line) |
/// | `strong_unlabelled_shift` | watch | unlabelled domain with domain-classifier AUC ≥ 0.9 |
///
/// The model verdict is the worst over its reference-domain verdict and every shift
/// verdict; its reasons are those non-pass reasons, each naming its domain (`domain`). A
/// criterion the pilot does not set is not checked. Outlier features are reported, not judged.
public enum Verdict {
    /// The verdict of `model` on `domain`.
    public static func shift(
        model: String, domain: String, isReference: Bool, probes: ProbeResults, referenceAccuracy: Double?,
        robustness: RobustnessPoint?, criteria: Criteria
    ) -> ShiftVerdict {
        var reasons = [VerdictReason]()
        if let zeroShot = probes.zeroShot {
            if let minimum = criteria.minAccuracy {
                if zeroShot.top1CI.upper < minimum {
                    reasons.append(VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: zeroShot.top1, limit: minimum))
                } else if zeroShot.top1CI.lower < minimum {
                    reasons.append(VerdictReason(code: .accuracyUncertain, status: .watch, value: zeroShot.top1, limit: minimum))
                }
            }
            if !isReference, let maximum = criteria.maxRelativeDrop, let reference = referenceAccuracy, reference > 0 {
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
            if let minimum = criteria.minAccuracy, atc.estimate < minimum {
                reasons.append(VerdictReason(code: .estimatedAccuracyBelowMinimum, status: .watch, value: atc.estimate, limit: minimum))
            }
            if let maximum = criteria.maxRelativeDrop, let reference = referenceAccuracy, reference > 0 {
                let relativeDrop = 1 - atc.estimate / reference
                if relativeDrop > maximum {
                    reasons.append(VerdictReason(code: .estimatedRelativeDropAboveMaximum, status: .watch, value: relativeDrop, limit: maximum))
                }
            }
            if let auc = probes.distance?.auc, auc >= 0.9 {
                reasons.append(VerdictReason(code: .strongUnlabelledShift, status: .watch, value: auc, limit: 0.9))
            }
        }
        if let er = robustness?.effectiveRobustness, er < -0.05 {
            reasons.append(VerdictReason(code: .belowBaselineTrend, status: .watch, value: er, limit: -0.05))
        }
        let status = reasons.map(\.status).max() ?? .pass
        if status == .pass {
            reasons.insert(VerdictReason(code: .criteriaMet, status: .pass), at: 0)
        }
        return ShiftVerdict(model: model, domain: domain, status: status, reasons: reasons)
    }

    /// The model verdict: the worst of its domain verdicts.
    public static func model(_ model: String, shifts: [ShiftVerdict]) -> ModelVerdict {
        let own = shifts.filter { $0.model == model }
        let status = own.map(\.status).max() ?? .pass
        var reasons = own.flatMap { verdict in
            verdict.reasons.filter { $0.status != .pass }.map { reason in
                var onDomain = reason
                onDomain.domain = verdict.domain
                return onDomain
            }
        }
        if reasons.isEmpty {
            reasons = [VerdictReason(code: .criteriaMet, status: .pass)]
        }
        return ModelVerdict(model: model, status: status, reasons: reasons)
    }
}
