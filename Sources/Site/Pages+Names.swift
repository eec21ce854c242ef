import Results

/// Which class names work (`probes[].results.names`): sentences on the model page and the packet,
/// and the model page's table of the classes whose name the reference chose to change.
extension PageContext {
    /// The names chosen on the reference, on `domain`, against the names as given: better, worse,
    /// not shown either way (the paired interval straddles 0), or exactly as many right. Nil without
    /// a choice that changes a name.
    func nameChoiceSentence(model: String, domain: String) throws -> String? {
        guard let names = run.probes(model, domain)?.names, let chosen = names.chosen, !chosen.changes.isEmpty else { return nil }
        let gain = chosen.gain
        let arguments = [
            "domain": domain, "changes": try nameChanges(chosen.changes),
            "chosen": catalog.percent(chosen.accuracy.accuracy), "chosen_range": catalog.percentRange(chosen.accuracy.ci.lower, chosen.accuracy.ci.upper),
            "given": catalog.percent(names.given.accuracy),
            "gain": catalog.points(gain.difference), "gain_range": catalog.pointsRange(gain.ci.lower, gain.ci.upper),
        ]
        let key = "names." + Self.gainWording(gain, same: chosen.accuracy.correct == names.given.correct)
        return try catalog.plural(key, count: chosen.changes.count, arguments)
    }

    /// “chosen” for “given”, listed.
    func nameChanges(_ changes: [NameChange]) throws -> String {
        catalog.list(try changes.map { try t("names.change", ["given": $0.given, "chosen": $0.chosen]) })
    }

    /// When no name changed on the reference, or none could be chosen: one sentence for the model. Nil otherwise.
    func nameKeptSentence(model: String) throws -> String? {
        guard let reference = run.reference, let names = run.probes(model, reference.name)?.names else {
            // An unlabelled reference: the given names' accuracy on the labelled shifts only.
            let labelled = run.shifts.contains { run.probes(model, $0.name)?.names != nil }
            return labelled ? try t("names.unchosen") : nil
        }
        guard let chosen = names.chosen, chosen.changes.isEmpty else { return nil }
        return try catalog.plural("names.kept", count: names.alternatives, [
            "domain": reference.name, "given": catalog.percent(names.given.accuracy),
            "given_range": catalog.percentRange(names.given.ci.lower, names.given.ci.upper)])
    }

    /// The model page's section: sentences per labelled image set, and a table of the classes whose
    /// name changed, with their own images right with either name on every image set with results.
    func nameSection(model: String) throws -> TemplateValue {
        let domains = results.domains.filter { run.probes(model, $0.name)?.names != nil }
        guard !domains.isEmpty else { return .bool(false) }
        var sentences = try domains.compactMap { try nameChoiceSentence(model: model, domain: $0.name) }
        if let kept = try nameKeptSentence(model: model) { sentences.insert(kept, at: 0) }
        let changes = domains.compactMap { run.probes(model, $0.name)?.names?.chosen?.changes }.first ?? []
        let rows: [TemplateValue] = try changes.map { change in
            .dict(["given": .text(change.given), "chosen": .text(change.chosen),
                   "cells": .list(try domains.map { domain in
                       guard let entry = run.probes(model, domain.name)?.names?.chosen?.changes.first(where: { $0.classIndex == change.classIndex }),
                             entry.count > 0 else { return .text("—") }
                       return .text(try t("names.cell", ["given": catalog.integer(entry.givenCorrect), "chosen": catalog.integer(entry.chosenCorrect),
                                                         "count": catalog.integer(entry.count)]))
                   })])
        }
        return .dict([
            "sentences": .list(sentences.map { .text($0) }),
            "domains": .list(domains.map { .text($0.name) }),
            "rows": rows.isEmpty ? .bool(false) : .list(rows),
        ])
    }

    /// The packet's line for `model`: the chosen names on the labelled shift where zero-shot is lowest
    /// (a test of a choice made elsewhere), on the reference when no shift has results, or that the
    /// given names were kept.
    func namePacketLine(model: String) throws -> String? {
        if let kept = try nameKeptSentence(model: model) { return kept }
        let shifts = run.shifts.filter { run.probes(model, $0.name)?.names?.chosen != nil }
        let lowest = shifts.min { (run.zeroShot(model, $0.name)?.top1 ?? 1) < (run.zeroShot(model, $1.name)?.top1 ?? 1) }
        guard let domain = lowest?.name ?? run.reference?.name else { return nil }
        return try nameChoiceSentence(model: model, domain: domain)
    }
}
