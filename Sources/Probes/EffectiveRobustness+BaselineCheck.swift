import Foundation
import Results

extension EffectiveRobustnessProbe {
    /// Why a shift has no baseline line, or a line without a band (the schema type, in Results).
    package typealias Limitation = BaselineLimitation

    /// What a set of baseline points supports: which points are used, which are left out,
    /// and whether there is a line, a band and ER intervals.
    package struct BaselineCheck: Sendable, Equatable {
        /// Points with both accuracies strictly between 0 and 1, in the order given.
        var usable: [BaselinePoint]
        /// Points at 0 % or 100 % (left out of every fit).
        var excluded: [BaselinePoint]
        /// Distinct (x, y) pairs among `usable`, in logit space.
        var distinctPointCount: Int
        /// Distinct reference accuracies (x) among `usable`.
        var distinctReferenceCount: Int
        /// The least-squares line through `usable` in logit space, when there is one.
        package var line: (slope: Double, intercept: Double)?

        package init(_ points: [BaselinePoint]) {
            usable = points.filter { !$0.isDegenerate }
            excluded = points.filter(\.isDegenerate)
            let logits = usable.map(\.logits)
            distinctPointCount = Set(logits.map { [$0.x, $0.y] }).count
            distinctReferenceCount = Set(logits.map(\.x)).count
            line = Statistics.leastSquaresLine(x: logits.map(\.x), y: logits.map(\.y))
        }

        /// A band and ER intervals need ≥ 3 distinct points at ≥ 2 reference accuracies.
        var allowsBand: Bool { line != nil && distinctPointCount >= 3 }

        /// Why there is no line, or no band; `nil` when there are both.
        package var limitation: Limitation? {
            if usable.isEmpty { return .noBaselinePoints }
            if usable.count == 1 { return .tooFewBaselinePoints }
            if line == nil { return .singleReferenceAccuracy }
            return allowsBand ? nil : .tooFewDistinctPoints
        }

        package static func == (a: BaselineCheck, b: BaselineCheck) -> Bool {
            a.usable == b.usable && a.excluded == b.excluded && a.line?.slope == b.line?.slope && a.line?.intercept == b.line?.intercept
        }
    }
}
