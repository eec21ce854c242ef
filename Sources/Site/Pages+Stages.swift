import Results

/// The pilot's stages on the pages: one line per model under its verdict line (run overview,
/// packet page 1), every stage in full on the model page.
extension PageContext {
    /// "Stage: trial met; next, line 3: low-light: accuracy 78.0%, …" — the highest stage met and
    /// the most important reason the next stage is not; nil when the pilot declares no stages.
    func stageLine(_ model: String) throws -> String? {
        guard let stages = results.stages, let progress = stages.models.first(where: { $0.model == model }) else { return nil }
        let reached = progress.reached.map { stages.stages[$0].name }
        guard let nextIndex = progress.next else {
            return try t("stage.line_last", ["stage": reached ?? ""])
        }
        let missing = try Self.primaryReason(progress.verdicts[nextIndex].reasons.map { LocatedReason(domain: $0.domain, reason: $0) })
            .map { try headlineText($0) } ?? ""
        let arguments = ["stage": reached ?? "", "next": stages.stages[nextIndex].name, "missing": missing]
        return try t(reached == nil ? "stage.line_none" : "stage.line_next", arguments)
    }

    /// Every stage of `model` for its page: name, criteria, status and every reason; empty when
    /// the pilot declares no stages.
    func stageRows(_ model: String) throws -> [TemplateValue] {
        guard let stages = results.stages, let progress = stages.models.first(where: { $0.model == model }) else { return [] }
        return try stages.stages.enumerated().map { index, stage in
            let verdict = progress.verdicts[index]
            let reasons = try verdict.reasons.filter { $0.status != .pass }.map { try catalog.reasonText($0, withDomain: true) }
            var row: [String: TemplateValue] = [:]
            row["name"] = .text(stage.name)
            row["criteria"] = .text(try criteriaText(stage.criteria))
            row["verdict"] = try status(verdict.status)
            row["reached"] = .text(index == progress.reached ? try t("stage.reached") : index == progress.next ? try t("stage.next") : "")
            row["reasons"] = .list(reasons.map { .text($0) })
            return .dict(row)
        }
    }
}
