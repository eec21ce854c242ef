import Foundation
import Results
import Support
import Tensor

/// Sample-size caps and settings of the domain-distance probe. Above a cap, each domain
/// is replaced by a seeded subsample of that size (recorded in the result).
package struct DistanceOptions: Codable, Sendable, Equatable {
    /// Fréchet: covariances cost n·d² each; 5,000 images estimate a 768-d covariance well.
    var frechetMaxSamples: Int = 5_000
    /// MMD: the kernel matrix is (2m)²; 500 per domain keeps a permutation test cheap.
    var mmdMaxSamples: Int = 500
    package var mmdPermutations: Int = 200
    /// Domain classifier: 1,000 per domain, 5 folds, sklearn's default C = 1.
    var aucMaxSamples: Int = 1_000
    package var aucFolds: Int = 5
    var aucInverseRegularization: Double = 1
    /// L-BFGS stops at ‖∇‖∞ ≤ this; the AUC is a rank statistic and moves < 1e-4 below it.
    var aucTolerance: Double = 1e-5

    package init() {}

    enum CodingKeys: String, CodingKey {
        case frechetMaxSamples = "frechet_max_samples", mmdMaxSamples = "mmd_max_samples"
        case mmdPermutations = "mmd_permutations", aucMaxSamples = "auc_max_samples", aucFolds = "auc_folds"
        case aucInverseRegularization = "auc_inverse_regularization", aucTolerance = "auc_tolerance"
    }
}

/// Probe 7 — distances between a domain and the reference.
package enum Distance {
    // MARK: Fréchet

    /// Mean and covariance (ddof = 1, as numpy.cov) of a sample, with a factor of the
    /// covariance for `tr √(Σ1 Σ2)`.
    package struct Gaussian: Sendable {
        package let mean: [Double]
        let covariance: Matrix<Double>
        /// F with `F Fᵀ = Σ` (Cholesky, or `U Λ^½` when Σ is singular); only the first
        /// argument of `frechet` needs it, so shifts skip it (`factorized: false`).
        let factor: Matrix<Double>?

        /// `nil` with fewer than 2 rows.
        package init?(_ x: Matrix<Float>, factorized: Bool = true) throws {
            let n = x.rows, d = x.columns
            guard n >= 2 else { return nil }
            var mean = [Double](repeating: 0, count: d)
            var centred = x.converted(to: Double.self)
            centred.values.withUnsafeMutableBufferPointer { c in
                mean.withUnsafeMutableBufferPointer { mean in
                    for i in 0..<n { for j in 0..<d { mean[j] += c[i * d + j] } }
                    for j in 0..<d { mean[j] /= Double(n) }
                    for i in 0..<n { for j in 0..<d { c[i * d + j] -= mean[j] } }
                }
            }
            var covariance = LinearAlgebra.gram(centred)
            for t in 0..<covariance.values.count { covariance.values[t] /= Double(n - 1) }
            self.mean = mean
            self.covariance = covariance
            self.factor = factorized ? try Distance.factor(covariance) : nil
        }
    }

    /// Lower-triangular Cholesky factor of a symmetric positive-definite matrix, or — when a
    /// pivot is not clearly positive (singular Σ, n ≤ d, constant dimensions) — `U Λ₊^½`
    /// from the eigendecomposition, which is exact for semi-definite matrices.
    static func factor(_ s: Matrix<Double>) throws -> Matrix<Double> {
        let d = s.rows
        var l = Matrix<Double>(zeros: d, d)
        let largest = (0..<d).reduce(0.0) { max($0, s.values[$1 * d + $1]) }
        var ok = largest > 0
        if ok {
            for i in 0..<d { for j in 0...i { l.values[i * d + j] = s.values[i * d + j] } }
            ok = l.values.withUnsafeMutableBufferPointer { LinearAlgebra.choleskyInPlace($0.baseAddress!, order: d, minimumPivot: 1e-10 * largest) }
        }
        if ok { return l }
        let eigen = try SymmetricEigen(s)
        var f = Matrix<Double>(zeros: d, d)
        for k in 0..<d {
            let root = max(eigen.values[k], 0).squareRoot()
            guard root > 0 else { continue }
            for i in 0..<d { f.values[i * d + k] = eigen.vectors[k][i] * root }
        }
        return f
    }

    /// `|μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2)`, with `tr √(Σ1 Σ2) = Σ √λ(Fᵀ Σ2 F)` for
    /// `F Fᵀ = Σ1` (the eigenvalues of Σ1Σ2 are those of the symmetric Fᵀ Σ2 F). Matches
    /// `scipy.linalg.sqrtm`-based FID to ~1e-8 relative on well-conditioned inputs; never
    /// negative (rounding is clamped at 0).
    package static func frechet(_ a: Gaussian, _ b: Gaussian) throws -> Double {
        let d = a.mean.count
        guard b.mean.count == d else { throw ProbesError.shape("domains have \(d) and \(b.mean.count) dimensions") }
        var meanTerm = 0.0
        for j in 0..<d { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
        var traces = 0.0
        for j in 0..<d { traces += a.covariance.values[j * d + j] + b.covariance.values[j * d + j] }
        let factor = try a.factor ?? Distance.factor(a.covariance)
        let lower = (0..<d).allSatisfy { i in ((i + 1)..<d).allSatisfy { factor.values[i * d + $0] == 0 } }
        let m = lower
            ? LinearAlgebra.congruence(b.covariance, lowerTriangular: factor)
            : factor.transposed().multiplied(by: b.covariance).multiplied(by: factor)
        var symmetric = m
        for i in 0..<d { for j in 0..<i {
            let v = 0.5 * (m.values[i * d + j] + m.values[j * d + i])
            symmetric.values[i * d + j] = v
            symmetric.values[j * d + i] = v
        } }
        let eigen = try SymmetricEigen(symmetric, computeVectors: false)
        let traceRoot = eigen.values.reduce(0) { $0 + max($1, 0).squareRoot() }
        return max(0, meanTerm + traces - 2 * traceRoot)
    }

    // MARK: MMD

    package struct MMDResult: Sendable, Equatable {
        package var mmd2: Double
        var bandwidth: Double
        var pValue: Double
        package var permutations: Int
    }

    /// Unbiased MMD² between the rows of `x` and `y`, L2-normalised here in Double, with `k(a, b) = exp(−|a − b|² / (2 s²))`, `s` = median pairwise distance of the
    /// pooled rows (numpy.median over i < j). If that median is 0, the mean pairwise distance is
    /// used; if that is 0 too, every row is identical: MMD² = 0, p = 1.
    /// `nil` when either sample has fewer than 2 rows.
    static func mmd(_ x: Matrix<Float>, _ y: Matrix<Float>, permutations: Int, seed: UInt64) -> MMDResult? {
        let nx = x.rows, ny = y.rows, m = nx + ny, d = x.columns
        guard nx >= 2, ny >= 2, y.columns == d else { return nil }
        // Centre the pooled, normalised rows before the fp32 Gram matrix: distances do not
        // change and the |a|² + |b|² − 2a·b cancellation shrinks.
        var pooled = Matrix(unchecked: m, d, x.values + y.values).converted(to: Double.self).rowNormalized()
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<m { for j in 0..<d { mean[j] += pooled.values[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(m) }
        for i in 0..<m { for j in 0..<d { pooled.values[i * d + j] -= mean[j] } }
        let centred = pooled.converted(to: Float.self)
        let gram = centred.multiplied(byTransposeOf: centred)
        var squared = [Double](repeating: 0, count: m * m)
        var distances = [Double]()
        distances.reserveCapacity(m * (m - 1) / 2)
        for i in 0..<m {
            let gii = Double(gram.values[i * m + i])
            for j in 0..<m where j != i {
                let v = max(0, gii + Double(gram.values[j * m + j]) - 2 * Double(gram.values[i * m + j]))
                squared[i * m + j] = v
                if j > i { distances.append(v.squareRoot()) }
            }
        }
        var bandwidth = Statistics.median(distances) ?? 0
        if bandwidth == 0 { bandwidth = distances.reduce(0, +) / Double(max(distances.count, 1)) }
        guard bandwidth > 0 else { return MMDResult(mmd2: 0, bandwidth: 0, pValue: 1, permutations: permutations) }
        let scale = -1 / (2 * bandwidth * bandwidth)
        var kernel = [Double](repeating: 0, count: m * m)
        var rowSums = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in 0..<m where j != i {
                let k = exp(squared[i * m + j] * scale)
                kernel[i * m + j] = k
                rowSums[i] += k
            }
        }
        // The reported statistic, in fp64.
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in 0..<m {
            var toX = 0.0
            for j in 0..<nx { toX += kernel[i * m + j] }
            if i < nx { sxx += toX; sxy += rowSums[i] - toX } else { syy += rowSums[i] - toX }
        }
        let observed = sxx / Double(nx * (nx - 1)) + syy / Double(ny * (ny - 1)) - 2 * sxy / Double(nx * ny)

        // Permutations in one fp32 product: column p of the mask matrix marks the rows that
        // play X; column 0 is the observed split, compared in the same arithmetic.
        let columns = permutations + 1
        var masks = [Float](repeating: 0, count: m * columns)
        for i in 0..<nx { masks[i * columns] = 1 }
        var generator = SplitMix64(seed: seed)
        for p in 1..<max(columns, 1) {
            let order = generator.permutation(m)
            for t in 0..<nx { masks[order[t] * columns + p] = 1 }
        }
        let kernelFloat = Matrix(unchecked: m, m, kernel.map { Float($0) })
        let toX = kernelFloat.multiplied(by: Matrix(unchecked: m, columns, masks))  // (m, permutations + 1)
        var statistics = [Double](repeating: 0, count: columns)
        for p in 0..<columns {
            var a = 0.0, b = 0.0, c = 0.0
            for i in 0..<m {
                let t = Double(toX.values[i * columns + p])
                if masks[i * columns + p] == 1 { a += t; c += rowSums[i] - t } else { b += rowSums[i] - t }
            }
            statistics[p] = a / Double(nx * (nx - 1)) + b / Double(ny * (ny - 1)) - 2 * c / Double(nx * ny)
        }
        let atLeast = statistics.dropFirst().filter { $0 >= statistics[0] }.count
        return MMDResult(mmd2: observed, bandwidth: bandwidth, pValue: Double(1 + atLeast) / Double(1 + permutations), permutations: permutations)
    }

    // MARK: Domain classifier

    /// Out-of-fold ROC AUC of a binary L2 logistic regression separating `reference` (label 0)
    /// from `other` (label 1). `folds[i]` assigns pooled row i (reference rows first) to a fold in
    /// `0..<foldCount`; the pooled out-of-fold decision values give one AUC (as sklearn's
    /// `roc_auc_score(y, cross_val_predict(..., method="decision_function"))`).
    /// `inverseRegularization` is sklearn's C. `nil` if some training fold lacks a class.
    static func domainClassifierAUC(
        reference: Matrix<Double>, other: Matrix<Double>, folds: [Int], foldCount: Int, inverseRegularization: Double,
        tolerance: Double = 1e-5
    ) throws -> Double? {
        let n = reference.rows + other.rows, d = reference.columns
        guard other.columns == d else { throw ProbesError.shape("domains have \(d) and \(other.columns) dimensions") }
        guard folds.count == n else { throw ProbesError.shape("\(folds.count) fold labels for \(n) rows") }
        let pooled = Matrix(unchecked: n, d, reference.values + other.values)
        let labels = (0..<n).map { $0 < reference.rows ? 0 : 1 }
        var scores = [Double](repeating: 0, count: n)
        for fold in 0..<foldCount {
            let train = (0..<n).filter { folds[$0] != fold }
            let test = (0..<n).filter { folds[$0] == fold }
            guard !test.isEmpty else { continue }
            let trainLabels = train.map { labels[$0] }
            guard trainLabels.contains(0), trainLabels.contains(1) else { return nil }
            let model = try LogisticRegression.fit(
                features: pooled.selectingRows(train), labels: trainLabels, classCount: 2,
                l2: 1 / (inverseRegularization * Double(train.count)), tolerance: tolerance)
            let z = model.decisionFunction(pooled.selectingRows(test))
            for (t, i) in test.enumerated() { scores[i] = z.values[t] }
        }
        return Statistics.rocAUC(scores: scores, positives: labels.map { $0 == 1 })
    }

    // MARK: The probe

    /// What is computed once per model on the reference domain.
    package struct Reference: Sendable {
        let gaussian: Gaussian?
        let frechetSampleSize: Int
        let mmdSample: Matrix<Float>
        let aucSample: Matrix<Double>
    }

    package static func reference(_ embeddings: Matrix<Float>, options: DistanceOptions, seed: UInt64) throws -> Reference {
        var generator = SplitMix64(seed: seed)
        let n = embeddings.rows
        let frechetRows = generator.subsample(options.frechetMaxSamples, of: n)
        let mmdRows = generator.subsample(options.mmdMaxSamples, of: n)
        let aucRows = generator.subsample(options.aucMaxSamples, of: n)
        return Reference(
            gaussian: try Gaussian(frechetRows.count == n ? embeddings : embeddings.selectingRows(frechetRows)),
            frechetSampleSize: frechetRows.count,
            mmdSample: embeddings.selectingRows(mmdRows),
            aucSample: embeddings.selectingRows(aucRows).converted(to: Double.self).rowNormalized())
    }

    /// Fréchet, MMD² and domain-classifier AUC of `embeddings` against the reference.
    /// Sample sizes in the result are per domain (the smaller of the two when they differ).
    static func result(
        reference: Reference, embeddings: Matrix<Float>, options: DistanceOptions, seed: UInt64, timing: ProbeTiming? = nil
    ) throws -> DistanceResult {
        var generator = SplitMix64(seed: SplitMix64.derive(seed, index: 1))
        let n = embeddings.rows
        let frechetRows = generator.subsample(options.frechetMaxSamples, of: n)
        let mmdRows = generator.subsample(options.mmdMaxSamples, of: n)
        let aucRows = generator.subsample(options.aucMaxSamples, of: n)
        var frechetValue: Double?
        if let a = reference.gaussian,
           let b = try timing.measure("distance: covariance", { try Gaussian(frechetRows.count == n ? embeddings : embeddings.selectingRows(frechetRows), factorized: false) }) {
            frechetValue = try timing.measure("distance: Fréchet") { try frechet(a, b) }
        }
        let mmdResult = timing.measure("distance: MMD") {
            mmd(reference.mmdSample, embeddings.selectingRows(mmdRows), permutations: options.mmdPermutations, seed: SplitMix64.derive(seed, index: 2))
        }
        let other = embeddings.selectingRows(aucRows).converted(to: Double.self).rowNormalized()
        let total = reference.aucSample.rows + other.rows
        var auc: Double?
        if reference.aucSample.rows >= options.aucFolds, other.rows >= options.aucFolds {
            var foldGenerator = SplitMix64(seed: SplitMix64.derive(seed, index: 3))
            let order = foldGenerator.permutation(total)
            var folds = [Int](repeating: 0, count: total)
            for (position, row) in order.enumerated() { folds[row] = position % options.aucFolds }
            auc = try timing.measure("distance: classifier AUC") { try domainClassifierAUC(
                reference: reference.aucSample, other: other, folds: folds, foldCount: options.aucFolds,
                inverseRegularization: options.aucInverseRegularization, tolerance: options.aucTolerance) }
        }
        return DistanceResult(
            frechet: frechetValue, mmd2: mmdResult?.mmd2, mmdBandwidth: mmdResult?.bandwidth, mmdPValue: mmdResult?.pValue,
            mmdPermutations: options.mmdPermutations, mmdSampleSize: min(reference.mmdSample.rows, mmdRows.count),
            frechetSampleSize: min(reference.frechetSampleSize, frechetRows.count), auc: auc, aucFolds: options.aucFolds,
            aucSampleSize: min(reference.aucSample.rows, aucRows.count), seed: seed)
    }
}
