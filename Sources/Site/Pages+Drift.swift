import Results

/// Drift since the pilot's previous run on the pages: the run overview, the model and shift pages
/// and the packet's first page say every comparison that moved beyond chance, or that none did.
extension PageContext {
    /// One sentence per drifted comparison that `include` selects ("low-light: accuracy fell from
    /// 71.0% to 58.0% since the run of 2026-11-02; …"): accuracies, then estimates, then image
    /// statistics (whose units differ), each largest change first.
    func driftTexts(withModel: Bool, _ include: (DriftComparison) -> Bool = { _ in true }) throws -> [String] {
        guard let drift = results.drift else { return [] }
        let date = catalog.date(drift.previousCreatedAt)
        return try drift.comparisons.filter { $0.drifted && include($0) }
            .sorted { a, b in
                let order = DriftComparison.Code.allCases
                let (rankA, rankB) = (order.firstIndex(of: a.code) ?? 0, order.firstIndex(of: b.code) ?? 0)
                return rankA != rankB ? rankA < rankB : abs(a.difference) > abs(b.difference)
            }
            .map { comparison in
                let direction = comparison.difference < 0 ? "fell" : "rose"
                var arguments = [
                    "domain": comparison.domain, "date": date, "previous": catalog.percent(comparison.previous),
                    "current": catalog.percent(comparison.current), "difference": catalog.points(comparison.difference),
                    "range": catalog.pointsRange(comparison.ci.lower, comparison.ci.upper),
                ]
                if let measure = comparison.measure {
                    // A mean in its statistic's unit, as the shift page prints it.
                    let format = imageStatisticFormat(measure)
                    arguments["measure"] = try t("image_stat.\(measure.rawValue)")
                    arguments["previous"] = format(comparison.previous)
                    arguments["current"] = format(comparison.current)
                    arguments["difference"] = signed(comparison.difference, format)
                    arguments["range"] = try t("drift.range", ["low": signed(comparison.ci.lower, format), "high": signed(comparison.ci.upper, format)])
                }
                let text = try t("drift.\(comparison.code.rawValue)_\(direction)", arguments)
                guard withModel, let model = comparison.model else { return text }
                return try t("drift.on_model", ["model": model, "text": text])
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
