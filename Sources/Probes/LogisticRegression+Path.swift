import Foundation
import Tensor

extension LogisticRegression {
    /// The principal axes of the training rows: mean `μ` and the eigendecomposition
    /// `Σ = V diag(e) Vᵀ` of their covariance.
    ///
    /// The multinomial model is fitted in these coordinates: features `x̃ = (x − μ) V`, weights
    /// `W̃ = W V`, intercepts `b' = b + W μ`. Then `W̃ x̃ + b' = W x + b` and `|W̃| = |W|` (V is
    /// orthogonal), so the objective — and its optimum — are exactly those of the original
    /// problem; what changes is that a good curvature model becomes diagonal (see `Path`).
    struct PrincipalAxes {
        let mean: [Double]
        /// Eigenvalues of Σ, clamped at 0.
        let eigenvalues: [Double]
        /// V row-major: `vectors[r, j]` is component r of eigenvector j.
        let vectors: Matrix<Double>
        /// The rotated training rows `(x − μ) V`, in fp64 and, for fp32 fits, in fp32.
        let rotated: Matrix<Double>
        let rotatedSingle: Matrix<Float>?

        /// From the training rows (n × d). With `singlePrecision` the covariance and the
        /// rotation are fp32 products (the optimum does not depend on them: they only set the
        /// coordinates and the preconditioner) and `rotated` is left empty.
        init(features: Matrix<Double>, singlePrecision: Bool) throws {
            let n = features.rows, d = features.columns
            var mean = [Double](repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { mean[j] += features.values[i * d + j] } }
            for j in 0..<d { mean[j] /= Double(max(n, 1)) }
            var centred = features
            for i in 0..<n { for j in 0..<d { centred.values[i * d + j] -= mean[j] } }
            let centredSingle = singlePrecision ? centred.converted(to: Float.self) : nil
            var covariance: Matrix<Double>
            if let x = centredSingle {
                // XᵀX with Xᵀ read in place through strides.
                var gram = [Float](repeating: 0, count: d * d)
                x.values.withUnsafeBufferPointer { xp in
                    gram.withUnsafeMutableBufferPointer { gp in
                        Kernels.matmul(
                            a: xp.baseAddress!, aRowStride: 1, aColumnStride: d, b: xp.baseAddress!, bRowStride: d,
                            c: gp.baseAddress!, cRowStride: d, m: d, n: d, k: n, accumulate: false)
                    }
                }
                covariance = Matrix(unchecked: d, d, gram.map { Double($0) / Double(max(n, 1)) })
                for r in 0..<d { for c in 0..<r {
                    let v = 0.5 * (covariance.values[r * d + c] + covariance.values[c * d + r])
                    covariance.values[r * d + c] = v
                    covariance.values[c * d + r] = v
                } }
            } else {
                covariance = LinearAlgebra.gram(centred)
                for t in 0..<covariance.values.count { covariance.values[t] /= Double(max(n, 1)) }
            }
            let eigen = try SymmetricEigen(covariance)
            var vectors = Matrix<Double>(zeros: d, d)
            for j in 0..<d { for r in 0..<d { vectors.values[r * d + j] = eigen.vectors[j][r] } }
            self.mean = mean
            self.eigenvalues = eigen.values.map { max($0, 0) }
            self.vectors = vectors
            if let x = centredSingle {
                self.rotatedSingle = x.multiplied(by: vectors.converted(to: Float.self))
                self.rotated = Matrix(zeros: 0, d)
            } else {
                self.rotatedSingle = nil
                self.rotated = centred.multiplied(by: vectors)
            }
        }

        /// The same axes (mean, eigenvalues and vectors of `axes`' rows) with the rotated rows
        /// `rows` of `axes` only: a fit on a subset of the rows in the whole set's coordinates —
        /// still an exact change of variables, with the whole set's curvature model.
        init(_ axes: PrincipalAxes, rows: [Int]) {
            mean = axes.mean
            eigenvalues = axes.eigenvalues
            vectors = axes.vectors
            rotated = axes.rotated.rows == 0 ? axes.rotated : axes.rotated.selectingRows(rows)
            rotatedSingle = axes.rotatedSingle?.selectingRows(rows)
        }

        /// `(W V, b + W μ)` as one parameter vector `[W̃ (row-major), b']`.
        func rotate(weights: Matrix<Double>, intercepts: [Double]) -> [Double] {
            let d = weights.columns
            var out = weights.multiplied(by: vectors).values
            for c in 0..<weights.rows {
                var shift = 0.0
                for j in 0..<d { shift += weights.values[c * d + j] * mean[j] }
                out.append(intercepts[c] + shift)
            }
            return out
        }

        /// The inverse of `rotate`: `W = W̃ Vᵀ`, `b = b' − W μ`.
        func unrotate(_ parameters: [Double], rows k: Int) -> (weights: Matrix<Double>, intercepts: [Double]) {
            let d = mean.count
            let weights = Matrix(unchecked: k, d, Array(parameters[0..<(k * d)])).multiplied(byTransposeOf: vectors)
            let intercepts = (0..<k).map { c in
                var shift = 0.0
                for j in 0..<d { shift += weights.values[c * d + j] * mean[j] }
                return parameters[k * d + c] - shift
            }
            return (weights, intercepts)
        }
    }

    /// A regularisation path of the multinomial model on fixed training rows: fits for a
    /// sequence of λ, each starting from the previous optimum.
    ///
    /// Preconditioning. The Hessian of the mean cross-entropy in `W` is
    /// `mean_i (diag p_i − p_i p_iᵀ) ⊗ x_i x_iᵀ`. Keeping the class factor's diagonal
    /// `a_c = mean_i p_ic (1 − p_ic)` and replacing `x xᵀ` by the covariance gives the
    /// Kronecker-factored model of K-FAC (Martens & Grosse 2015) with a diagonal class factor;
    /// in the principal axes it is diagonal: `a_c e_j + λ` for `W̃_cj` and `a_c` for `b'_c`.
    /// Normalised CLIP embeddings are strongly anisotropic (outlier dimensions carry much of
    /// the norm), which is what makes unpreconditioned L-BFGS slow on them. With few rows per
    /// class (a 1,000-class probe has ~5) the covariance is a poor stand-in for where class c's
    /// curvature lies: `p_ic (1 − p_ic)` is largest on the class's own rows, so its block has a
    /// large eigenvalue along them. A class with at most `ownRowsLimit` rows therefore keeps
    /// its own rows exactly — `(1/n) Σ_own w_i x̂_i x̂_iᵀ` plus the Kronecker model of the rest
    /// (`CurvatureModel`), inverted by Woodbury at the cost of a few dot products per row.
    /// The model's inverse is L-BFGS's `H0` (re-read at every iterate, scaled by
    /// `sᵀy / yᵀH0y`). `H0` is positive definite, so convergence is L-BFGS's; only the number
    /// of iterations changes.
    ///
    /// Between two λ the objective changes only by the quadratic penalty, so the next fit starts
    /// from the previous optimum's value and gradient without evaluating them again. (L-BFGS's
    /// curvature pairs are not carried over: corrected by `y + Δλ s` they are exact in exact
    /// arithmetic, but the correction cancels the fp32 gradients' noise into useless pairs.)
    final class Path {
        let axes: PrincipalAxes
        let labels: [Int]
        let classCount: Int
        private var parameters: [Double]
        /// One objective for the whole path (its λ set per fit), so that the fp32 line search's
        /// logits at the current parameters carry over from one λ to the next.
        private let objective: Objective
        /// The last fit's λ and its final value, gradient and curvature.
        private var last: (lambda: Double, value: Double, gradient: [Double], curvature: [Double])?

        /// A start for all classes from `fitted`, a fit of the same rows' `subset` classes in these
        /// axes (`fitted.weights.rows == subset.count`), for `fit(l2:…, from:)`: the subset's
        /// classes keep their weights; every other class gets `W̃_cj = a_j m̃_cj` from its mean
        /// `m̃_c` of the rotated rows, with `a_j` the least-squares slope over the subset's classes
        /// on principal axis j, and the intercept `β W̃_c·m̃_c` likewise (a class without rows:
        /// zero weights and the lowest intercept); the weights are then centred over classes
        /// (which leaves the logits' differences and lowers the penalty).
        func extending(_ fitted: LogisticRegression, subset: [Int]) -> [Double] {
            let k = classCount, d = axes.mean.count, s = subset.count
            precondition(fitted.weights.rows == s && fitted.weights.columns == d, "a fit of the subset's classes")
            let own = axes.rotate(weights: fitted.weights, intercepts: fitted.intercepts)
            var means = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for (i, label) in labels.enumerated() {
                counts[label] += 1
                if let x = axes.rotatedSingle {
                    for j in 0..<d { means[label * d + j] += Double(x.values[i * d + j]) }
                } else {
                    for j in 0..<d { means[label * d + j] += axes.rotated.values[i * d + j] }
                }
            }
            for c in 0..<k where counts[c] > 0 { for j in 0..<d { means[c * d + j] /= Double(counts[c]) } }
            var products = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
            for (r, c) in subset.enumerated() {
                for j in 0..<d {
                    products[j] += own[r * d + j] * means[c * d + j]
                    squares[j] += means[c * d + j] * means[c * d + j]
                }
            }
            let slopes = (0..<d).map { squares[$0] > 0 ? products[$0] / squares[$0] : 0 }
            var out = [Double](repeating: 0, count: k * (d + 1))
            var scores = [Double](repeating: 0, count: k)
            for c in 0..<k where counts[c] > 0 {
                for j in 0..<d {
                    out[c * d + j] = slopes[j] * means[c * d + j]
                    scores[c] += out[c * d + j] * means[c * d + j]
                }
            }
            var subsetRow = [Int?](repeating: nil, count: k)
            for (r, c) in subset.enumerated() {
                subsetRow[c] = r
                for j in 0..<d { out[c * d + j] = own[r * d + j] }
                scores[c] = 0
                for j in 0..<d { scores[c] += own[r * d + j] * means[c * d + j] }
            }
            // β: the least-squares slope of the subset's intercepts on their scores (both centred).
            let meanScore = subset.reduce(0) { $0 + scores[$1] } / Double(s)
            let meanIntercept = (0..<s).reduce(0) { $0 + own[s * d + $1] } / Double(s)
            var sxy = 0.0, sxx = 0.0
            for (r, c) in subset.enumerated() {
                sxy += (scores[c] - meanScore) * (own[s * d + r] - meanIntercept)
                sxx += (scores[c] - meanScore) * (scores[c] - meanScore)
            }
            let beta = sxx > 0 ? sxy / sxx : 0
            var lowest = Double.infinity
            for c in 0..<k where counts[c] > 0 {
                out[k * d + c] = subsetRow[c].map { own[s * d + $0] } ?? meanIntercept + beta * (scores[c] - meanScore)
                lowest = min(lowest, out[k * d + c])
            }
            for c in 0..<k where counts[c] == 0 { out[k * d + c] = lowest.isFinite ? lowest : 0 }
            for j in 0..<d {
                var total = 0.0
                for c in 0..<k { total += out[c * d + j] }
                let shift = total / Double(k)
                for c in 0..<k { out[c * d + j] -= shift }
            }
            return out
        }

        /// Classes with at most this many training rows get their own rows' curvature exactly
        /// (`CurvatureModel`).
        static let ownRowsLimit = 16

        /// The rotated training rows of the classes with at most `ownRowsLimit` rows, class by
        /// class, each followed by a 1 (fp64, rows × (d + 1)), their indices, and where each
        /// class's rows start.
        let ownRows: (features: [Double], rows: [Int], starts: [Int])

        /// L-BFGS's `H0` at the current iterate: per class c the inverse of
        /// `D_c + (1/n) Σ_{i of class c} w_i x̂_i x̂_iᵀ`, with `x̂ = [x̃, 1]`, `w_i = p_ic (1 − p_ic)`
        /// and `D_c = diag(a'_c e_j + λ, a'_c)`, `a'_c` the class's `a_c` less its own rows' share
        /// (Woodbury: `D⁻¹ − D⁻¹V (I + VᵀD⁻¹V)⁻¹ VᵀD⁻¹`, V the scaled rows); classes with
        /// more than `ownRowsLimit` rows keep the Kronecker model `diag(a_c e_j + λ, a_c)`.
        struct CurvatureModel {
            let k: Int, d: Int
            /// Per class `1 / diag(D_c)` (d + 1 entries, the intercept's last).
            let inverseDiagonal: [Double]
            /// `D⁻¹ v_i` per own row ((d + 1) entries each), in `ownRows` order.
            let scaledRows: [Double]
            /// Per class with own rows, the Cholesky factor of its `I + VᵀD⁻¹V` (m × m, lower,
            /// row-major), the classes' blocks one after another.
            let factors: [Double]
            /// Where each class's block starts in `factors`.
            let factorStarts: [Int]
            /// Where each class's rows start in `ownRows`.
            let starts: [Int]

            init(path: Path, lambda: Double) {
                let k = path.classCount, d = path.axes.mean.count, e = path.axes.eigenvalues
                let n = Double(path.labels.count), a = path.objective.curvature, w = path.objective.rowCurvature
                let own = path.ownRows, floor = 1e-8, width = d + 1
                self.k = k
                self.d = d
                starts = own.starts
                var inverseDiagonal = [Double](repeating: 0, count: k * width)
                var scaledRows = [Double](repeating: 0, count: own.rows.count * width)
                var factorStarts = [0]
                for c in 0..<k {
                    let m = own.starts[c + 1] - own.starts[c]
                    factorStarts.append(factorStarts[c] + m * m)
                }
                var factors = [Double](repeating: 0, count: factorStarts[k])
                inverseDiagonal.withUnsafeMutableBufferPointer { dp in
                    scaledRows.withUnsafeMutableBufferPointer { sp in
                        factors.withUnsafeMutableBufferPointer { fp in
                            own.features.withUnsafeBufferPointer { xp in
                                for c in 0..<k {
                                    let range = own.starts[c]..<own.starts[c + 1]
                                    var rest = a[c]
                                    for t in range { rest -= w[own.rows[t]] / n }
                                    rest = max(rest, 0)
                                    let inverse = dp.baseAddress! + c * width
                                    for j in 0..<d { inverse[j] = 1 / (rest * e[j] + lambda) }
                                    inverse[d] = 1 / max(rest, floor)
                                    guard !range.isEmpty else { continue }
                                    let m = range.count
                                    for t in range {
                                        let scale = (w[own.rows[t]] / n).squareRoot()
                                        let x = xp.baseAddress! + t * width, out = sp.baseAddress! + t * width
                                        for j in 0..<width { out[j] = scale * x[j] * inverse[j] }
                                    }
                                    let gram = fp.baseAddress! + factorStarts[c]
                                    for (r, t) in range.enumerated() {
                                        let scale = (w[own.rows[t]] / n).squareRoot()
                                        for (q, u) in range.enumerated() where q <= r {
                                            let product = SymmetricEigen.dot(
                                                sp.baseAddress! + u * width, xp.baseAddress! + t * width, count: width)
                                            gram[r * m + q] = scale * product + (q == r ? 1 : 0)
                                        }
                                    }
                                    // I + VᵀD⁻¹V is positive definite (eigenvalues ≥ 1): its factor always exists.
                                    let factored = LinearAlgebra.choleskyInPlace(gram, order: m, minimumPivot: 0)
                                    precondition(factored, "I + VᵀD⁻¹V has a pivot ≤ 0")
                                }
                            }
                        }
                    }
                }
                self.inverseDiagonal = inverseDiagonal
                self.scaledRows = scaledRows
                self.factors = factors
                self.factorStarts = factorStarts
            }

            /// `H0 q`.
            func apply(_ q: [Double]) -> [Double] {
                var out = q
                let width = d + 1
                out.withUnsafeMutableBufferPointer { op in
                    q.withUnsafeBufferPointer { qp in
                        inverseDiagonal.withUnsafeBufferPointer { dp in
                            scaledRows.withUnsafeBufferPointer { sp in
                                factors.withUnsafeBufferPointer { fp in
                                    var z = [Double](repeating: 0, count: ownRowsLimit)
                                    for c in 0..<k {
                                        let weights = op.baseAddress! + c * d, inverse = dp.baseAddress! + c * width
                                        for j in 0..<d { weights[j] *= inverse[j] }
                                        op[k * d + c] *= inverse[d]
                                        let m = starts[c + 1] - starts[c]
                                        guard m > 0 else { continue }
                                        // z = M⁻¹ (D⁻¹V)ᵀ q, then out −= (D⁻¹V) z.
                                        let factor = fp.baseAddress! + factorStarts[c]
                                        for r in 0..<m {
                                            let row = sp.baseAddress! + (starts[c] + r) * width
                                            var total = SymmetricEigen.dot(row, qp.baseAddress! + c * d, count: d) + row[d] * qp[k * d + c]
                                            for p in 0..<r { total -= factor[r * m + p] * z[p] }
                                            z[r] = total / factor[r * m + r]
                                        }
                                        for r in stride(from: m - 1, through: 0, by: -1) {
                                            var total = z[r]
                                            for p in (r + 1)..<m { total -= factor[p * m + r] * z[p] }
                                            z[r] = total / factor[r * m + r]
                                        }
                                        for r in 0..<m {
                                            let row = sp.baseAddress! + (starts[c] + r) * width, zr = z[r]
                                            for j in 0..<d { weights[j] -= row[j] * zr }
                                            op[k * d + c] -= row[d] * zr
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                return out
            }
        }

        /// `features` (n × d) of the training rows; `classCount > 2`.
        convenience init(features: Matrix<Double>, labels: [Int], classCount: Int, singlePrecision: Bool) throws {
            try LogisticRegression.validate(features: features, labels: labels, classCount: classCount)
            self.init(axes: try PrincipalAxes(features: features, singlePrecision: singlePrecision), labels: labels, classCount: classCount)
        }

        /// On rows already in principal axes (`axes`' rotated rows, `labels` theirs).
        init(axes: PrincipalAxes, labels: [Int], classCount: Int) {
            precondition(classCount > 2, "the path fits the multinomial model")
            let d = axes.mean.count
            self.axes = axes
            self.labels = labels
            self.classCount = classCount
            var byClass = [[Int]](repeating: [], count: classCount)
            for (i, label) in labels.enumerated() { byClass[label].append(i) }
            var ownFeatures = [Double](), ownIndices = [Int](), starts = [0]
            for rows in byClass {
                if rows.count <= Self.ownRowsLimit {
                    for i in rows {
                        ownIndices.append(i)
                        if let x = axes.rotatedSingle {
                            ownFeatures += x.values[(i * d)..<((i + 1) * d)].map { Double($0) }
                        } else {
                            ownFeatures += axes.rotated.values[(i * d)..<((i + 1) * d)]
                        }
                        ownFeatures.append(1)
                    }
                }
                starts.append(ownIndices.count)
            }
            ownRows = (ownFeatures, ownIndices, starts)
            parameters = [Double](repeating: 0, count: classCount * (d + 1))
            objective = Objective(
                x: axes.rotatedSingle == nil ? axes.rotated : Matrix(zeros: 0, d), xSingle: axes.rotatedSingle,
                labels: labels, classes: classCount, lambda: 0)
        }

        /// Starts the next fit from `model` instead of the previous optimum.
        func start(from model: LogisticRegression) {
            guard model.weights.rows == classCount, model.weights.columns == axes.mean.count else { return }
            parameters = axes.rotate(weights: model.weights, intercepts: model.intercepts)
            objective.forgetLogits()
            last = nil
        }

        /// The fit at `lambda`, from the previous optimum, or from `start` (parameters in these
        /// axes, `[W̃, b']`, e.g. `extending(_:subset:)`) with one scale and intercept per class
        /// fitted first (`Objective.classScaled`).
        func fit(
            l2 lambda: Double, tolerance: Double, relativeDecrease: Double? = nil, maxIterations: Int, from start: [Double]? = nil
        ) -> LogisticRegression {
            let k = classCount, d = axes.mean.count
            let objective = objective
            objective.lambda = lambda
            var first: (Double, [Double])?
            if let start, start.count == parameters.count {
                // Zeros (value log k) unless the scaled start is better.
                let scaled = objective.classScaled(start)
                if scaled.value < log(Double(k)) {
                    parameters = scaled.parameters
                    first = (scaled.value, scaled.gradient)
                } else {
                    parameters = [Double](repeating: 0, count: parameters.count)
                    objective.forgetLogits()
                }
                last = nil
            } else if let last {
                // value + ½(λ − λ₀)|W̃|², gradient + (λ − λ₀) W̃ on the weights.
                let change = lambda - last.lambda
                var gradient = last.gradient
                var norm = 0.0
                for t in 0..<(k * d) {
                    norm += parameters[t] * parameters[t]
                    gradient[t] += change * parameters[t]
                }
                first = (last.value + 0.5 * change * norm, gradient)
                objective.curvature = last.curvature
            }
            var model: (version: Int, blocks: CurvatureModel)?
            func current() -> CurvatureModel {
                if let model, model.version == objective.curvatureVersion { return model.blocks }
                model = nil  // one model's buffers at a time
                let blocks = CurvatureModel(path: self, lambda: lambda)
                model = (objective.curvatureVersion, blocks)
                return blocks
            }
            let scaling = LBFGS.Preconditioning(
                apply: { q in current().apply(q) },
                quadratic: { y in LBFGS.dot(y, current().apply(y)) })
            let outcome = LBFGS.minimize(
                &parameters, start: first, tolerance: tolerance, maxIterations: maxIterations, relativeDecrease: relativeDecrease,
                preconditioning: scaling,
                lineSearch: objective.lineSearch
            ) { p, g in objective.evaluate(p, gradient: &g) }
            last = (lambda, outcome.value, outcome.gradient, objective.curvature)
            var (weights, intercepts) = axes.unrotate(parameters, rows: k)
            // The intercepts are unpenalised, so the softmax fixes them only up to a common
            // constant; the per-class preconditioner moves that constant. Report the
            // representative with Σ b = 0 — the one scikit-learn's fit from zeros keeps.
            let shift = intercepts.reduce(0, +) / Double(k)
            intercepts = intercepts.map { $0 - shift }
            return LogisticRegression(
                weights: weights, intercepts: intercepts, classCount: classCount, iterations: outcome.iterations,
                converged: outcome.converged)
        }
    }
}
