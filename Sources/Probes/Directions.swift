import Foundation
import Results
import Tensor

/// Probe 3 — privileged directions of the zero-shot head (Crabbé et al. 2024, §4).
///
/// `W = U Σ Vᵀ` (thin SVD, r = min(C, d) directions). Importance of direction k is
/// `σ_k · mean_i |cos(v_k, h_i)|` on the reference domain. Pruning p % keeps the
/// `kept(p) = max(1, ⌊(r · (100 − p) + 50) / 100⌋)` most important directions and
/// classifies `V_m V_mᵀ h` with the full head; since `w_c · V_m V_mᵀ h = Σ_{k∈m} (v_k·h)(v_k·w_c)`
/// and the argmax ignores the norm of h, no projected vector is ever formed. Keeping all r
/// directions projects onto a space that holds every w_c, which changes no logit: such a point
/// (p = 0) is the zero-shot accuracy itself, taken from the full logits. The coordinate curve
/// keeps the `kept(p)` coordinates (of d) with the largest reference `m_j`.
package enum Directions {
    /// The pruned percentages of the curves.
    static let defaultPrunedPercents = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]

    /// Directions kept of `total` when pruning `percent` %.
    package static func kept(total: Int, prunedPercent: Int) -> Int {
        max(1, (total * (100 - prunedPercent) + 50) / 100)
    }

    /// The head's singular directions and their importance on the reference domain.
    package struct Basis: Sendable {
        /// σ_k, largest first.
        package let singularValues: [Double]
        /// v_k as rows (r × d), in singular-value order.
        package let directions: Matrix<Float>
        /// σ_k · mean_i |cos(v_k, h_i)|.
        package let importance: [Double]
        /// Direction indices by decreasing importance (ties: larger σ first).
        package let order: [Int]
        /// The rows of `directions` in importance order (`order`), so that keeping the most
        /// important directions is keeping a leading block.
        let directionsByImportance: Matrix<Float>
        /// (v_k · w_c) for k in importance order, r × C.
        let headCoordinatesByImportance: Matrix<Float>
    }

    /// SVD of `head` through the eigendecomposition of its smaller Gram matrix (in Double),
    /// then importance on `reference` (n×d).
    package static func basis(head: Matrix<Float>, reference: Matrix<Float>) throws -> Basis {
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
        let ordered = directions.selectingRows(order)
        return Basis(
            singularValues: singular, directions: directions, importance: importance, order: order,
            directionsByImportance: ordered, headCoordinatesByImportance: ordered.multiplied(byTransposeOf: head))
    }

    /// `embeddings · directionsᵀ` on the first `count` directions (n × count): the directions
    /// packed once as `linear`'s weight panels, so the rows are read in place and the product
    /// stored directly — the same fp32 sums as `multiplied(byTransposeOf:)`.
    static func coordinatesOnDirections(_ embeddings: Matrix<Float>, _ directions: Matrix<Float>, count: Int) -> Matrix<Float> {
        let n = embeddings.rows, d = embeddings.columns
        guard n > 0, d > 0, count > 0 else { return embeddings.multiplied(byTransposeOf: directions.selectingRows(Array(0..<count))) }
        let packed = directions.values.withUnsafeBufferPointer {
            PackedWeight(weight: $0.baseAddress!, outFeatures: count, inFeatures: d, precision: .fp32)
        }
        let values = [Float](unsafeUninitializedCapacity: n * count) { buffer, initialized in
            embeddings.values.withUnsafeBufferPointer { xp in
                Kernels.linear(input: xp.baseAddress!, rows: n, weight: packed, bias: nil, output: buffer.baseAddress!)
            }
            initialized = n * count
        }
        return Matrix(unchecked: n, count, values)
    }

    /// Both pruning curves on one labelled domain (`groups`: see `ZeroShot.accepts`).
    static func result(
        basis: Basis, head: Matrix<Float>, referenceMeanAbs: [Double], embeddings: Matrix<Float>, labels: [Int],
        groups: [Int]? = nil, prunedPercents: [Int] = defaultPrunedPercents
    ) throws -> DirectionsResult {
        try resultAndScores(
            basis: basis, head: head, referenceMeanAbs: referenceMeanAbs, embeddings: embeddings, labels: labels,
            groups: groups, prunedPercents: prunedPercents).0
    }

    /// `result(...)` plus the zero-shot scores of the domain, taken from the coordinate
    /// curve's complete sums (`H · Wᵀ` over every coordinate) instead of a separate product.
    static func resultAndScores(
        basis: Basis, head: Matrix<Float>, referenceMeanAbs: [Double], embeddings: Matrix<Float>, labels: [Int],
        groups: [Int]? = nil, prunedPercents: [Int], timing: ProbeTiming? = nil
    ) throws -> (DirectionsResult, ZeroShot.Scores) {
        try ZeroShot.validate(embeddings: embeddings, head: head, labels: labels, groups: groups)
        let d = head.columns
        guard referenceMeanAbs.count == d else { throw ProbesError.shape("reference m_j has \(referenceMeanAbs.count) entries, head \(d)") }
        // Keeping all r directions changes no logit (they span the head's rows): those points are
        // the zero-shot accuracy, read from the coordinate curve's full product below. The
        // others need the coordinates on the `needed` most important directions only.
        let r = basis.directionsByImportance.rows
        let prunedPercentsBelowAll = prunedPercents.filter { kept(total: r, prunedPercent: $0) < r }
        let needed = prunedPercentsBelowAll.map { kept(total: r, prunedPercent: $0) }.max() ?? 0
        var partialCurve = [PruningPoint]()
        if needed > 0 {
            let leading = Array(0..<needed)
            // (n, needed): coordinates on the directions, most important first.
            let coordinates = timing.measure("zero-shot: coordinates") {
                coordinatesOnDirections(embeddings, basis.directionsByImportance, count: needed)
            }
            partialCurve = timing.measure("zero-shot: direction curve") {
                pruningCurve(
                    orderedFeatures: coordinates, orderedWeights: basis.headCoordinatesByImportance.selectingRows(leading), total: r,
                    labels: labels, groups: groups, prunedPercents: prunedPercentsBelowAll)
            }
        }
        let coordinateOrder = (0..<d).sorted {
            referenceMeanAbs[$0] != referenceMeanAbs[$1] ? referenceMeanAbs[$0] > referenceMeanAbs[$1] : $0 < $1
        }
        // The zero-shot scores are taken from the curve's complete logits, chunk by chunk.
        let scales = embeddings.rowSumsOfSquares().map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var scores = ZeroShot.Scores(rows: embeddings.rows, labelled: true)
        let coordinateCurve = timing.measure("zero-shot: coordinate curve") {
            pruningCurve(
                orderedFeatures: embeddings.selectingColumns(coordinateOrder),
                orderedWeights: head.selectingColumns(coordinateOrder).transposed(), labels: labels, groups: groups,
                prunedPercents: prunedPercents + [0]) { rows, logits in
                    ZeroShot.score(logits, rows: rows, classes: head.rows, rowScales: scales, labels: labels, groups: groups, into: &scores)
                }
        }
        var pruned = partialCurve.makeIterator()
        let curve = prunedPercents.map { percent in
            kept(total: r, prunedPercent: percent) < r
                ? pruned.next()! : PruningPoint(prunedFraction: Double(percent) / 100, kept: r, accuracy: coordinateCurve.last!.accuracy)
        }
        return (DirectionsResult(singularValues: basis.singularValues, importance: basis.importance, curve: curve,
                                 coordinateCurve: Array(coordinateCurve.dropLast())), scores)
    }

    /// Rows per call of the kernel when the complete logits are handed on: a chunk's logits
    /// (3.8 MB at 1,000 classes) are reused from chunk to chunk and read while still in cache,
    /// instead of an n × C array (40 MB, fresh pages) per domain.
    static let logitChunkRows = 960

    /// Accuracy of `argmax_c Σ_{k < kept(p)} features[i, k] · weights[k, c]` for every p, with
    /// `kept(p)` counted of `total` (default: every column), the columns of `orderedFeatures`
    /// (n × at least the largest kept(p)) and rows of `orderedWeights` (same count × C) being
    /// already in pruning order. `Kernels.checkpointArgmax` over the rows: each logit is one fp32
    /// sum over the kept columns, taken at every kept width on its way to the largest. With
    /// `logits` (and a curve that ends with every column) the complete logits are handed to it
    /// chunk by chunk, in row order: the chunk's rows and their `rows.count × C` logits, valid
    /// during the call. A prediction counts as in `ZeroShot.accepts(_:_:groups:)`.
    static func pruningCurve(
        orderedFeatures features: Matrix<Float>, orderedWeights weights: Matrix<Float>, total: Int? = nil, labels: [Int],
        groups: [Int]? = nil, prunedPercents: [Int],
        logits: ((_ rows: Range<Int>, _ logits: UnsafePointer<Float>) -> Void)? = nil
    ) -> [PruningPoint] {
        let n = features.rows, width = features.columns, classes = weights.columns
        let checkpoints = prunedPercents.map { kept(total: total ?? width, prunedPercent: $0) }
        let targets = Set(checkpoints).sorted()
        precondition((targets.last ?? 0) <= width && weights.rows == width, "the curve needs more columns than given")
        let handOn = logits != nil && targets.last == width
        var predicted = [Int32](repeating: 0, count: n * targets.count)
        if n > 0, classes > 0, !targets.isEmpty {
            let chunkRows = handOn ? logitChunkRows : n
            var chunkLogits = [Float](unsafeUninitializedCapacity: handOn ? min(n, chunkRows) * classes : 0) { _, count in
                count = handOn ? min(n, chunkRows) * classes : 0
            }
            features.values.withUnsafeBufferPointer { xp in
                weights.values.withUnsafeBufferPointer { wp in
                    chunkLogits.withUnsafeMutableBufferPointer { lp in
                        predicted.withUnsafeMutableBufferPointer { ip in
                            var r0 = 0
                            while r0 < n {
                                let rows = min(chunkRows, n - r0)
                                Kernels.checkpointArgmax(
                                    x: xp.baseAddress! + r0 * width, rows: rows, rowStride: width, v: wp.baseAddress!, vRowStride: classes,
                                    columns: classes, checkpoints: targets, logits: handOn ? lp.baseAddress : nil,
                                    indices: ip.baseAddress! + r0 * targets.count)
                                if handOn { logits!(r0..<(r0 + rows), UnsafePointer(lp.baseAddress!)) }
                                r0 += rows
                            }
                        }
                    }
                }
            }
        }
        var correct = [Int](repeating: 0, count: targets.count)
        for i in 0..<n {
            for t in targets.indices where ZeroShot.accepts(Int(predicted[i * targets.count + t]), labels[i], groups: groups) {
                correct[t] += 1
            }
        }
        var accuracyByKept = [Int: Double]()
        for (t, target) in targets.enumerated() {
            accuracyByKept[target] = n > 0 ? Double(correct[t]) / Double(n) : 0
        }
        let points = zip(prunedPercents, checkpoints).map { percent, kept in
            PruningPoint(prunedFraction: Double(percent) / 100, kept: kept, accuracy: accuracyByKept[kept]!)
        }
        return points
    }
}
