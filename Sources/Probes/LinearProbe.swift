import Foundation
import Results
import Support
import Tensor

/// Settings of the linear probe.
public struct LinearProbeOptions: Codable, Sendable, Equatable {
    /// Fractions of the reference images for training and validation; the rest is the test split.
    public var trainFraction: Double = 0.6
    public var validationFraction: Double = 0.2
    /// L2 strengths λ tried, largest first (each fit warm-starts nothing; ties go to the larger λ).
    public var candidates: [Double] = [1e-2, 1e-3, 1e-4, 1e-5]
    /// Training rows above this are a seeded subsample.
    public var maxTrainSamples: Int = 5_000
    public var maxIterations: Int = 200
    /// Fits with n_train · d · classes at or above this use fp32 products (see `LogisticRegression`).
    public var singlePrecisionAbove: Int = 50_000_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case trainFraction = "train_fraction", validationFraction = "validation_fraction", candidates
        case maxTrainSamples = "max_train_samples", maxIterations = "max_iterations"
        case singlePrecisionAbove = "single_precision_above"
    }
}

/// Probe 8 — a multinomial logistic-regression probe on L2-normalised embeddings, fitted on a
/// seeded split of the reference domain, λ chosen by validation accuracy.
public enum LinearProbe {
    public struct Fitted: Sendable {
        public let model: LogisticRegression
        public let l2: Double
        public let candidates: [RegularizationCandidate]
        public let trainCount: Int
        public let validationCount: Int
        /// Reference rows of the test split.
        public let testRows: [Int]
        public let seed: UInt64
        /// Fitted (and so evaluated) with fp32 products; see `LinearProbeOptions.singlePrecisionAbove`.
        public let singlePrecision: Bool
    }

    /// Fits on the reference. `nil` when the split leaves fewer than 2 classes in training or
    /// an empty validation/test split (fewer than ~5 images).
    public static func fit(
        reference: Matrix<Float>, labels: [Int], classCount: Int, options: LinearProbeOptions, seed: UInt64
    ) throws -> Fitted? {
        let n = reference.rows
        guard labels.count == n else { throw ProbesError.shape("\(labels.count) labels for \(n) embeddings") }
        var generator = SplitMix64(seed: seed)
        let order = generator.permutation(n)
        let trainCount = Int((Double(n) * options.trainFraction).rounded(.down))
        let validationCount = Int((Double(n) * options.validationFraction).rounded(.down))
        guard trainCount >= 2, validationCount >= 1, n - trainCount - validationCount >= 1 else { return nil }
        var trainRows = Array(order[0..<trainCount])
        if trainRows.count > options.maxTrainSamples {
            trainRows = Array(trainRows.prefix(options.maxTrainSamples))
        }
        let validationRows = Array(order[trainCount..<(trainCount + validationCount)])
        let testRows = Array(order[(trainCount + validationCount)...])
        let trainLabels = trainRows.map { labels[$0] }
        guard Set(trainLabels).count >= 2 else { return nil }
        let features = reference.converted(to: Double.self).rowNormalized()
        let train = features.selectingRows(trainRows)
        let validation = features.selectingRows(validationRows)
        let validationLabels = validationRows.map { labels[$0] }
        var best: (LogisticRegression, Double, Double)?
        var tried = [RegularizationCandidate]()
        var previous: LogisticRegression?
        let single = train.rows * train.columns * max(classCount, 2) >= options.singlePrecisionAbove
        // Largest λ first, each fit starting from the previous optimum (a regularisation
        // path): the objective is strictly convex, so the start changes the iterations, not
        // the optimum.
        for lambda in options.candidates.sorted(by: >) {
            let model = try LogisticRegression.fit(
                features: train, labels: trainLabels, classCount: max(classCount, 2), l2: lambda,
                tolerance: single ? 1e-5 : 1e-7, maxIterations: options.maxIterations, singlePrecisionProducts: single,
                warmStart: previous)
            previous = model
            let predictions = single ? model.predictSingle(validation.converted(to: Float.self)) : model.predict(validation)
            let accuracy = Double(zip(predictions, validationLabels).filter { $0 == $1 }.count) / Double(validationRows.count)
            tried.append(RegularizationCandidate(l2: lambda, validationAccuracy: accuracy, iterations: model.iterations, converged: model.converged))
            if best == nil || accuracy > best!.2 { best = (model, lambda, accuracy) }
        }
        guard let (model, lambda, _) = best else { return nil }
        return Fitted(
            model: model, l2: lambda, candidates: tried, trainCount: trainRows.count, validationCount: validationRows.count,
            testRows: testRows, seed: seed, singlePrecision: single)
    }

    /// `embeddings.converted(to: Double.self).rowNormalized().converted(to: Float.self)` —
    /// the same numbers — without the two full-size copies.
    static func unitRowsInSingle(_ embeddings: Matrix<Float>) -> Matrix<Float> {
        let d = embeddings.columns
        var out = embeddings.values
        out.withUnsafeMutableBufferPointer { x in
            for i in 0..<embeddings.rows {
                var sum = 0.0
                for j in 0..<d { let v = Double(x[i * d + j]); sum += v * v }
                guard sum > 0 else { continue }
                let inverse = 1 / sum.squareRoot()
                for j in 0..<d { x[i * d + j] = Float(Double(x[i * d + j]) * inverse) }
            }
        }
        return Matrix(unchecked: embeddings.rows, d, out)
    }

    /// Accuracy of the fitted probe on `embeddings` with `labels` (all rows; `groups`: see `ZeroShot.accepts`).
    public static func result(_ fitted: Fitted, embeddings: Matrix<Float>, labels: [Int], groups: [Int]? = nil) -> LinearProbeResult? {
        guard !labels.isEmpty, labels.count == embeddings.rows else { return nil }
        let predictions = fitted.singlePrecision
            ? fitted.model.predictSingle(unitRowsInSingle(embeddings))
            : fitted.model.predict(embeddings.converted(to: Double.self).rowNormalized())
        let correct = zip(predictions, labels).filter { ZeroShot.accepts($0, $1, groups: groups) }.count
        return LinearProbeResult(
            accuracy: Double(correct) / Double(labels.count),
            ci: Statistics.clopperPearson(successes: correct, trials: labels.count)!, count: labels.count,
            l2: fitted.l2, candidates: fitted.candidates, trainCount: fitted.trainCount,
            validationCount: fitted.validationCount, seed: fitted.seed, converged: fitted.model.converged)
    }
}
