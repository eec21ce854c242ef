import Results

extension PageContext {
    /// One model: `pilots/<pilot>/<run>/models/<model>.html`.
    func modelPage(_ model: ModelSummary) throws -> TemplateValue {
        var page = layout(title: "\(model.name) — \(results.pilot.title)", root: "../../../../", cssHref: "../../../../\(SitePaths.stylesheet)", inlineCSS: nil)
        page["breadcrumbs"] = .list([
            link(try t("nav.home"), "../../../../index.html"), link(results.pilot.title, "../../index.html"),
            link(try t("run.title") + " " + results.runID, "../index.html"),
        ])
        try addRunBasics(&page, prefix: "../")
        page["model"] = .dict([
            "name": .text(model.name), "family": .text(model.family), "activation": .text(model.activation),
            "precision": model.precision.map { .text($0) } ?? .bool(false),
            "sha256": .text(model.sha256), "is_baseline": .bool(model.isBaseline),
        ])
        page["verdict"] = try status(run.verdict(model.name)?.status)
        page["reasons"] = .list(try verdictReasons(model.name).map { .text($0) })
        page["guardrails"] = .list(try guardrailTexts { $0.model == model.name }.map { .text($0) })
        page["stages"] = .list(try stageRows(model.name))
        try addDrift(&page, withModel: false) { $0.model == model.name }
        page["next_steps"] = .list(try nextStepTexts(model.name).map { .text($0) })
        page["labels_needed"] = .list(try labelsNeededTexts { $0.model == model.name }.map { .text($0) })
        page["adapt"] = .list(try results.domains.compactMap { domain in
            let sentences = try fewShotSentences(model: model.name, domain: domain.name)
            return sentences.isEmpty ? nil : .text(sentences.joined(separator: try t("format.sentence_gap")))
        })
        page["prompts"] = try promptSection(model: model.name)
        page["names"] = try nameSection(model: model.name)

        var bars: [BarChart.Bar] = []
        for domain in results.domains {
            if let zeroShot = run.zeroShot(model.name, domain.name) {
                bars.append(.init(label: domain.name, value: zeroShot.top1, low: zeroShot.top1CI.lower, high: zeroShot.top1CI.upper))
            }
        }
        page["accuracy"] = try accuracyBars(id: "chart-accuracy", title: try t("chart.bars.title_model", ["model": model.name]), bars: bars)
            .map { chart($0, csv: "../tables/accuracy.csv") } ?? .bool(false)
        page["shift_sentences"] = .list(try run.shifts.map { shift in
            .dict(["shift": .text(shift.name), "href": .text("../shifts/\(run.domainSlug(shift.name)).html"),
                   "sentences": .list(try shiftSentences(model: model.name, shift: shift).map { .text($0) }),
                   "verdict": try status(run.verdict(model.name, shift.name)?.status)])
        })
        page["domains"] = .list(try results.domains.map { domain in try domainRow(model: model.name, domain: domain) })
        page["pruning"] = try pruning(id: "chart-pruning", model: model.name, coordinates: false).map { chart($0, csv: "../tables/pruning.csv") } ?? .bool(false)
        page["pruning_coordinates"] = try pruning(id: "chart-pruning-coordinates", model: model.name, coordinates: true)
            .map { chart($0, csv: "../tables/pruning.csv") } ?? .bool(false)
        if let reference = run.reference {
            page["profile"] = try profile(id: "chart-profile", models: [model], domain: reference.name).map { chart($0, csv: "../tables/outliers.csv") } ?? .bool(false)
            page["classes"] = .list(try weakestClasses(model: model.name))
        } else {
            page["profile"] = .bool(false)
            page["classes"] = .list([])
        }
        return .dict(page)
    }

    /// Every probe's headline numbers for one model × domain.
    func domainRow(model: String, domain: DomainSummary) throws -> TemplateValue {
        let probes = run.probes(model, domain.name)
        var row: [String: TemplateValue] = [:]
        row["domain"] = .text(domain.name)
        row["role"] = .text(try t("role.\(domain.role.rawValue)"))
        row["top1"] = .number(catalog.percent(probes?.zeroShot?.top1))
        row["top1_ci"] = .number(probes?.zeroShot.map { catalog.percentRange($0.top1CI.lower, $0.top1CI.upper) } ?? "—")
        row["top5"] = .number(catalog.percent(probes?.zeroShot?.top5))
        row["linear_probe"] = .number(catalog.percent(probes?.linearProbe?.accuracy))
        row["atc"] = .number(catalog.percent(probes?.atc?.estimate))
        row["outliers"] = .number(probes?.outliers.map { catalog.integer($0.count) } ?? "—")
        row["kurtosis"] = .number(catalog.decimal(probes?.outliers?.kurtosisMean, digits: 1))
        row["jaccard"] = .number(catalog.decimal(probes?.outliers?.jaccardWithReference, digits: 2))
        row["concepts"] = .number(probes?.concepts.map { catalog.integer($0.uniqueConceptCount) } ?? "—")
        row["polysemanticity"] = .number(catalog.decimal(probes?.concepts?.polysemanticityMean, digits: 2))
        return .dict(row)
    }

    /// The ten classes with the lowest accuracy on any labelled shift, with the reference beside them.
    func weakestClasses(model: String) throws -> [TemplateValue] {
        guard let reference = run.reference, let referenceZeroShot = run.zeroShot(model, reference.name) else { return [] }
        var rows: [(name: String, shift: String, accuracy: Double, count: Int, referenceAccuracy: Double?)] = []
        for shift in labelledShifts {
            guard let zeroShot = run.zeroShot(model, shift.name) else { continue }
            for entry in zeroShot.perClass {
                guard let accuracy = entry.accuracy else { continue }
                let referenceAccuracy = referenceZeroShot.perClass.first { $0.classIndex == entry.classIndex }?.accuracy
                rows.append((run.className(entry.classIndex), shift.name, accuracy, entry.count, referenceAccuracy))
            }
        }
        rows.sort { ($0.accuracy, $0.name, $0.shift) < ($1.accuracy, $1.name, $1.shift) }
        return rows.prefix(10).map { row in
            .dict(["name": .text(row.name), "shift": .text(row.shift), "accuracy": .number(catalog.percent(row.accuracy)),
                   "count": .number(catalog.integer(row.count)), "reference": .number(catalog.percent(row.referenceAccuracy))])
        }
    }
}
