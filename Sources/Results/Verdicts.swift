import Support

/// Pass / watch / fail per model and per model × shift.
public struct Verdicts: Codable, Sendable, Equatable {
    public var models: [ModelVerdict]
    public var shifts: [ShiftVerdict]

    public init(models: [ModelVerdict], shifts: [ShiftVerdict]) {
        self.models = models
        self.shifts = shifts
    }
}

public enum VerdictStatus: String, Codable, Sendable, Comparable {
    case pass, watch, fail

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .watch: return 1
        case .fail: return 2
        }
    }

    public static func < (a: VerdictStatus, b: VerdictStatus) -> Bool { a.rank < b.rank }
}

/// One reason behind a verdict: a stable code (for translations), the status it implies,
/// an English sentence, and the numbers it compared.
public struct VerdictReason: Codable, Sendable, Equatable {
    /// e.g. `accuracy_below_minimum`, `relative_drop_above_maximum`, `ci_straddles_minimum`.
    public var code: String
    public var status: VerdictStatus
    public var message: String
    public var value: Double?
    public var limit: Double?

    public init(code: String, status: VerdictStatus, message: String, value: Double? = nil, limit: Double? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.value = value
        self.limit = limit
    }
}

public struct ShiftVerdict: Codable, Sendable, Equatable {
    public var model: String
    public var domain: String
    public var status: VerdictStatus
    public var reasons: [VerdictReason]

    public init(model: String, domain: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.domain = domain
        self.status = status
        self.reasons = reasons
    }
}

public struct ModelVerdict: Codable, Sendable, Equatable {
    public var model: String
    /// The worst status over the model's reference and shift verdicts.
    public var status: VerdictStatus
    public var reasons: [VerdictReason]

    public init(model: String, status: VerdictStatus, reasons: [VerdictReason]) {
        self.model = model
        self.status = status
        self.reasons = reasons
    }
}

/// The pilot's pass criteria (fractions). A missing criterion is not checked.
public struct Criteria: Codable, Sendable, Equatable {
    /// Minimum top-1 (measured, or ATC-estimated on unlabelled shifts) on every domain.
    public var minAccuracy: Double?
    /// Maximum `drop / reference_accuracy` on every shift.
    public var maxRelativeDrop: Double?

    public init(minAccuracy: Double? = nil, maxRelativeDrop: Double? = nil) {
        self.minAccuracy = minAccuracy
        self.maxRelativeDrop = maxRelativeDrop
    }

    enum CodingKeys: String, CodingKey { case minAccuracy = "min_accuracy", maxRelativeDrop = "max_relative_drop" }
}

/// Every seed of the run. Each probe derives its own stream from `base` (see `SplitMix64.derive`),
/// and the seed each probe used is also stored beside its result.
public struct Seeds: Codable, Sendable, Equatable {
    public var base: UInt64
    public var bootstrap: UInt64
    public var distance: UInt64
    public var linearProbe: UInt64

    public init(base: UInt64) {
        self.base = base
        self.bootstrap = SplitMix64.derive(base, stream: .bootstrap)
        self.distance = SplitMix64.derive(base, stream: .distance)
        self.linearProbe = SplitMix64.derive(base, stream: .linearProbe)
    }

    enum CodingKeys: String, CodingKey { case base, bootstrap, distance, linearProbe = "linear_probe" }
}
