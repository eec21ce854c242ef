import Foundation
import Results

/// The guardrails' rules and thresholds, each a pure function of stored results.
package enum Guardrails {
    /// Below this many images a domain's intervals (Clopper–Pearson, bootstrap, AUC) are too
    /// wide to support a decision, and the percentile bootstrap itself is unreliable.
    static let minimumImages = 30
    /// Below this many images of a class, its per-class accuracy can only be 0, 20, … 100 %.
    static let minimumPerClass = 5
    /// Fewer training rows of a class than this and a multinomial logistic regression mostly
    /// memorises: the probe's accuracy says little about the representation.
    static let minimumTrainingRowsPerClass = 5

    /// `chanceLevelAccuracy` when the lower end of top-1's 95 % interval is at or below
    /// chance, `chance` = 1/C for C classes unless the caller knows better (ObjectNet's groups).
    static func chanceLevel(model: String, domain: String, zeroShot: ZeroShotResult, chance: Double? = nil) -> Guardrail? {
        let level = chance ?? 1 / Double(max(zeroShot.perClass.count, 1))
        guard zeroShot.top1CI.lower <= level else { return nil }
        return Guardrail(code: .chanceLevelAccuracy, model: model, domain: domain, value: zeroShot.top1, limit: level)
    }

    /// The size guardrails of one domain: too few images, or (labelled) a class present with too
    /// few images. `classCounts` are the images per class (classes without images are ignored).
    static func domainSize(domain: String, imageCount: Int, classCounts: [Int]?) -> [Guardrail] {
        var flags: [Guardrail] = []
        if imageCount < minimumImages {
            flags.append(Guardrail(code: .domainTooFewImages, domain: domain, value: Double(imageCount), limit: Double(minimumImages)))
        }
        if let smallest = classCounts?.filter({ $0 > 0 }).min(), smallest < minimumPerClass {
            flags.append(Guardrail(code: .domainTooFewPerClass, domain: domain, value: Double(smallest), limit: Double(minimumPerClass)))
        }
        return flags
    }

    /// `linearProbeFewRows` when a class had fewer than `minimumTrainingRowsPerClass` training
    /// rows: judged on `smallestClassRows` when known, else on the mean over `classCount` classes.
    package static func linearProbe(model: String, domain: String, trainCount: Int, classCount: Int, smallestClassRows: Int? = nil) -> Guardrail? {
        let rows = smallestClassRows.map(Double.init) ?? Double(trainCount) / Double(max(classCount, 1))
        guard rows < Double(minimumTrainingRowsPerClass) else { return nil }
        return Guardrail(code: .linearProbeFewRows, model: model, domain: domain, value: rows, limit: Double(minimumTrainingRowsPerClass))
    }

    /// `referenceFailsCriteria` for every model whose reference verdict is `fail`, plus
    /// `noConclusionAboutShift` when that is every model with a reference verdict.
    static func referenceFailures(referenceDomain: String, verdicts: [ShiftVerdict]) -> [Guardrail] {
        let reference = verdicts.filter { $0.domain == referenceDomain }
        let failing = reference.filter { $0.status == .fail }
        var flags = failing.map { Guardrail(code: .referenceFailsCriteria, model: $0.model, domain: referenceDomain) }
        if !reference.isEmpty, failing.count == reference.count { flags.append(Guardrail(code: .noConclusionAboutShift)) }
        return flags
    }

    /// Every guardrail that stored results support: sizes per domain (from the first model's
    /// probes, the same images for every model), chance level and the linear probe per model ×
    /// domain, reference failures. `chance` overrides 1/C per domain.
    package static func evaluate(
        probes: [ModelDomainProbes], domains: [DomainSummary], referenceDomain: String, verdicts: [ShiftVerdict],
        chance: [String: Double] = [:]
    ) -> [Guardrail] {
        var flags: [Guardrail] = []
        for domain in domains {
            let zeroShot = probes.first { $0.domain == domain.name }?.results.zeroShot
            flags += domainSize(domain: domain.name, imageCount: domain.imageCount, classCounts: zeroShot?.perClass.map(\.count))
        }
        for entry in probes {
            if let zeroShot = entry.results.zeroShot,
               let flag = chanceLevel(model: entry.model, domain: entry.domain, zeroShot: zeroShot, chance: chance[entry.domain]) {
                flags.append(flag)
            }
            if entry.domain == referenceDomain, let probe = entry.results.linearProbe, let zeroShot = entry.results.zeroShot,
               let flag = linearProbe(model: entry.model, domain: entry.domain, trainCount: probe.trainCount, classCount: zeroShot.perClass.filter { $0.count > 0 }.count) {
                flags.append(flag)
            }
        }
        return flags + referenceFailures(referenceDomain: referenceDomain, verdicts: verdicts)
    }
}
