import Results

extension PageContext {
    /// The printable meeting packet: `pilots/<pilot>/<run>/packet.html`, one self-contained file.
    func packet(css: String) throws -> TemplateValue {
        var page = layout(title: "\(results.pilot.title) — \(try t("packet.title"))", root: "", cssHref: nil, inlineCSS: css)
        try addRunBasics(&page, prefix: "")
        // Page 1: one verdict line per model (its reasons are on the model cards) and the key numbers.
        page["verdicts"] = .list(try evaluated.map { try verdictLine($0, prefix: nil, details: false) })
        page["key_numbers"] = .list(evaluated.compactMap { keyNumbersRow($0) })
        page["model_summaries"] = .list(try evaluated.map { try modelSummary($0) })
        var imageBudget = SitePaths.packetImageBytes
        page["shift_summaries"] = .list(try run.shifts.map { shift in
            try shiftSummary(shift, thumbnails: embeddedThumbnails(of: shift.name, limit: 6, budget: &imageBudget))
        })
        page["phrases"] = .list(try meetingPhrases().map { .text($0) })
        page["guardrails"] = .list(try guardrailTexts().map { .text($0) })
        try addDrift(&page, withModel: true)
        page["next_steps"] = .list(try recommendedSteps().map { .text($0) })
        page["heatmap"] = try heatmap(id: "packet-heatmap").map { chart($0) } ?? .bool(false)
        page["er"] = try scatterMultiples(id: "packet-er").map { chart($0) } ?? .bool(false)
        page["signal"] = try signalMultiples(id: "packet-signal").map { chart($0) } ?? .bool(false)
        if let reference = run.reference {
            page["profile"] = try profile(id: "packet-profile", models: evaluated, domain: reference.name).map { chart($0) } ?? .bool(false)
        } else {
            page["profile"] = .bool(false)
        }
        var bars: [BarChart.Bar] = []
        for model in evaluated {
            if let lowest = lowestShift(model.name), let zeroShot = run.zeroShot(model.name, lowest.name) {
                bars.append(.init(label: "\(model.name) · \(lowest.name)", value: zeroShot.top1, low: zeroShot.top1CI.lower, high: zeroShot.top1CI.upper))
            }
        }
        page["bars"] = try accuracyBars(id: "packet-bars", title: try t("chart.bars.title_lowest"), bars: bars).map { chart($0) } ?? .bool(false)
        page["skipped_total"] = .text(try catalog.plural("run.skipped_total", count: results.domains.reduce(0) { $0 + $1.skippedImages.count }))
        page["seeds"] = .text("\(results.seeds.base)")
        return .dict(page)
    }

    /// The labelled shift where `model` has its lowest top-1 accuracy.
    func lowestShift(_ model: String) -> DomainSummary? {
        labelledShifts.filter { run.zeroShot(model, $0.name) != nil }
            .min { (run.zeroShot(model, $0.name)?.top1 ?? 1) < (run.zeroShot(model, $1.name)?.top1 ?? 1) }
    }

    /// The cover's row for `model`: reference accuracy, hardest labelled shift, the accuracy
    /// there and its change from the reference, each with its interval; nil without a
    /// reference accuracy.
    func keyNumbersRow(_ model: ModelSummary) -> TemplateValue? {
        guard let reference = run.reference, let referenceZeroShot = run.zeroShot(model.name, reference.name) else { return nil }
        var row: [String: TemplateValue] = ["model": .text(model.name)]
        row["reference"] = .number(catalog.percent(referenceZeroShot.top1))
        row["reference_ci"] = .number(catalog.percentRange(referenceZeroShot.top1CI.lower, referenceZeroShot.top1CI.upper))
        for key in ["accuracy", "accuracy_ci", "change", "change_ci"] { row[key] = .number("—") }
        row["shift"] = .text("—")
        if let lowest = lowestShift(model.name), let zeroShot = run.zeroShot(model.name, lowest.name) {
            row["shift"] = .text(lowest.name)
            row["accuracy"] = .number(catalog.percent(zeroShot.top1))
            row["accuracy_ci"] = .number(catalog.percentRange(zeroShot.top1CI.lower, zeroShot.top1CI.upper))
            if let difference = zeroShot.differenceFromReference {
                row["change"] = .number(catalog.points(difference.difference))
                row["change_ci"] = .number(catalog.pointsRange(difference.ci.lower, difference.ci.upper))
            }
        }
        return .dict(row)
    }

    func keyNumber(_ label: String, _ value: String, _ interval: String) -> TemplateValue {
        .dict(["label": .text(label), "value": .number(value), "interval": .text(interval)])
    }

    func modelSummary(_ model: ModelSummary) throws -> TemplateValue {
        var numbers: [TemplateValue] = []
        if let reference = run.reference, let zeroShot = run.zeroShot(model.name, reference.name) {
            numbers.append(keyNumber(try t("summary.reference_accuracy", ["domain": reference.name]), catalog.percent(zeroShot.top1),
                                     try t("summary.ci", ["level": catalog.percent(zeroShot.top1CI.level, digits: 0),
                                                          "range": catalog.percentRange(zeroShot.top1CI.lower, zeroShot.top1CI.upper)])))
        }
        if let lowest = lowestShift(model.name), let zeroShot = run.zeroShot(model.name, lowest.name) {
            numbers.append(keyNumber(try t("summary.lowest_accuracy", ["shift": lowest.name]), catalog.percent(zeroShot.top1),
                                     try t("summary.ci", ["level": catalog.percent(zeroShot.top1CI.level, digits: 0),
                                                          "range": catalog.percentRange(zeroShot.top1CI.lower, zeroShot.top1CI.upper)])))
            if let difference = zeroShot.differenceFromReference {
                numbers.append(keyNumber(try t("summary.change", ["shift": lowest.name]), catalog.points(difference.difference),
                                         try t("summary.ci", ["level": catalog.percent(difference.ci.level, digits: 0),
                                                              "range": catalog.pointsRange(difference.ci.lower, difference.ci.upper)])))
            }
        } else {
            let estimates = run.shifts.compactMap { shift in run.probes(model.name, shift.name)?.atc.map { (shift.name, $0.estimate) } }
            if let lowest = estimates.min(by: { $0.1 < $1.1 }) {
                numbers.append(keyNumber(try t("summary.lowest_estimate", ["shift": lowest.0]), catalog.percent(lowest.1), try t("summary.estimate_note")))
            }
        }
        var outliers = ""
        if let reference = run.reference, let result = run.probes(model.name, reference.name)?.outliers {
            outliers = try catalog.plural("summary.outliers", count: result.count, ["kurtosis": catalog.decimal(result.kurtosisMean, digits: 1)])
        }
        return .dict([
            "name": .text(model.name), "family": .text(model.family), "verdict": try status(run.verdict(model.name)?.status),
            "numbers": .list(numbers), "outliers": .text(outliers),
            "reasons": .list(try verdictReasons(model.name).map { .text($0) }),
            "labels_needed": .list(try labelsNeededTexts { $0.model == model.name }.map { .text($0) }),
            "adapt": try fewShotPacketLine(model: model.name).map { .text($0) } ?? .bool(false),
            "prompts": try promptPacketLine(model: model.name).map { .text($0) } ?? .bool(false),
            "names": try namePacketLine(model: model.name).map { .text($0) } ?? .bool(false),
        ])
    }

    func shiftSummary(_ shift: DomainSummary, thumbnails: [TemplateValue]) throws -> TemplateValue {
        var numbers: [TemplateValue] = []
        let measured = evaluated.compactMap { model in run.zeroShot(model.name, shift.name).map { (model.name, $0) } }
        if let best = measured.max(by: { $0.1.top1 < $1.1.top1 }) {
            numbers.append(keyNumber(try t("summary.best_model", ["model": best.0]), catalog.percent(best.1.top1),
                                     try t("summary.ci", ["level": catalog.percent(best.1.top1CI.level, digits: 0),
                                                          "range": catalog.percentRange(best.1.top1CI.lower, best.1.top1CI.upper)])))
        }
        if measured.count > 1, let worst = measured.min(by: { $0.1.top1 < $1.1.top1 }) {
            numbers.append(keyNumber(try t("summary.worst_model", ["model": worst.0]), catalog.percent(worst.1.top1),
                                     try t("summary.ci", ["level": catalog.percent(worst.1.top1CI.level, digits: 0),
                                                          "range": catalog.percentRange(worst.1.top1CI.lower, worst.1.top1CI.upper)])))
        }
        let changes = measured.compactMap { entry in entry.1.differenceFromReference.map { (entry.0, $0) } }
        if let largest = changes.min(by: { $0.1.difference < $1.1.difference }) {
            numbers.append(keyNumber(try t("summary.largest_change", ["model": largest.0]), catalog.points(largest.1.difference),
                                     try t("summary.ci", ["level": catalog.percent(largest.1.ci.level, digits: 0),
                                                          "range": catalog.pointsRange(largest.1.ci.lower, largest.1.ci.upper)])))
        }
        if measured.isEmpty {
            let estimates = evaluated.compactMap { model in run.probes(model.name, shift.name)?.atc.map { (model.name, $0.estimate) } }
            for (model, estimate) in estimates.prefix(2) {
                numbers.append(keyNumber(try t("summary.estimate", ["model": model]), catalog.percent(estimate), try t("summary.estimate_note")))
            }
            if let distance = evaluated.lazy.compactMap({ self.run.probes($0.name, shift.name)?.distance }).first {
                numbers.append(keyNumber(try t("summary.auc"), catalog.decimal(distance.auc, digits: 2), try t("summary.auc_note")))
            }
        }
        return .dict([
            "name": .text(shift.name),
            "images": .text(try catalog.plural("count.images", count: shift.imageCount)),
            "skipped": .text(shift.skippedImages.isEmpty ? "" : try catalog.plural("count.skipped", count: shift.skippedImages.count)),
            "labelled": .bool(shift.isLabelled),
            "numbers": .list(numbers),
            "thumbnails": .list(thumbnails),
            "image_changes": try imageChangeSentence(shift).map { .text($0) } ?? .bool(false),
        ])
    }
}
