import Results

/// Next steps on the pages: the recommended step of each model on the run overview and the
/// packet's first page, every step on the model page.
extension PageContext {
    /// Each model's steps in rule order, said from the catalogue (`next.<code>`).
    func nextStepTexts(_ model: String) throws -> [String] {
        try (results.nextSteps ?? []).filter { $0.model == model }.map { try nextStepText($0) }
    }

    /// The first step of every evaluated model that has one.
    func recommendedSteps() throws -> [String] {
        try evaluated.compactMap { model in try nextStepTexts(model.name).first }
    }

    func nextStepText(_ step: NextStep) throws -> String {
        var arguments = [
            "model": step.model, "domain": step.domain ?? "", "value": catalog.percent(step.value), "limit": catalog.percent(step.limit),
            "labels": catalog.integer(step.labels ?? 0), "domains": catalog.list(step.domains ?? []), "other": step.otherModel ?? "",
        ]
        switch step.code {
        case .notReady, .reviewReasons:
            arguments["reason"] = try Self.primaryReason(locatedReasons(step.model)).map { try headlineText($0) } ?? ""
        case .preferModel:
            // Hedged when the preferred model fails too: it is the closest, not a fix.
            let alsoFails = step.otherModel.flatMap { run.verdict($0)?.status } == .fail
            let key = step.value == nil ? "next.prefer_model_no_retention" : alsoFails ? "next.prefer_model_also_failing" : "next.prefer_model"
            var text = try t(key, arguments)
            if let count = step.outlierFeatures, count > 0, let other = step.otherModel {
                text += try t("format.sentence_gap") + catalog.plural("next.outlier_note", count: count, ["other": other])
            }
            return text
        case .improvePrompts:
            // Chosen on the reference's own images: the gain there is optimistic, so the shifts
            // (not used for the choice) say whether it carries over. Templates, or class names.
            arguments["templates"] = catalog.list((step.templates ?? []).map { quotedTemplate($0) })
            arguments["changes"] = try nameChanges(step.names ?? [])
            arguments["gain"] = catalog.points(step.value.flatMap { value in step.limit.map { value - $0 } })
            arguments["range"] = catalog.pointsRange(step.ci?.lower, step.ci?.upper)
            let checked = run.shifts.filter { domain in
                let probes = run.probes(step.model, domain.name)
                return step.names == nil ? probes?.prompts?.subset != nil : probes?.names?.chosen != nil
            }.count
            let carried = step.domains ?? []
            let tail = !carried.isEmpty ? try t("next.improve_prompts_carried", ["domains": catalog.list(carried)])
                : checked > 0 ? try t("next.improve_prompts_not_carried") : try t("next.improve_prompts_unchecked")
            let head = try step.names.map { try catalog.plural("next.improve_names", count: $0.count, arguments) }
                ?? catalog.plural("next.improve_prompts", count: step.templates?.count ?? 0, arguments)
            return head + (try t("format.sentence_gap")) + tail
        case .adapt, .adaptationShort:
            // The hedge names how many draws of the training images the expectation rests on.
            arguments["zero_shot"] = catalog.percent(step.zeroShot)
            arguments["range"] = catalog.percentRange(step.ci?.lower, step.ci?.upper)
            arguments["draws"] = catalog.integer(step.domain.flatMap { run.probes(step.model, $0)?.fewShot?.draws } ?? 0)
            let key: String
            if step.code == .adapt {
                key = (step.domains?.count ?? 0) > 1 ? "next.adapt_several" : "next.adapt"
            } else if let limit = step.limit, let value = step.value, let ci = step.ci {
                // Short as a whole interval, as a mean, or only at the interval's lower bound.
                key = ci.upper < limit ? "next.adaptation_short" : value < limit ? "next.adaptation_short_not_shown" : "next.adaptation_short_uncertain"
            } else {
                key = "next.adaptation_short_not_shown"
            }
            return try catalog.plural(key, count: step.shots ?? 0, arguments)
        default:
            break
        }
        return try t("next.\(step.code.rawValue)", arguments)
    }
}
