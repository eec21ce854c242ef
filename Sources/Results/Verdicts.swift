import Support

/// Pass / watch / fail per model and per model × shift.
package struct Verdicts: Codable, Sendable, Equatable {
    package var models: [ModelVerdict]
    package var shifts: [ShiftVerdict]

    package init(models: [ModelVerdict], shifts: [ShiftVerdict]) {
        self.models = models
        self.shifts = shifts
    }
}

/// A verdict's status, ordered `pass` < `not_assessed` < `watch` < `fail`: the worst of several
/// statuses is their maximum, so a model with one domain that could not be checked is never
/// `pass`, and a warning or failure elsewhere outranks the missing evidence.
package enum VerdictStatus: String, Codable, Sendable, Comparable, CaseIterable {
    case pass
    /// No evidence: no criterion could be evaluated (no labels and no label-free estimate, or
    /// no criterion set that applies).
    case notAssessed = "not_assessed"
    case watch, fail

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .notAssessed: return 1
        case .watch: return 2
        case .fail: return 3
        }
    }

    package static func < (a: VerdictStatus, b: VerdictStatus) -> Bool { a.rank < b.rank }
}

/// One reason behind a verdict: a stable code (pages say it in their language, `reason.<code>`),
/// the status it implies, and the numbers it compared.
package struct VerdictReason: Codable, Sendable, Equatable {
    /// The rules of `Verdict` (Probes), one code each.
    package enum Code: String, Codable, Sendable, CaseIterable {
        case criteriaMet = "criteria_met"
        case accuracyBelowMinimum = "accuracy_below_minimum"
        case accuracyUncertain = "accuracy_uncertain"
        case estimatedAccuracyBelowMinimum = "estimated_accuracy_below_minimum"
        case relativeDropAboveMaximum = "relative_drop_above_maximum"
        case relativeDropUncertain = "relative_drop_uncertain"
        case relativeDropNearMaximum = "relative_drop_near_maximum"
        case estimatedRelativeDropAboveMaximum = "estimated_relative_drop_above_maximum"
        case belowBaselineTrend = "below_baseline_trend"
        case strongUnlabelledShift = "strong_unlabelled_shift"
        /// No criterion could be evaluated on the domain (status `not_assessed`).
        case noCriterionEvaluated = "no_criterion_evaluated"
    }

    package var code: Code
    package var status: VerdictStatus
    /// What was compared with `limit`, in the rule's unit (fractions; effective robustness
    /// in accuracy points as a fraction; the domain classifier's AUC as a plain number).
    package var value: Double?
    package var limit: Double?
    /// In a model verdict, the image set the reason comes from; nil in an image-set verdict.
    package var domain: String?

    package init(code: Code, status: VerdictStatus, value: Double? = nil, limit: Double? = nil, domain: String? = nil) {
        self.code = code
        self.status = status
        self.value = value
        self.limit = limit
        self.domain = domain
    }
}

package struct ShiftVerdict: Codable, Sendable, Equatable {
    package var model: String
    package var domain: String
    package var status: VerdictStatus
    package var reasons: [VerdictReason]

    package init(model: String, domain: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.domain = domain
        self.status = status
        self.reasons = reasons
    }
}

package struct ModelVerdict: Codable, Sendable, Equatable {
    package var model: String
    /// The worst status over the model's reference and shift verdicts.
    package var status: VerdictStatus
    package var reasons: [VerdictReason]

    package init(model: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.status = status
        self.reasons = reasons
    }
}

/// The pilot's pass criteria (fractions). A missing criterion is not checked.
package struct Criteria: Codable, Sendable, Equatable {
    /// Minimum top-1 (measured, or ATC-estimated on unlabelled shifts) on every domain.
    package var minAccuracy: Double?
    /// Maximum `drop / reference_accuracy` on every shift.
    package var maxRelativeDrop: Double?
    /// Lowest acceptable effective robustness (a difference of fractions, negative = under the
    /// baseline line): `below_baseline_trend` when the whole 95 % interval of a model's ER lies
    /// below it. Absent in results written before the setting existed.
    package var minEffectiveRobustness: Double?

    package init(minAccuracy: Double? = nil, maxRelativeDrop: Double? = nil, minEffectiveRobustness: Double? = nil) {
        self.minAccuracy = minAccuracy
        self.maxRelativeDrop = maxRelativeDrop
        self.minEffectiveRobustness = minEffectiveRobustness
    }

    enum CodingKeys: String, CodingKey {
        case minAccuracy = "min_accuracy", maxRelativeDrop = "max_relative_drop", minEffectiveRobustness = "min_effective_robustness"
    }
}

/// Every seed of the run. Each probe derives its own stream from `base` (see `SplitMix64.derive`),
/// and the seed each probe used is also stored beside its result.
package struct Seeds: Codable, Sendable, Equatable {
    package var base: UInt64
    package var bootstrap: UInt64
    package var distance: UInt64
    package var linearProbe: UInt64
    /// The label-free estimators' reference split, the calibration floor's draws and the concept
    /// probe's permutations (absent in results written before them).
    package var labelFree: UInt64?
    package var calibration: UInt64?
    package var concepts: UInt64?
    /// The few-shot curves' draws (absent in results written before them).
    package var fewShot: UInt64?
    /// The prompt probe's paired bootstraps (absent in results written before it).
    package var prompts: UInt64?
    /// The name probe's paired bootstraps (absent in results written before it).
    package var names: UInt64?

    package init(base: UInt64) {
        self.base = base
        self.bootstrap = SplitMix64.derive(base, stream: .bootstrap)
        self.distance = SplitMix64.derive(base, stream: .distance)
        self.linearProbe = SplitMix64.derive(base, stream: .linearProbe)
        self.labelFree = SplitMix64.derive(base, stream: .labelFree)
        self.calibration = SplitMix64.derive(base, stream: .calibration)
        self.concepts = SplitMix64.derive(base, stream: .concepts)
        self.fewShot = SplitMix64.derive(base, stream: .fewShot)
        self.prompts = SplitMix64.derive(base, stream: .prompts)
        self.names = SplitMix64.derive(base, stream: .names)
    }

    enum CodingKeys: String, CodingKey { case base, bootstrap, distance, linearProbe = "linear_probe", labelFree = "label_free", calibration, concepts
        case fewShot = "few_shot", prompts, names
    }
}
