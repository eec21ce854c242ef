/// A recommended next step for a model, with its numbers (results.json `next_steps`; `NextSteps`
/// in Probes chooses them; docs/probes.md, "Next steps"). Pages say each from the catalogue
/// (`next.<code>`).
package struct NextStep: Codable, Sendable, Equatable {
    /// The rules, in the order they are tried; a model's first step is its recommendation.
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// Accuracy on `domain` fell since the previous run beyond chance (`value` now, `limit` then).
        case investigateDrift = "investigate_drift"
        /// Verdict `pass`: a limited trial with a monitoring KPI — top-1 on `domain` (the hardest
        /// labelled image set) of at least `limit` (now `value`), re-checked by re-running the pilot.
        case deployLimitedTrial = "deploy_limited_trial"
        /// The templates chosen on the reference (`templates`) beat all templates there, the paired
        /// interval of the gain (`ci`) above 0: top-1 on `domain` (the reference) `value` against
        /// `limit`; `domains`: the labelled shifts where their gain's interval is above 0 too. Or,
        /// as a second step of the same code, the same for the class names chosen on the reference
        /// (`names`) against the names as given.
        case improvePrompts = "improve_prompts"
        /// Verdict `watch` or `not_assessed`: about `labels` more labelled images (over `domains`)
        /// would settle it (`labels_needed`, capped entries left out).
        case collectLabels = "collect_labels"
        /// Verdict `fail` or `watch` with top-1 under `min_accuracy` (`limit`) on labelled image sets
        /// whose few-shot curves clear it: `shots` labelled images per class of `domain` (the set
        /// needing most) give an expected top-1 of `value` (`ci`) against `zero_shot`; `labels`:
        /// k × classes summed over `domains`, every such set.
        case adapt
        /// Verdict `fail` or `watch`: another candidate, `other_model`, has a better verdict, or the same
        /// and keeps more of its reference accuracy on its hardest labelled shift (`limit` against
        /// this model's `value`); `outlier_features`: the other model's outlier dimensions on the reference.
        case preferModel = "prefer_model"
        /// As `adapt`, but on `domain` no k the data allow clears `limit`: `value` (`ci`) at the
        /// largest k (`shots`) against `zero_shot`.
        case adaptationShort = "adaptation_short"
        /// Verdict `fail` and no step above (pages name the verdict line's reason).
        case notReady = "not_ready"
        /// Verdict `watch` or `not_assessed` that labels cannot settle (pages name the verdict line's reason).
        case reviewReasons = "review_reasons"
    }

    package var model: String
    package var code: Code
    package var domain: String?
    /// More image sets the step concerns (`collect_labels`).
    package var domains: [String]?
    package var value: Double?
    package var limit: Double?
    package var labels: Int?
    package var otherModel: String?
    package var outlierFeatures: Int?
    /// `adapt`, `adaptation_short`: labelled images per class (k), the interval of `value`, and
    /// zero-shot top-1 on the same test images.
    package var shots: Int?
    package var ci: Interval?
    package var zeroShot: Double?
    /// `improve_prompts`: the chosen templates.
    package var templates: [String]?
    /// `improve_prompts` for the class names: the classes whose name the reference chose to change
    /// (their images on the reference with either name).
    package var names: [NameChange]?

    package init(model: String, code: Code, domain: String? = nil, domains: [String]? = nil, value: Double? = nil, limit: Double? = nil,
                labels: Int? = nil, otherModel: String? = nil, outlierFeatures: Int? = nil, shots: Int? = nil, ci: Interval? = nil,
                zeroShot: Double? = nil, templates: [String]? = nil, names: [NameChange]? = nil) {
        self.model = model
        self.code = code
        self.domain = domain
        self.domains = domains
        self.value = value
        self.limit = limit
        self.labels = labels
        self.otherModel = otherModel
        self.outlierFeatures = outlierFeatures
        self.shots = shots
        self.ci = ci
        self.zeroShot = zeroShot
        self.templates = templates
        self.names = names
    }

    enum CodingKeys: String, CodingKey {
        case model, code, domain, domains, value, limit, labels
        case otherModel = "other_model", outlierFeatures = "outlier_features", shots, ci, zeroShot = "zero_shot", templates, names
    }
}
