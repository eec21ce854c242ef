import Foundation
@testable import Results
@testable import Site

/// A small, hand-made run with every kind of content the pages show: three evaluated models
/// and one baseline model, a reference, two labelled shifts and an unlabelled one, skipped
/// images, notes, and hostile text (a class named `<script>…`, a title with quotes).
/// Numbers come from a fixed linear congruential sequence so the run is the same everywhere.
enum SiteFixture {
    static let hostileClass = "<script>alert(1)</script>"
    static let quotedTitle = "Line 3 — \"lighting\" & 'camera' <change>"

    struct Sequence {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static let classNames = [hostileClass, "tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray"]

    static func results(language: String = "en", runID: String = "2026-11-26T1904Z-3f2a", createdAt: String = "2026-11-26T19:04:00Z",
                        title: String = quotedTitle, accuracyShift: Double = 0) -> RunResults {
        var random = Sequence(state: 42)
        let models = [
            ModelSummary(name: "ViT-B/32 LAION-2B", sha256: String(repeating: "ab", count: 32), family: "ViT-B/32", activation: "gelu"),
            ModelSummary(name: "RN50 openai", sha256: String(repeating: "cd", count: 32), family: "RN50", activation: "relu"),
            ModelSummary(name: "ViT-B/16 \"tuned\" <v2>", sha256: String(repeating: "ef", count: 32), family: "ViT-B/16", activation: "quick_gelu"),
            ModelSummary(name: "ResNet-50 supervised", sha256: String(repeating: "01", count: 32), family: "RN50", activation: "relu", isBaseline: true),
        ]
        let domains = [
            DomainSummary(name: "reference", role: .reference, isLabelled: true, imageCount: 400,
                          skippedImages: [SkippedImage(path: "n01440764/broken.jpg", code: .imageTruncated, reason: "truncated file: scan ended early")]),
            DomainSummary(name: "low-light", role: .shift, isLabelled: true, imageCount: 380),
            DomainSummary(name: "sketch", role: .shift, isLabelled: true, imageCount: 350,
                          skippedImages: [SkippedImage(path: "odd <name>.png", code: .imageCorrupt, reason: "corrupt file: CRC mismatch in IDAT")]),
            DomainSummary(name: "camera-2", role: .shift, isLabelled: false, imageCount: 220),
        ]
        let referenceAccuracy: [String: Double] = ["ViT-B/32 LAION-2B": 0.86, "RN50 openai": 0.78, "ViT-B/16 \"tuned\" <v2>": 0.9, "ResNet-50 supervised": 0.8]
        let keep: [String: [String: Double]] = [
            "low-light": ["ViT-B/32 LAION-2B": 0.93, "RN50 openai": 0.84, "ViT-B/16 \"tuned\" <v2>": 0.95, "ResNet-50 supervised": 0.8],
            "sketch": ["ViT-B/32 LAION-2B": 0.71, "RN50 openai": 0.55, "ViT-B/16 \"tuned\" <v2>": 0.77, "ResNet-50 supervised": 0.35],
        ]
        func interval(_ p: Double, _ n: Int) -> Interval {
            let half = 1.96 * (p * (1 - p) / Double(n)).squareRoot()
            return Interval(lower: max(0, p - half), upper: min(1, p + half))
        }
        var probes: [ModelDomainProbes] = []
        var robustness: [EffectiveRobustness] = []
        var shiftVerdicts: [ShiftVerdict] = []
        var modelVerdicts: [ModelVerdict] = []
        let fits: [String: BaselineFit] = [
            "low-light": BaselineFit(sources: [BaselineSource(.testbed, file: BaselineSource.testbedFile)], pointCount: 48, slope: 0.92, intercept: -0.35,
                                     band: stride(from: 0.5, through: 0.96, by: 0.05).map { x in
                                         let z = 0.92 * log(x / (1 - x)) - 0.35
                                         func s(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
                                         return BandPoint(referenceAccuracy: x, fitted: s(z), lower: s(z - 0.12), upper: s(z + 0.12))
                                     }, resamples: 1000, seed: 7),
            "sketch": BaselineFit(sources: [BaselineSource(.testbed, file: BaselineSource.testbedFile)], pointCount: 48, slope: 1.1, intercept: -1.9,
                                  band: [], resamples: 1000, seed: 7),
        ]
        for model in models {
            let reference = min(referenceAccuracy[model.name]! + accuracyShift, 0.99)
            var points: [RobustnessPoint] = []
            var worst: VerdictStatus = .pass
            var reasons: [VerdictReason] = []
            for domain in domains {
                var result = ProbeResults()
                let count = domain.imageCount
                let top1: Double
                if domain.role == .reference {
                    top1 = reference
                } else {
                    top1 = reference * (keep[domain.name]?[model.name] ?? 0.8)
                }
                let ratios: [Double] = (0..<96).map { index in
                    let base = 0.6 + 0.8 * random.next()
                    if model.family.hasPrefix("ViT") && index == 17 { return 24.5 }
                    if model.family.hasPrefix("ViT") && index == 58 { return 12.8 }
                    return base
                }
                result.outliers = OutlierResult(threshold: 10, meanAbsActivation: ratios.map { $0 * 0.3 }, ratios: ratios,
                                                count: ratios.filter { $0 >= 10 }.count, dimensions: model.family.hasPrefix("ViT") ? [17, 58] : [],
                                                topDimensions: [17, 58, 3, 9, 40], topK: 5, kurtosisMean: model.family.hasPrefix("ViT") ? 41.7 : 4.2,
                                                kurtosisPerDimension: [], jaccardWithReference: domain.role == .reference ? nil : 0.8)
                result.concepts = ConceptResult(threshold: 0.5, conceptCount: 1000, imageCount: 400, uniqueConceptCount: model.family.hasPrefix("ViT") ? 212 : 140,
                                                conceptsPerDimension: [], polysemanticityMean: 1.7, bestConcept: [])
                if domain.isLabelled {
                    let correct = Int((top1 * Double(count)).rounded())
                    var perClass: [ClassAccuracy] = []
                    for index in classNames.indices {
                        let accuracy = min(1, max(0, top1 + (random.next() - 0.5) * 0.4))
                        perClass.append(ClassAccuracy(classIndex: index, count: 50, correct: Int(accuracy * 50), accuracy: accuracy, ci: interval(accuracy, 50)))
                    }
                    let difference = domain.role == .reference ? nil
                        : BootstrapDifference(difference: top1 - reference, ci: Interval(lower: top1 - reference - 0.035, upper: top1 - reference + 0.033), resamples: 1000, seed: 11)
                    result.zeroShot = ZeroShotResult(count: count, top1Correct: correct, top1: top1, top1CI: interval(top1, count), top5Correct: count - 5,
                                                     top5: min(1, top1 + 0.1), top5CI: interval(min(1, top1 + 0.1), count), perClass: perClass,
                                                     differenceFromReference: difference)
                    result.linearProbe = LinearProbeResult(accuracy: min(1, top1 + 0.05), ci: interval(min(1, top1 + 0.05), count), count: count, l2: 0.001,
                                                           candidates: [], trainCount: 200, validationCount: 50, seed: 5)
                }
                if domain.role == .shift {
                    result.atc = ATCResult(threshold: 0.41, estimate: domain.isLabelled ? top1 - 0.02 : reference * 0.88,
                                           actualAccuracy: domain.isLabelled ? top1 : nil, error: domain.isLabelled ? -0.02 : nil)
                    result.distance = DistanceResult(frechet: 12.5 + random.next(), mmd2: 0.0004 + 0.01 * random.next(), mmdBandwidth: 1.1, mmdPValue: 0.002,
                                                     mmdPermutations: 500, mmdSampleSize: 200, frechetSampleSize: 200, auc: 0.6 + 0.3 * random.next(),
                                                     aucFolds: 5, aucSampleSize: 200, seed: 3)
                }
                result.directions = DirectionsResult(singularValues: [3, 2, 1], importance: [1, 0.5, 0.2],
                                                     curve: [0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95].map { p in
                                                         PruningPoint(prunedFraction: p, kept: max(1, Int(((1 - p) * 512).rounded())), accuracy: top1 * (1 - 0.4 * p * p * p))
                                                     },
                                                     coordinateCurve: [0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95].map { p in
                                                         PruningPoint(prunedFraction: p, kept: max(1, Int(((1 - p) * 512).rounded())), accuracy: top1 * (1 - 0.9 * p))
                                                     })
                if model.name == "RN50 openai" && domain.name == "sketch" {
                    result.notes = [ProbeNote(.nonfiniteEmbeddings, count: 3)]
                }
                if model.name == "ViT-B/16 \"tuned\" <v2>" && domain.role == .reference {
                    result.notes = [ProbeNote(.linearProbeTooFew)]
                }
                probes.append(ModelDomainProbes(model: model.name, domain: domain.name, results: result))
                if domain.role == .shift && domain.isLabelled {
                    let fit = fits[domain.name]
                    let expected = fit.map { 1 / (1 + exp(-($0.slope * log(reference / (1 - reference)) + $0.intercept))) }
                    points.append(RobustnessPoint(domain: domain.name, referenceAccuracy: reference, accuracy: top1, relativeAccuracy: top1 / reference,
                                                  drop: reference - top1, baseline: fit, effectiveRobustness: expected.map { top1 - $0 }))
                }
                if domain.role == .shift && !model.isBaseline {
                    let value = domain.isLabelled ? top1 : reference * 0.88
                    let status: VerdictStatus = value < 0.6 ? .fail : (value < 0.7 ? .watch : .pass)
                    var shiftReasons: [VerdictReason] = []
                    if status == .fail {
                        shiftReasons.append(VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: value, limit: 0.7))
                    } else if status == .watch {
                        shiftReasons.append(VerdictReason(code: .accuracyUncertain, status: .watch, value: value, limit: 0.7))
                    } else {
                        shiftReasons.append(VerdictReason(code: .criteriaMet, status: .pass))
                    }
                    shiftVerdicts.append(ShiftVerdict(model: model.name, domain: domain.name, status: status, reasons: shiftReasons))
                    worst = max(worst, status)
                    reasons += shiftReasons.filter { $0.status != .pass }.map { reason in
                        var onDomain = reason
                        onDomain.domain = domain.name
                        return onDomain
                    }
                }
            }
            robustness.append(EffectiveRobustness(model: model.name, points: points))
            if !model.isBaseline { modelVerdicts.append(ModelVerdict(model: model.name, status: worst, reasons: reasons)) }
        }
        return RunResults(pilot: PilotSummary(name: "line3-lighting", title: title, language: language), runID: runID, createdAt: createdAt,
                          toolVersion: "0.1.0", models: models, domains: domains, probes: probes, effectiveRobustness: robustness,
                          verdicts: Verdicts(models: modelVerdicts, shifts: shiftVerdicts),
                          criteria: Criteria(minAccuracy: 0.7, maxRelativeDrop: 0.15), seeds: Seeds(base: 1234))
    }

    static let manifest = Data("{\"inputs\": [], \"tool_version\": \"0.1.0\", \"seeds\": {\"base\": 1234}}\n".utf8)

    /// The package root: the folder holding Package.swift, found from this file's path.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }

    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/SiteTests/Fixtures") }

    /// The pages' view of `results` (with the fixture's class names) in `language`'s catalogue.
    static func context(_ results: RunResults, _ language: String) throws -> PageContext {
        PageContext(run: SiteRun(results: results, classNames: classNames),
                    catalog: try Catalog(language: language, directory: CatalogTests.i18n))
    }

    static func builder(site: URL) throws -> SiteBuilder {
        try SiteBuilder(siteDirectory: site, templatesDirectory: packageRoot.appendingPathComponent("templates"),
                        assetsDirectory: packageRoot.appendingPathComponent("assets"))
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-site-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
