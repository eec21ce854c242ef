import Foundation
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
        // This image set's sample, and on a shift the reference's beside it.
        var groups = [(title: domain.name, domain: domain.name)]
        if domain.role == .shift, let reference = run.reference {
            groups.append((try t("shift.sample_reference", ["domain": reference.name]), reference.name))
        }
        var samples: [TemplateValue] = []
        for group in groups {
            let images = thumbnailImages(of: group.domain, prefix: "../")
            if !images.isEmpty { samples.append(.dict(["title": .text(group.title), "thumbnails": .list(images)])) }
        }
        page["samples"] = .list(samples)
        page["sample_lead"] = .text(try t("shift.sample_lead", ["side": catalog.integer(96)]))
        page["image_statistics"] = .list(try imageStatisticValues(domain))
        page["image_changes"] = try imageChangeSentence(domain).map { .text($0) } ?? .bool(false)
        page["skipped_images"] = .list(try domain.skippedImages.map { image in
            .dict(["path": .text(image.path), "code": .text(image.shownCode), "reason": .text(try skippedReason(image))])
        })
        var bars: [BarChart.Bar] = []
        for model in evaluated {
            if let zeroShot = run.zeroShot(model.name, domain.name) {
                bars.append(.init(label: model.name, value: zeroShot.top1, low: zeroShot.top1CI.lower, high: zeroShot.top1CI.upper))
            }
        }
        page["accuracy"] = try accuracyBars(id: "chart-accuracy", title: try t("chart.bars.title_shift", ["shift": domain.name]), bars: bars)
            .map { chart($0, csv: "../tables/accuracy.csv") } ?? .bool(false)
        page["reliability"] = try reliability(id: "chart-reliability", domain: domain.name).map { chart($0) } ?? .bool(false)
        page["adapt"] = .list(try adaptation(domain: domain.name))
        page["prompts"] = .list(try promptShiftRows(domain: domain.name))
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
        page["confusions"] = .list(domain.isLabelled ? evaluated.flatMap { model in
            (run.zeroShot(model.name, domain.name)?.confusions ?? []).prefix(5).map { confusion in
                TemplateValue.dict(["model": .text(model.name), "href": .text("../models/\(run.modelSlug(model.name)).html"),
                                    "true_class": .text(run.className(confusion.trueClass)), "predicted_class": .text(run.className(confusion.predictedClass)),
                                    "count": .number(catalog.integer(confusion.count))])
            }
        } : [])
        page["mistakes"] = .list(domain.isLabelled ? try evaluated.compactMap { model -> TemplateValue? in
            guard let mistakes = run.zeroShot(model.name, domain.name)?.confidentMistakes, !mistakes.isEmpty else { return nil }
            return .dict(["model": .text(model.name), "href": .text("../models/\(run.modelSlug(model.name)).html"),
                          "images": .list(try mistakes.map { mistake in
                              .dict(["src": run.mistakeThumbnail(domain.name, source: mistake.path).map { .text("../" + $0) } ?? .bool(false),
                                     "path": .text(mistake.path),
                                     "label": .text(try t("shift.mistake", ["true_class": run.className(mistake.trueClass),
                                                                           "predicted_class": run.className(mistake.predictedClass)])),
                                     "probability": .number(catalog.percent(mistake.probability))])
                          })])
        } : [])
        page["class_changes"] = .list(domain.role == .shift ? try evaluated.flatMap { try classChanges(model: $0.name, shift: domain.name, count: 5) } : [])
        let evaluatedNames = Set(evaluated.map(\.name))
        let guardrails: [String] = try guardrailTexts { flag in
            flag.domain == domain.name && (flag.model.map { evaluatedNames.contains($0) } ?? true)
        }
        page["guardrails"] = .list(guardrails.map { TemplateValue.text($0) })
        try addDrift(&page, withModel: true) { $0.domain == domain.name }
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

extension PageContext {
    /// The `count` classes of `model` whose accuracy falls most from the reference to `shift`
    /// (worst first; ties by class name), each accuracy with its Clopper–Pearson interval. The
    /// change is the difference of the two stored accuracies; it has no interval of its own.
    func classChanges(model: String, shift: String, count: Int) throws -> [TemplateValue] {
        guard let reference = run.reference, let here = run.zeroShot(model, shift), let there = run.zeroShot(model, reference.name) else { return [] }
        var rows: [(name: String, here: ClassAccuracy, there: ClassAccuracy, change: Double)] = []
        for entry in here.perClass {
            guard let accuracy = entry.accuracy, let before = there.perClass.first(where: { $0.classIndex == entry.classIndex }),
                  let referenceAccuracy = before.accuracy else { continue }
            rows.append((run.className(entry.classIndex), entry, before, accuracy - referenceAccuracy))
        }
        rows.sort { ($0.change, $0.name) < ($1.change, $1.name) }
        return rows.prefix(count).map { row in
            .dict(["model": .text(model), "href": .text("../models/\(run.modelSlug(model)).html"), "class": .text(row.name),
                   "accuracy": .number(catalog.percent(row.here.accuracy)),
                   "accuracy_ci": .number(row.here.ci.map { catalog.percentRange($0.lower, $0.upper) } ?? "—"),
                   "images": .number(catalog.integer(row.here.count)),
                   "reference": .number(catalog.percent(row.there.accuracy)),
                   "reference_ci": .number(row.there.ci.map { catalog.percentRange($0.lower, $0.upper) } ?? "—"),
                   "change": .number(catalog.points(row.change))])
        }
    }

    /// The sample images of `domain` linked from a page (`prefix` leads to the run folder).
    func thumbnailImages(of domain: String, prefix: String) -> [TemplateValue] {
        run.thumbnails(of: domain).map { .dict(["src": .text(prefix + $0.file), "alt": .text($0.source)]) }
    }

    /// At most `limit` sample images of `domain` as data URIs (the packet is one file), spread
    /// evenly over the sample (which is in path order, so often in class order), while their
    /// PNG bytes fit in `budget`; what they use is taken from it.
    func embeddedThumbnails(of domain: String, limit: Int, budget: inout Int) -> [TemplateValue] {
        let all = run.thumbnails(of: domain)
        let shown = min(limit, all.count)
        var images: [TemplateValue] = []
        for thumbnail in (0..<shown).map({ all[$0 * all.count / shown] }) {
            guard let png = run.thumbnailData[thumbnail.file], png.count <= budget else { continue }
            budget -= png.count
            images.append(.dict(["src": .text("data:image/png;base64," + Data(png).base64EncodedString()), "alt": .text(thumbnail.source)]))
        }
        return images
    }
}
