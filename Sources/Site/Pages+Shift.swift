import Results

extension PageContext {
    /// One domain (the reference or a shift): `pilots/<pilot>/<run>/shifts/<domain>.html`.
    func shiftPage(_ domain: DomainSummary) throws -> TemplateValue {
        var page = layout(title: "\(domain.name) — \(results.pilot.title)", root: "../../../../", cssHref: "../../../../\(SitePaths.stylesheet)", inlineCSS: nil)
        page["breadcrumbs"] = .list([
            link(try t("nav.home"), "../../../../index.html"), link(results.pilot.title, "../../index.html"),
            link(try t("run.title") + " " + results.runID, "../index.html"),
        ])
        try addRunBasics(&page, prefix: "../")
        page["domain"] = .dict([
            "name": .text(domain.name), "role": .text(try t("role.\(domain.role.rawValue)")),
            "is_reference": .bool(domain.role == .reference),
            "labelled": .text(try t(domain.isLabelled ? "label.yes" : "label.no")),
            "images": .number(catalog.integer(domain.imageCount)),
            "skipped": .number(catalog.integer(domain.skippedImages.count)),
        ])
        page["skipped_images"] = .list(try domain.skippedImages.map { image in
            .dict(["path": .text(image.path), "code": .text(image.code), "reason": .text(try skippedReason(image))])
        })
        var bars: [BarChart.Bar] = []
        for model in evaluated {
            if let zeroShot = run.zeroShot(model.name, domain.name) {
                bars.append(.init(label: model.name, value: zeroShot.top1, low: zeroShot.top1CI.lower, high: zeroShot.top1CI.upper))
            }
        }
        page["accuracy"] = try accuracyBars(id: "chart-accuracy", title: try t("chart.bars.title_shift", ["shift": domain.name]), bars: bars)
            .map { chart($0, csv: "../tables/accuracy.csv") } ?? .bool(false)
        if domain.role == .shift, domain.isLabelled, let scatter = try scatter(for: domain) {
            page["er"] = chart(scatter.chart(id: "chart-er", title: try t("chart.er.title", ["shift": domain.name]), description: try t("chart.er.description")),
                               csv: "../tables/effective_robustness.csv")
        } else {
            page["er"] = .bool(false)
        }
        page["fit"] = try run.baselineFit(domain.name).map { fit in
            TemplateValue.text(try t("shift.fit", ["source": try baselineSource(fit), "count": catalog.integer(fit.pointCount),
                                                   "slope": catalog.decimal(fit.slope, digits: 2),
                                                   "intercept": (fit.intercept < 0 ? "− " : "+ ") + catalog.decimal(abs(fit.intercept), digits: 2)]))
        } ?? .bool(false)
        let evaluatedNames = Set(evaluated.map(\.name))
        let guardrails: [String] = try guardrailTexts { flag in
            flag.domain == domain.name && (flag.model.map { evaluatedNames.contains($0) } ?? true)
        }
        page["guardrails"] = .list(guardrails.map { TemplateValue.text($0) })
        let limitation = evaluated.compactMap { run.robustness($0.name, domain.name)?.intervals?.limitation }.first
        page["limitation"] = try limitation.map { TemplateValue.text(try t("limitation.\($0.rawValue)")) } ?? .bool(false)
        page["model_rows"] = .list(try evaluated.map { model in
            var row: [String: TemplateValue] = [:]
            let probes = run.probes(model.name, domain.name)
            let point = run.robustness(model.name, domain.name)
            row["model"] = .text(model.name)
            row["href"] = .text("../models/\(run.modelSlug(model.name)).html")
            row["top1"] = .number(catalog.percent(probes?.zeroShot?.top1))
            row["top1_ci"] = .number(probes?.zeroShot.map { catalog.percentRange($0.top1CI.lower, $0.top1CI.upper) } ?? "—")
            row["relative"] = .number(catalog.percent(point?.relativeAccuracy))
            row["difference"] = .number(catalog.points(probes?.zeroShot?.differenceFromReference?.difference))
            row["difference_ci"] = .number(probes?.zeroShot?.differenceFromReference.map { catalog.pointsRange($0.ci.lower, $0.ci.upper) } ?? "—")
            row["er"] = .number(catalog.points(point?.effectiveRobustness))
            row["er_ci"] = .number(point?.intervals?.effectiveRobustness.map { catalog.pointsRange($0.lower, $0.upper) } ?? "—")
            row["atc"] = .number(catalog.percent(probes?.atc?.estimate))
            row["frechet"] = .number(catalog.significant(probes?.distance?.frechet))
            row["mmd2"] = .number(catalog.significant(probes?.distance?.mmd2))
            row["mmd_p"] = .number(catalog.significant(probes?.distance?.mmdPValue))
            row["auc"] = .number(catalog.decimal(probes?.distance?.auc, digits: 3))
            row["jaccard"] = .number(catalog.decimal(probes?.outliers?.jaccardWithReference, digits: 2))
            row["verdict"] = try status(run.verdict(model.name, domain.name)?.status)
            row["reasons"] = .list(try (run.verdict(model.name, domain.name)?.reasons ?? []).filter { $0.status != .pass }.map { .text(try reasonText($0)) })
            row["sentences"] = .list(domain.role == .shift ? try shiftSentences(model: model.name, shift: domain).map { .text($0) } : [])
            row["labels_needed"] = .list(try labelsNeededTexts { $0.model == model.name && $0.domain == domain.name }.map { .text($0) })
            return .dict(row)
        })
        return .dict(page)
    }
}
