/// Correct predictions out of labelled images: the counts behind a measured accuracy.
public struct AccuracyCounts: Codable, Sendable, Equatable {
    public var correct: Int
    public var total: Int

    public init(correct: Int, total: Int) {
        precondition(total >= 1 && correct >= 0 && correct <= total, "need 0 ≤ correct ≤ total, total ≥ 1")
        self.correct = correct
        self.total = total
    }

    /// `correct / total`.
    public var accuracy: Double { Double(correct) / Double(total) }
}
