import Results

/// Next steps: per candidate model, what to do now, with its number (docs/probes.md, "Next steps").
///
/// Every rule is tried in this order; each that applies adds a step, and the first is the model's
/// recommendation. Inputs are the run's own results: verdicts, `labels_needed`, `drift`, zero-shot
/// accuracies, few-shot curves and the reference's outlier features.
///
/// 1. `investigate_drift` — top-1 on an image set fell since the previous run beyond chance (the
///    largest fall): find out what changed before trusting anything else.
/// 2. `deploy_limited_trial` — verdict `pass`: a limited trial, monitored by top-1 on the hardest
///    labelled image set (lowest top-1; the reference when there is no labelled shift) against the
///    strictest accuracy the criteria allow there — `min_accuracy`, or on a shift
///    `(1 − max_relative_drop) · reference` if higher — re-checked by re-running the pilot monthly.
/// 3. `improve_prompts` — any verdict: the templates the prompt probe chose on the reference beat
///    all templates there, the whole paired interval of the gain above 0. Before `collect_labels`
///    and `adapt`: it costs no labels, and every later number (labels, adaptation) rests on the head
///    the prompts make.
/// 4. `collect_labels` — verdict `watch` or `not_assessed` with `labels_needed` entries that are not
///    capped: the sum over image sets of the largest `additional` of each.
/// 5. `adapt` — top-1 misses `min_accuracy` on labelled image sets (the verdict's reasons
///    `accuracy_below_minimum`, `accuracy_uncertain`), each has a few-shot curve, and on each some k
///    has an interval whose lower bound clears it — the bar a `pass` asks of zero-shot top-1, so
///    the adapted model is expected to meet the minimum as a `pass` must, not to fall below it as
///    often as above as a mean at the line would. Per set the smallest such k; the step names the set needing
///    the largest, and counts k × classes labels over all of them. After `collect_labels`: for a
///    `watch`, labels first say whether anything is needed, and they are the start of the
///    adaptation set. Before `prefer_model`: this is measured on this model's own images against
///    the criterion itself, where `prefer_model` only ranks retention.
/// 6. `prefer_model` — verdict `fail` or `watch`, and another candidate with evidence (`pass` or
///    `watch`) ranks better: a better verdict, or the same verdict and a higher retention (top-1 on the hardest labelled shift over
///    top-1 on the reference); the best-ranked such candidate, with its outlier-feature count.
/// 7. `adaptation_short` — as 5, but on one of the sets no k the data allow clears the minimum
///    (the set whose largest k does worst): on this evidence adaptation does not bring top-1 to the
///    minimum everywhere, so it is not worth funding. After `prefer_model`, which is an action; it replaces
///    `not_ready`, whose reason it says with numbers.
/// 8. `not_ready` — verdict `fail` and no step above applies; `review_reasons` — `watch` or
///    `not_assessed` and no step above applies.
package enum NextSteps {
    package static func evaluate(_ results: RunResults) -> [NextStep] {
        let candidates = results.verdicts.models
        let reference = results.domains.first { $0.role == .reference }?.name
        func top1(_ model: String, _ domain: String) -> Double? { results.probes(model: model, domain: domain)?.zeroShot?.top1 }
        /// The labelled shift with the lowest top-1, and the retention there.
        func hardest(_ model: String) -> (domain: String, accuracy: Double, retention: Double?)? {
            let measured = results.domains.filter { $0.role == .shift }.compactMap { domain in top1(model, domain.name).map { (domain.name, $0) } }
            guard let lowest = measured.min(by: { $0.1 < $1.1 }) else { return nil }
            let base = reference.flatMap { top1(model, $0) }
            return (lowest.0, lowest.1, base.flatMap { $0 > 0 ? lowest.1 / $0 : nil })
        }
        func rank(_ verdict: ModelVerdict) -> (VerdictStatus, Double) { (verdict.status, -(hardest(verdict.model)?.retention ?? -1)) }

        var steps: [NextStep] = []
        for verdict in candidates {
            let model = verdict.model
            var own: [NextStep] = []
            // 1. Drift in accuracy.
            if let fall = results.drift?.comparisons.filter({ $0.model == model && $0.code == .accuracy && $0.drifted && $0.difference < 0 })
                .min(by: { $0.difference < $1.difference }) {
                own.append(NextStep(model: model, code: .investigateDrift, domain: fall.domain, value: fall.current, limit: fall.previous))
            }
            // 2. A limited trial with a KPI.
            if verdict.status == .pass {
                let kpi = hardest(model).map { ($0.domain, $0.accuracy) } ?? reference.flatMap { name in top1(model, name).map { (name, $0) } }
                if let (domain, accuracy) = kpi {
                    var threshold = results.criteria.minAccuracy
                    if domain != reference, let drop = results.criteria.maxRelativeDrop, let base = reference.flatMap({ top1(model, $0) }) {
                        threshold = max(threshold ?? 0, (1 - drop) * base)
                    }
                    own.append(NextStep(model: model, code: .deployLimitedTrial, domain: domain, value: accuracy, limit: threshold))
                }
            }
            // 3. Better prompts: the templates, then the class names.
            if let step = Self.prompts(results, model: model, reference: reference) { own.append(step) }
            if let step = Self.names(results, model: model, reference: reference) { own.append(step) }
            // 4. Labels that settle it.
            if verdict.status == .watch || verdict.status == .notAssessed {
                var perDomain: [(String, Int)] = []
                for entry in results.labelsNeeded ?? [] where entry.model == model && !entry.capped && entry.additional > 0 {
                    if let index = perDomain.firstIndex(where: { $0.0 == entry.domain }) {
                        perDomain[index].1 = max(perDomain[index].1, entry.additional)
                    } else {
                        perDomain.append((entry.domain, entry.additional))
                    }
                }
                if !perDomain.isEmpty {
                    own.append(NextStep(model: model, code: .collectLabels, domains: perDomain.map(\.0), labels: perDomain.reduce(0) { $0 + $1.1 }))
                }
            }
            // 5. Light adaptation that clears the minimum.
            let adaptation = Self.adaptation(results, verdict: verdict)
            if let adaptation, adaptation.code == .adapt { own.append(adaptation) }
            // 6. A better candidate.
            if verdict.status == .fail || verdict.status == .watch,
               let best = candidates.filter({ $0.model != model && ($0.status == .pass || $0.status == .watch) }).min(by: { rank($0) < rank($1) }),
               rank(best) < rank(verdict) {
                let outliers = reference.flatMap { results.probes(model: best.model, domain: $0)?.outliers?.count }
                own.append(NextStep(model: model, code: .preferModel, value: hardest(model)?.retention, limit: hardest(best.model)?.retention,
                                    otherModel: best.model, outlierFeatures: outliers))
            }
            // 7. Light adaptation that does not.
            if let adaptation, adaptation.code == .adaptationShort { own.append(adaptation) }
            // 8. Nothing actionable above.
            if own.isEmpty, verdict.status != .pass {
                own.append(NextStep(model: model, code: verdict.status == .fail ? .notReady : .reviewReasons))
            }
            steps += own
        }
        return steps
    }

    /// Rule 3 for one model: `improve_prompts` when the reference's chosen templates gain over all
    /// templates with the whole paired interval above 0; nil otherwise.
    static func prompts(_ results: RunResults, model: String, reference: String?) -> NextStep? {
        guard let reference, let prompts = results.probes(model: model, domain: reference)?.prompts, let subset = prompts.subset,
              subset.gain.ci.lower > 0 else { return nil }
        let carried = results.domains.filter { $0.role == .shift }.map(\.name).filter { domain in
            (results.probes(model: model, domain: domain)?.prompts?.subset?.gain.ci.lower ?? 0) > 0
        }
        return NextStep(model: model, code: .improvePrompts, domain: reference, domains: carried, value: subset.accuracy.accuracy,
                        limit: prompts.ensemble.accuracy, ci: subset.gain.ci, templates: subset.templates.map { prompts.templates[$0].template ?? "" })
    }

    /// Rule 3 for the class names: `improve_prompts` with `names` when the names chosen on the
    /// reference change a name and beat the given names there with the whole paired interval above 0;
    /// nil otherwise.
    static func names(_ results: RunResults, model: String, reference: String?) -> NextStep? {
        guard let reference, let names = results.probes(model: model, domain: reference)?.names, let chosen = names.chosen,
              !chosen.changes.isEmpty, chosen.gain.ci.lower > 0 else { return nil }
        let carried = results.domains.filter { $0.role == .shift }.map(\.name).filter { domain in
            (results.probes(model: model, domain: domain)?.names?.chosen?.gain.ci.lower ?? 0) > 0
        }
        return NextStep(model: model, code: .improvePrompts, domain: reference, domains: carried, value: chosen.accuracy.accuracy,
                        limit: names.given.accuracy, ci: chosen.gain.ci, names: chosen.changes)
    }

    /// Rules 5 and 7 for one model: `adapt` when the few-shot curve of every labelled image set
    /// where top-1 misses `min_accuracy` clears it (the lower bound of some k's interval at or
    /// above it), `adaptation_short` when one set's curve does not; nil without the criterion,
    /// without such a set, or when a set has no curve and none is short.
    static func adaptation(_ results: RunResults, verdict: ModelVerdict) -> NextStep? {
        guard let minimum = results.criteria.minAccuracy else { return nil }
        let missed = Set(verdict.reasons.filter { $0.code == .accuracyBelowMinimum || $0.code == .accuracyUncertain }.compactMap(\.domain))
        var clears: [(domain: String, point: FewShotPoint)] = [], short: [(domain: String, point: FewShotPoint)] = []
        var withoutCurve = false
        for domain in results.domains.map(\.name) where missed.contains(domain) {
            guard let points = results.probes(model: verdict.model, domain: domain)?.fewShot?.points, let largest = points.last else {
                withoutCurve = true
                continue
            }
            if let smallest = points.first(where: { $0.ci.lower >= minimum }) {
                clears.append((domain, smallest))
            } else {
                short.append((domain, largest))
            }
        }
        func step(_ code: NextStep.Code, _ domain: String, _ point: FewShotPoint, domains: [String]? = nil, labels: Int? = nil) -> NextStep {
            NextStep(model: verdict.model, code: code, domain: domain, domains: domains, value: point.accuracy, limit: minimum, labels: labels,
                     shots: point.shots, ci: point.ci, zeroShot: point.zeroShotAccuracy)
        }
        if let worst = short.min(by: { $0.point.accuracy < $1.point.accuracy }) {
            return step(.adaptationShort, worst.domain, worst.point)
        }
        guard !withoutCurve, let most = clears.max(by: { ($0.point.shots, -$0.point.accuracy) < ($1.point.shots, -$1.point.accuracy) }) else {
            return nil
        }
        return step(.adapt, most.domain, most.point, domains: clears.count > 1 ? clears.map(\.domain) : nil,
                    labels: clears.reduce(0) { $0 + $1.point.trainCount })
    }
}
