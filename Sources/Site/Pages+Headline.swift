import Results

/// The one line a reader takes from a model's verdict: its status, the single most important
/// reason and that reason's number ("sketch: accuracy 61.2%, below the minimum of 80.0%").
/// The other reasons stay on the page, collapsed below the line.
extension PageContext {
    /// A reason with the image set it was found on (`nil` for model-level reasons that no
    /// image-set verdict carries).
    struct LocatedReason {
        var domain: String?
        var reason: VerdictReason
    }

    /// The reason codes from most to least telling, within one status: a measured accuracy
    /// beyond its interval before an estimate, an estimate before a comparison with other
    /// models, and a measurement within its uncertainty last.
    static let reasonPriority = [
        "accuracy_below_minimum", "relative_drop_above_maximum",
        "estimated_accuracy_below_minimum", "estimated_relative_drop_above_maximum",
        "below_baseline_trend", "strong_unlabelled_shift",
        "relative_drop_uncertain", "accuracy_uncertain", "relative_drop_near_maximum",
    ]

    /// Codes whose value is bad when it is *below* the limit (the others are bad above it).
    static let lowerIsWorse: Set<String> = ["accuracy_below_minimum", "accuracy_uncertain", "estimated_accuracy_below_minimum"]

    /// Every non-pass reason of `model`, each image-set reason with its image set, then the
    /// model-level reasons no image-set verdict carries (the same set `verdictReasons` lists).
    func locatedReasons(_ model: String) -> [LocatedReason] {
        var located: [LocatedReason] = []
        var seen = Set<String>()
        for verdict in results.verdicts.shifts where verdict.model == model {
            for reason in verdict.reasons where reason.status != .pass {
                located.append(LocatedReason(domain: verdict.domain, reason: reason))
                seen.insert(reason.message)
                seen.insert("\(verdict.domain): \(reason.message)")
            }
        }
        for reason in run.verdict(model)?.reasons ?? [] where reason.status != .pass && !seen.contains(reason.message) {
            located.append(LocatedReason(domain: nil, reason: reason))
        }
        return located
    }

    /// The most important of `reasons`: the worst status, then the code's rank in
    /// `reasonPriority`, then how far the value lies beyond its limit; ties keep the first.
    static func primaryReason(_ reasons: [LocatedReason]) -> LocatedReason? {
        func rank(_ code: String) -> Int { reasonPriority.firstIndex(of: code) ?? reasonPriority.count }
        func excess(_ reason: VerdictReason) -> Double {
            guard let value = reason.value, let limit = reason.limit, value.isFinite, limit.isFinite else { return 0 }
            return lowerIsWorse.contains(reason.code) ? limit - value : value - limit
        }
        var best: LocatedReason?
        for candidate in reasons {
            guard let current = best else { best = candidate; continue }
            let a = candidate.reason, b = current.reason
            if a.status != b.status {
                if a.status > b.status { best = candidate }
            } else if rank(a.code) != rank(b.code) {
                if rank(a.code) < rank(b.code) { best = candidate }
            } else if excess(a) > excess(b) {
                best = candidate
            }
        }
        return best
    }

    /// The verdict line of `model` and how many reasons the collapsed details list.
    func headline(_ model: String) throws -> (text: String, reasonCount: Int) {
        let reasons = locatedReasons(model)
        if let primary = Self.primaryReason(reasons) {
            let key = "headline.\(primary.reason.code)"
            var text = primary.reason.message
            if catalog.entries[key] != nil {
                let numbers = reasonNumbers(primary.reason)
                text = try t(key, ["value": numbers.value, "limit": numbers.limit])
            }
            if let domain = primary.domain { text = try t("verdict.reason_on", ["domain": domain, "reason": text]) }
            return (text, reasons.count)
        }
        guard let status = run.verdict(model)?.status else { return (try t("verdict.none"), 0) }
        // No reason against the model: its hardest labelled shift, by relative accuracy.
        let kept = run.shifts.compactMap { shift in run.robustness(model, shift.name)?.relativeAccuracy.map { (shift.name, $0) } }
        if status == .pass, let hardest = kept.min(by: { $0.1 < $1.1 }) {
            return (try t("headline.pass", ["shift": hardest.0, "relative": catalog.percent(hardest.1)]), 0)
        }
        return (try t("reason.criteria_met_all"), 0)
    }

    /// A reason's value and limit in the unit its code compares (see Probes/Verdict.swift):
    /// effective robustness in points without sign, the domain AUC a plain number, the rest
    /// fractions as percentages.
    func reasonNumbers(_ reason: VerdictReason) -> (value: String, limit: String) {
        switch reason.code {
        case "below_baseline_trend":
            return (catalog.points(reason.value.map(abs), signed: false), catalog.points(reason.limit.map(abs), signed: false))
        case "strong_unlabelled_shift":
            return (catalog.decimal(reason.value, digits: 2), catalog.decimal(reason.limit, digits: 2))
        default:
            return (catalog.percent(reason.value), catalog.percent(reason.limit))
        }
    }

    /// Template values of one model's verdict line: model, link to its page (from the run
    /// folder's `prefix`; none for `nil`, as the packet links to no other file), status, line
    /// and, with `details`, every reason for the collapsed list below it.
    func verdictLine(_ model: ModelSummary, prefix: String?, details: Bool = true) throws -> TemplateValue {
        let line = try headline(model.name)
        var row: [String: TemplateValue] = [:]
        row["model"] = .text(model.name)
        row["href"] = .text(prefix.map { $0 + "models/\(run.modelSlug(model.name)).html" } ?? "")
        row["verdict"] = try status(run.verdict(model.name)?.status)
        row["headline"] = .text(line.text)
        let reasons = details && line.reasonCount > 0 ? try verdictReasons(model.name) : []
        row["reasons"] = .list(reasons.map { .text($0) })
        row["reasons_label"] = .text(reasons.isEmpty ? "" : try catalog.plural("run.all_reasons", count: reasons.count))
        return .dict(row)
    }
}
