import Foundation
import Results
import Support
import Tensor

/// Which class names work, where the pilot lists alternatives (`classes.synonyms`): zero-shot
/// top-1 with the names as given (the zero-shot head) and with the names chosen on the reference,
/// then measured, unchanged, on every labelled shift, so nothing is chosen on the images it is
/// reported on. Every name's class embedding is the template ensemble of its prompts (the pilot's
/// templates, `EnsembleHead`), so the given names make exactly the zero-shot head.
///
/// The choice is one pass of per-class coordinate ascent on the reference's labelled images:
/// classes in the class list's order, each with alternatives trying each of them in place of its
/// current name (every other class keeping its current name); the alternative with the most
/// correct images (the first listed on ties) replaces the name only when it gets strictly more
/// images right than the current names. Each change therefore adds correct reference images.
/// The chosen names' gain over the given ones gets a paired percentile bootstrap per domain.
///
/// Cost: one product of the reference with every alternative's class embedding (n × D × A, A
/// the alternatives) and one with the head, then O(n) per alternative; memory: each reference
/// image's two highest classes, one class's alternatives' logits (n × at most 8) and a chunk of
/// the head's (`Prompts.chunkValues`). On every labelled domain, two head products (the given
/// and the chosen names).
package enum Names {
    /// Every candidate name's prompts through the text tower.
    package struct Input: Sendable {
        /// Per class its candidate names, its own first.
        package var names: [[String]]
        var templateCount: Int
        /// (Σ_c K_c · T) × D: class by class, each candidate's T template prompts in the pilot's order.
        var textEmbeddings: Matrix<Float>

        package init(names: [[String]], templateCount: Int, textEmbeddings: Matrix<Float>) throws {
            let candidates = names.reduce(0, { $0 + $1.count })
            guard templateCount > 0, !names.isEmpty, names.allSatisfy({ !$0.isEmpty }), textEmbeddings.rows == candidates * templateCount else {
                throw ProbesError.shape("\(textEmbeddings.rows) prompt embeddings do not make \(templateCount) templates for each of \(candidates) candidate names")
            }
            self.names = names
            self.templateCount = templateCount
            self.textEmbeddings = textEmbeddings
        }

        var classCount: Int { names.count }

        /// First row of each class in `candidateHeads()`.
        var offsets: [Int] { Array(names.reduce(into: [0]) { $0.append($0.last! + $1.count) }.dropLast()) }

        /// The candidates of the classes `keep` (head rows of a class subset), in that order.
        package func keepingClasses(_ keep: [Int]) throws -> Input {
            let starts = offsets
            let rows = keep.flatMap { c in ((starts[c] * templateCount)..<((starts[c] + names[c].count) * templateCount)) }
            return try Input(names: keep.map { names[$0] }, templateCount: templateCount, textEmbeddings: textEmbeddings.selectingRows(rows))
        }

        /// Every candidate's class embedding (Σ K_c × D, rows as `offsets` says): the normalised mean
        /// of its normalised prompt embeddings, as `ZeroShotHead` builds a head row.
        func candidateHeads() throws -> Matrix<Float> {
            let rows = names.reduce(0) { $0 + $1.count }
            do {
                let values = try EnsembleHead.build(
                    textEmbeddings: textEmbeddings.values, classCount: rows, templateCount: templateCount, dimension: textEmbeddings.columns)
                return try Matrix(rows: rows, columns: textEmbeddings.columns, values: values)
            } catch let error as EnsembleHead.DegenerateClass {
                throw ProbesError.invalid("candidate name \(error.classIndex)'s mean prompt embedding has norm \(error.norm)")
            }
        }

        /// The head of the names as given (C × D): the zero-shot head.
        package func givenHead() throws -> Matrix<Float> { try candidateHeads().selectingRows(offsets) }
    }

    /// Whether (v, i) comes before (w, j) in argmax order: higher value, then lower index.
    private static func beats(_ v: Float, _ i: Int, _ w: Float, _ j: Int) -> Bool { v > w || (v == w && i < j) }

    /// The greedy choice on the reference: per class the index of its chosen candidate (0: its own name).
    /// Each image's two highest classes are kept (not its logits), so trying a name costs O(n); a row
    /// is recomputed only when a change touches one of its two.
    static func greedy(_ reference: Prompts.Labelled, candidates: Matrix<Float>, offsets: [Int], counts: [Int]) -> [Int] {
        let classes = counts.count, n = reference.x.rows, dimension = candidates.columns
        var choice = [Int](repeating: 0, count: classes)
        guard counts.contains(where: { $0 > 1 }) else { return choice }
        var head = candidates.selectingRows(offsets)
        // Each image's highest and second-highest class (argmax order); -∞ / Int.max when absent.
        let none: (value: Float, index: Int) = (-.infinity, Int.max)
        var first = [(value: Float, index: Int)](repeating: none, count: n)
        var second = first
        func insert(_ i: Int, _ v: Float, _ c: Int) {
            if beats(v, c, first[i].value, first[i].index) {
                second[i] = first[i]
                first[i] = (v, c)
            } else if beats(v, c, second[i].value, second[i].index) {
                second[i] = (v, c)
            }
        }
        Prompts.forEachChunk(reference, units: head) { start, rows, logits in
            for r in 0..<rows {
                for c in 0..<classes { insert(start + r, logits[r * classes + c], c) }
            }
        }
        func rescan(_ i: Int) {
            first[i] = none
            second[i] = none
            for c in 0..<classes {
                var v: Float = 0
                for d in 0..<dimension { v += reference.x[i, d] * head[c, d] }
                insert(i, v, c)
            }
        }
        var total = (0..<n).filter { reference.correct(first[$0].index, $0) }.count
        for c in 0..<classes where counts[c] > 1 {
            let alternatives = reference.x.multiplied(byTransposeOf: candidates.selectingRows(Array((offsets[c] + 1)..<(offsets[c] + counts[c]))))
            // The best class other than c, per image.
            let other = (0..<n).map { first[$0].index == c ? second[$0] : first[$0] }
            func prediction(_ i: Int, _ v: Float) -> Int { beats(v, c, other[i].value, other[i].index) ? c : other[i].index }
            var best = (k: 0, total: total)
            for k in 1..<counts[c] {
                var right = 0
                for i in 0..<n where reference.correct(prediction(i, alternatives[i, k - 1]), i) { right += 1 }
                if right > best.total { best = (k, right) }
            }
            guard best.k > 0 else { continue }
            choice[c] = best.k
            total = best.total
            let row = offsets[c] + best.k
            for d in 0..<dimension { head.values[c * dimension + d] = candidates[row, d] }
            for i in 0..<n {
                if first[i].index == c || second[i].index == c {
                    rescan(i)
                } else {
                    insert(i, alternatives[i, best.k - 1], c)
                }
            }
        }
        return choice
    }

    /// Results for `domains` (the reference first, then the shifts; embeddings finite, labels
    /// within the head); nil for a domain without labelled images. The names are chosen on the
    /// reference (none without its labels); domain `i`'s bootstrap seed is `SplitMix64.derive(seed, index: i)`.
    static func analyze(
        _ input: Input, domains: [DomainEmbeddings], resamples: Int = 1000, level: Double = 0.95, seed: UInt64
    ) throws -> [NamesResult?] {
        let counts = input.names.map(\.count), offsets = input.offsets
        let labelled = try Prompts.Labelled.domains(domains, classes: input.classCount, dimension: input.textEmbeddings.columns)
        let candidates = try input.candidateHeads()
        let choice = labelled.first.flatMap { $0 }.map { greedy($0, candidates: candidates, offsets: offsets, counts: counts) }
        let givenHead = candidates.selectingRows(offsets)
        let chosenHead = choice.map { choice in candidates.selectingRows(offsets.indices.map { offsets[$0] + choice[$0] }) }
        let changed = choice.map { choice in choice.indices.filter { choice[$0] != 0 } } ?? []
        return labelled.enumerated().map { index, domain -> NamesResult? in
            guard let domain else { return nil }
            let n = domain.labels.count
            let given = Prompts.correct(domain, head: givenHead)
            var result = NamesResult(
                alternatives: counts.reduce(0) { $0 + $1 - 1 }, given: Prompts.accuracy(given.filter { $0 }.count, n, level: level))
            if let choice, let chosenHead {
                let chosen = changed.isEmpty ? given : Prompts.correct(domain, head: chosenHead)
                result.chosen = NameChoice(
                    changes: changed.map { c in
                        let images = domain.labels.indices.filter { domain.labels[$0] == c }
                        return NameChange(classIndex: c, given: input.names[c][0], chosen: input.names[c][choice[c]], count: images.count,
                                          givenCorrect: images.filter { given[$0] }.count, chosenCorrect: images.filter { chosen[$0] }.count)
                    },
                    accuracy: Prompts.accuracy(chosen.filter { $0 }.count, n, level: level),
                    gain: Statistics.pairedBootstrapDifference(
                        given.map { $0 ? 1 : 0 }, chosen.map { $0 ? 1 : 0 }, resamples: resamples, level: level,
                        seed: SplitMix64.derive(seed, index: index))!)
            }
            return result
        }
    }
}
