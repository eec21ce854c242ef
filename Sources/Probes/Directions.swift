import Foundation

/// Probe 3 — privileged directions of the zero-shot head (Crabbé et al. 2024, §4).
///
/// `W = U Σ Vᵀ` (thin SVD, r = min(C, d) directions). Importance of direction k is
/// `σ_k · mean_i |cos(v_k, h_i)|` on the reference domain. Pruning p % keeps the
/// `kept(p) = max(1, ⌊(r · (100 − p) + 50) / 100⌋)` most important directions and
/// classifies `V_m V_mᵀ h` with the full head; since `w_c · V_m V_mᵀ h = Σ_{k∈m} (v_k·h)(v_k·w_c)`
/// and the argmax ignores the norm of h, no projected vector is ever formed. The
/// coordinate curve keeps the `kept(p)` coordinates (of d) with the largest reference `m_j`.
public enum Directions {
    /// The pruned percentages of the curves.
    public static let defaultPrunedPercents = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]

    /// Directions kept of `total` when pruning `percent` %.
    public static func kept(total: Int, prunedPercent: Int) -> Int {
        max(1, (total * (100 - prunedPercent) + 50) / 100)
    }

    /// The head's singular directions and their importance on the reference domain.
    public struct Basis: Sendable {
        /// σ_k, largest first.
        public let singularValues: [Double]
        /// v_k as rows (r × d), in singular-value order.
        public let directions: Matrix<Float>
        /// σ_k · mean_i |cos(v_k, h_i)|.
        public let importance: [Double]
        /// Direction indices by decreasing importance (ties: larger σ first).
        public let order: [Int]
        /// (v_k · w_c), r × C.
        let headCoordinates: Matrix<Float>
    }

    /// SVD of `head` through the eigendecomposition of its smaller Gram matrix (in Double),
    /// then importance on `reference` (n×d).
    public static func basis(head: Matrix<Float>, reference: Matrix<Float>) throws -> Basis {
        let classes = head.rows, d = head.columns
        guard reference.columns == d else { throw ProbesError.shape("reference has \(reference.columns) dimensions, head \(d)") }
        let w = head.converted(to: Double.self)
        let r = min(classes, d)
        var singular = [Double](), vectors = [[Double]]()
        if classes < d {
            // W Wᵀ = U Σ² Uᵀ, v_k = Wᵀ u_k / σ_k.
            let gram = w.multiplied(byTransposeOf: w)
            let eigen = try SymmetricEigen(gram)
            for k in stride(from: classes - 1, through: 0, by: -1) {
                let sigma = max(eigen.values[k], 0).squareRoot()
                singular.append(sigma)
                var v = [Double](repeating: 0, count: d)
                let u = eigen.vectors[k]
                for c in 0..<classes where u[c] != 0 {
                    for j in 0..<d { v[j] += u[c] * w.values[c * d + j] }
                }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { v = v.map { $0 / norm } }
                vectors.append(v)
            }
        } else {
            let gram = LinearAlgebra.gram(w)
            let eigen = try SymmetricEigen(gram)
            for k in stride(from: d - 1, through: 0, by: -1) {
                singular.append(max(eigen.values[k], 0).squareRoot())
                vectors.append(eigen.vectors[k])
            }
        }
        let directions = Matrix(unchecked: r, d, vectors.flatMap { $0.map { Float($0) } })
        let cosines = reference.rowNormalized().multiplied(byTransposeOf: directions)  // (n, r)
        var meanAbsCos = [Double](repeating: 0, count: r)
        for i in 0..<cosines.rows {
            for k in 0..<r { meanAbsCos[k] += abs(Double(cosines.values[i * r + k])) }
        }
        let importance = (0..<r).map { k in reference.rows > 0 ? singular[k] * meanAbsCos[k] / Double(reference.rows) : 0 }
        let order = (0..<r).sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
        let headCoordinates = directions.multiplied(byTransposeOf: head)  // (r, C)
        return Basis(singularValues: singular, directions: directions, importance: importance, order: order, headCoordinates: headCoordinates)
    }

    /// Both pruning curves on one labelled domain.
    public static func result(
        basis: Basis, head: Matrix<Float>, referenceMeanAbs: [Double], embeddings: Matrix<Float>, labels: [Int],
        prunedPercents: [Int] = defaultPrunedPercents
    ) throws -> DirectionsResult {
        let d = head.columns
        guard embeddings.columns == d else { throw ProbesError.shape("embeddings have \(embeddings.columns) dimensions, head \(d)") }
        guard referenceMeanAbs.count == d else { throw ProbesError.shape("reference m_j has \(referenceMeanAbs.count) entries, head \(d)") }
        let coordinates = embeddings.multiplied(byTransposeOf: basis.directions)  // (n, r)
        let curve = pruningCurve(
            features: coordinates, weights: basis.headCoordinates, order: basis.order, labels: labels, prunedPercents: prunedPercents)
        let coordinateOrder = (0..<d).sorted {
            referenceMeanAbs[$0] != referenceMeanAbs[$1] ? referenceMeanAbs[$0] > referenceMeanAbs[$1] : $0 < $1
        }
        let coordinateCurve = pruningCurve(
            features: embeddings, weights: head.transposed(), order: coordinateOrder, labels: labels, prunedPercents: prunedPercents)
        return DirectionsResult(singularValues: basis.singularValues, importance: basis.importance, curve: curve, coordinateCurve: coordinateCurve)
    }

    /// Accuracy of `argmax_c Σ_{k ∈ first kept(p) of order} features[i, k] · weights[k, c]`
    /// for every p, accumulating the logits block by block (one full product in total).
    static func pruningCurve(
        features: Matrix<Float>, weights: Matrix<Float>, order: [Int], labels: [Int], prunedPercents: [Int]
    ) -> [PruningPoint] {
        let n = features.rows, total = order.count, classes = weights.columns
        let checkpoints = prunedPercents.map { kept(total: total, prunedPercent: $0) }
        var accuracyByKept = [Int: Double]()
        var logits = Matrix<Float>(zeros: n, classes)
        var done = 0
        for target in Set(checkpoints).sorted() {
            if target > done {
                let block = Array(order[done..<target])
                let x = features.selectingColumns(block)
                let w = weights.selectingRows(block)
                LinearAlgebra.multiplyAdd(x, w, into: &logits)
                done = target
            }
            var correct = 0
            logits.values.withUnsafeBufferPointer { z in
                for i in 0..<n where LinearAlgebra.argmax(z.baseAddress! + i * classes, count: classes) == labels[i] {
                    correct += 1
                }
            }
            accuracyByKept[target] = n > 0 ? Double(correct) / Double(n) : 0
        }
        return zip(prunedPercents, checkpoints).map { percent, kept in
            PruningPoint(prunedFraction: Double(percent) / 100, kept: kept, accuracy: accuracyByKept[kept]!)
        }
    }
}
