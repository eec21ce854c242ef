import Results

/// Staged KPIs: the highest of the pilot's stages each model meets, and what the next one lacks.
///
/// Every stage is judged by `Verdict` — one policy — under the stage's own criteria: a model
/// meets a stage when its model verdict under those criteria is `pass`. `reached` is the highest
/// stage met (stages are meant to get stricter, but a later stage met counts even if an earlier
/// one is not); `next` is the stage after it, or the first stage when none is met. The reasons of
/// the next stage's verdict, each with its image set, value and limit, are what is missing.
package enum StagePolicy {
    /// `shiftVerdicts[s]` holds every candidate's image-set verdicts under stage `s`'s criteria.
    package static func evaluate(stages: [StageDefinition], shiftVerdicts: [[ShiftVerdict]], models: [String]) -> StageResults? {
        guard !stages.isEmpty else { return nil }
        precondition(shiftVerdicts.count == stages.count, "one list of verdicts per stage")
        return StageResults(stages: stages, models: models.map { model in
            Self.progress(model: model, verdicts: shiftVerdicts.map { Verdict.model(model, shifts: $0) })
        })
    }

    /// One model's place among the stages, from its verdict under each stage (in stage order).
    package static func progress(model: String, verdicts: [ModelVerdict]) -> ModelStages {
        let reached = verdicts.lastIndex { $0.status == .pass }
        let after = reached.map { $0 + 1 } ?? 0
        let next = after < verdicts.count ? after : nil
        return ModelStages(model: model, verdicts: verdicts, reached: reached, next: next)
    }
}
