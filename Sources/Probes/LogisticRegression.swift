import Foundation
import Tensor

/// L2-regularised logistic regression (binary or multinomial), fitted by L-BFGS.
///
/// Objective: `mean_i loss_i + (λ/2)·|W|²` with unpenalised intercepts — sklearn's
/// `LogisticRegression(C=…)` with `λ = 1 / (C · n)`. The multinomial model has one weight
/// row per class (the softmax over-parametrisation sklearn uses); the binary model has one
/// row and a sigmoid. Deterministic: no random initialisation (zeros), fixed iteration order.
/// Converges to ‖∇‖∞ ≤ `tolerance` (default 1e-7) or `maxIterations` (default 500).
///
/// `singlePrecisionProducts` runs the two big products of each evaluation (`X Wᵀ` and
/// `Rᵀ X`) through Tensor's fp32 kernels; the loss, softmax and L-BFGS stay fp64. The
/// gradient is then accurate to ~1e-6 relative, enough for probe accuracies but not for
/// stopping tolerances below ~1e-5 (the fit stops early and reports `converged = false`).
public struct LogisticRegression: Sendable {
    /// Weights, classes × features (1 × features when binary).
    public let weights: Matrix<Double>
    public let intercepts: [Double]
    public let classCount: Int
    public let iterations: Int
    public let converged: Bool

    /// Fits `features` (n×d) to `labels` in `0..<classCount`. `classCount == 2` fits the binary
    /// (sigmoid) model whose score is `P(class 1)`.
    public static func fit(
        features: Matrix<Double>, labels: [Int], classCount: Int, l2 lambda: Double,
        tolerance: Double = 1e-7, maxIterations: Int = 500, singlePrecisionProducts: Bool = false,
        warmStart: LogisticRegression? = nil
    ) throws -> LogisticRegression {
        guard features.rows == labels.count else { throw ProbesError.shape("\(features.rows) rows but \(labels.count) labels") }
        guard features.rows > 0 else { throw ProbesError.invalid("no training rows") }
        guard classCount >= 2 else { throw ProbesError.invalid("logistic regression needs at least 2 classes") }
        guard labels.allSatisfy({ $0 >= 0 && $0 < classCount }) else { throw ProbesError.invalid("label outside 0..<\(classCount)") }
        let rowsOfWeights = classCount == 2 ? 1 : classCount
        let d = features.columns
        let objective = Objective(
            x: features, xSingle: singlePrecisionProducts ? features.converted(to: Float.self) : nil,
            labels: labels, classes: rowsOfWeights, lambda: lambda)
        var parameters = [Double](repeating: 0, count: rowsOfWeights * (d + 1))
        if let warmStart, warmStart.weights.rows == rowsOfWeights, warmStart.weights.columns == d {
            parameters = warmStart.weights.values + warmStart.intercepts
        }
        let (iterations, converged) = LBFGS.minimize(&parameters, tolerance: tolerance, maxIterations: maxIterations) { p, g in
            objective.evaluate(p, gradient: &g)
        }
        let weights = Matrix(unchecked: rowsOfWeights, d, Array(parameters[0..<(rowsOfWeights * d)]))
        return LogisticRegression(
            weights: weights, intercepts: Array(parameters[(rowsOfWeights * d)...]), classCount: classCount,
            iterations: iterations, converged: converged)
    }

    /// Decision values `X Wᵀ + b` (n × rows of weights).
    public func decisionFunction(_ features: Matrix<Double>) -> Matrix<Double> {
        var z = features.multiplied(byTransposeOf: weights)
        for i in 0..<z.rows {
            for c in 0..<z.columns { z.values[i * z.columns + c] += intercepts[c] }
        }
        return z
    }

    /// The most likely class of each row (first index on ties, as numpy.argmax).
    public func predict(_ features: Matrix<Double>) -> [Int] {
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
    public func predictSingle(_ features: Matrix<Float>) -> [Int] {
        let n = features.rows, k = weights.rows
        guard n > 0 else { return [] }
        let w = weights.values.map { Float($0) }, b = intercepts.map { Float($0) }
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
    struct Objective: Sendable {
        let x: Matrix<Double>
        /// fp32 copy of `x` when the products run in single precision.
        let xSingle: Matrix<Float>?
        let labels: [Int]
        let classes: Int
        let lambda: Double

        func evaluate(_ p: [Double], gradient g: inout [Double]) -> Double {
            if let xSingle, classes > 1 { return evaluateSingle(p, x: xSingle, gradient: &g) }
            let n = x.rows, d = x.columns, k = classes
            let w = Matrix(unchecked: k, d, Array(p[0..<(k * d)]))
            let b = p[(k * d)...]
            var z = xSingle.map { $0.multiplied(byTransposeOf: w.converted(to: Float.self)).converted(to: Double.self) }
                ?? x.multiplied(byTransposeOf: w)  // (n, k)
            var loss = 0.0
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
                    for c in 0..<k { z.values[row + c] = exp(z.values[row + c] - logSum) }
                    z.values[row + labels[i]] -= 1
                }
            }
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
            }
            return loss * inverseN + 0.5 * lambda * penalty
        }

        /// The multinomial objective with both products in fp32 on Tensor's kernels:
        /// `Z = X Wᵀ` (n × k), the softmax residual `R` written over `Z` (exp in fp32 vector
        /// lanes, each row's normaliser and the loss in fp64), then `∇W = Rᵀ X` read straight
        /// from `R` through strides (no transposed copy).
        func evaluateSingle(_ p: [Double], x: Matrix<Float>, gradient g: inout [Double]) -> Double {
            let n = x.rows, d = x.columns, k = classes
            let weights = p[0..<(k * d)].map { Float($0) }
            let intercepts = p[(k * d)...].map { Float($0) }
            var z = [Float](repeating: 0, count: n * k)
            var gradW = [Float](repeating: 0, count: k * d)
            var rowLoss = [Double](repeating: 0, count: n)
            x.values.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { wp in
                    intercepts.withUnsafeBufferPointer { bp in
                        z.withUnsafeMutableBufferPointer { zp in
                            Kernels.linear(
                                input: xp.baseAddress!, rows: n, inFeatures: d, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                outFeatures: k, output: zp.baseAddress!)
                            let zBase = zp.baseAddress!
                            rowLoss.withUnsafeMutableBufferPointer { lp in
                                let losses = lp.baseAddress!
                                ThreadPool.shared.parallelFor(count: n) { rows in
                                    for i in rows {
                                        let row = zBase + i * k
                                        let top = row[LinearAlgebra.argmax(row, count: k)]
                                        let sum = Softmax.denominator(row, count: k, top: top, scale: 1)
                                        losses[i] = Double(top) + log(sum) - Double(row[labels[i]])
                                        Softmax.normalize(row, count: k, top: top, inverseSum: Float(1 / sum))
                                        row[labels[i]] -= 1
                                    }
                                }
                            }
                            gradW.withUnsafeMutableBufferPointer { gp in
                                Kernels.matmul(
                                    a: zBase, aRowStride: 1, aColumnStride: k, b: xp.baseAddress!, bRowStride: d,
                                    c: gp.baseAddress!, cRowStride: d, m: k, n: d, k: n, accumulate: false)
                            }
                        }
                    }
                }
            }
            let inverseN = 1 / Double(n)
            var penalty = 0.0
            for t in 0..<(k * d) {
                penalty += p[t] * p[t]
                g[t] = Double(gradW[t]) * inverseN + lambda * p[t]
            }
            var interceptGradient = [Double](repeating: 0, count: k)
            for i in 0..<n {
                for c in 0..<k { interceptGradient[c] += Double(z[i * k + c]) }
            }
            for c in 0..<k { g[k * d + c] = interceptGradient[c] * inverseN }
            return rowLoss.reduce(0, +) * inverseN + 0.5 * lambda * penalty
        }
    }
}

/// Limited-memory BFGS (Nocedal 1980) with a backtracking Armijo line search; memory 10.
enum LBFGS {
    /// Minimises `f` from `x` in place; returns iterations used and whether ‖∇‖∞ ≤ tolerance.
    static func minimize(
        _ x: inout [Double], tolerance: Double, maxIterations: Int, memory: Int = 10,
        _ f: ([Double], inout [Double]) -> Double
    ) -> (Int, Bool) {
        let size = x.count
        var gradient = [Double](repeating: 0, count: size)
        var value = f(x, &gradient)
        var sHistory: [[Double]] = [], yHistory: [[Double]] = [], rhoHistory: [Double] = []
        var nextGradient = gradient
        for iteration in 0..<maxIterations {
            if gradient.reduce(0, { max($0, abs($1)) }) <= tolerance { return (iteration, true) }
            // Two-loop recursion: direction = −H ∇.
            var q = gradient
            var alphas = [Double](repeating: 0, count: sHistory.count)
            for m in stride(from: sHistory.count - 1, through: 0, by: -1) {
                alphas[m] = rhoHistory[m] * dot(sHistory[m], q)
                axpy(-alphas[m], yHistory[m], &q)
            }
            if let s = sHistory.last, let y = yHistory.last {
                let gamma = dot(s, y) / dot(y, y)
                for t in 0..<size { q[t] *= gamma }
            } else {
                let norm = dot(gradient, gradient).squareRoot()
                if norm > 0 { for t in 0..<size { q[t] /= max(norm, 1) } }
            }
            for m in 0..<sHistory.count {
                let beta = rhoHistory[m] * dot(yHistory[m], q)
                axpy(alphas[m] - beta, sHistory[m], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, gradient)
            if !(slope < 0) {
                // Not a descent direction (rounding): restart from steepest descent.
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(direction, gradient)
            }
            var step = 1.0
            var candidate = x
            var candidateValue = value
            var accepted = false
            for _ in 0..<60 {
                for t in 0..<size { candidate[t] = x[t] + step * direction[t] }
                candidateValue = f(candidate, &nextGradient)
                if candidateValue <= value + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted { return (iteration, false) }
            var s = [Double](repeating: 0, count: size), y = s
            for t in 0..<size {
                s[t] = candidate[t] - x[t]
                y[t] = nextGradient[t] - gradient[t]
            }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
                if sHistory.count > memory { sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst() }
            }
            let previous = value
            x = candidate
            value = candidateValue
            gradient = nextGradient
            if abs(previous - value) <= 1e-15 * max(abs(value), 1) && gradient.reduce(0, { max($0, abs($1)) }) <= tolerance * 100 {
                return (iteration + 1, true)
            }
        }
        return (maxIterations, gradient.reduce(0, { max($0, abs($1)) }) <= tolerance)
    }

    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    @inline(__always) static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<x.count { y[i] += alpha * x[i] }
    }
}
