import Foundation
import Results
import Support
import Tensor

/// Settings of the linear probe.
package struct LinearProbeOptions: Codable, Sendable, Equatable {
    /// Fractions of the reference images for training and validation; the rest is the test split.
    var trainFraction: Double = 0.6
    var validationFraction: Double = 0.2
    /// L2 strengths λ tried, largest first (each fit starts from the previous optimum; ties go to the larger λ).
    package var candidates: [Double] = [1e-2, 1e-3, 1e-4, 1e-5]
    /// Training rows above this are thinned, proportionally per class (see `LinearProbe.split`).
    var maxTrainSamples: Int = 5_000
    var maxIterations: Int = 200
    /// Fits with n_train · d · classes at or above this use fp32 products (see `LogisticRegression`).
    var singlePrecisionAbove: Int = 50_000_000
    /// With more training classes than this, λ is chosen on a seeded subset of this many classes
    /// and the probe refitted on all of them at that λ (see `LinearProbe.fit`); nil: on all classes.
    var searchClasses: Int? = 100

    package init() {}

    /// L-BFGS's stopping rule: ‖∇‖∞ ≤ `tolerance`, or for fp32 fits also a predicted decrease of
    /// at most `relativeDecrease` of the objective (`LBFGS.minimize`) — 3 × 10⁻⁶ instead of
    /// 10⁻⁵ for a fit from a start near the optimum (`nearStart`, the refit after a subset's λ
    /// search): such a start is already within 10⁻⁵ of the optimum's value, yet its error need not
    /// lie where it moves no prediction, as a fit from zeros leaves it.
    func stopping(singlePrecision: Bool, nearStart: Bool = false) -> (tolerance: Double, relativeDecrease: Double?) {
        singlePrecision ? (1e-7, nearStart ? 3e-6 : 1e-5) : (1e-7, nil)
    }

    enum CodingKeys: String, CodingKey {
        case trainFraction = "train_fraction", validationFraction = "validation_fraction", candidates
        case maxTrainSamples = "max_train_samples", maxIterations = "max_iterations"
        case singlePrecisionAbove = "single_precision_above", searchClasses = "search_classes"
    }
}

/// Probe 8 — a multinomial logistic-regression probe on L2-normalised embeddings, fitted on a
/// seeded stratified split of the reference domain, λ chosen by validation accuracy.
///
/// Split (`split(labels:options:seed:)`): the reference rows are ordered class by class, each
/// class's rows in a seeded random order, and dealt in that order — row p goes to training when
/// ⌊(p + 1)·f_train⌋ > ⌊p·f_train⌋, otherwise the q-th such row goes to validation when
/// ⌊(q + 1)·g⌋ > ⌊q·g⌋ with g = f_val / (1 − f_train), otherwise to the test split. Every class
/// is thereby split in the pilot's proportions to within one row, and the totals are exact to
/// within one row. More than `maxTrainSamples` training rows are thinned the same way
/// (proportionally per class).
///
/// Fit: the λ path from the largest candidate down, each fit starting from the previous
/// optimum, all in the training rows' principal axes with one curvature model as L-BFGS's
/// initial inverse Hessian (`LogisticRegression.Path`); L-BFGS stops at ‖∇‖∞ ≤ 1e-7, or, when
/// the products run in fp32, when the decrease its model predicts for the next step is at most
/// 10⁻⁵ of the objective. The objective is strictly convex, so warm starts and the
/// preconditioner change the iterations, never the optimum.
///
/// With more training classes than `searchClasses` the path runs on a seeded subset of that
/// many classes (their training and validation rows, as split above), and the probe is then
/// fitted once on all training rows at the λ chosen there: the path's cost shrinks with the
/// square of the classes kept (rows × classes), and the refit is a single fit. The refit
/// starts from the subset's fit (`Path.extending`: the subset's classes keep their weights,
/// the others' are predicted from their class means axis by axis) with one scale and
/// intercept per class fitted on the logits (`Objective.classScaled`) — a start, not a
/// result: the optimum is the same as from zeros, reached in fewer iterations. It stops at
/// the tighter fp32 rule for such a start (`LinearProbeOptions.stopping(singlePrecision:nearStart:)`).
package enum LinearProbe {
    package struct Fitted: Sendable {
        package let model: LogisticRegression
        package let l2: Double
        package let candidates: [RegularizationCandidate]
        package let trainCount: Int
        package let validationCount: Int
        /// Training rows per class (index = class), after thinning.
        let trainRowsPerClass: [Int]
        /// Reference rows of the test split.
        let testRows: [Int]
        package let seed: UInt64
        /// Fitted (and so evaluated) with fp32 products; see `LinearProbeOptions.singlePrecisionAbove`.
        let singlePrecision: Bool
        /// Classes of the subset λ was chosen on, when not all (see `LinearProbeOptions.searchClasses`).
        let searchClasses: Int?
    }

    /// The three splits of the reference, each in increasing row order.
    package struct Split: Sendable, Equatable {
        let train: [Int]
        let validation: [Int]
        let test: [Int]
    }

    /// The stratified split described above (`labels` in `0..<classCount`).
    package static func split(labels: [Int], classCount: Int, options: LinearProbeOptions, seed: UInt64) -> Split {
        var generator = SplitMix64(seed: seed)
        var byClass = [[Int]](repeating: [], count: max(classCount, (labels.max() ?? -1) + 1))
        for (row, label) in labels.enumerated() { byClass[label].append(row) }
        var dealt = [Int]()
        dealt.reserveCapacity(labels.count)
        for rows in byClass where !rows.isEmpty {
            dealt += generator.permutation(rows.count).map { rows[$0] }
        }
        func deal(_ rows: [Int], fraction: Double) -> (taken: [Int], rest: [Int]) {
            var taken = [Int](), rest = [Int]()
            for (p, row) in rows.enumerated() {
                if (Double(p + 1) * fraction).rounded(.down) > (Double(p) * fraction).rounded(.down) { taken.append(row) } else { rest.append(row) }
            }
            return (taken, rest)
        }
        var (train, rest) = deal(dealt, fraction: options.trainFraction)
        let remaining = 1 - options.trainFraction
        let (validation, test) = remaining > 0 ? deal(rest, fraction: min(1, options.validationFraction / remaining)) : ([], rest)
        if train.count > options.maxTrainSamples {
            train = deal(train, fraction: Double(options.maxTrainSamples) / Double(train.count)).taken
        }
        return Split(train: train.sorted(), validation: validation.sorted(), test: test.sorted())
    }

    /// Fits on the reference. `nil` when the split leaves fewer than 2 classes in training or
    /// an empty validation/test split (fewer than ~5 images).
    package static func fit(
        reference: Matrix<Float>, labels: [Int], classCount: Int, options: LinearProbeOptions, seed: UInt64
    ) throws -> Fitted? {
        let n = reference.rows
        guard labels.count == n else { throw ProbesError.shape("\(labels.count) labels for \(n) embeddings") }
        let parts = split(labels: labels, classCount: classCount, options: options, seed: seed)
        let trainRows = parts.train, validationRows = parts.validation
        guard trainRows.count >= 2, !validationRows.isEmpty, !parts.test.isEmpty else { return nil }
        let trainLabels = trainRows.map { labels[$0] }
        guard Set(trainLabels).count >= 2 else { return nil }
        let classes = max(classCount, 2)
        let features = reference.converted(to: Double.self).rowNormalized()
        let train = features.selectingRows(trainRows)
        let validationLabels = validationRows.map { labels[$0] }
        let single = train.rows * train.columns * classes >= options.singlePrecisionAbove
        let (tolerance, relativeDecrease) = options.stopping(singlePrecision: single)

        /// The λ path on these rows: every candidate's validation accuracy, and the best fit.
        func search(
            train: Matrix<Double>, trainLabels: [Int], validation: Matrix<Double>, validationLabels: [Int], classes: Int,
            axes: LogisticRegression.PrincipalAxes? = nil
        ) throws -> (model: LogisticRegression, l2: Double, tried: [RegularizationCandidate])? {
            let validationSingle = single ? validation.converted(to: Float.self) : nil
            let path = classes <= 2 ? nil
                : try axes.map { LogisticRegression.Path(axes: $0, labels: trainLabels, classCount: classes) }
                    ?? LogisticRegression.Path(features: train, labels: trainLabels, classCount: classes, singlePrecision: single)
            var best: (LogisticRegression, Double, Double)?
            var tried = [RegularizationCandidate]()
            var previous: LogisticRegression?
            for lambda in options.candidates.sorted(by: >) {
                let model = try path?.fit(
                    l2: lambda, tolerance: tolerance, relativeDecrease: relativeDecrease, maxIterations: options.maxIterations)
                    ?? LogisticRegression.fit(
                        features: train, labels: trainLabels, classCount: classes, l2: lambda, tolerance: tolerance,
                        maxIterations: options.maxIterations, singlePrecisionProducts: single, warmStart: previous)
                previous = model
                let predictions = validationSingle.map { model.predictSingle($0) } ?? model.predict(validation)
                let accuracy = Double(zip(predictions, validationLabels).filter { $0 == $1 }.count) / Double(validationLabels.count)
                tried.append(RegularizationCandidate(l2: lambda, validationAccuracy: accuracy, iterations: model.iterations, converged: model.converged))
                if best == nil || accuracy > best!.2 { best = (model, lambda, accuracy) }
            }
            return best.map { ($0.0, $0.1, tried) }
        }

        let subset = searchSubset(trainLabels: trainLabels, validationLabels: validationLabels, options: options, seed: seed)
        let model: LogisticRegression, lambda: Double, tried: [RegularizationCandidate]
        if let subset {
            let index = Dictionary(uniqueKeysWithValues: subset.enumerated().map { ($1, $0) })
            let subsetTrain = trainRows.indices.filter { index[trainLabels[$0]] != nil }
            let subsetValidation = validationRows.indices.filter { index[validationLabels[$0]] != nil }
            // The subset is fitted in the principal axes of all training rows (one
            // eigendecomposition for both fits; the subset's optimum does not depend on the axes).
            let whole = try LogisticRegression.Path(features: train, labels: trainLabels, classCount: classes, singlePrecision: single)
            guard let found = try search(
                train: train.selectingRows(subsetTrain), trainLabels: subsetTrain.map { index[trainLabels[$0]]! },
                validation: features.selectingRows(subsetValidation.map { validationRows[$0] }),
                validationLabels: subsetValidation.map { index[validationLabels[$0]]! }, classes: subset.count,
                axes: LogisticRegression.PrincipalAxes(whole.axes, rows: subsetTrain))
            else { return nil }
            lambda = found.l2
            tried = found.tried
            let refit = options.stopping(singlePrecision: single, nearStart: true)
            model = whole.fit(
                l2: lambda, tolerance: refit.tolerance, relativeDecrease: refit.relativeDecrease, maxIterations: options.maxIterations,
                from: whole.extending(found.model, subset: subset))
        } else {
            guard let found = try search(
                train: train, trainLabels: trainLabels, validation: features.selectingRows(validationRows),
                validationLabels: validationLabels, classes: classes)
            else { return nil }
            (model, lambda, tried) = found
        }
        var perClass = [Int](repeating: 0, count: classes)
        for label in trainLabels { perClass[label] += 1 }
        return Fitted(
            model: model, l2: lambda, candidates: tried, trainCount: trainRows.count, validationCount: validationRows.count,
            trainRowsPerClass: perClass, testRows: parts.test, seed: seed, singlePrecision: single, searchClasses: subset?.count)
    }

    /// The classes λ is searched on, in increasing order: the first `searchClasses` of a seeded
    /// permutation (`SplitMix64.derive(seed, index: 1)`) of the classes with training rows, when
    /// there are more of them than that and the subset keeps validation rows; nil otherwise.
    static func searchSubset(trainLabels: [Int], validationLabels: [Int], options: LinearProbeOptions, seed: UInt64) -> [Int]? {
        let present = Set(trainLabels).sorted()
        guard let size = options.searchClasses, size >= 2, present.count > size else { return nil }
        var generator = SplitMix64(seed: SplitMix64.derive(seed, index: 1))
        let subset = generator.permutation(present.count).prefix(size).map { present[$0] }.sorted()
        let kept = Set(subset)
        guard validationLabels.contains(where: { kept.contains($0) }) else { return nil }
        return subset
    }

    /// `embeddings.converted(to: Double.self).rowNormalized().converted(to: Float.self)` —
    /// the same numbers — without the two full-size copies.
    static func unitRowsInSingle(_ embeddings: Matrix<Float>) -> Matrix<Float> {
        let d = embeddings.columns
        var out = embeddings.values
        let sums = embeddings.rowSumsOfSquares()
        out.withUnsafeMutableBufferPointer { x in
            for i in 0..<embeddings.rows {
                let sum = sums[i]
                guard sum > 0 else { continue }
                let inverse = 1 / sum.squareRoot()
                for j in 0..<d { x[i * d + j] = Float(Double(x[i * d + j]) * inverse) }
            }
        }
        return Matrix(unchecked: embeddings.rows, d, out)
    }

    /// Accuracy of the fitted probe on `embeddings` with `labels` (all rows; `groups`: see `ZeroShot.accepts`).
    static func result(_ fitted: Fitted, embeddings: Matrix<Float>, labels: [Int], groups: [Int]? = nil) -> LinearProbeResult? {
        guard !labels.isEmpty, labels.count == embeddings.rows else { return nil }
        let predictions = fitted.singlePrecision
            ? fitted.model.predictSingle(unitRowsInSingle(embeddings))
            : fitted.model.predict(embeddings.converted(to: Double.self).rowNormalized())
        let correct = zip(predictions, labels).filter { ZeroShot.accepts($0, $1, groups: groups) }.count
        let present = fitted.trainRowsPerClass.filter { $0 > 0 }.sorted()
        var result = LinearProbeResult(
            accuracy: Double(correct) / Double(labels.count),
            ci: Statistics.clopperPearson(successes: correct, trials: labels.count)!, count: labels.count,
            l2: fitted.l2, candidates: fitted.candidates, trainCount: fitted.trainCount,
            validationCount: fitted.validationCount, seed: fitted.seed, converged: fitted.model.converged)
        result.trainClasses = present.count
        result.minTrainRowsPerClass = present.first
        result.medianTrainRowsPerClass = Statistics.median(present.map(Double.init))
        result.searchClasses = fitted.searchClasses
        return result
    }
}
