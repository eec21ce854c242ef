import Foundation
import Results
import Support
import Tensor

/// Which prompt templates work: zero-shot top-1 accuracy with each template alone (its class
/// embeddings normalised, as a one-template head), with the ensemble of all templates (the
/// zero-shot head, `EnsembleHead`), and with the subset of at most `maxSubset` templates chosen
/// on the reference by greedy forward selection — then measured, unchanged, on every labelled
/// shift, so nothing is chosen on the images it is reported on. The subset's gain over the
/// ensemble gets a paired percentile bootstrap per domain (the same resampled images for both).
///
/// Cost: every template's logits on every labelled domain (T products of the size of the
/// zero-shot head's), and on the reference `maxSubset` such passes for the greedy choice. Memory
/// stays bounded: images go through in chunks against all templates at once, and only a chunk's
/// logits (`chunkValues`) are held.
package enum Prompts {
    /// Largest subset the greedy choice builds.
    static let maxSubset = 3
    /// Logits held at once (chunk rows × T·C).
    static let chunkValues = 1 << 22

    /// The text tower's embedding of every class × template prompt.
    package struct Input: Sendable {
        package var templates: [String]
        /// (C·T) × D, class-major (every template of class 0, then class 1, …), normalised or not.
        var textEmbeddings: Matrix<Float>

        package init(templates: [String], textEmbeddings: Matrix<Float>) throws {
            guard !templates.isEmpty, textEmbeddings.rows > 0, textEmbeddings.rows % templates.count == 0 else {
                throw ProbesError.shape("\(textEmbeddings.rows) prompt embeddings do not split into \(templates.count) templates per class")
            }
            self.templates = templates
            self.textEmbeddings = textEmbeddings
        }

        var classCount: Int { textEmbeddings.rows / templates.count }

        /// The prompts of the classes `keep` (head rows of a class subset), in that order.
        package func keepingClasses(_ keep: [Int]) throws -> Input {
            let t = templates.count
            return try Input(templates: templates, textEmbeddings: textEmbeddings.selectingRows(keep.flatMap { c in (c * t)..<(c * t + t) }))
        }

        /// The head (C × D) of the templates `subset` (all when nil), as `ZeroShotHead` builds it.
        package func head(_ subset: [Int]? = nil) throws -> Matrix<Float> {
            do {
                let values = try EnsembleHead.build(
                    textEmbeddings: textEmbeddings.values, classCount: classCount, templateCount: templates.count,
                    dimension: textEmbeddings.columns, templates: subset)
                return try Matrix(rows: classCount, columns: textEmbeddings.columns, values: values)
            } catch let error as EnsembleHead.DegenerateClass {
                throw ProbesError.invalid("class \(error.classIndex)'s mean prompt embedding has norm \(error.norm)")
            }
        }

        /// Every template's unit class embeddings, template-major: row t·C + c is u(c, t).
        func units() -> Matrix<Float> {
            let t = templates.count, c = classCount
            return textEmbeddings.selectingRows((0..<(t * c)).map { row in (row % c) * t + row / c }).rowNormalized()
        }
    }

    /// One labelled domain: normalised embeddings and what counts as correct.
    struct Labelled {
        var x: Matrix<Float>
        var labels: [Int]
        var groups: [Int]?

        func correct(_ prediction: Int, _ i: Int) -> Bool { ZeroShot.accepts(prediction, labels[i], groups: groups) }

        /// `domains` normalised, nil for a domain without labelled images; throws when a domain's
        /// dimension is not the prompts' or a label is outside `0..<classes`.
        static func domains(_ domains: [DomainEmbeddings], classes: Int, dimension: Int) throws -> [Labelled?] {
            try domains.map { domain in
                guard let labels = domain.labels, !labels.isEmpty else { return nil }
                guard domain.embeddings.columns == dimension else {
                    throw ProbesError.shape("domain '\(domain.name)' has \(domain.embeddings.columns) dimensions but the prompts have \(dimension)")
                }
                if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
                    throw ProbesError.invalid("domain '\(domain.name)' has label \(bad), outside the prompts' classes 0..<\(classes)")
                }
                return Labelled(x: domain.embeddings.rowNormalized(), labels: labels, groups: domain.classGroups)
            }
        }
    }

    /// `body(first, rows, logits)` for consecutive chunks of `domain`'s images, `logits` being
    /// the chunk's products with every row of `units` (rows × units.rows).
    static func forEachChunk(_ domain: Labelled, units: Matrix<Float>, _ body: (Int, Int, UnsafePointer<Float>) -> Void) {
        let step = max(1, chunkValues / max(units.rows, 1))
        var first = 0
        while first < domain.x.rows {
            let rows = min(step, domain.x.rows - first)
            let logits = domain.x.selectingRows(Array(first..<(first + rows))).multiplied(byTransposeOf: units)
            logits.values.withUnsafeBufferPointer { body(first, rows, $0.baseAddress!) }
            first += rows
        }
    }

    /// Images each template alone gets right.
    static func templateCorrect(_ domain: Labelled, units: Matrix<Float>, templates: Int, classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: templates)
        forEachChunk(domain, units: units) { first, rows, logits in
            for r in 0..<rows {
                for t in 0..<templates {
                    let prediction = LinearAlgebra.argmax(logits + r * templates * classes + t * classes, count: classes)
                    if domain.correct(prediction, first + r) { counts[t] += 1 }
                }
            }
        }
        return counts
    }

    /// Greedy forward selection on the reference: start from the best single template, add the
    /// template that most increases the number of correct images (lowest index on ties), up to
    /// `maxSubset`; keep the size with the most correct images (the smaller on ties). The subset
    /// S's logits are `Σ_{s∈S} u(c,s)·x / |Σ_{s∈S} u(c,s)|`, the ensemble head's up to rounding.
    static func greedy(_ reference: Labelled, units: Matrix<Float>, templates: Int, classes: Int, singles: [Int]) -> [Int] {
        let dimension = units.columns
        var chosen = [singles.indices.max { singles[$0] < singles[$1] || (singles[$0] == singles[$1] && $0 > $1) }!]
        var path = [(subset: chosen, correct: singles[chosen[0]])]
        // Σ_{s∈S} u(c, s) per class.
        var sum = [Double](repeating: 0, count: classes * dimension)
        func add(_ t: Int) {
            for c in 0..<classes {
                for d in 0..<dimension { sum[c * dimension + d] += Double(units[t * classes + c, d]) }
            }
        }
        add(chosen[0])
        while chosen.count < min(maxSubset, templates) {
            let candidates = (0..<templates).filter { !chosen.contains($0) }
            // 1 / |Σ u + u(c, t)| per candidate and class.
            var inverse = [Float](repeating: 0, count: candidates.count * classes)
            for (k, t) in candidates.enumerated() {
                for c in 0..<classes {
                    var squares = 0.0
                    for d in 0..<dimension {
                        let v = sum[c * dimension + d] + Double(units[t * classes + c, d])
                        squares += v * v
                    }
                    inverse[k * classes + c] = squares > 0 ? Float(1 / squares.squareRoot()) : 0
                }
            }
            var counts = [Int](repeating: 0, count: candidates.count)
            var accumulated = [Float](repeating: 0, count: classes)
            var scores = [Float](repeating: 0, count: classes)
            forEachChunk(reference, units: units) { first, rows, logits in
                for r in 0..<rows {
                    let row = logits + r * templates * classes
                    for c in 0..<classes { accumulated[c] = 0 }
                    for s in chosen { for c in 0..<classes { accumulated[c] += row[s * classes + c] } }
                    for (k, t) in candidates.enumerated() {
                        for c in 0..<classes { scores[c] = (accumulated[c] + row[t * classes + c]) * inverse[k * classes + c] }
                        let prediction = scores.withUnsafeBufferPointer { LinearAlgebra.argmax($0.baseAddress!, count: classes) }
                        if reference.correct(prediction, first + r) { counts[k] += 1 }
                    }
                }
            }
            let best = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
            chosen.append(candidates[best])
            add(candidates[best])
            path.append((chosen, counts[best]))
        }
        let kept = path.indices.max { path[$0].correct < path[$1].correct || (path[$0].correct == path[$1].correct && $0 > $1) }!
        return path[kept].subset.sorted()
    }

    /// Per image, whether `head` predicts it correctly.
    static func correct(_ domain: Labelled, head: Matrix<Float>) -> [Bool] {
        let logits = domain.x.multiplied(byTransposeOf: head)
        return logits.values.withUnsafeBufferPointer { z in
            (0..<domain.x.rows).map { i in domain.correct(LinearAlgebra.argmax(z.baseAddress! + i * head.rows, count: head.rows), i) }
        }
    }

    static func accuracy(_ correct: Int, _ count: Int, template: String? = nil, level: Double) -> PromptAccuracy {
        PromptAccuracy(template: template, correct: correct, count: count, accuracy: Double(correct) / Double(count),
                       ci: Statistics.clopperPearson(successes: correct, trials: count, level: level)!)
    }

    /// Results for `domains` (the reference first, then the shifts; embeddings finite, labels
    /// within the head); nil for a domain without labelled images. The subset is chosen on the
    /// reference (none without its labels, or with a single template); domain `i`'s bootstrap
    /// seed is `SplitMix64.derive(seed, index: i)`.
    static func analyze(
        _ input: Input, domains: [DomainEmbeddings], resamples: Int = 1000, level: Double = 0.95, seed: UInt64
    ) throws -> [PromptsResult?] {
        let classes = input.classCount, templates = input.templates.count
        let labelled = try Labelled.domains(domains, classes: classes, dimension: input.textEmbeddings.columns)
        let units = input.units()
        let singles = labelled.map { $0.map { templateCorrect($0, units: units, templates: templates, classes: classes) } }
        let ensembleHead = try input.head()
        var subset: [Int]?
        if let reference = labelled.first ?? nil, let counts = singles[0], templates > 1 {
            subset = greedy(reference, units: units, templates: templates, classes: classes, singles: counts)
        }
        let subsetHead = try subset.map { try input.head($0) }
        return labelled.enumerated().map { index, domain in
            guard let domain, let counts = singles[index] else { return nil }
            let n = domain.labels.count
            let ensembleCorrect = correct(domain, head: ensembleHead)
            var result = PromptsResult(
                templates: counts.enumerated().map { accuracy($1, n, template: input.templates[$0], level: level) },
                ensemble: accuracy(ensembleCorrect.filter { $0 }.count, n, level: level))
            if let subset, let subsetHead {
                let subsetCorrect = correct(domain, head: subsetHead)
                result.subset = PromptSubset(
                    templates: subset, accuracy: accuracy(subsetCorrect.filter { $0 }.count, n, level: level),
                    gain: Statistics.pairedBootstrapDifference(
                        ensembleCorrect.map { $0 ? 1 : 0 }, subsetCorrect.map { $0 ? 1 : 0 }, resamples: resamples, level: level,
                        seed: SplitMix64.derive(seed, index: index))!)
            }
            return result
        }
    }
}
