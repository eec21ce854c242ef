/// Correct predictions out of labelled images: the counts behind a measured accuracy.
package struct AccuracyCounts: Codable, Sendable, Equatable {
    package var correct: Int
    package var total: Int

    package init(correct: Int, total: Int) {
        precondition(total >= 1 && correct >= 0 && correct <= total, "need 0 ≤ correct ≤ total, total ≥ 1")
        self.correct = correct
        self.total = total
    }

    /// `correct / total`.
    package var accuracy: Double { Double(correct) / Double(total) }
}
