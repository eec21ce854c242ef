import Foundation
import Tensor

/// L2-regularised logistic regression (binary or multinomial), fitted by L-BFGS.
///
/// Objective: `mean_i loss_i + (λ/2)·|W|²` with unpenalised intercepts — sklearn's
/// `LogisticRegression(C=…)` with `λ = 1 / (C · n)`. The multinomial model has one weight
/// row per class (the softmax over-parametrisation sklearn uses); the binary model has one
/// row and a sigmoid. Deterministic: no random initialisation (zeros), fixed iteration order.
/// Converges to ‖∇‖∞ ≤ `tolerance` (default 1e-7) or `maxIterations` (default 500).
/// The multinomial model is fitted in the training rows' principal axes with a diagonal
/// curvature model as L-BFGS's initial inverse Hessian (`Path`); the optimum is the same,
/// reached in fewer steps.
///
/// `singlePrecisionProducts` runs the two big products of each evaluation (`X Wᵀ` and
/// `Rᵀ X`) through Tensor's fp32 kernels; the loss, softmax and L-BFGS stay fp64. The
/// gradient is then accurate to ~1e-6 relative, enough for probe accuracies but not for
/// stopping tolerances below ~1e-5 on ‖∇‖∞ (the fit stops early and reports `converged = false`);
/// the linear probe's fp32 fits therefore also stop on the decrease L-BFGS predicts
/// (`LBFGS.minimize`'s `relativeDecrease`).
/// The multinomial fp32 fit takes its line-search trial steps on the logits
/// (`Objective.lineSearch`): two products per iteration.
package struct LogisticRegression: Sendable {
    /// Weights, classes × features (1 × features when binary).
    package let weights: Matrix<Double>
    let intercepts: [Double]
    let classCount: Int
    package let iterations: Int
    package let converged: Bool

    /// Fits `features` (n×d) to `labels` in `0..<classCount`. `classCount == 2` fits the binary
    /// (sigmoid) model whose score is `P(class 1)`.
    package static func fit(
        features: Matrix<Double>, labels: [Int], classCount: Int, l2 lambda: Double,
        tolerance: Double = 1e-7, maxIterations: Int = 500, singlePrecisionProducts: Bool = false,
        warmStart: LogisticRegression? = nil
    ) throws -> LogisticRegression {
        try validate(features: features, labels: labels, classCount: classCount)
        if classCount > 2 {
            let path = try Path(features: features, labels: labels, classCount: classCount, singlePrecision: singlePrecisionProducts)
            if let warmStart { path.start(from: warmStart) }
            return path.fit(l2: lambda, tolerance: tolerance, maxIterations: maxIterations)
        }
        let d = features.columns
        let objective = Objective(
            x: features, xSingle: singlePrecisionProducts ? features.converted(to: Float.self) : nil, labels: labels, classes: 1,
            lambda: lambda)
        var parameters = [Double](repeating: 0, count: d + 1)
        if let warmStart, warmStart.weights.rows == 1, warmStart.weights.columns == d {
            parameters = warmStart.weights.values + warmStart.intercepts
        }
        let outcome = LBFGS.minimize(&parameters, tolerance: tolerance, maxIterations: maxIterations) { p, g in
            objective.evaluate(p, gradient: &g)
        }
        return LogisticRegression(
            weights: Matrix(unchecked: 1, d, Array(parameters[0..<d])), intercepts: [parameters[d]], classCount: classCount,
            iterations: outcome.iterations, converged: outcome.converged)
    }

    static func validate(features: Matrix<Double>, labels: [Int], classCount: Int) throws {
        guard features.rows == labels.count else { throw ProbesError.shape("\(features.rows) rows but \(labels.count) labels") }
        guard features.rows > 0 else { throw ProbesError.invalid("no training rows") }
        guard classCount >= 2 else { throw ProbesError.invalid("logistic regression needs at least 2 classes") }
        guard labels.allSatisfy({ $0 >= 0 && $0 < classCount }) else { throw ProbesError.invalid("label outside 0..<\(classCount)") }
    }

    /// Decision values `X Wᵀ + b` (n × rows of weights).
    func decisionFunction(_ features: Matrix<Double>) -> Matrix<Double> {
        var z = features.multiplied(byTransposeOf: weights)
        for i in 0..<z.rows {
            for c in 0..<z.columns { z.values[i * z.columns + c] += intercepts[c] }
        }
        return z
    }

    /// The most likely class of each row (first index on ties, as numpy.argmax).
    func predict(_ features: Matrix<Double>) -> [Int] {
        let z = decisionFunction(features)
        if classCount == 2 && weights.rows == 1 { return z.values.map { $0 > 0 ? 1 : 0 } }
        return (0..<z.rows).map { i in
            var best = 0
            for c in 1..<z.columns where z.values[i * z.columns + c] > z.values[i * z.columns + best] { best = c }
            return best
        }
    }

    /// `predict` with the decision values computed by Tensor's fp32 kernels — for models
    /// fitted with `singlePrecisionProducts`, whose fit saw the same arithmetic.
    ///
    /// The multinomial model's argmax comes straight from `Kernels.checkpointArgmax` (one
    /// checkpoint, the intercepts added as the store of `linear` adds them), without the n × k
    /// decision values in memory: the same sums, the same predictions.
    func predictSingle(_ features: Matrix<Float>) -> [Int] {
        let n = features.rows, k = weights.rows, d = features.columns
        guard n > 0 else { return [] }
        let b = intercepts.map { Float($0) }
        if !(classCount == 2 && k == 1), d > 0 {
            // V[p, c] = W[c, p].
            var transposed = [Float](repeating: 0, count: d * k)
            for c in 0..<k { for p in 0..<d { transposed[p * k + c] = Float(weights.values[c * d + p]) } }
            var predicted = [Int32](repeating: 0, count: n)
            features.values.withUnsafeBufferPointer { xp in
                transposed.withUnsafeBufferPointer { vp in
                    b.withUnsafeBufferPointer { bp in
                        predicted.withUnsafeMutableBufferPointer { ip in
                            Kernels.checkpointArgmax(
                                x: xp.baseAddress!, rows: n, rowStride: d, v: vp.baseAddress!, vRowStride: k, columns: k,
                                checkpoints: [d], bias: bp.baseAddress!, indices: ip.baseAddress!)
                        }
                    }
                }
            }
            return predicted.map(Int.init)
        }
        let w = weights.values.map { Float($0) }
        var z = [Float](repeating: 0, count: n * k)
        features.values.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                b.withUnsafeBufferPointer { bp in
                    z.withUnsafeMutableBufferPointer { zp in
                        Kernels.linear(
                            input: xp.baseAddress!, rows: n, inFeatures: features.columns, weight: wp.baseAddress!,
                            bias: bp.baseAddress!, outFeatures: k, output: zp.baseAddress!)
                    }
                }
            }
        }
        if classCount == 2 && k == 1 { return z.map { $0 > 0 ? 1 : 0 } }
        return z.withUnsafeBufferPointer { zp in (0..<n).map { LinearAlgebra.argmax(zp.baseAddress! + $0 * k, count: k) } }
    }

    /// Objective and gradient over the flat parameter vector `[W (row-major), b]`.
    final class Objective {
        let x: Matrix<Double>
        /// fp32 copy of `x` when the products run in single precision.
        let xSingle: Matrix<Float>?
        let labels: [Int]
        let classes: Int
        /// The L2 strength; a path changes it between fits.
        var lambda: Double
        /// `mean_i p_ic (1 − p_ic)` per class at the last evaluated point (multinomial only).
        var curvature: [Double]
        /// `p_iy (1 − p_iy)` per row, y its label, at the last evaluated point (multinomial only).
        var rowCurvature: [Double]
        /// Counts the points whose curvature was taken (so that models built on it know when it changed).
        private(set) var curvatureVersion = 0

        init(x: Matrix<Double>, xSingle: Matrix<Float>?, labels: [Int], classes: Int, lambda: Double) {
            self.x = x
            self.xSingle = xSingle
            self.labels = labels
            self.classes = classes
            self.lambda = lambda
            self.curvature = [Double](repeating: 0, count: classes)
            self.rowCurvature = [Double](repeating: 0, count: classes > 1 ? labels.count : 0)
        }

        func evaluate(_ p: [Double], gradient g: inout [Double]) -> Double {
            if let xSingle, classes > 1 { return evaluateSingle(p, x: xSingle, gradient: &g) }
            let n = x.rows, d = x.columns, k = classes
            let w = Matrix(unchecked: k, d, Array(p[0..<(k * d)]))
            let b = p[(k * d)...]
            var z = xSingle.map { $0.multiplied(byTransposeOf: w.converted(to: Float.self)).converted(to: Double.self) }
                ?? x.multiplied(byTransposeOf: w)  // (n, k)
            var loss = 0.0
            for c in 0..<k { curvature[c] = 0 }
            // residual r = dloss/dz, stored over z.
            for i in 0..<n {
                let row = i * k
                if k == 1 {
                    let zi = z.values[row] + b[b.startIndex]
                    let y = Double(labels[i])
                    // log(1 + e^z) − y z, stable.
                    loss += max(zi, 0) + log1p(exp(-abs(zi))) - y * zi
                    z.values[row] = Statistics.sigmoid(zi) - y
                } else {
                    var top = -Double.infinity
                    for c in 0..<k {
                        z.values[row + c] += b[b.startIndex + c]
                        top = max(top, z.values[row + c])
                    }
                    var sum = 0.0
                    for c in 0..<k { sum += exp(z.values[row + c] - top) }
                    let logSum = top + log(sum)
                    loss += logSum - z.values[row + labels[i]]
                    for c in 0..<k {
                        let probability = exp(z.values[row + c] - logSum)
                        z.values[row + c] = probability
                        curvature[c] += probability * (1 - probability)
                    }
                    let own = z.values[row + labels[i]]
                    rowCurvature[i] = own * (1 - own)
                    z.values[row + labels[i]] -= 1
                }
            }
            if k > 1 { curvatureVersion += 1 }
            let inverseN = 1 / Double(n)
            var gradW = xSingle.map { z.transposed().converted(to: Float.self).multiplied(by: $0).converted(to: Double.self) }
                ?? z.transposed().multiplied(by: x)  // (k, d)
            var penalty = 0.0
            for t in 0..<(k * d) {
                penalty += p[t] * p[t]
                gradW.values[t] = gradW.values[t] * inverseN + lambda * p[t]
            }
            for t in 0..<(k * d) { g[t] = gradW.values[t] }
            for c in 0..<k {
                var s = 0.0
                for i in 0..<n { s += z.values[i * k + c] }
                g[k * d + c] = s * inverseN
                curvature[c] *= inverseN
            }
            return loss * inverseN + 0.5 * lambda * penalty
        }

        // fp32 multinomial state (see `evaluateSingle` and `lineSearch`).
        /// `X Wᵀ + b` at the current iterate — the last point `evaluate` or the line search's
        /// `gradient` finished — when `logitsCurrent`.
        private var logits: [Float] = []
        private var logitsCurrent = false
        /// `X Dᵀ + d_b` for the line search's direction.
        private var directionLogits: [Float] = []
        /// The residual `P − Y` at the last point whose value was taken.
        private var residual: [Float] = []

        /// The current iterate's logits are no longer those of the parameters the next fit starts from.
        func forgetLogits() { logitsCurrent = false }

        /// A start along `direction` (`[W₀, b₀]`, multinomial): `[t_c W₀_c, b_c]` with one scale
        /// `t_c` and intercept `b_c` per class, fitted by Newton steps on each class's 2 × 2 block
        /// of the Hessian in `(t_c, b_c)`, with backtracking on the objective, from `t = 1, b = b₀`
        /// until the decrease the step predicts is at most 10⁻⁴ of the objective (20 steps at
        /// most). The logits are `t_c (X W₀ᵀ)_ic + b_c`: one product, then a softmax pass per
        /// trial. Returns the start with its value and gradient (fp32 products: from the logits
        /// at hand, one more product; fp64: one evaluation).
        func classScaled(_ direction: [Double]) -> (parameters: [Double], value: Double, gradient: [Double]) {
            let k = classes, d = (direction.count - k) / k, n = labels.count
            var weights = direction
            for c in 0..<k { weights[k * d + c] = 0 }
            var base: [Float] = xSingle.map { linearMap(weights, x: $0) }
                ?? x.multiplied(byTransposeOf: Matrix(unchecked: k, d, Array(direction[0..<(k * d)]))).values.map { Float($0) }
            var norms = [Double](repeating: 0, count: k)
            for c in 0..<k { for j in 0..<d { norms[c] += direction[c * d + j] * direction[c * d + j] } }
            let blocks = min(n, 32), rowsPerBlock = (n + blocks - 1) / blocks
            // Per block: loss, then per class Σ r z₀, Σ r, Σ q z₀², Σ q z₀, Σ q (r = p − y, q = p(1 − p)).
            let stride = 1 + 5 * k
            func pass(_ t: [Double], _ b: [Double]) -> (value: Double, sums: [Double]) {
                var partial = [Double](repeating: 0, count: blocks * stride)
                let scales = t.map { Float($0) }, shifts = b.map { Float($0) }
                partial.withUnsafeMutableBufferPointer { pp in
                    base.withUnsafeBufferPointer { zp in
                        let out = pp.baseAddress!, z0 = zp.baseAddress!
                        ThreadPool.shared.parallelFor(count: blocks) { range in
                            var row = [Float](repeating: 0, count: k)
                            row.withUnsafeMutableBufferPointer { rp in
                                let r = rp.baseAddress!
                                for block in range {
                                    let sums = out + block * stride
                                    for i in (block * rowsPerBlock)..<min(n, (block + 1) * rowsPerBlock) {
                                        let zi = z0 + i * k
                                        for c in 0..<k { r[c] = scales[c] * zi[c] + shifts[c] }
                                        let label = labels[i]
                                        let top = r[LinearAlgebra.argmax(r, count: k)]
                                        let sum = Softmax.denominator(r, count: k, top: top, scale: 1)
                                        sums[0] += Double(top) + log(sum) - Double(r[label])
                                        Softmax.normalize(r, count: k, top: top, inverseSum: Float(1 / sum))
                                        for c in 0..<k {
                                            let p = Double(r[c]), q = p * (1 - p), z = Double(zi[c])
                                            sums[1 + c] += p * z
                                            sums[1 + k + c] += p
                                            sums[1 + 2 * k + c] += q * z * z
                                            sums[1 + 3 * k + c] += q * z
                                            sums[1 + 4 * k + c] += q
                                        }
                                        sums[1 + label] -= Double(zi[label])
                                        sums[1 + k + label] -= 1
                                    }
                                }
                            }
                        }
                    }
                }
                var total = [Double](repeating: 0, count: stride)
                for block in 0..<blocks { for u in 0..<stride { total[u] += partial[block * stride + u] } }
                for u in 0..<stride { total[u] /= Double(n) }
                var penalty = 0.0
                for c in 0..<k { penalty += t[c] * t[c] * norms[c] }
                return (total[0] + 0.5 * lambda * penalty, total)
            }
            var t = [Double](repeating: 1, count: k), b = Array(direction[(k * d)...])
            var (value, sums) = pass(t, b)
            for _ in 0..<20 {
                var stepT = [Double](repeating: 0, count: k), stepB = stepT
                var decrement = 0.0
                for c in 0..<k {
                    let gt = sums[1 + c] + lambda * t[c] * norms[c], gb = sums[1 + k + c]
                    let htt = sums[1 + 2 * k + c] + lambda * norms[c], htb = sums[1 + 3 * k + c], hbb = sums[1 + 4 * k + c]
                    let determinant = htt * hbb - htb * htb
                    if determinant > 1e-12 * max(htt * hbb, 1e-300) {
                        stepT[c] = -(hbb * gt - htb * gb) / determinant
                        stepB[c] = -(htt * gb - htb * gt) / determinant
                    } else {
                        stepT[c] = htt > 0 ? -gt / htt : 0
                        stepB[c] = hbb > 0 ? -gb / hbb : 0
                    }
                    decrement += gt * stepT[c] + gb * stepB[c]
                }
                if !(decrement < 0) || -0.5 * decrement <= 1e-4 * abs(value) { break }
                var alpha = 1.0, accepted = false
                for _ in 0..<10 {
                    let trial = pass(zip(t, stepT).map { $0 + alpha * $1 }, zip(b, stepB).map { $0 + alpha * $1 })
                    if trial.value <= value + 1e-4 * alpha * decrement {
                        for c in 0..<k { t[c] += alpha * stepT[c]; b[c] += alpha * stepB[c] }
                        (value, sums) = trial
                        accepted = true
                        break
                    }
                    alpha *= 0.5
                }
                if !accepted { break }
            }
            var parameters = direction
            for c in 0..<k {
                for j in 0..<d { parameters[c * d + j] *= t[c] }
                parameters[k * d + c] = b[c]
            }
            var gradient = [Double](repeating: 0, count: parameters.count)
            if let x = xSingle {
                // The start's logits, in place of the direction's (no longer needed).
                let scales = t.map { Float($0) }, shifts = b.map { Float($0) }
                base.withUnsafeMutableBufferPointer { zp in
                    for i in 0..<n { for c in 0..<k { zp[i * k + c] = scales[c] * zp[i * k + c] + shifts[c] } }
                }
                logits = base
                base = []
                logitsCurrent = true
                residual = logits
                let loss = softmaxResidual(step: nil)
                finishGradient(parameters, x: x, gradient: &gradient)
                return (parameters, loss + penalty(parameters), gradient)
            }
            let exact = evaluate(parameters, gradient: &gradient)
            return (parameters, exact, gradient)
        }

        /// The multinomial objective with both products in fp32 on Tensor's kernels:
        /// `Z = X Wᵀ + b` (n × k), the softmax residual `R` (exp in fp32 vector lanes, each row's
        /// normaliser and the loss in fp64), then `∇W = Rᵀ X` read straight from `R` through
        /// strides (no transposed copy).
        func evaluateSingle(_ p: [Double], x: Matrix<Float>, gradient g: inout [Double]) -> Double {
            logits = linearMap(p, x: x)
            logitsCurrent = true
            residual = logits
            let loss = softmaxResidual(step: nil)
            finishGradient(p, x: x, gradient: &g)
            return loss + penalty(p)
        }

        /// Line search along `d` for the fp32 multinomial objective: logits are linear in the
        /// parameters, `X (W + tD)ᵀ + b + t d_b = Z + t (X Dᵀ + d_b)`, so one product per
        /// direction gives the value at every trial step with a softmax pass only, and the
        /// gradient's product `Rᵀ X` runs once, at the accepted step — two products per
        /// iteration however many steps are tried (a full evaluation per trial costs two each).
        /// The current logits are carried from one iterate to the next (`Z += t·XDᵀ`), and from
        /// one λ of a path to the next (they do not depend on λ).
        var lineSearch: LBFGS.LineSearch? {
            guard let x = xSingle, classes > 1 else { return nil }
            return LBFGS.LineSearch(
                begin: { [self] point, direction in
                    if !logitsCurrent {
                        logits = linearMap(point, x: x)
                        logitsCurrent = true
                    }
                    directionLogits = linearMap(direction, x: x)
                },
                value: { [self] point, step in
                    if residual.count != logits.count { residual = logits }
                    return softmaxResidual(step: Float(step)) + penalty(point)
                },
                gradient: { [self] point, step, g in
                    let t = Float(step)
                    logits.withUnsafeMutableBufferPointer { zp in
                        directionLogits.withUnsafeBufferPointer { dp in
                            for i in 0..<zp.count { zp[i] = zp[i] + t * dp[i] }
                        }
                    }
                    finishGradient(point, x: x, gradient: &g)
                })
        }

        /// `X Wᵀ + b` (n × k) for parameters `[W, b]` in fp32.
        private func linearMap(_ p: [Double], x: Matrix<Float>) -> [Float] {
            let n = x.rows, d = x.columns, k = classes
            let weights = p[0..<(k * d)].map { Float($0) }
            let intercepts = p[(k * d)...].map { Float($0) }
            var z = [Float](repeating: 0, count: n * k)
            x.values.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { wp in
                    intercepts.withUnsafeBufferPointer { bp in
                        z.withUnsafeMutableBufferPointer { zp in
                            Kernels.linear(
                                input: xp.baseAddress!, rows: n, inFeatures: d, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                outFeatures: k, output: zp.baseAddress!)
                        }
                    }
                }
            }
            return z
        }

        /// `(λ/2)|W|²`.
        private func penalty(_ p: [Double]) -> Double {
            var total = 0.0
            for t in 0..<(p.count - classes) { total += p[t] * p[t] }
            return 0.5 * lambda * total
        }

        /// Mean cross-entropy of the rows of `residual` — `logits + step · directionLogits`
        /// when `step` is given, `residual` as it stands otherwise — leaving `P − Y` in `residual`.
        private func softmaxResidual(step: Float?) -> Double {
            let n = xSingle!.rows, k = classes
            var rowLoss = [Double](repeating: 0, count: n)
            residual.withUnsafeMutableBufferPointer { rp in
                logits.withUnsafeBufferPointer { zp in
                    directionLogits.withUnsafeBufferPointer { dp in
                        rowLoss.withUnsafeMutableBufferPointer { lp in
                            let rBase = rp.baseAddress!, losses = lp.baseAddress!
                            let zBase = zp.baseAddress, dBase = dp.baseAddress
                            ThreadPool.shared.parallelFor(count: n) { rows in
                                for i in rows {
                                    let row = rBase + i * k
                                    if let step, let zBase, let dBase {
                                        let z = zBase + i * k, direction = dBase + i * k
                                        for c in 0..<k { row[c] = z[c] + step * direction[c] }
                                    }
                                    let top = row[LinearAlgebra.argmax(row, count: k)]
                                    let sum = Softmax.denominator(row, count: k, top: top, scale: 1)
                                    losses[i] = Double(top) + log(sum) - Double(row[labels[i]])
                                    Softmax.normalize(row, count: k, top: top, inverseSum: Float(1 / sum))
                                    row[labels[i]] -= 1
                                }
                            }
                        }
                    }
                }
            }
            return rowLoss.reduce(0, +) / Double(n)
        }

        /// The gradient at `p` from `residual` (which must be `P − Y` at `p`): `Rᵀ X / n + λW`,
        /// the intercepts' mean residuals, and the curvature model's `mean p(1 − p)`.
        private func finishGradient(_ p: [Double], x: Matrix<Float>, gradient g: inout [Double]) {
            let n = x.rows, d = x.columns, k = classes
            var gradW = [Float](repeating: 0, count: k * d)
            x.values.withUnsafeBufferPointer { xp in
                residual.withUnsafeBufferPointer { zp in
                    gradW.withUnsafeMutableBufferPointer { gp in
                        Kernels.matmul(
                            a: zp.baseAddress!, aRowStride: 1, aColumnStride: k, b: xp.baseAddress!, bRowStride: d,
                            c: gp.baseAddress!, cRowStride: d, m: k, n: d, k: n, accumulate: false)
                    }
                }
            }
            let inverseN = 1 / Double(n)
            for t in 0..<(k * d) { g[t] = Double(gradW[t]) * inverseN + lambda * p[t] }
            // Σ_i r_ic and Σ_i p_ic (1 − p_ic) per class in one pass over R, with p = r except
            // p = r + 1 in the label's column (corrected after the row's vector loop); rows
            // are summed in fp32 and added to the fp64 totals every 64 rows.
            var interceptGradient = [Double](repeating: 0, count: k)
            var curvatureSum = [Double](repeating: 0, count: k)
            var rRows = [Float](repeating: 0, count: k), aRows = [Float](repeating: 0, count: k)
            residual.withUnsafeBufferPointer { zp in
                rRows.withUnsafeMutableBufferPointer { rp in
                    aRows.withUnsafeMutableBufferPointer { ap in
                        for i in 0..<n {
                            let row = zp.baseAddress! + i * k
                            for c in 0..<k {
                                let r = row[c]
                                rp[c] += r
                                ap[c] += r * (1 - r)
                            }
                            let r = row[labels[i]], p = r + 1
                            ap[labels[i]] += p * (1 - p) - r * (1 - r)
                            rowCurvature[i] = Double(p * (1 - p))
                            if i % 64 == 63 || i == n - 1 {
                                for c in 0..<k {
                                    interceptGradient[c] += Double(rp[c])
                                    curvatureSum[c] += Double(ap[c])
                                    rp[c] = 0
                                    ap[c] = 0
                                }
                            }
                        }
                    }
                }
            }
            for c in 0..<k {
                g[k * d + c] = interceptGradient[c] * inverseN
                curvature[c] = curvatureSum[c] * inverseN
            }
            curvatureVersion += 1
        }
    }
}

/// Limited-memory BFGS (Nocedal 1980) with a backtracking Armijo line search; memory 10.
enum LBFGS {
    /// A symmetric positive-definite initial inverse Hessian `H0` for the two-loop recursion,
    /// scaled at every iteration by `sᵀy / yᵀH0y` (Nocedal & Wright 2006, §7.2) so that its
    /// size follows the curvature seen last; without one, `H0 = (sᵀy / yᵀy) I`.
    struct Preconditioning {
        /// `H0 v`.
        let apply: ([Double]) -> [Double]
        /// `vᵀ H0 v`.
        let quadratic: ([Double]) -> Double
    }

    /// Trial steps for an objective whose value along a direction costs much less than a full
    /// evaluation (see `LogisticRegression.Objective.lineSearch`). Without one, every trial step
    /// is a full evaluation of `f`.
    struct LineSearch {
        /// Called once per iteration with the current iterate and the search direction.
        let begin: (_ x: [Double], _ direction: [Double]) -> Void
        /// `f(point)` for `point = x + step · direction`.
        let value: (_ point: [Double], _ step: Double) -> Double
        /// `∇f(point)` for the point and step of the last `value` call, which becomes the current iterate.
        let gradient: (_ point: [Double], _ step: Double, _ g: inout [Double]) -> Void
    }

    struct Outcome {
        let iterations: Int
        /// ‖∇‖∞ ≤ tolerance at the returned point.
        let converged: Bool
        /// `f` and its gradient at the returned point.
        let value: Double
        let gradient: [Double]
    }

    /// Minimises `f` from `x` in place. `start` is `f` and its gradient at `x` when the caller
    /// already has them. With `relativeDecrease` it also stops (converged) when the decrease the
    /// quasi-Newton model predicts for the next step, `−½ ∇ᵀd` with `d = −H∇`, is at most that
    /// fraction of `|f|` — a rule for fp32 objectives, whose gradients are too noisy to reach a
    /// small absolute tolerance on every entry. `preconditioning` is always called after `f` has evaluated the
    /// current iterate (the accepted point of the last line search), so it may read state `f`
    /// leaves behind (or `lineSearch`'s `gradient` has finished it).
    static func minimize(
        _ x: inout [Double], start: (value: Double, gradient: [Double])? = nil, tolerance: Double, maxIterations: Int,
        relativeDecrease: Double? = nil, memory: Int = 10, preconditioning: Preconditioning? = nil, lineSearch: LineSearch? = nil,
        _ f: ([Double], inout [Double]) -> Double
    ) -> Outcome {
        let size = x.count
        var history = (s: [[Double]](), y: [[Double]](), rho: [Double]())
        var gradient = [Double](repeating: 0, count: size)
        var value: Double
        if let start {
            value = start.value
            gradient = start.gradient
        } else {
            value = f(x, &gradient)
        }
        var nextGradient = gradient
        for iteration in 0..<maxIterations {
            if gradient.reduce(0, { max($0, abs($1)) }) <= tolerance { return Outcome(iterations: iteration, converged: true, value: value, gradient: gradient) }
            // Two-loop recursion: direction = −H ∇.
            var q = gradient
            // Each pair's axpy shares its pass over q with the next pair's dot product
            // (`axpyThenDot`, the same numbers as the two loops one after the other).
            let pairs = history.s.count
            var alphas = [Double](repeating: 0, count: pairs)
            if pairs > 0 { alphas[pairs - 1] = history.rho[pairs - 1] * dot(history.s[pairs - 1], q) }
            for m in stride(from: pairs - 1, through: 0, by: -1) {
                if m > 0 {
                    alphas[m - 1] = history.rho[m - 1] * axpyThenDot(-alphas[m], history.y[m], &q, history.s[m - 1])
                } else {
                    axpy(-alphas[m], history.y[m], &q)
                }
            }
            if let preconditioning {
                let scale = history.s.last.map { dot($0, history.y.last!) / preconditioning.quadratic(history.y.last!) } ?? 1
                q = preconditioning.apply(q)
                if scale != 1 { for t in 0..<size { q[t] *= scale } }
            } else if let s = history.s.last, let y = history.y.last {
                let gamma = dot(s, y) / dot(y, y)
                for t in 0..<size { q[t] *= gamma }
            } else {
                let norm = dot(gradient, gradient).squareRoot()
                if norm > 0 { for t in 0..<size { q[t] /= max(norm, 1) } }
            }
            var beta = pairs > 0 ? history.rho[0] * dot(history.y[0], q) : 0
            for m in 0..<pairs {
                if m + 1 < pairs {
                    beta = history.rho[m + 1] * axpyThenDot(alphas[m] - beta, history.s[m], &q, history.y[m + 1])
                } else {
                    axpy(alphas[m] - beta, history.s[m], &q)
                }
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, gradient)
            if !(slope < 0) {
                // Not a descent direction (rounding): restart from steepest descent.
                history = ([], [], [])
                direction = gradient.map { -$0 }
                slope = dot(direction, gradient)
            }
            if let relativeDecrease, -0.5 * slope <= relativeDecrease * abs(value) {
                return Outcome(iterations: iteration, converged: true, value: value, gradient: gradient)
            }
            var step = 1.0
            var candidate = x
            var candidateValue = value
            var accepted = false
            lineSearch?.begin(x, direction)
            for _ in 0..<60 {
                for t in 0..<size { candidate[t] = x[t] + step * direction[t] }
                candidateValue = lineSearch?.value(candidate, step) ?? f(candidate, &nextGradient)
                if candidateValue <= value + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted { return Outcome(iterations: iteration, converged: false, value: value, gradient: gradient) }
            lineSearch?.gradient(candidate, step, &nextGradient)
            var s = [Double](repeating: 0, count: size), y = s
            for t in 0..<size {
                s[t] = candidate[t] - x[t]
                y[t] = nextGradient[t] - gradient[t]
            }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                history.s.append(s); history.y.append(y); history.rho.append(1 / sy)
                if history.s.count > memory { history.s.removeFirst(); history.y.removeFirst(); history.rho.removeFirst() }
            }
            let previous = value
            x = candidate
            value = candidateValue
            gradient = nextGradient
            if abs(previous - value) <= 1e-15 * max(abs(value), 1) && gradient.reduce(0, { max($0, abs($1)) }) <= tolerance * 100 {
                return Outcome(iterations: iteration + 1, converged: true, value: value, gradient: gradient)
            }
        }
        return Outcome(
            iterations: maxIterations, converged: gradient.reduce(0, { max($0, abs($1)) }) <= tolerance, value: value, gradient: gradient)
    }

    /// Eight partial sums (a serial fp64 sum does not vectorise): the vectors have up to
    /// ~10⁶ entries and the two-loop recursion takes ~40 of these per iteration.
    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in SymmetricEigen.dot(ap.baseAddress!, bp.baseAddress!, count: min(a.count, b.count)) }
        }
    }

    @inline(__always) static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<x.count { y[i] += alpha * x[i] }
    }

    /// `axpy(alpha, x, &y)` and then `dot(z, y)`, in one pass over `y` (its vectors do not fit
    /// in cache): each block of eight is updated as `axpy` updates it and at once added to the
    /// products as `dot` adds them — the same numbers as the two calls.
    static func axpyThenDot(_ alpha: Double, _ x: [Double], _ y: inout [Double], _ z: [Double]) -> Double {
        typealias Lanes = SIMD8<Double>
        precondition(x.count == y.count && z.count == y.count, "vectors of different sizes")
        let count = y.count
        guard count > 0 else { return 0 }
        return x.withUnsafeBufferPointer { xp in
            z.withUnsafeBufferPointer { zp in
                y.withUnsafeMutableBufferPointer { yp in
                    let xr = UnsafeRawPointer(xp.baseAddress!), zr = UnsafeRawPointer(zp.baseAddress!)
                    let yr = UnsafeMutableRawPointer(yp.baseAddress!)
                    let a = Lanes(repeating: alpha)
                    var partial = Lanes()
                    var k = 0
                    while k + Lanes.scalarCount <= count {
                        let updated = yr.loadUnaligned(fromByteOffset: k * 8, as: Lanes.self) + a * xr.loadUnaligned(fromByteOffset: k * 8, as: Lanes.self)
                        yr.storeBytes(of: updated, toByteOffset: k * 8, as: Lanes.self)
                        partial = partial.addingProduct(zr.loadUnaligned(fromByteOffset: k * 8, as: Lanes.self), updated)
                        k += Lanes.scalarCount
                    }
                    var sum = partial.sum()
                    while k < count {
                        yp[k] += alpha * xp[k]
                        sum += zp[k] * yp[k]
                        k += 1
                    }
                    return sum
                }
            }
        }
    }
}
