import Results

/// Drift since the pilot's previous run on the pages: the run overview, the model and shift pages
/// and the packet's first page say every comparison that moved beyond chance, or that none did.
extension PageContext {
    /// One sentence per drifted comparison that `include` selects ("low-light: accuracy fell from
    /// 71.0% to 58.0% since the run of 2026-11-02; …"), largest change first.
    func driftTexts(withModel: Bool, _ include: (DriftComparison) -> Bool = { _ in true }) throws -> [String] {
        guard let drift = results.drift else { return [] }
        let date = catalog.date(drift.previousCreatedAt)
        return try drift.comparisons.filter { $0.drifted && include($0) }
            .sorted { abs($0.difference) > abs($1.difference) }
            .map { comparison in
                let direction = comparison.difference < 0 ? "fell" : "rose"
                let text = try t("drift.\(comparison.code.rawValue)_\(direction)", [
                    "domain": comparison.domain, "previous": catalog.percent(comparison.previous), "current": catalog.percent(comparison.current),
                    "date": date, "difference": catalog.points(comparison.difference),
                    "range": catalog.pointsRange(comparison.ci.lower, comparison.ci.upper),
                ])
                return withModel ? try t("drift.on_model", ["model": comparison.model, "text": text]) : text
            }
    }

    /// When nothing selected drifted: "No change beyond chance since the run of …, in 12
    /// comparisons", or that the previous run shares nothing with this one; nil for a first run or
    /// when something drifted.
    func driftNone(_ include: (DriftComparison) -> Bool = { _ in true }) throws -> String? {
        guard let drift = results.drift else { return nil }
        let compared = drift.comparisons.filter(include)
        guard !compared.contains(where: \.drifted) else { return nil }
        let date = catalog.date(drift.previousCreatedAt)
        if compared.isEmpty { return try t("drift.nothing_compared", ["date": date]) }
        return try catalog.plural("drift.none", count: compared.count, ["date": date])
    }

    /// Template values of a drift block: `drift` (sentences), `drift_none` (or empty text).
    func addDrift(_ page: inout [String: TemplateValue], withModel: Bool, _ include: (DriftComparison) -> Bool = { _ in true }) throws {
        page["drift"] = .list(try driftTexts(withModel: withModel, include).map { .text($0) })
        page["drift_none"] = .text(try driftNone(include) ?? "")
        page["has_drift"] = .bool(results.drift != nil)
    }
}
