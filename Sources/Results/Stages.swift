/// The pilot's stages and how far each model got (results.json `stages`; `Stages` in Probes
/// evaluates them; docs/probes.md, "Stages").
///
/// A stage is a named set of criteria ("trial", "line 3"), listed in the order a model is meant
/// to pass them. Every stage is judged by the same verdict policy as the pilot's own criteria.
package struct StageResults: Codable, Sendable, Equatable {
    /// The stages as the pilot declares them, in its order.
    package var stages: [StageDefinition]
    /// One entry per candidate model (baselines get no verdict), in the order of `verdicts.models`.
    package var models: [ModelStages]

    package init(stages: [StageDefinition], models: [ModelStages]) {
        self.stages = stages
        self.models = models
    }
}

package struct StageDefinition: Codable, Sendable, Equatable {
    package var name: String
    /// As stored for the pilot's criteria (`min_effective_robustness` always written).
    package var criteria: Criteria

    package init(name: String, criteria: Criteria) {
        self.name = name
        self.criteria = criteria
    }
}

/// One model against every stage.
package struct ModelStages: Codable, Sendable, Equatable {
    package var model: String
    /// The model's verdict under each stage's criteria, in the order of `StageResults.stages`.
    package var verdicts: [ModelVerdict]
    /// Index of the highest stage whose criteria are met (verdict `pass`); absent when none is.
    package var reached: Int?
    /// Index of the stage after `reached` (the first stage when none is reached); absent when
    /// the last stage is reached. Its verdict's reasons are what is missing.
    package var next: Int?

    package init(model: String, verdicts: [ModelVerdict], reached: Int?, next: Int?) {
        self.model = model
        self.verdicts = verdicts
        self.reached = reached
        self.next = next
    }
}
