import CLIP
import Embeddings
import Foundation
import ImageCodec
import Pilot
import Probes
import Results
import Support
import Tensor

/// Runs the probe suite for every model of a run and assembles the parts of
/// `RunResults` that come from it: per model × domain probes, effective robustness
/// against the baselines, verdicts and the domain summaries (with skipped images).
struct ProbeRunner {
    let spec: PilotSpec
    let classes: ClassList
    let assets: Assets
    let scanned: [ScannedDomain]
    let tokenizer: Tokenizer
    let store: EmbeddingStore
    let progress: ProgressReporter

    struct Analysis {
        var domains: [DomainSummary]
        var probes: [ModelDomainProbes]
        var robustness: [EffectiveRobustness]
        var verdicts: Verdicts
        var guardrails: [Guardrail]
        var labelsNeeded: [LabelsNeeded]
        var stages: StageResults?
    }

    /// One model's probe results on the domains that share a class subset.
    struct GroupProbes {
        var model: String
        var subset: PilotSpec.ClassSubset?
        var results: [ModelDomainProbes]
    }

    func run(_ models: [EncodedModel]) throws -> Analysis {
        var options = ProbeOptions()
        options.seed = spec.probes.seed
        options.outlierThreshold = spec.probes.outlierThreshold
        options.conceptThreshold = spec.probes.conceptThreshold
        options.runLinearProbe = spec.probes.linearProbe
        options.runFewShot = spec.probes.fewShot
        options.fewShot.draws = spec.probes.fewShotDraws
        options.fewShot.maxShots = spec.probes.fewShotMaxShots
        options.fewShot.maxClasses = spec.probes.fewShotMaxClasses
        let referenceName = spec.referenceDomain.name
        let usable = scanned.filter { $0.problem == nil }
        // Read before the probes, so that a malformed CSV stops the run early.
        var baselines = try baselineSources()

        // 1. Probes. Domains sharing a class subset are probed together with the head
        // restricted to that subset and the reference restricted to the same classes.
        var groups: [PilotSpec.ClassSubset?: [ScannedDomain]] = [:]
        for domain in usable where domain.spec.role == .shift { groups[domain.spec.classSubset, default: []].append(domain) }
        if groups[nil] == nil { groups[nil] = [] }
        let orderedGroups = groups.sorted { ($0.key?.rawValue ?? "") < ($1.key?.rawValue ?? "") }
        // Models run concurrently, one per core (see `ProbeSuite.concurrentMap`).
        let probed: [GroupProbes] = try ProbeSuite.concurrentMap(models.count) { index in
            let model = models[index]
            let started = Date()
            var domainCount = 0
            var modelGroups: [GroupProbes] = []
            let prompts = try promptsInput(model)
            let names = try namesInput(model)
            for (subset, shifts) in orderedGroups {
                let keep = try subset.map { try ClassList.subsetIndices($0, of: classes, assets: assets) }
                let head = try headMatrix(model.head, keeping: keep)
                let reference = try domainEmbeddings(referenceName, model: model, keeping: keep)
                // ObjectNet: a prediction is right when it is any ImageNet class of the image's
                // ObjectNet class; the reference keeps exact-class scoring ("val-on-objectnet-classes").
                let classGroups = subset == .objectnet ? try ObjectNetClasses.load(assets: assets).groups : nil
                let shiftInputs = try shifts.map { shift in
                    var input = try domainEmbeddings(shift.spec.name, model: model, keeping: keep)
                    input.classGroups = classGroups
                    return input
                }
                let concepts = subset == nil ? try conceptInput(model, reference: reference) : nil
                let groupPrompts = try keep.map { try prompts?.keepingClasses($0) } ?? prompts
                let groupNames = try keep.map { try names?.keepingClasses($0) } ?? names
                var results = try ProbeSuite.run(
                    model: model.entry.name, head: head, reference: reference, shifts: shiftInputs, concepts: concepts,
                    prompts: groupPrompts, names: groupNames, options: options)
                if let keep { results = Self.withPilotClassIndices(results, kept: keep) }
                modelGroups.append(GroupProbes(model: model.entry.name, subset: subset, results: results))
                domainCount += results.count - (subset == nil ? 0 : 1)
            }
            progress.finish("\(model.entry.name): probes on \(domainCount) domains in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            return modelGroups
        }.flatMap { $0 }

        // 2. Baseline fits: the models marked baseline are points beside the CSV's.
        for group in probed where models.contains(where: { $0.entry.name == group.model && $0.entry.baseline }) {
            let reference = group.results.first { $0.domain == referenceName }?.results.zeroShot
            for point in ProbeSuite.effectiveRobustness(model: group.model, referenceDomain: referenceName, probes: group.results).points {
                let shift = group.results.first { $0.domain == point.domain }?.results.zeroShot
                baselines.addMeasured(model: group.model, point: point, referenceCounts: reference.flatMap(Self.counts),
                                      counts: shift.flatMap(Self.counts))
            }
        }
        let fits = baselines.fits(seed: spec.probes.seed &+ 0xBA5E)
        let unfitted = baselines.unfitted(fits)

        // 3. Effective robustness against those fits, and verdicts.
        var probes: [ModelDomainProbes] = []
        var robustness: [EffectiveRobustness] = []
        var shiftVerdicts: [ShiftVerdict] = []
        var labelsNeeded: [LabelsNeeded] = []
        let criteria = Self.criteria(spec)
        let stages = spec.stages.map { StageDefinition(name: $0.name, criteria: Self.criteria($0.criteria)) }
        var stageShiftVerdicts = [[ShiftVerdict]](repeating: [], count: stages.count)
        let order = spec.domains.map(\.name)
        let intervalSeed = SplitMix64.derive(spec.probes.seed, stream: .effectiveRobustness)
        for (modelIndex, model) in models.enumerated() {
            var modelProbes: [ModelDomainProbes] = []
            var points: [RobustnessPoint] = []
            for (groupIndex, group) in probed.enumerated() where group.model == model.entry.name {
                let groupRobustness = ProbeSuite.effectiveRobustness(
                    model: group.model, referenceDomain: referenceName, probes: group.results, baselines: fits, unfitted: unfitted,
                    intervalSeed: SplitMix64.derive(SplitMix64.derive(intervalSeed, index: modelIndex), index: groupIndex))
                let groupVerdicts = ProbeSuite.verdicts(probes: group.results, referenceDomain: referenceName, robustness: [groupRobustness], criteria: criteria)
                for var entry in group.results where group.subset == nil || entry.domain != referenceName {
                    if var curve = entry.results.fewShot {
                        FewShot.assess(&curve, minAccuracy: criteria.minAccuracy)
                        entry.results.fewShot = curve
                    }
                    modelProbes.append(entry)
                }
                points += groupRobustness.points
                let groupShiftVerdicts = groupVerdicts.shifts.filter { group.subset == nil || $0.domain != referenceName }
                shiftVerdicts += groupShiftVerdicts
                for (stageIndex, stage) in stages.enumerated() {
                    stageShiftVerdicts[stageIndex] += ProbeSuite.verdicts(
                        probes: group.results, referenceDomain: referenceName, robustness: [groupRobustness], criteria: stage.criteria
                    ).shifts.filter { group.subset == nil || $0.domain != referenceName }
                }
                // Within the group, so that the relative drop compares with the reference on the same classes.
                labelsNeeded += SampleSize.evaluate(probes: group.results, referenceDomain: referenceName, verdicts: groupShiftVerdicts, criteria: criteria)
            }
            modelProbes.sort { (order.firstIndex(of: $0.domain) ?? 0) < (order.firstIndex(of: $1.domain) ?? 0) }
            probes += modelProbes
            robustness.append(EffectiveRobustness(model: model.entry.name, points: points.sorted { (order.firstIndex(of: $0.domain) ?? 0) < (order.firstIndex(of: $1.domain) ?? 0) }))
        }
        shiftVerdicts.sort { ($0.model, order.firstIndex(of: $0.domain) ?? 0) < ($1.model, order.firstIndex(of: $1.domain) ?? 0) }
        let candidates = models.filter { !$0.entry.baseline }.map(\.entry.name)
        let verdicts = Verdicts(
            models: candidates.map { Verdict.model($0, shifts: shiftVerdicts) },
            shifts: shiftVerdicts.filter { candidates.contains($0.model) })
        let domains = try domainSummaries(models)
        // Chance on an ObjectNet domain: a guess among the 125 classes lands in the image's group
        // about once in 113 (its number of groups), not once in 125.
        let objectNetGroups = try spec.domains.contains { $0.classSubset == .objectnet }
            ? Set(ObjectNetClasses.load(assets: assets).groups).count : 0
        let chance = Dictionary(uniqueKeysWithValues: spec.domains.filter { $0.classSubset == .objectnet && $0.role == .shift }
            .map { ($0.name, 1 / Double(max(objectNetGroups, 1))) })
        let guardrails = Guardrails.evaluate(
            probes: probes.filter { candidates.contains($0.model) }, domains: domains, referenceDomain: referenceName,
            verdicts: verdicts.shifts, chance: chance)
        labelsNeeded.sort { ($0.model, order.firstIndex(of: $0.domain) ?? 0) < ($1.model, order.firstIndex(of: $1.domain) ?? 0) }
        return Analysis(domains: domains, probes: probes, robustness: robustness, verdicts: verdicts, guardrails: guardrails,
                        labelsNeeded: labelsNeeded.filter { candidates.contains($0.model) },
                        stages: StagePolicy.evaluate(stages: stages, shiftVerdicts: stageShiftVerdicts, models: candidates))
    }

    /// The pilot's criteria as stored in results.json (`min_effective_robustness` defaults to −0.05).
    static func criteria(_ spec: PilotSpec) -> Criteria { criteria(spec.criteria) }

    /// Criteria as stored in results.json: the pilot's or a stage's.
    static func criteria(_ criteria: PilotSpec.Criteria) -> Criteria {
        Criteria(minAccuracy: criteria.minAccuracy, maxRelativeDrop: criteria.maxRelativeDrop,
                 minEffectiveRobustness: criteria.minEffectiveRobustness)
    }

    static func counts(_ zeroShot: ZeroShotResult) -> AccuracyCounts? {
        zeroShot.count > 0 ? AccuracyCounts(correct: zeroShot.top1Correct, total: zeroShot.count) : nil
    }

    /// The probes of a class-subset group count classes within the subset (the head keeps only
    /// the subset's rows, `kept`, in class-list order); results.json names every class by its
    /// index in the pilot's class list, so per-class results and confusions are mapped back to it.
    static func withPilotClassIndices(_ probes: [ModelDomainProbes], kept: [Int]) -> [ModelDomainProbes] {
        probes.map { entry in
            var entry = entry
            if var zeroShot = entry.results.zeroShot {
                zeroShot.perClass = zeroShot.perClass.map { accuracy in
                    var accuracy = accuracy
                    accuracy.classIndex = kept[accuracy.classIndex]
                    return accuracy
                }
                zeroShot.confusions = zeroShot.confusions?.map { Confusion(trueClass: kept[$0.trueClass], predictedClass: kept[$0.predictedClass], count: $0.count) }
                zeroShot.confidentMistakes = zeroShot.confidentMistakes?.map {
                    ConfidentMistake(path: $0.path, trueClass: kept[$0.trueClass], predictedClass: kept[$0.predictedClass], probability: $0.probability)
                }
                entry.results.zeroShot = zeroShot
            }
            if var chosen = entry.results.names?.chosen {
                chosen.changes = chosen.changes.map { change in
                    var change = change
                    change.classIndex = kept[change.classIndex]
                    return change
                }
                entry.results.names?.chosen = chosen
            }
            return entry
        }
    }

    // MARK: Inputs

    func headMatrix(_ head: Tensor, keeping rows: [Int]?) throws -> Matrix<Float> {
        let full = try Matrix(rows: head.shape[0], columns: head.shape[1], values: head.scalars)
        return rows.map { full.selectingRows($0) } ?? full
    }

    /// A domain's embeddings with labels remapped to the kept classes (images of other classes left out).
    func domainEmbeddings(_ name: String, model: EncodedModel, keeping classes: [Int]?) throws -> DomainEmbeddings {
        guard let domain = model.domains[name] else {
            return DomainEmbeddings(name: name, embeddings: Matrix(zeros: 0, model.dimension), labels: nil)
        }
        let matrix = try Matrix(rows: domain.embeddings.shape[0], columns: model.dimension, values: domain.embeddings.scalars)
        let labelled = !domain.labels.isEmpty && domain.labels.allSatisfy { $0 != nil }
        guard labelled else { return DomainEmbeddings(name: name, embeddings: matrix, labels: nil, paths: domain.paths) }
        let labels = domain.labels.map { $0! }
        guard let classes else { return DomainEmbeddings(name: name, embeddings: matrix, labels: labels, paths: domain.paths) }
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let rows = labels.indices.filter { position[labels[$0]] != nil }
        return DomainEmbeddings(name: name, embeddings: matrix.selectingRows(rows), labels: rows.map { position[labels[$0]]! },
                                paths: rows.map { domain.paths[$0] })
    }

    /// The prompt probe's input (`probes.prompts`): every class × template prompt's text embedding,
    /// read back from the store where the zero-shot head's encoding left them. Nil when the pilot
    /// does not ask for it, when the rows are not in the store, or when they do not make this
    /// model's head (a head imported from `<slug>-head.npy`): the probe must describe the head
    /// every other probe used.
    func promptsInput(_ model: EncodedModel) throws -> Prompts.Input? {
        guard spec.probes.prompts else { return nil }
        var prompts: [String] = []
        for index in classes.names.indices { prompts += classes.prompts(forClass: index) }
        let keys = tokenizer.tokenize(prompts).map(ModelEncoder.promptKey(tokens:))
        guard let rows = try store.table(weightsSHA256: model.sha256, preprocessing: ModelEncoder.textPreprocessingID).rows(keys),
              rows.shape.count == 2, rows.shape[1] == model.dimension else {
            progress.note("! \(model.entry.name): no prompt probe, the prompts' text embeddings are not in the store")
            return nil
        }
        let input = try Prompts.Input(
            templates: classes.templates, textEmbeddings: Matrix(rows: rows.shape[0], columns: rows.shape[1], values: rows.scalars))
        guard let ensemble = try? input.head(), ensemble.values.count == model.head.scalars.count,
              zip(ensemble.values, model.head.scalars).allSatisfy({ abs($0 - $1) <= 1e-5 }) else {
            progress.note("! \(model.entry.name): no prompt probe, the zero-shot head does not come from these prompts")
            return nil
        }
        return input
    }

    /// The name probe's input (`classes.synonyms`): every class × candidate name × template prompt's
    /// text embedding, read back from the store where the encoding left them. Nil without
    /// alternative names, or, as for `promptsInput`, when the rows are not in the store or the
    /// given names do not make this model's head.
    func namesInput(_ model: EncodedModel) throws -> Names.Input? {
        guard classes.hasSynonyms else { return nil }
        let keys = tokenizer.tokenize(classes.candidatePrompts()).map(ModelEncoder.promptKey(tokens:))
        guard let rows = try store.table(weightsSHA256: model.sha256, preprocessing: ModelEncoder.textPreprocessingID).rows(keys),
              rows.shape.count == 2, rows.shape[1] == model.dimension else {
            progress.note("! \(model.entry.name): no name comparison, the alternative names' text embeddings are not in the store")
            return nil
        }
        let input = try Names.Input(
            names: classes.names.indices.map { classes.candidates(forClass: $0) }, templateCount: classes.templates.count,
            textEmbeddings: Matrix(rows: rows.shape[0], columns: rows.shape[1], values: rows.scalars))
        guard let given = try? input.givenHead(), given.values.count == model.head.scalars.count,
              zip(given.values, model.head.scalars).allSatisfy({ abs($0 - $1) <= 1e-5 }) else {
            progress.note("! \(model.entry.name): no name comparison, the zero-shot head does not come from the given names")
            return nil
        }
        return input
    }

    /// The concept probe's similarities: the model's own text tower embeds the concept vocabulary.
    func conceptInput(_ model: EncodedModel, reference: DomainEmbeddings) throws -> ConceptProbeInput? {
        guard let concepts = model.conceptEmbeddings, reference.embeddings.rows > 2 else { return nil }
        let text = try Matrix(rows: concepts.shape[0], columns: concepts.shape[1], values: concepts.scalars)
        let similarities = try Concepts.similarities(imageEmbeddings: reference.embeddings, textEmbeddings: text)
        return ConceptProbeInput(names: model.conceptNames, similarities: similarities)
    }

    // MARK: Baselines

    /// The baseline points known before probing (see `RunBaselines` for which points count):
    /// the pilot's CSV and, for ImageNet pilots, the published standard-model accuracies
    /// shipped in assets/baselines. The models marked baseline are added once probed.
    func baselineSources() throws -> RunBaselines {
        var baselines = RunBaselines(specFileName: spec.file.lastPathComponent)
        if let url = spec.baselines {
            let text = try String(contentsOf: url, encoding: .utf8)
            baselines.addCSV(try EffectiveRobustnessProbe.parseBaselineCSV(text), source: BaselineSource(.csvFile, file: url.lastPathComponent))
        }
        if case .imagenet = spec.classes {
            let url = assets.url("baselines/imagenet-shifts-standard-testbed.csv")
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                for domain in spec.domains where domain.role == .shift {
                    guard let column = domain.classSubset == .objectnet ? "objectnet" : Self.imagenetColumn(domain.name) else { continue }
                    let reference = ["imagenet_r": "imagenet_on_r_classes", "imagenet_a": "imagenet_on_a_classes", "objectnet": "imagenet_on_objectnet_classes"][column] ?? "imagenet"
                    let source = BaselineSource(.testbed, file: BaselineSource.testbedFile)
                    baselines.fallback[domain.name] = try EffectiveRobustnessProbe.parsePercentTable(
                        text, referenceColumn: reference, shiftColumn: column, filterColumn: "imagenet"
                    ).map { .init(model: $0.model, referenceAccuracy: $0.referenceAccuracy, accuracy: $0.accuracy, source: source) }
                }
            }
        }
        return baselines
    }

    /// The testbed column of a shift named like an ImageNet test set, if any.
    static func imagenetColumn(_ name: String) -> String? {
        let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
        switch key {
        case "imagenetv2", "v2", "imagenetv2matchedfrequency": return "imagenet_v2"
        case "imagenetsketch", "sketch": return "imagenet_sketch"
        case "imagenetr", "imagenetrendition", "rendition": return "imagenet_r"
        case "imageneta", "imagenetadversarial": return "imagenet_a"
        case "objectnet": return "objectnet"
        default: return nil
        }
    }

    // MARK: Domains

    func domainSummaries(_ models: [EncodedModel]) throws -> [DomainSummary] {
        let statistics = try imageStatistics(models)
        let reference = scanned.first { $0.spec.role == .reference }.flatMap { statistics[$0.spec.name] }
        return scanned.map { domain in
            var skipped: [SkippedImage] = []
            if let problem = domain.problem { skipped.append(SkippedImage(path: domain.spec.path.lastPathComponent, code: .domainUnusable, reason: problem)) }
            if let scan = domain.scan {
                for (label, count) in scan.unknownLabels.sorted(by: { $0.key < $1.key }) {
                    skipped.append(SkippedImage(path: label, code: .labelUnknown, reason: "\(count) image\(count == 1 ? "" : "s") with a label that is not in the class list"))
                }
                for path in scan.missingFiles { skipped.append(SkippedImage(path: path, code: .fileMissing, reason: "listed in the manifest but not found")) }
                if scan.nonImagesSkipped > 0 {
                    skipped.append(SkippedImage(path: "(\(scan.nonImagesSkipped) files)", code: .notAnImage, reason: "not .jpg, .jpeg or .png"))
                }
                if scan.hiddenSkipped > 0 {
                    skipped.append(SkippedImage(path: "(\(scan.hiddenSkipped) entries)", code: .hiddenFile, reason: "hidden files and folders are skipped"))
                }
            }
            let encoded = models.first?.domains[domain.spec.name]
            for failure in encoded?.failures ?? [] {
                skipped.append(SkippedImage(path: failure.path, code: SkippedImage.Code(failure.cause), reason: failure.reason))
            }
            return DomainSummary(
                name: domain.spec.name, role: domain.spec.role == .reference ? .reference : .shift,
                isLabelled: domain.scan?.isLabeled ?? false, imageCount: encoded?.paths.count ?? 0, skippedImages: skipped,
                imageStatistics: statistics[domain.spec.name].map {
                    ImageStatisticsProbe.summarize($0, reference: domain.spec.role == .shift ? reference : nil)
                })
        }
    }

    /// Each domain's image statistics from the store's statistics table, over the images the first
    /// model embedded; a domain with none of them there (imported embeddings) has none.
    func imageStatistics(_ models: [EncodedModel]) throws -> [String: ImageStatisticsProbe.Sample] {
        guard let first = models.first else { return [:] }
        let table = try store.imageStatistics()
        var samples: [String: ImageStatisticsProbe.Sample] = [:]
        for (name, domain) in first.domains {
            var sample = ImageStatisticsProbe.Sample(imageCount: 0, values: [:], grayscale: 0)
            for key in domain.keys {
                guard let row = table.row(key), let image = ImageStatistics(row: row) else { continue }
                sample.imageCount += 1
                sample.grayscale += image.isGrayscale ? 1 : 0
                let values: [(ImageStatisticsSummary.Measure, Double?)] = [
                    (.brightness, image.brightness), (.contrast, image.contrast), (.saturation, image.saturation),
                    (.sharpness, image.sharpness), (.width, Double(image.width)), (.height, Double(image.height)),
                    (.aspectRatio, image.aspectRatio), (.jpegQuality, image.jpegQuality.map(Double.init)),
                ]
                for case let (measure, value?) in values { sample.values[measure, default: []].append(value) }
            }
            if sample.imageCount > 0 { samples[name] = sample }
        }
        return samples
    }
}

extension SkippedImage.Code {
    /// The code of an image the encoding pipeline could not use.
    package init(_ cause: EncodingPipeline.Failure.Cause) {
        switch cause {
        case .unreadable: self = .imageUnreadable
        case .undecodable(nil): self = .imageError
        case .undecodable(.truncated?): self = .imageTruncated
        case .undecodable(.corrupt?): self = .imageCorrupt
        case .undecodable(.unsupported?): self = .imageUnsupported
        case .undecodable(.tooLarge?): self = .imageTooLarge
        case .undecodable(.exceedsMemory?): self = .imageMemoryLimit
        case .undecodable(.unknownFormat?): self = .imageUnknownFormat
        }
    }
}
