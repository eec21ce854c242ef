/// Zero-shot accuracy after pruning directions of the head's row space, or coordinates.
public struct DirectionsResult: Codable, Sendable, Equatable {
    /// Singular values of the head `W` (C×d), largest first.
    public var singularValues: [Double]
    /// `σ_k · mean_i |cos(v_k, h_i)|` on the reference domain, in singular-value order.
    public var importance: [Double]
    /// Accuracy after keeping the most important `(1 − p)` right singular directions.
    public var curve: [PruningPoint]
    /// Accuracy after keeping the `(1 − p)` coordinates with the largest reference `m_j`.
    public var coordinateCurve: [PruningPoint]

    public init(singularValues: [Double], importance: [Double], curve: [PruningPoint], coordinateCurve: [PruningPoint]) {
        self.singularValues = singularValues
        self.importance = importance
        self.curve = curve
        self.coordinateCurve = coordinateCurve
    }

    enum CodingKeys: String, CodingKey {
        case singularValues = "singular_values", importance, curve, coordinateCurve = "coordinate_curve"
    }
}

/// One point of a pruning curve.
public struct PruningPoint: Codable, Sendable, Equatable {
    /// Fraction pruned p (0, 0.1, …, 0.9, 0.95).
    public var prunedFraction: Double
    /// Directions (or coordinates) kept: `max(1, round((1 − p) · total))`.
    public var kept: Int
    /// Top-1 accuracy, fraction.
    public var accuracy: Double

    public init(prunedFraction: Double, kept: Int, accuracy: Double) {
        self.prunedFraction = prunedFraction
        self.kept = kept
        self.accuracy = accuracy
    }

    enum CodingKeys: String, CodingKey { case prunedFraction = "pruned_fraction", kept, accuracy }
}
