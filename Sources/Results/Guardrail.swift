/// A warning a reader needs before trusting a number: a stable code, where it applies and the
/// numbers it compared. Guardrails do not change verdicts; pages show them beside the numbers.
package struct Guardrail: Codable, Sendable, Equatable {
    package enum Code: String, Codable, Sendable, CaseIterable {
        /// Top-1 is not above chance: the 95 % interval reaches 1/C (`value` top-1, `limit` chance).
        case chanceLevelAccuracy = "chance_level_accuracy"
        /// Fewer images than the stated intervals need (`value` images, `limit` 30).
        case domainTooFewImages = "domain_too_few_images"
        /// A class with fewer images than per-class accuracies need (`value` smallest count of a
        /// class present, `limit` 5).
        case domainTooFewPerClass = "domain_too_few_per_class"
        /// The model already fails the criteria on the reference: its shift results cannot tell
        /// the shift's effect from the model's own weakness.
        case referenceFailsCriteria = "reference_fails_criteria"
        /// Every evaluated model fails on the reference: no conclusion about the shift is possible
        /// from these models (run-wide, no model or domain).
        case noConclusionAboutShift = "no_conclusion_about_shift"
        /// The linear probe was trained on too few rows per class (`value` the smallest count of
        /// training rows of a class, or their mean when the smallest is not known; `limit` 5).
        case linearProbeFewRows = "linear_probe_few_rows"
        /// A model of the pilot could not be loaded or encoded and is missing from every table
        /// (`detail` the reason).
        case modelNotLoaded = "model_not_loaded"
    }

    package var code: Code
    package var model: String?
    package var domain: String?
    package var value: Double?
    package var limit: Double?
    /// Free text that only the input can supply (a loader's error message); English.
    package var detail: String?

    package init(code: Code, model: String? = nil, domain: String? = nil, value: Double? = nil, limit: Double? = nil, detail: String? = nil) {
        self.code = code
        self.model = model
        self.domain = domain
        self.value = value
        self.limit = limit
        self.detail = detail
    }
}
