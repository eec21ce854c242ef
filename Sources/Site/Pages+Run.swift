import Results

/// Where things live in the site folder, and the Content-Security-Policy of its pages.
enum SitePaths {
    /// Pages load only the site's own stylesheet; no script, no remote anything. `file:` is
    /// listed beside `'self'` because browsers give `file://` pages an opaque origin, which
    /// `'self'` may not match; pages served over HTTP cannot load `file:` URLs anyway.
    static let csp = "default-src 'none'; style-src 'self' file:; img-src 'self' data:; base-uri 'none'; form-action 'none'"
    /// The packet carries its CSS inline (it must work as a single file).
    static let packetCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    /// PNG bytes of sample images the packet embeds at most (as base64, a third more), so that
    /// it stays under 2 MB with any number of image sets.
    static let packetImageBytes = 700_000
    static let stylesheet = "assets/site.css"
    /// The CSV files written into every run's `tables/` folder.
    static let tableNames = ["accuracy", "verdicts", "effective_robustness", "outliers", "pruning", "distance", "concepts",
                                    "linear_probe", "atc", "per_class", "confusions", "skipped"]
}

extension PageContext {
    /// Run overview: `pilots/<pilot>/<run>/index.html`.
    func runOverview() throws -> TemplateValue {
        var page = layout(title: "\(results.pilot.title) — \(try t("run.title"))", root: "../../../", cssHref: "../../../\(SitePaths.stylesheet)", inlineCSS: nil)
        page["breadcrumbs"] = .list([
            link(try t("nav.home"), "../../../index.html"), link(results.pilot.title, "../index.html"),
        ])
        try addRunBasics(&page, prefix: "")
        page["verdicts"] = .list(try evaluated.map { try verdictLine($0, prefix: "") })
        page["heatmap"] = try heatmap(id: "chart-heatmap").map { chart($0, csv: "tables/effective_robustness.csv") } ?? .bool(false)
        page["er"] = try scatterMultiples(id: "chart-er").map { chart($0, csv: "tables/effective_robustness.csv") } ?? .bool(false)
        if let reference = run.reference {
            page["profile"] = try profile(id: "chart-profile", models: evaluated, domain: reference.name).map { chart($0, csv: "tables/outliers.csv") } ?? .bool(false)
        } else {
            page["profile"] = .bool(false)
        }
        page["outliers"] = .list(try outlierRows(prefix: ""))
        page["signal"] = try signalMultiples(id: "chart-signal").map { chart($0, csv: "tables/effective_robustness.csv") } ?? .bool(false)
        page["pruning"] = try pruningMultiples(id: "chart-pruning").map { chart($0, csv: "tables/pruning.csv") } ?? .bool(false)
        page["skipped"] = .list(try skippedRows())
        page["skipped_total"] = .text(try catalog.plural("run.skipped_total", count: results.domains.reduce(0) { $0 + $1.skippedImages.count }))
        page["not_measured"] = .list(try notMeasuredRows())
        page["notes"] = .list(try noteRows())
        page["guardrails"] = .list(try guardrailTexts().map { .text($0) })
        try addDrift(&page, withModel: true)
        page["next_steps"] = .list(try recommendedSteps().map { .text($0) })
        page["downloads"] = .list(try downloads(prefix: ""))
        page["phrases"] = .list(try meetingPhrases().map { .text($0) })
        return .dict(page)
    }

    /// Pilot, run, overall verdict, navigation lists: shared by the run's pages. `prefix` leads
    /// from the page's folder to the run folder ("" or "../").
    func addRunBasics(_ page: inout [String: TemplateValue], prefix: String) throws {
        page["pilot_title"] = .text(results.pilot.title)
        page["pilot_name"] = .text(results.pilot.name)
        page["run_id"] = .text(results.runID)
        page["run_date"] = .text(catalog.date(results.createdAt))
        page["created_at"] = .text(results.createdAt)
        page["overall"] = try status(run.overallStatus)
        page["overall_sentence"] = .text(try overallSentence())
        page["question"] = .text(try question())
        page["notice"] = .text(results.pilot.notice ?? "")
        page["has_baseline"] = .bool(results.effectiveRobustness.contains { $0.points.contains { $0.baseline != nil } })
        page["criteria_text"] = .text(try criteriaText())
        page["run_href"] = .text(prefix + "index.html")
        page["packet_href"] = .text(prefix + "packet.html")
        page["models"] = .list(evaluated.map { model in
            .dict(["label": .text(model.name), "href": .text(prefix + "models/\(run.modelSlug(model.name)).html"), "family": .text(model.family)])
        })
        page["shifts"] = .list(run.shifts.map { shift in
            .dict(["label": .text(shift.name), "href": .text(prefix + "shifts/\(run.domainSlug(shift.name)).html")])
        })
        page["reference_name"] = .text(run.reference?.name ?? "—")
        page["reference_href"] = .text(run.reference.map { prefix + "shifts/\(run.domainSlug($0.name)).html" } ?? "")
    }

    /// The reasons behind a model's verdict in the page's language: every non-pass reason of its
    /// image-set verdicts, prefixed with the image set ("sketch: …"), then any model-level reason
    /// no image-set verdict carries; for a model without any such reason, one "no criterion is
    /// violated" line.
    func verdictReasons(_ model: String) throws -> [String] {
        var texts = try locatedReasons(model).map { located in
            try located.domain.map { try t("verdict.reason_on", ["domain": $0, "reason": try reasonText(located.reason)]) } ?? reasonText(located.reason)
        }
        if texts.isEmpty, run.verdict(model)?.status == .pass { texts.append(try t("reason.criteria_met_all")) }
        return texts
    }

    func question() throws -> String {
        if let question = results.pilot.question?.trimmingCharacters(in: .whitespacesAndNewlines), !question.isEmpty { return question }
        return try t("cover.question", ["models": catalog.list(evaluated.map(\.name)), "shifts": catalog.list(run.shifts.map(\.name))])
    }

    func overallSentence() throws -> String {
        let notLoaded = (results.guardrails ?? []).filter { $0.code == .modelNotLoaded }.compactMap(\.model)
        guard notLoaded.isEmpty else {
            return try verdictSentence() + " " + catalog.plural("overall.not_loaded", count: notLoaded.count, ["models": catalog.list(notLoaded)])
        }
        return try verdictSentence()
    }

    /// The overall verdict over the evaluated models, in one sentence.
    func verdictSentence() throws -> String {
        let counts = Dictionary(grouping: evaluated.compactMap { run.verdict($0.name)?.status }, by: { $0 }).mapValues(\.count)
        let arguments = [
            "models": try catalog.plural("count.models", count: evaluated.count),
            "passed": catalog.integer(counts[.pass] ?? 0), "watched": catalog.integer(counts[.watch] ?? 0),
        ]
        switch run.overallStatus {
        case .pass?: return try catalog.plural("overall.pass", count: evaluated.count, arguments)
        case .watch?: return try catalog.plural("overall.watch", count: counts[.watch] ?? 0, arguments)
        case .fail?: return try catalog.plural("overall.fail", count: counts[.fail] ?? 0, arguments)
        case .notAssessed?: return try catalog.plural("overall.not_assessed", count: counts[.notAssessed] ?? 0, arguments)
        case nil: return try t("overall.none", arguments)
        }
    }

    /// The stored guardrails that `include` selects, in the page's language (`guardrail.<code>`).
    func guardrailTexts(_ include: (Guardrail) -> Bool = { _ in true }) throws -> [String] {
        try (results.guardrails ?? []).filter(include).map { flag in
            var arguments = ["model": flag.model ?? "", "domain": flag.domain ?? "", "detail": flag.detail ?? ""]
            switch flag.code {
            case .chanceLevelAccuracy:
                arguments["value"] = catalog.percent(flag.value)
                arguments["limit"] = catalog.percent(flag.limit)
            case .linearProbeFewRows:
                arguments["value"] = catalog.decimal(flag.value, digits: 1)
                arguments["limit"] = catalog.decimal(flag.limit, digits: 0)
            default:
                arguments["value"] = catalog.decimal(flag.value, digits: 0)
                arguments["limit"] = catalog.decimal(flag.limit, digits: 0)
            }
            return try t("guardrail.\(flag.code.rawValue)", arguments)
        }
    }

    /// One sentence per stored `LabelsNeeded` that `include` selects, in the page's language
    /// (`labels.<code>`, or `labels.settle_capped` / `labels.check_estimate_capped` past the cap).
    func labelsNeededTexts(_ include: (LabelsNeeded) -> Bool = { _ in true }) throws -> [String] {
        try (results.labelsNeeded ?? []).filter(include).map { item in
            var arguments = [
                "domain": item.domain, "accuracy": catalog.percent(item.accuracy), "threshold": catalog.percent(item.threshold),
                "margin": catalog.decimal(item.margin.map { $0 * 100 }, digits: 0), "additional": catalog.integer(item.additional),
                "total": catalog.integer(item.total), "cap": catalog.integer(item.total),
                "probability": catalog.percent(item.decisionProbability, digits: 0),
            ]
            arguments["basis"] = try t(item.estimated ? "labels.basis.estimated" : "labels.basis.measured", ["accuracy": arguments["accuracy"]!])
            switch (item.code, item.capped) {
            case (.checkEstimate, false): return try t("labels.check_estimate", arguments)
            case (.checkEstimate, true): return try t("labels.check_estimate_capped", arguments)
            case (_, true): return try t("labels.settle_capped", arguments)
            case (.settleMinAccuracy, false), (.settleRelativeDrop, false): return try t("labels.\(item.code.rawValue)", arguments)
            }
        }
    }

    func outlierRows(prefix: String) throws -> [TemplateValue] {
        guard let reference = run.reference else { return [] }
        return evaluated.compactMap { model in
            guard let outliers = run.probes(model.name, reference.name)?.outliers else { return nil }
            var row: [String: TemplateValue] = [:]
            row["model"] = .text(model.name)
            row["href"] = .text(prefix + "models/\(run.modelSlug(model.name)).html")
            row["count"] = .number(catalog.integer(outliers.count))
            row["kurtosis"] = .number(catalog.decimal(outliers.kurtosisMean, digits: 1))
            row["dimensions"] = .text(outliers.dimensions.prefix(8).map(String.init).joined(separator: ", ") + (outliers.dimensions.count > 8 ? ", …" : ""))
            return .dict(row)
        }
    }

    func skippedRows() throws -> [TemplateValue] {
        try results.domains.flatMap { domain in
            try domain.skippedImages.map { image in
                .dict(["domain": .text(domain.name), "path": .text(image.path), "code": .text(image.shownCode), "reason": .text(try skippedReason(image))])
            }
        }
    }

    /// Model × domain pairs without a measured accuracy, and why.
    func notMeasuredRows() throws -> [TemplateValue] {
        var rows: [TemplateValue] = []
        for model in evaluated {
            for domain in results.domains where run.zeroShot(model.name, domain.name) == nil {
                let reason: String
                if run.probes(model.name, domain.name) == nil {
                    reason = try t("run.not_run")
                } else if !domain.isLabelled {
                    reason = run.probes(model.name, domain.name)?.atc != nil ? try t("run.unlabelled_estimated") : try t("run.unlabelled")
                } else {
                    reason = try t("run.no_accuracy")
                }
                rows.append(.dict(["model": .text(model.name), "domain": .text(domain.name), "reason": .text(reason)]))
            }
        }
        return rows
    }

    func noteRows() throws -> [TemplateValue] {
        try results.probes.flatMap { entry in
            try noteTexts(entry.results).map { note in
                .dict(["model": .text(entry.model), "domain": .text(entry.domain), "text": .text(note)])
            }
        }
    }

    func downloads(prefix: String) throws -> [TemplateValue] {
        [link("results.json", prefix + "results.json"), link("manifest.json", prefix + "manifest.json")]
            + SitePaths.tableNames.map { link("tables/\($0).csv", prefix + "tables/\($0).csv") }
    }
}

extension VerdictReason {
    /// The same rule with the same numbers (whichever verdict holds it).
    func sameRule(as other: VerdictReason) -> Bool {
        code == other.code && status == other.status && value == other.value && limit == other.limit
    }
}
