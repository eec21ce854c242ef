import Foundation
import Results
import Support
import Tensor

/// Settings of the few-shot learning curve.
package struct FewShotOptions: Codable, Sendable, Equatable {
    /// Seeded draws of the training images per k.
    package var draws: Int = 5
    /// The largest k tried (k = 1, 2, 4, … up to it).
    package var maxShots: Int = 16
    /// The fixed L2 strength λ of every fit (`mean loss + λ/2 |W|²`): with one image per class
    /// there is nothing to choose λ on.
    package var l2: Double = 1e-3
    /// A domain with more classes than this gets no curve (`few_shot_too_many_classes`): each fit
    /// costs in proportion to the classes, and k × classes training rows per fit.
    package var maxClasses: Int = 100
    /// Benchmark only: curves over this many classes, drawn once per domain (nil: all classes).
    package var sampleClasses: Int?

    package init() {}

    enum CodingKeys: String, CodingKey {
        case draws, maxShots = "max_shots", l2, maxClasses = "max_classes", sampleClasses = "sample_classes"
    }
}

/// Probe 8b — what light adaptation would buy: the linear probe's solver (`LogisticRegression`)
/// trained on k labelled images per class of a domain and tested on the rest of that domain.
///
/// Classes: those with labelled images in the domain; the probe chooses among them. Shots:
/// k = 1, 2, 4, … while k ≤ `maxShots` and every class keeps at least one test image
/// (k ≤ m − 1, m the fewest images of any class). Draws: draw j uses SplitMix64 seeded with
/// `derive(seed, index: j)`, which shuffles each class's rows (classes in index order, rows in
/// increasing order before the shuffle); the first k of each class's shuffle train, every other
/// row of the domain tests. A draw's training sets are nested (k = 2 contains k = 1).
///
/// Fit: L2-normalised embeddings, λ fixed (`FewShotOptions.l2`), the linear probe's stopping
/// rule and precision rule. Per k: the mean test accuracy over draws, its 95 % Clopper–Pearson
/// interval at one test set's size (successes ⌊mean correct + ½⌋ of the test count: the draws
/// test mostly the same images, so pooling them would count an image up to `draws` times), the
/// lowest and highest draw, and zero-shot accuracy on the same test images (mean over draws).
package enum FewShot {
    /// The ks for classes whose fewest images is `minImagesPerClass`.
    package static func shots(minImagesPerClass m: Int, maxShots: Int) -> [Int] {
        var shots = [Int](), k = 1
        while k <= maxShots, k <= m - 1 {
            shots.append(k)
            k *= 2
        }
        return shots
    }

    /// Each class's rows in draw `draw`'s order (classes in index order, as `present`).
    static func order(labels: [Int], present: [Int], seed: UInt64, draw: Int) -> [[Int]] {
        var generator = SplitMix64(seed: SplitMix64.derive(seed, index: draw))
        var byClass = [Int: [Int]]()
        for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }
        return present.map { c in
            let rows = byClass[c] ?? []
            return generator.permutation(rows.count).map { rows[$0] }
        }
    }

    /// The learning curve of one labelled domain, or nil: with a note when a class has a single
    /// image (`count`: the fewest images of a class), without one when there is a single class.
    ///
    /// `zeroShotCorrect[i]`: whether zero-shot got row i right; `groups`: see `ZeroShot.accepts`.
    package static func curve(
        embeddings: Matrix<Float>, labels: [Int], zeroShotCorrect: [Bool], groups: [Int]? = nil, options: FewShotOptions,
        linearProbe: LinearProbeOptions = LinearProbeOptions(), seed: UInt64
    ) throws -> (FewShotResult?, ProbeNote?) {
        guard labels.count == embeddings.rows, zeroShotCorrect.count == labels.count else {
            throw ProbesError.shape("\(labels.count) labels and \(zeroShotCorrect.count) zero-shot outcomes for \(embeddings.rows) embeddings")
        }
        guard options.draws >= 1 else { throw ProbesError.invalid("the few-shot curve needs at least one draw") }
        var counts = [Int: Int]()
        for label in labels { counts[label, default: 0] += 1 }
        var present = counts.keys.sorted()
        var rows = Array(0..<labels.count)
        if let cap = options.sampleClasses, present.count > cap {
            var generator = SplitMix64(seed: seed)
            let kept = Set(generator.subsample(cap, of: present.count).map { present[$0] })
            present = present.filter { kept.contains($0) }
            rows = rows.filter { kept.contains(labels[$0]) }
        }
        let m = present.map { counts[$0]! }.min() ?? 0
        guard present.count <= options.maxClasses else { return (nil, ProbeNote(.fewShotTooManyClasses, count: present.count)) }
        // One class: the domain's `single_label` note says it.
        guard present.count >= 2 else { return (nil, nil) }
        let ks = shots(minImagesPerClass: m, maxShots: options.maxShots)
        guard !ks.isEmpty else { return (nil, ProbeNote(.fewShotTooFew, count: m)) }
        let domainLabels = rows.map { labels[$0] }
        let features = embeddings.selectingRows(rows).converted(to: Double.self).rowNormalized()
        let index = Dictionary(uniqueKeysWithValues: present.enumerated().map { ($1, $0) })
        let n = rows.count, classes = present.count
        var correct = [[Int]](repeating: [], count: ks.count), zeroShot = [Int](repeating: 0, count: ks.count)
        for draw in 0..<options.draws {
            let order = Self.order(labels: domainLabels, present: present, seed: seed, draw: draw)
            for (position, k) in ks.enumerated() {
                let train = order.flatMap { $0.prefix(k) }.sorted()
                var isTrain = [Bool](repeating: false, count: n)
                for row in train { isTrain[row] = true }
                let test = (0..<n).filter { !isTrain[$0] }
                let trainLabels = train.map { index[domainLabels[$0]]! }
                let x = features.selectingRows(train)
                let single = x.rows * x.columns * classes >= linearProbe.singlePrecisionAbove
                let (tolerance, relativeDecrease) = linearProbe.stopping(singlePrecision: single)
                let model = classes > 2
                    ? try LogisticRegression.Path(features: x, labels: trainLabels, classCount: classes, singlePrecision: single)
                        .fit(l2: options.l2, tolerance: tolerance, relativeDecrease: relativeDecrease, maxIterations: linearProbe.maxIterations)
                    : try LogisticRegression.fit(
                        features: x, labels: trainLabels, classCount: classes, l2: options.l2, tolerance: tolerance,
                        maxIterations: linearProbe.maxIterations, singlePrecisionProducts: single)
                let testFeatures = features.selectingRows(test)
                let predictions = single ? model.predictSingle(testFeatures.converted(to: Float.self)) : model.predict(testFeatures)
                correct[position].append(zip(predictions, test).filter { ZeroShot.accepts(present[$0], domainLabels[$1], groups: groups) }.count)
                zeroShot[position] += test.filter { zeroShotCorrect[rows[$0]] }.count
            }
        }
        let points = ks.enumerated().map { position, k -> FewShotPoint in
            let testCount = n - k * classes
            let total = Double(testCount)
            let meanCorrect = Double(correct[position].reduce(0, +)) / Double(options.draws)
            let ci = Statistics.clopperPearson(successes: Int((meanCorrect + 0.5).rounded(.down)), trials: testCount)!
            return FewShotPoint(
                shots: k, trainCount: k * classes, testCount: testCount, accuracy: meanCorrect / total, ci: ci,
                minAccuracy: Double(correct[position].min()!) / total, maxAccuracy: Double(correct[position].max()!) / total,
                zeroShotAccuracy: Double(zeroShot[position]) / Double(options.draws) / total)
        }
        return (FewShotResult(draws: options.draws, l2: options.l2, seed: seed, classes: classes, minImagesPerClass: m, points: points), nil)
    }

    /// Sets `code`, `threshold` and `shots_reaching` of `result` against `min_accuracy` (nil
    /// clears them): the smallest k whose mean accuracy reaches it, or short of it.
    package static func assess(_ result: inout FewShotResult, minAccuracy: Double?) {
        result.threshold = result.points.isEmpty ? nil : minAccuracy
        guard let threshold = result.threshold else {
            result.code = nil
            result.shotsReaching = nil
            return
        }
        result.shotsReaching = result.points.first { $0.accuracy >= threshold }?.shots
        result.code = result.shotsReaching == nil ? .shortOfMinAccuracy : .reachesMinAccuracy
    }
}
