import Foundation
import Results
import Support

/// Probe 5 — effective robustness (Taori et al. 2020) in logit space.
///
/// For one shift, baseline points `(x_b, y_b)` = (reference accuracy, shift accuracy) of
/// baseline models are fitted by least squares as `logit(y) = β₁ logit(x) + β₀`; a model's
/// ER is `y − σ(β₁ logit(x) + β₀)`.
///
/// Logits: an accuracy measured in this run (counts known: the candidate's, a baseline model's)
/// enters as the empirical logit `logit((k + ½)/(n + 1))`; a published accuracy (a percentage
/// without counts) as its plain logit. Baseline points at exactly 0 % or 100 % are left out of
/// the fit (`BaselineCheck.excluded`): such a point has no logit — typically a model the test set
/// was filtered against, like ResNet-50 on ImageNet-A — and any clamp would put it at an
/// arbitrary distance that drags the whole line.
///
/// What is reported depends on the usable points (`BaselineCheck`): no line with fewer than 2
/// points or a single reference accuracy (only relative accuracy and drop then — never a
/// made-up line); a line but no band and no ER interval with fewer than 3 distinct points
/// (resampling 2 points gives the same line or none, so a "band" would have zero width); the
/// band and intervals otherwise. The band is a pointwise percentile bootstrap over baseline
/// points (resampled with replacement, resamples with a single reference accuracy skipped);
/// the ER interval (`interval(reference:shift:baseline:resamples:level:seed:)`) also resamples
/// the candidate's own images.
package enum EffectiveRobustnessProbe {
    /// One baseline model on one shift (the schema type, in Results).
    package typealias BaselinePoint = Results.BaselinePoint
    /// Correct predictions out of labelled images (the schema type, in Results).
    package typealias Counts = AccuracyCounts

    /// Fits the baseline line; `nil` when there is no line (see `BaselineCheck.limitation`).
    /// The band is empty unless the points allow one (`BaselineCheck.allowsBand`). `bandGrid`
    /// are the reference accuracies at which the band is reported (default 0.01…0.99 by 0.02).
    package static func fit(
        baseline: [BaselinePoint], sources: [BaselineSource], resamples: Int = 1000, seed: UInt64,
        bandGrid: [Double] = stride(from: 0.01, through: 0.99, by: 0.02).map { $0 }
    ) -> BaselineFit? {
        let check = BaselineCheck(baseline)
        guard let line = check.line else { return nil }
        let x = check.usable.map(\.logits.x), y = check.usable.map(\.logits.y)
        var band: [BandPoint] = []
        if check.allowsBand {
            var generator = SplitMix64(seed: seed)
            var curves = [[Double]](repeating: [], count: bandGrid.count)
            let gridLogits = bandGrid.map { Statistics.logit($0) }
            for _ in 0..<resamples {
                let picks = (0..<x.count).map { _ in generator.index(below: x.count) }
                guard let refit = Statistics.leastSquaresLine(x: picks.map { x[$0] }, y: picks.map { y[$0] }) else { continue }
                for (g, xg) in gridLogits.enumerated() { curves[g].append(Statistics.sigmoid(refit.slope * xg + refit.intercept)) }
            }
            band = bandGrid.enumerated().map { g, xg in
                let fitted = Statistics.sigmoid(line.slope * gridLogits[g] + line.intercept)
                let sorted = curves[g].sorted()
                return BandPoint(
                    referenceAccuracy: xg, fitted: fitted,
                    lower: sorted.isEmpty ? fitted : Statistics.percentile(sorted: sorted, 2.5),
                    upper: sorted.isEmpty ? fitted : Statistics.percentile(sorted: sorted, 97.5))
            }
        }
        return BaselineFit(
            sources: sources, pointCount: check.usable.count, slope: line.slope, intercept: line.intercept, band: band,
            resamples: resamples, seed: seed, points: check.usable, excludedPoints: check.excluded.isEmpty ? nil : check.excluded)
    }

    /// A model's point on one shift, with ER when `fit` exists. With the counts, the reference
    /// accuracy enters the line as its empirical logit (finite at 0 % and 100 %); without them
    /// (accuracies from elsewhere) as its plain logit, and a reference accuracy of 0 or 1 then has no ER.
    static func point(
        domain: String, referenceAccuracy: Double, accuracy: Double, fit: BaselineFit?, referenceCounts: Counts? = nil
    ) -> RobustnessPoint {
        let x = referenceCounts?.logit ?? Statistics.logit(referenceAccuracy)
        let predicted = fit.flatMap { fit in x.isFinite ? Statistics.sigmoid(fit.slope * x + fit.intercept) : nil }
        return RobustnessPoint(
            domain: domain, referenceAccuracy: referenceAccuracy, accuracy: accuracy,
            relativeAccuracy: referenceAccuracy > 0 ? accuracy / referenceAccuracy : nil,
            drop: referenceAccuracy - accuracy, baseline: fit, effectiveRobustness: predicted.map { accuracy - $0 })
    }

    /// Baseline points from the long CSV `model,domain,reference_accuracy,accuracy` (header
    /// required; accuracies as fractions 0–1), grouped by domain. Throws on a malformed row,
    /// naming its line; values above 1 are rejected (percent columns must be divided by 100).
    package static func parseBaselineCSV(_ text: String) throws -> [String: [BaselinePoint]] {
        var rows = CSV.parse(text).filter { $0 != [""] }
        guard !rows.isEmpty else { throw ProbesError.invalid("baseline CSV is empty") }
        let header = rows.removeFirst().map { $0.lowercased() }
        guard header == ["model", "domain", "reference_accuracy", "accuracy"] else {
            throw ProbesError.invalid("baseline CSV header must be model,domain,reference_accuracy,accuracy")
        }
        var out = [String: [BaselinePoint]]()
        for (offset, fields) in rows.enumerated() {
            guard fields.count == 4, let x = Double(fields[2]), let y = Double(fields[3]) else {
                throw ProbesError.invalid("baseline CSV line \(offset + 2): expected model,domain,reference_accuracy,accuracy")
            }
            guard (0...1).contains(x), (0...1).contains(y) else {
                throw ProbesError.invalid("baseline CSV line \(offset + 2): accuracies must be fractions 0–1 (divide percents by 100)")
            }
            out[fields[1], default: []].append(BaselinePoint(model: fields[0], referenceAccuracy: x, accuracy: y))
        }
        return out
    }

    /// Baseline points from a wide table of percentages such as
    /// `assets/baselines/imagenet-shifts-standard-testbed.csv`: x from `referenceColumn`, y from
    /// `shiftColumn`, keeping models whose `filterColumn` (default: the reference column) is
    /// ≥ `minimumFilterAccuracy` (the testbed fits on val ≥ 55 %). Rows with an empty cell are skipped.
    package static func parsePercentTable(
        _ text: String, referenceColumn: String, shiftColumn: String, filterColumn: String? = nil,
        minimumFilterAccuracy: Double = 0.55
    ) throws -> [BaselinePoint] {
        let rows = CSV.parse(text)
        guard let header = rows.first else { throw ProbesError.invalid("baseline table is empty") }
        guard let xi = header.firstIndex(of: referenceColumn), let yi = header.firstIndex(of: shiftColumn),
              let fi = header.firstIndex(of: filterColumn ?? referenceColumn) else {
            throw ProbesError.invalid("baseline table lacks column \(referenceColumn), \(shiftColumn) or \(filterColumn ?? referenceColumn)")
        }
        var points = [BaselinePoint]()
        for fields in rows.dropFirst() {
            guard fields.count == header.count else { continue }
            guard let x = Double(fields[xi]), let y = Double(fields[yi]), let f = Double(fields[fi]) else { continue }
            guard f / 100 >= minimumFilterAccuracy else { continue }
            points.append(BaselinePoint(model: fields[0], referenceAccuracy: x / 100, accuracy: y / 100))
        }
        return points
    }

    /// The default ImageNet baseline for one shift column of
    /// `assets/baselines/imagenet-shifts-standard-testbed.csv` (`imagenet_v2`, `imagenet_sketch`,
    /// `imagenet_r`, `imagenet_a`, `objectnet`), following the testbed: models with ImageNet val
    /// ≥ 55 %, and for R, A and ObjectNet the class-restricted val column as x
    /// (`imagenet_on_r_classes`, …). See assets/baselines/README.md.
    static func imagenetTestbedBaseline(_ tableText: String, shiftColumn: String) throws -> [BaselinePoint] {
        let referenceColumn: String
        switch shiftColumn {
        case "imagenet_r": referenceColumn = "imagenet_on_r_classes"
        case "imagenet_a": referenceColumn = "imagenet_on_a_classes"
        case "objectnet": referenceColumn = "imagenet_on_objectnet_classes"
        default: referenceColumn = "imagenet"
        }
        return try parsePercentTable(
            tableText, referenceColumn: referenceColumn, shiftColumn: shiftColumn, filterColumn: "imagenet", minimumFilterAccuracy: 0.55)
    }
}


extension AccuracyCounts {
    /// `logit((k + ½)/(n + 1))`, finite at 0 and 1 (`Statistics.empiricalLogit`).
    var logit: Double { Statistics.empiricalLogit(successes: correct, trials: total) }
}

extension BaselinePoint {
    /// The point in logit space (empirical logits where counts are known).
    var logits: (x: Double, y: Double) {
        (referenceCounts?.logit ?? Statistics.logit(referenceAccuracy), counts?.logit ?? Statistics.logit(accuracy))
    }

    /// Whether the point is left out of fits: an accuracy of exactly 0 or 1 (see `EffectiveRobustnessProbe`).
    var isDegenerate: Bool {
        !(referenceAccuracy > 0 && referenceAccuracy < 1 && accuracy > 0 && accuracy < 1)
    }
}
