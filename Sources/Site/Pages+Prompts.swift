import Results

/// Which prompts work (`probes[].results.prompts`): sentences on the model, shift and packet
/// pages, and the model page's table of every template on every labelled image set.
extension PageContext {
    /// The subset chosen on the reference, on `domain`, against all templates: better, worse, or
    /// not shown either way (its paired interval straddles 0), or exactly as many right. Nil
    /// without a subset.
    func promptSubsetSentence(model: String, domain: String) throws -> String? {
        guard let prompts = run.probes(model, domain)?.prompts, let subset = prompts.subset else { return nil }
        let gain = subset.gain
        let arguments = [
            "domain": domain, "all": catalog.integer(prompts.templates.count),
            "templates": catalog.list(subset.templates.map { quotedTemplate(prompts.templates[$0].template) }),
            "subset": catalog.percent(subset.accuracy.accuracy), "subset_range": catalog.percentRange(subset.accuracy.ci.lower, subset.accuracy.ci.upper),
            "ensemble": catalog.percent(prompts.ensemble.accuracy),
            "gain": catalog.points(gain.difference), "gain_range": catalog.pointsRange(gain.ci.lower, gain.ci.upper),
        ]
        let key = "prompts.subset_" + Self.gainWording(gain, same: subset.accuracy.correct == prompts.ensemble.correct)
        return try catalog.plural(key, count: subset.templates.count, arguments)
    }

    /// How a paired gain is said: `same` (as many right, a zero-width interval: never "0.0 to 0.0"),
    /// `better` or `worse` (the interval excludes 0), or `not_shown` (it straddles 0).
    static func gainWording(_ gain: BootstrapDifference, same: Bool) -> String {
        if same && gain.ci.lower == 0 && gain.ci.upper == 0 { return "same" }
        return gain.ci.lower > 0 ? "better" : gain.ci.upper < 0 ? "worse" : "not_shown"
    }

    /// The best and the worst single template on `domain` (the first of equals), with their intervals, or
    /// that all get the same. Nil with fewer than two templates.
    func promptRangeSentence(model: String, domain: String) throws -> String? {
        guard let templates = run.probes(model, domain)?.prompts?.templates, templates.count > 1,
              let best = templates.max(by: { $0.correct < $1.correct }), let worst = templates.min(by: { $0.correct < $1.correct }) else { return nil }
        if best.correct == worst.correct {
            return try t("prompts.range_same", [
                "domain": domain, "all": catalog.integer(templates.count), "value": catalog.percent(best.accuracy),
                "range": catalog.percentRange(best.ci.lower, best.ci.upper)])
        }
        return try t("prompts.range", [
            "domain": domain, "best": quotedTemplate(best.template), "best_value": catalog.percent(best.accuracy),
            "best_range": catalog.percentRange(best.ci.lower, best.ci.upper), "worst": quotedTemplate(worst.template),
            "worst_value": catalog.percent(worst.accuracy), "worst_range": catalog.percentRange(worst.ci.lower, worst.ci.upper),
        ])
    }

    func quotedTemplate(_ template: String?) -> String {
        (try? t("prompts.quoted", ["template": template ?? ""])) ?? (template ?? "")
    }

    /// Every sentence for `model` on `domain`.
    func promptSentences(model: String, domain: String) throws -> [String] {
        [try promptSubsetSentence(model: model, domain: domain), try promptRangeSentence(model: model, domain: domain)].compactMap { $0 }
    }

    /// The model page's section: sentences per labelled image set, and a table with the ensemble,
    /// the chosen subset and every template (rows) on every image set with results (columns).
    func promptSection(model: String) throws -> TemplateValue {
        let domains = results.domains.filter { run.probes(model, $0.name)?.prompts != nil }
        guard let first = domains.first.flatMap({ run.probes(model, $0.name)?.prompts }) else { return .bool(false) }
        func cell(_ accuracy: PromptAccuracy?) -> TemplateValue {
            guard let accuracy else { return .dict(["value": .text("—"), "range": .text("")]) }
            return .dict(["value": .number(catalog.percent(accuracy.accuracy)), "range": .number(catalog.percentRange(accuracy.ci.lower, accuracy.ci.upper))])
        }
        let chosen = Set(first.subset?.templates ?? [])
        var rows: [TemplateValue] = [
            .dict(["name": .text(try t("prompts.ensemble", ["count": catalog.integer(first.templates.count)])), "chosen": .bool(false), "summary": .bool(true),
                   "cells": .list(domains.map { cell(run.probes(model, $0.name)?.prompts?.ensemble) })]),
        ]
        if let subset = first.subset {
            rows.append(.dict(["name": .text(try catalog.plural("prompts.subset_row", count: subset.templates.count)), "chosen": .bool(false), "summary": .bool(true),
                               "cells": .list(domains.map { cell(run.probes(model, $0.name)?.prompts?.subset?.accuracy) })]))
        }
        for (index, template) in first.templates.enumerated() {
            rows.append(.dict(["name": .text(template.template ?? ""), "chosen": .bool(chosen.contains(index)), "summary": .bool(false),
                               "cells": .list(domains.map { domain in
                                   let entries = run.probes(model, domain.name)?.prompts?.templates
                                   return cell(entries.flatMap { index < $0.count ? $0[index] : nil })
                               })]))
        }
        return .dict([
            "sentences": .list(try domains.compactMap { domain in
                let sentences = try promptSentences(model: model, domain: domain.name)
                return sentences.isEmpty ? nil : .text(sentences.joined(separator: try t("format.sentence_gap")))
            }),
            "domains": .list(domains.map { .text($0.name) }),
            "rows": .list(rows),
        ])
    }

    /// The shift page's section: per model with results on `domain`, its sentences.
    func promptShiftRows(domain: String) throws -> [TemplateValue] {
        try evaluated.compactMap { model in
            let sentences = try promptSentences(model: model.name, domain: domain)
            guard !sentences.isEmpty else { return nil }
            return .dict(["model": .text(model.name), "href": .text("../models/\(run.modelSlug(model.name)).html"),
                          "text": .text(sentences.joined(separator: try t("format.sentence_gap")))])
        }
    }

    /// The packet's line for `model`: the chosen subset on the labelled shift where zero-shot is
    /// lowest (a test of a choice made elsewhere), or on the reference when no shift has results.
    func promptPacketLine(model: String) throws -> String? {
        let shifts = run.shifts.filter { run.probes(model, $0.name)?.prompts?.subset != nil }
        let lowest = shifts.min { (run.zeroShot(model, $0.name)?.top1 ?? 1) < (run.zeroShot(model, $1.name)?.top1 ?? 1) }
        guard let domain = lowest?.name ?? run.reference?.name else { return nil }
        return try promptSubsetSentence(model: model, domain: domain)
    }
}
