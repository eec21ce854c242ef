/// Which prompt templates work (`Prompts` in the probes): zero-shot top-1 accuracy with each
/// template alone and with the template ensemble (the head every other probe uses), and the
/// small subset of templates chosen greedily on the reference, reported on every labelled
/// domain with its paired gain over the ensemble. Absent when the probe was off
/// (`probes.prompts`), on unlabelled domains and in results written before it.
package struct PromptsResult: Codable, Sendable, Equatable {
    /// One entry per template, in the pilot's order.
    package var templates: [PromptAccuracy]
    /// All templates together (the zero-shot head).
    package var ensemble: PromptAccuracy
    /// The subset chosen on the reference; absent when the reference has no labels or there is
    /// only one template.
    package var subset: PromptSubset?

    package init(templates: [PromptAccuracy], ensemble: PromptAccuracy, subset: PromptSubset? = nil) {
        self.templates = templates
        self.ensemble = ensemble
        self.subset = subset
    }
}

/// Top-1 accuracy of one head on one domain's labelled images.
package struct PromptAccuracy: Codable, Sendable, Equatable {
    /// The template (`{c}` where the class name goes); absent for the ensemble and subsets.
    package var template: String?
    package var correct: Int
    package var count: Int
    /// `correct / count`.
    package var accuracy: Double
    /// Clopper–Pearson (exact binomial) interval.
    package var ci: Interval

    package init(template: String? = nil, correct: Int, count: Int, accuracy: Double, ci: Interval) {
        self.template = template
        self.correct = correct
        self.count = count
        self.accuracy = accuracy
        self.ci = ci
    }
}

/// The templates chosen on the reference (greedy forward selection, at most `Prompts.maxSubset`),
/// their accuracy on this domain and the gain over the ensemble.
package struct PromptSubset: Codable, Sendable, Equatable {
    /// Indices into `PromptsResult.templates`, ascending.
    package var templates: [Int]
    package var accuracy: PromptAccuracy
    /// `accuracy(subset) − accuracy(ensemble)` on this domain's images, with a paired percentile
    /// bootstrap interval (the same images resampled for both).
    package var gain: BootstrapDifference

    package init(templates: [Int], accuracy: PromptAccuracy, gain: BootstrapDifference) {
        self.templates = templates
        self.accuracy = accuracy
        self.gain = gain
    }
}
