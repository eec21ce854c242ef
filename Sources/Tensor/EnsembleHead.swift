/// The prompt-ensemble head of open_clip's `build_zero_shot_classifier`, from text embeddings
/// already computed: for each class, L2-normalise each template's embedding (`F.normalize`,
/// eps 1e-12), average over the templates, normalise the mean. `ZeroShotHead` builds the
/// zero-shot head with it; the prompt probe builds the heads of template subsets with it.
public enum EnsembleHead {
    /// A class whose mean embedding has no direction (norm 0 or not finite).
    public struct DegenerateClass: Error, Sendable {
        public var classIndex: Int
        public var norm: Float
    }

    /// The head (C × D, row-major) from `textEmbeddings` (C·T rows of D, class-major: every
    /// template of class 0, then class 1, …), averaging the templates in `templates` (indices
    /// into 0..<T, summed in the order given; all T in order when nil).
    public static func build(
        textEmbeddings: [Float], classCount: Int, templateCount: Int, dimension: Int, templates: [Int]? = nil
    ) throws(DegenerateClass) -> [Float] {
        precondition(classCount > 0 && templateCount > 0 && dimension > 0 && textEmbeddings.count == classCount * templateCount * dimension,
                     "text embeddings do not split into \(classCount) classes × \(templateCount) templates × \(dimension)")
        let chosen = templates ?? Array(0..<templateCount)
        precondition(!chosen.isEmpty && chosen.allSatisfy { $0 >= 0 && $0 < templateCount }, "template indices outside 0..<\(templateCount)")
        var head = [Float](repeating: 0, count: classCount * dimension)
        var unit = [Float](repeating: 0, count: dimension)
        for c in 0..<classCount {
            var mean = [Float](repeating: 0, count: dimension)
            for t in chosen {
                let row = (c * templateCount + t) * dimension
                var squares: Float = 0
                for d in 0..<dimension { squares += textEmbeddings[row + d] * textEmbeddings[row + d] }
                let norm = max(squares.squareRoot(), 1e-12)
                for d in 0..<dimension { unit[d] = textEmbeddings[row + d] / norm }
                for d in 0..<dimension { mean[d] += unit[d] }
            }
            var squares: Float = 0
            for d in 0..<dimension {
                mean[d] /= Float(chosen.count)
                squares += mean[d] * mean[d]
            }
            let norm = squares.squareRoot()
            guard norm > 0, norm.isFinite else { throw DegenerateClass(classIndex: c, norm: norm) }
            for d in 0..<dimension { head[c * dimension + d] = mean[d] / norm }
        }
        return head
    }
}
