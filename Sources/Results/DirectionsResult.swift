/// Zero-shot accuracy after pruning directions of the head's row space, or coordinates.
package struct DirectionsResult: Codable, Sendable, Equatable {
    /// Singular values of the head `W` (C×d), largest first.
    package var singularValues: [Double]
    /// `σ_k · mean_i |cos(v_k, h_i)|` on the reference domain, in singular-value order.
    package var importance: [Double]
    /// Accuracy after keeping the most important `(1 − p)` right singular directions.
    package var curve: [PruningPoint]
    /// Accuracy after keeping the `(1 − p)` coordinates with the largest reference `m_j`.
    package var coordinateCurve: [PruningPoint]

    package init(singularValues: [Double], importance: [Double], curve: [PruningPoint], coordinateCurve: [PruningPoint]) {
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
package struct PruningPoint: Codable, Sendable, Equatable {
    /// Fraction pruned p (0, 0.1, …, 0.9, 0.95).
    package var prunedFraction: Double
    /// Directions (or coordinates) kept: `max(1, round((1 − p) · total))`.
    package var kept: Int
    /// Top-1 accuracy, fraction.
    package var accuracy: Double

    package init(prunedFraction: Double, kept: Int, accuracy: Double) {
        self.prunedFraction = prunedFraction
        self.kept = kept
        self.accuracy = accuracy
    }

    enum CodingKeys: String, CodingKey { case prunedFraction = "pruned_fraction", kept, accuracy }
}
