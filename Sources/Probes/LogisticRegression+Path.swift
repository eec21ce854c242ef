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
    /// in the principal axes it is diagonal: `a_c e_j + λ` for `W̃_cj` and `a_c` for `b'_c`. Its
    /// inverse is L-BFGS's `H0` (re-read at every iterate, scaled by `sᵀy / yᵀH0y`). `H0` is
    /// positive definite, so convergence is L-BFGS's; only the number of iterations changes.
    /// Normalised CLIP embeddings are strongly anisotropic (outlier dimensions carry much of
    /// the norm), which is what makes unpreconditioned L-BFGS slow on them.
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

        /// The fit at `lambda`, from the previous optimum.
        func fit(l2 lambda: Double, tolerance: Double, relativeDecrease: Double? = nil, maxIterations: Int) -> LogisticRegression {
            let k = classCount, d = axes.mean.count
            let objective = objective
            objective.lambda = lambda
            var start: (Double, [Double])?
            if let last {
                // value + ½(λ − λ₀)|W̃|², gradient + (λ − λ₀) W̃ on the weights.
                let change = lambda - last.lambda
                var gradient = last.gradient
                var norm = 0.0
                for t in 0..<(k * d) {
                    norm += parameters[t] * parameters[t]
                    gradient[t] += change * parameters[t]
                }
                start = (last.value + 0.5 * change * norm, gradient)
                objective.curvature = last.curvature
            }
            let eigenvalues = axes.eigenvalues
            let floor = 1e-8
            let scaling = LBFGS.Preconditioning(
                apply: { q in
                    let a = objective.curvature
                    var out = q
                    for c in 0..<k {
                        for j in 0..<d { out[c * d + j] /= a[c] * eigenvalues[j] + lambda }
                        out[k * d + c] /= max(a[c], floor)
                    }
                    return out
                },
                quadratic: { y in
                    let a = objective.curvature
                    var total = 0.0
                    for c in 0..<k {
                        for j in 0..<d { total += y[c * d + j] * y[c * d + j] / (a[c] * eigenvalues[j] + lambda) }
                        total += y[k * d + c] * y[k * d + c] / max(a[c], floor)
                    }
                    return total
                })
            let outcome = LBFGS.minimize(
                &parameters, start: start, tolerance: tolerance, maxIterations: maxIterations, relativeDecrease: relativeDecrease,
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
