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
    static let reasonPriority: [VerdictReason.Code] = [
        .accuracyBelowMinimum, .relativeDropAboveMaximum,
        .estimatedAccuracyBelowMinimum, .estimatedRelativeDropAboveMaximum,
        .belowBaselineTrend, .strongUnlabelledShift,
        .relativeDropUncertain, .accuracyUncertain, .relativeDropNearMaximum,
    ]

    /// Codes whose value is bad when it is *below* the limit (the others are bad above it).
    static let lowerIsWorse: Set<VerdictReason.Code> = [.accuracyBelowMinimum, .accuracyUncertain, .estimatedAccuracyBelowMinimum]

    /// Every non-pass reason of `model`, each image-set reason with its image set, then the
    /// model-level reasons no image-set verdict carries (with the image set they name, if any).
    func locatedReasons(_ model: String) -> [LocatedReason] {
        var located: [LocatedReason] = []
        let shiftVerdicts = results.verdicts.shifts.filter { $0.model == model }
        for verdict in shiftVerdicts {
            for reason in verdict.reasons where reason.status != .pass {
                located.append(LocatedReason(domain: verdict.domain, reason: reason))
            }
        }
        for reason in run.verdict(model)?.reasons ?? [] where reason.status != .pass {
            // A model reason repeats an image-set reason; schema-1 files do not name its domain.
            let repeated = shiftVerdicts.contains { verdict in
                (reason.domain ?? verdict.domain) == verdict.domain && verdict.reasons.contains { $0.sameRule(as: reason) }
            }
            if !repeated { located.append(LocatedReason(domain: reason.domain, reason: reason)) }
        }
        return located
    }

    /// The most important of `reasons`: the worst status, then the code's rank in
    /// `reasonPriority`, then how far the value lies beyond its limit; ties keep the first.
    static func primaryReason(_ reasons: [LocatedReason]) -> LocatedReason? {
        func rank(_ code: VerdictReason.Code) -> Int { reasonPriority.firstIndex(of: code) ?? reasonPriority.count }
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
            return (try headlineText(primary), reasons.count)
        }
        guard let status = run.verdict(model)?.status else { return (try t("verdict.none"), 0) }
        // No reason against the model: its hardest labelled shift, by relative accuracy.
        let kept = run.shifts.compactMap { shift in run.robustness(model, shift.name)?.relativeAccuracy.map { (shift.name, $0) } }
        if status == .pass, let hardest = kept.min(by: { $0.1 < $1.1 }) {
            return (try t("headline.pass", ["shift": hardest.0, "relative": catalog.percent(hardest.1)]), 0)
        }
        return (try t("reason.criteria_met_all"), 0)
    }

    /// A reason as a verdict line says it (`headline.<code>`, else `reason.<code>`), after its image set.
    func headlineText(_ located: LocatedReason) throws -> String {
        let key = "headline.\(located.reason.code.rawValue)"
        let numbers = catalog.reasonNumbers(located.reason)
        let text = catalog.entries[key] != nil ? try t(key, ["value": numbers.value, "limit": numbers.limit]) : try reasonText(located.reason)
        return try located.domain.map { try t("verdict.reason_on", ["domain": $0, "reason": text]) } ?? text
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
        row["stage"] = .text(try stageLine(model.name) ?? "")
        return .dict(row)
    }
}
