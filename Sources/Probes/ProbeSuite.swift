import Foundation
import Results
import Support
import Tensor

/// Settings of every probe; defaults are the documented ones.
package struct ProbeOptions: Codable, Sendable, Equatable {
    /// τ of the outlier features.
    package var outlierThreshold: Double = 10
    /// Size of the top-dimension sets compared by Jaccard.
    var outlierTopK: Int = 10
    /// ρ of the concept probe.
    package var conceptThreshold: Double = 0.5
    /// The concept probe's permutation null and image limits (see `Concepts`).
    var conceptPermutations: Int = Concepts.defaultPermutations
    var conceptLevel: Double = Concepts.defaultLevel
    var conceptMinimumImages: Int = Concepts.defaultMinimumImages
    var conceptMaximumImages: Int = Concepts.defaultMaximumImages
    /// Equal-mass bins of the expected calibration error and resamples of its calibrated floor.
    var calibrationBins: Int = Calibration.defaultBins
    var calibrationResamples: Int = Calibration.defaultResamples
    var prunedPercents: [Int] = Directions.defaultPrunedPercents
    /// Resamples of the accuracy-difference bootstrap.
    var bootstrapResamples: Int = 1000
    package var distance = DistanceOptions()
    package var linearProbe = LinearProbeOptions()
    var runDistance = true
    package var runLinearProbe = true
    package var fewShot = FewShotOptions()
    package var runFewShot = true
    /// Probe domains concurrently on Tensor's pool (same results either way).
    package var parallelDomains = true
    /// The run's base seed; every probe derives its own stream from it (see `Seeds`).
    package var seed: UInt64 = 0
    /// Where to report the CPU time of each probe (`probe --bench`); nil measures nothing.
    /// Not part of the options' JSON.
    package var timing: ProbeTiming?

    package init() {}

    enum CodingKeys: String, CodingKey {
        case outlierThreshold = "outlier_threshold", outlierTopK = "outlier_top_k", conceptThreshold = "concept_threshold"
        case prunedPercents = "pruned_percents", bootstrapResamples = "bootstrap_resamples", distance
        case linearProbe = "linear_probe", runDistance = "run_distance", runLinearProbe = "run_linear_probe"
        case fewShot = "few_shot", runFewShot = "run_few_shot"
        case parallelDomains = "parallel_domains", seed
        case conceptPermutations = "concept_permutations", conceptLevel = "concept_level"
        case conceptMinimumImages = "concept_minimum_images", conceptMaximumImages = "concept_maximum_images"
        case calibrationBins = "calibration_bins", calibrationResamples = "calibration_resamples"
    }
}

/// One domain's embeddings as the suite takes them.
package struct DomainEmbeddings: Sendable {
    package var name: String
    /// n × d, before L2 normalisation.
    package var embeddings: Matrix<Float>
    /// Class index (row of the head) per image; `nil` for an unlabelled domain.
    package var labels: [Int]?
    /// A group id per head row when a prediction is correct for any row of the label's group
    /// (ObjectNet: the ImageNet classes mapped to one ObjectNet class); `nil`: only the label's
    /// own row is correct. See `ZeroShot.accepts`.
    package var classGroups: [Int]?
    /// Each image's path relative to the domain's folder, same order; nil when unknown. Only named
    /// in results (the most confident mistakes), never used to compute.
    package var paths: [String]?

    package init(name: String, embeddings: Matrix<Float>, labels: [Int]?, classGroups: [Int]? = nil, paths: [String]? = nil) {
        self.name = name
        self.embeddings = embeddings
        self.labels = labels
        self.classGroups = classGroups
        self.paths = paths
    }
}

/// The concept probe's input: the probing model's image–concept similarities on the
/// reference images (rows aligned with the reference embeddings) and the concept names.
package struct ConceptProbeInput: Sendable {
    package var names: [String]
    /// n_reference × K, see `Concepts.similarities(imageEmbeddings:textEmbeddings:)`.
    package var similarities: Matrix<Float>

    package init(names: [String], similarities: Matrix<Float>) {
        self.names = names
        self.similarities = similarities
    }
}

/// Runs every probe for one model over its reference and shifted domains.
///
/// Embeddings with a NaN or infinite value are left out of every probe (with their labels)
/// and counted in the domain's `notes`. Probes that are undefined for the inputs are absent
/// (or hold `null` numbers) and say why in `notes`; shapes that do not fit throw `ProbesError`.
package enum ProbeSuite {
    /// Probe results of `model` on the reference (first) and every shift, in that order.
    package static func run(
        model: String, head: Matrix<Float>, reference: DomainEmbeddings, shifts: [DomainEmbeddings],
        concepts: ConceptProbeInput? = nil, prompts: Prompts.Input? = nil, names: Names.Input? = nil, options: ProbeOptions = ProbeOptions()
    ) throws -> [ModelDomainProbes] {
        let seeds = Seeds(base: options.seed)
        guard head.rows >= 1, head.columns >= 1 else { throw ProbesError.invalid("the zero-shot head is empty") }
        var referenceNotes: [ProbeNote] = []
        let ref = try sanitize(reference, head: head, notes: &referenceNotes)
        // Validate every domain before any heavy work.
        var shiftNotes = [[ProbeNote]](repeating: [], count: shifts.count)
        let cleanShifts = try shifts.indices.map { try sanitize(shifts[$0], head: head, notes: &shiftNotes[$0]) }
        guard ref.embeddings.rows >= 1 else {
            throw ProbesError.invalid("the reference domain '\(reference.name)' has no usable embedding")
        }

        // Computed once on the reference.
        let referenceOutliers = try options.timing.measure("outliers") {
            try Outliers.analyze(ref.embeddings, threshold: options.outlierThreshold, topK: options.outlierTopK)
        }
        let basis = try options.timing.measure("directions: basis") { try Directions.basis(head: head, reference: ref.embeddings) }
        /// Zero-shot scores and, for a labelled domain, the pruning curves (which share the logits).
        func scoresAndDirections(_ domain: DomainEmbeddings) throws -> (ZeroShot.Scores, DirectionsResult?) {
            guard let labels = domain.labels else {
                return (try options.timing.measure("zero-shot") {
                    try ZeroShot.scores(embeddings: domain.embeddings, head: head, labels: nil, groups: domain.classGroups)
                }, nil)
            }
            let (directions, scores) = try options.timing.measure("zero-shot and pruning curves (total)") { try Directions.resultAndScores(
                basis: basis, head: head, referenceMeanAbs: referenceOutliers.meanAbsActivation,
                embeddings: domain.embeddings, labels: labels, groups: domain.classGroups, prunedPercents: options.prunedPercents,
                timing: options.timing) }
            return (scores, directions)
        }
        let (referenceScores, referenceDirections) = try scoresAndDirections(ref)
        let referenceZeroShot = ZeroShot.result(scores: referenceScores, labels: ref.labels, classCount: head.rows, groups: ref.classGroups, paths: ref.paths)
        let referenceOutcomes = ref.labels.map { ZeroShot.outcomes(referenceScores, labels: $0, groups: ref.classGroups) }
        let referenceCorrect = referenceOutcomes?.map { $0 == 1 }
        // ATC-MC and ATC-NE: thresholds fitted on one seeded half of the reference, checked on the other.
        let atcSplit = ATC.split(count: ref.embeddings.rows, seed: seeds.labelFree ?? SplitMix64.derive(options.seed, stream: .labelFree))
        let estimators: [ATC.Estimator] = try referenceCorrect.map { correct in
            try ATC.Score.allCases.map { try ATC.fit(score: $0, reference: referenceScores, correct: correct, split: atcSplit) }
        } ?? []
        if estimators.isEmpty { referenceNotes.append(ProbeNote(.referenceUnlabelled)) }
        let distanceReference = options.runDistance
            ? try options.timing.measure("distance: reference") { try Distance.reference(ref.embeddings, options: options.distance, seed: seeds.distance) } : nil
        var linearProbe: LinearProbe.Fitted?
        if options.runLinearProbe, let labels = ref.labels {
            linearProbe = try options.timing.measure("linear probe: fit") {
                try LinearProbe.fit(
                    reference: ref.embeddings, labels: labels, classCount: head.rows, options: options.linearProbe, seed: seeds.linearProbe)
            }
            if linearProbe == nil { referenceNotes.append(ProbeNote(.linearProbeTooFew)) }
        }
        let domains = [reference] + shifts
        func probeDomain(_ index: Int) throws -> ModelDomainProbes {
            let domain = domains[index]
            let isReference = index == 0
            var notes = isReference ? referenceNotes : shiftNotes[index - 1]
            let clean = isReference ? ref : cleanShifts[index - 1]
            var results = ProbeResults()
            guard clean.embeddings.rows >= 1 else {
                results.notes = notes + [ProbeNote(.noUsableEmbedding)]
                return ModelDomainProbes(model: model, domain: domain.name, results: results)
            }
            let (scores, directions) = isReference ? (referenceScores, referenceDirections) : try scoresAndDirections(clean)
            results.zeroShot = isReference
                ? referenceZeroShot : ZeroShot.result(scores: scores, labels: clean.labels, classCount: head.rows, groups: clean.classGroups, paths: clean.paths)
            if !isReference, let labels = clean.labels, let referenceOutcomes {
                results.zeroShot?.differenceFromReference = options.timing.measure("bootstrap") {
                    Statistics.bootstrapDifferenceOfMeans(
                        referenceOutcomes, ZeroShot.outcomes(scores, labels: labels, groups: clean.classGroups), resamples: options.bootstrapResamples,
                        seed: SplitMix64.derive(seeds.bootstrap, index: index))
                }
            }
            var outliers = isReference ? referenceOutliers
                : try options.timing.measure("outliers") {
                    try Outliers.analyze(clean.embeddings, threshold: options.outlierThreshold, topK: options.outlierTopK)
                }
            if !isReference { outliers.jaccardWithReference = Outliers.jaccard(outliers.topDimensions, referenceOutliers.topDimensions) }
            results.outliers = outliers
            results.directions = directions
            if isReference, let concepts {
                if concepts.similarities.rows == reference.embeddings.rows, ref.embeddings.rows == reference.embeddings.rows {
                    do {
                        results.concepts = try options.timing.measure("concepts") {
                            try Concepts.analyze(
                                activations: clean.embeddings, similarities: concepts.similarities, conceptNames: concepts.names,
                                threshold: options.conceptThreshold, permutations: options.conceptPermutations, level: options.conceptLevel,
                                minimumImages: options.conceptMinimumImages, maximumImages: options.conceptMaximumImages,
                                seed: seeds.concepts ?? SplitMix64.derive(options.seed, stream: .concepts))
                        }
                    } catch ProbesError.invalid {
                        // The concept probe's `.invalid` errors: too few images, no concept, too few permutations.
                        notes.append(ProbeNote(.conceptProbeTooFew, count: clean.embeddings.rows))
                    }
                } else {
                    notes.append(ProbeNote(.conceptSimilaritiesMismatch))
                }
            }
            let correct = clean.labels.map { ZeroShot.outcomes(scores, labels: $0, groups: clean.classGroups).map { $0 == 1 } }
            let checkRows = isReference ? atcSplit.checkRows : nil
            let estimates = estimators.compactMap { ATC.result($0, scores: scores, correct: correct, rows: checkRows) }
            if !estimates.isEmpty { results.labelFree = estimates }
            if let mc = estimates.first(where: { $0.score == .maxConfidence }) {
                results.atc = ATCResult(threshold: mc.threshold, estimate: mc.estimate, actualAccuracy: mc.actualAccuracy, error: mc.error)
            }
            if let correct {
                results.calibration = try options.timing.measure("calibration") {
                    try Calibration.analyze(
                        confidences: scores.confidences, correct: correct, bins: options.calibrationBins,
                        resamples: options.calibrationResamples, seed: SplitMix64.derive(seeds.calibration ?? SplitMix64.derive(options.seed, stream: .calibration), index: index))
                }
            }
            if !isReference, let distanceReference {
                let seed = SplitMix64.derive(seeds.distance, index: index)
                results.distance = try options.timing.measure("distance (total)") {
                    try Distance.result(reference: distanceReference, embeddings: clean.embeddings, options: options.distance, seed: seed, timing: options.timing)
                }
                if clean.embeddings.rows < 2 { notes.append(ProbeNote(.singleImageDistance)) }
            }
            if let linearProbe, let labels = clean.labels {
                results.linearProbe = options.timing.measure("linear probe: evaluate") {
                    guard isReference else {
                        return LinearProbe.result(linearProbe, embeddings: clean.embeddings, labels: labels, groups: clean.classGroups)
                    }
                    let test = linearProbe.testRows
                    return LinearProbe.result(
                        linearProbe, embeddings: clean.embeddings.selectingRows(test), labels: test.map { labels[$0] }, groups: clean.classGroups)
                }
            }
            if options.runFewShot, let labels = clean.labels, let correct {
                let (curve, note) = try options.timing.measure("few-shot curve") {
                    try FewShot.curve(
                        embeddings: clean.embeddings, labels: labels, zeroShotCorrect: correct, groups: clean.classGroups,
                        options: options.fewShot, linearProbe: options.linearProbe,
                        seed: SplitMix64.derive(seeds.fewShot ?? SplitMix64.derive(options.seed, stream: .fewShot), index: index))
                }
                results.fewShot = curve
                if let note { notes.append(note) }
            }
            if let labels = clean.labels, Set(labels).count == 1 { notes.append(ProbeNote(.singleLabel)) }
            results.notes = notes
            return ModelDomainProbes(model: model, domain: domain.name, results: results)
        }

        // Domains are independent: deal them round-robin over Tensor's pool. Products inside
        // a domain then run on the calling thread (the pool does not nest), so both cores
        // also share the single-threaded parts (eigenvalues, argmax, fits). Results do not
        // depend on the split.
        var slots = [Result<ModelDomainProbes, Error>?](repeating: nil, count: domains.count)
        slots.withUnsafeMutableBufferPointer { buffer in
            let out = buffer.baseAddress!
            let body: (Int, Int) -> Void = { participant, participants in
                var index = participant
                while index < domains.count {
                    out[index] = Result { try probeDomain(index) }
                    index += participants
                }
            }
            if domains.count > 1, options.parallelDomains { ThreadPool.shared.run(body) } else { body(0, 1) }
        }
        var probes = try slots.map { try $0!.get() }
        if let prompts {
            guard prompts.classCount == head.rows else {
                throw ProbesError.shape("prompts for \(prompts.classCount) classes but the head has \(head.rows)")
            }
            let results = try options.timing.measure("prompts") {
                try Prompts.analyze(prompts, domains: [ref] + cleanShifts, resamples: options.bootstrapResamples,
                                    seed: seeds.prompts ?? SplitMix64.derive(options.seed, stream: .prompts))
            }
            for index in probes.indices { probes[index].results.prompts = results[index] }
        }
        if let names {
            guard names.classCount == head.rows else {
                throw ProbesError.shape("candidate names for \(names.classCount) classes but the head has \(head.rows)")
            }
            let results = try options.timing.measure("names") {
                try Names.analyze(names, domains: [ref] + cleanShifts, resamples: options.bootstrapResamples,
                                  seed: seeds.names ?? SplitMix64.derive(options.seed, stream: .names))
            }
            for index in probes.indices { probes[index].results.names = results[index] }
        }
        // What an unlabelled domain's estimate is worth: each estimator's errors where labels exist.
        let checked = ATC.errorSummary(probes.flatMap { $0.results.labelFree ?? [] })
        if !checked.isEmpty {
            for index in probes.indices where probes[index].results.zeroShot == nil && probes[index].results.labelFree != nil {
                probes[index].results.labelFreeErrors = checked
            }
        }
        return probes
    }

    /// `body(i)` for every `i` in `0..<count` — typically one model's whole suite — spread
    /// over Tensor's pool one item per thread at a time (each item's own products and
    /// domains then run on its thread), results in index order. Models are independent and
    /// each keeps both cores busy only in its products, so whole models per thread use the
    /// cores better than domains per thread. A single item runs on the caller with the pool
    /// free for its domains. The first error thrown (by index) is rethrown.
    package static func concurrentMap<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard count > 1 else { return try (0..<count).map(body) }
        var slots = [Result<T, Error>?](repeating: nil, count: count)
        slots.withUnsafeMutableBufferPointer { buffer in
            let out = buffer.baseAddress!
            let queue = ThreadPool.WorkQueue(count: count)
            ThreadPool.shared.run { _, _ in
                while let index = queue.take() { out[index] = Result { try body(index) } }
            }
        }
        return try slots.map { try $0!.get() }
    }

    /// Effective-robustness points of one model from its probe results; `baselines` maps a
    /// shift's domain name to its baseline fit (absent: relative accuracy and drop only).
    ///
    /// With `intervalSeed`, each point also gets its 95 % bootstrap intervals
    /// (`EffectiveRobustnessProbe.interval`, `intervalResamples` resamples, the seed derived from
    /// `intervalSeed` and the domain's position in `probes`), resampling the fit's points, or
    /// for a shift without a fit the points of `unfitted` (which then only say why there is no line).
    package static func effectiveRobustness(
        model: String, referenceDomain: String, probes: [ModelDomainProbes], baselines: [String: BaselineFit] = [:],
        unfitted: [String: [BaselinePoint]] = [:], intervalSeed: UInt64? = nil, intervalResamples: Int = 1000
    ) -> EffectiveRobustness {
        let own = probes.filter { $0.model == model }
        guard let reference = own.first(where: { $0.domain == referenceDomain })?.results.zeroShot else {
            return EffectiveRobustness(model: model, points: [])
        }
        let referenceCounts = reference.count > 0 ? AccuracyCounts(correct: reference.top1Correct, total: reference.count) : nil
        let points = own.enumerated().compactMap { index, entry -> RobustnessPoint? in
            guard entry.domain != referenceDomain, let zeroShot = entry.results.zeroShot else { return nil }
            var point = EffectiveRobustnessProbe.point(
                domain: entry.domain, referenceAccuracy: reference.top1, accuracy: zeroShot.top1, fit: baselines[entry.domain],
                referenceCounts: referenceCounts)
            if let intervalSeed, let referenceCounts, zeroShot.count > 0 {
                point.intervals = EffectiveRobustnessProbe.interval(
                    reference: referenceCounts, shift: AccuracyCounts(correct: zeroShot.top1Correct, total: zeroShot.count),
                    baseline: baselines[entry.domain]?.points ?? unfitted[entry.domain] ?? [], resamples: intervalResamples,
                    seed: SplitMix64.derive(intervalSeed, index: index))
            }
            return point
        }
        return EffectiveRobustness(model: model, points: points)
    }

    /// Verdicts for every model × domain and per model.
    package static func verdicts(
        probes: [ModelDomainProbes], referenceDomain: String, robustness: [EffectiveRobustness], criteria: Criteria
    ) -> Verdicts {
        var shifts = [ShiftVerdict]()
        var models = [String]()
        for entry in probes {
            if !models.contains(entry.model) { models.append(entry.model) }
            let referenceAccuracy = probes.first { $0.model == entry.model && $0.domain == referenceDomain }?.results.zeroShot?.top1
            let point = robustness.first { $0.model == entry.model }?.points.first { $0.domain == entry.domain }
            shifts.append(Verdict.shift(
                model: entry.model, domain: entry.domain, isReference: entry.domain == referenceDomain, probes: entry.results,
                referenceAccuracy: referenceAccuracy, robustness: point, criteria: criteria))
        }
        return Verdicts(models: models.map { Verdict.model($0, shifts: shifts) }, shifts: shifts)
    }

    /// Whether every one of `count` values is finite: `x · 0` is ±0 for a finite x and NaN for
    /// an infinite or NaN one, so a sum of them in vector lanes is finite exactly when all are.
    @inline(__always)
    static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        typealias Lanes = SIMD16<Float>
        var sums = Lanes()
        let raw = UnsafeRawPointer(x)
        var j = 0
        while j + Lanes.scalarCount <= count {
            sums += raw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self) * 0
            j += Lanes.scalarCount
        }
        var total = sums.sum()
        while j < count {
            total += x[j] * 0
            j += 1
        }
        return total.isFinite
    }

    /// Drops rows with a non-finite value (and their labels), noting how many.
    static func sanitize(_ domain: DomainEmbeddings, head: Matrix<Float>, notes: inout [ProbeNote]) throws -> DomainEmbeddings {
        guard domain.embeddings.columns == head.columns else {
            throw ProbesError.shape("domain '\(domain.name)' has \(domain.embeddings.columns) dimensions but the head has \(head.columns)")
        }
        if let labels = domain.labels {
            guard labels.count == domain.embeddings.rows else {
                throw ProbesError.shape("domain '\(domain.name)' has \(labels.count) labels for \(domain.embeddings.rows) embeddings")
            }
            if let bad = labels.first(where: { $0 < 0 || $0 >= head.rows }) {
                throw ProbesError.invalid("domain '\(domain.name)' has label \(bad), outside the head's classes 0..<\(head.rows)")
            }
        }
        if let paths = domain.paths, paths.count != domain.embeddings.rows {
            throw ProbesError.shape("domain '\(domain.name)' has \(paths.count) paths for \(domain.embeddings.rows) embeddings")
        }
        if let groups = domain.classGroups, groups.count != head.rows {
            throw ProbesError.shape("domain '\(domain.name)' has \(groups.count) class groups for a head of \(head.rows) classes")
        }
        let d = domain.embeddings.columns
        let keep = domain.embeddings.values.withUnsafeBufferPointer { x in
            (0..<domain.embeddings.rows).filter { i in allFinite(x.baseAddress! + i * d, count: d) }
        }
        guard keep.count < domain.embeddings.rows else { return domain }
        let dropped = domain.embeddings.rows - keep.count
        notes.append(ProbeNote(.nonfiniteEmbeddings, count: dropped))
        return DomainEmbeddings(
            name: domain.name, embeddings: domain.embeddings.selectingRows(keep), labels: domain.labels.map { l in keep.map { l[$0] } },
            classGroups: domain.classGroups, paths: domain.paths.map { p in keep.map { p[$0] } })
    }
}
