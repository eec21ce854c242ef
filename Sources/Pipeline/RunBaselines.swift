import Foundation
import Probes
import Results
import Support

/// The effective-robustness baselines of one run: per shift domain, the points the
/// logit-space line is fitted on, and the fit.
///
/// A shift's own points are
/// 1. the models of the pilot marked `"baseline": true`, at the (reference, shift) top-1 they
///    reach in this run — on the pilot's images, like the candidates they are compared with;
/// 2. the rows of the pilot's `baselines` CSV for the shift, except rows naming a model of (1)
///    (compared case-insensitively): the measured point replaces such a row, so no model
///    counts twice.
///
/// When the own points make a line (at least 2, at two or more reference accuracies), the line
/// is theirs. Otherwise the shift falls back to the `fallback` points (for ImageNet pilots the
/// published testbed, see `ProbeRunner.baselineSources`); the own points are then not mixed in,
/// since a line through a few pilot points and public test-set points would join two image
/// samples. With no line at all the shift reports relative accuracy and drop only.
struct RunBaselines {
    /// Source recorded on the points of models marked baseline.
    let measuredSource: String
    var own: [String: [EffectiveRobustnessProbe.BaselinePoint]] = [:]
    var fallback: [String: [EffectiveRobustnessProbe.BaselinePoint]] = [:]

    init(specFileName: String) {
        measuredSource = EffectiveRobustnessProbe.measuredSource(specFileName: specFileName)
    }

    /// Adds CSV points (their `source` set to `source`), keeping out models already measured.
    mutating func addCSV(_ points: [String: [EffectiveRobustnessProbe.BaselinePoint]], source: String) {
        for (domain, list) in points {
            let measured = Set((own[domain] ?? []).filter { $0.source == measuredSource }.map { $0.model.lowercased() })
            own[domain, default: []] += list.filter { !measured.contains($0.model.lowercased()) }.map { point in
                var point = point
                point.source = source
                return point
            }
        }
    }

    /// Adds the measured point of a model marked baseline, replacing a CSV row of the same model.
    /// With the image counts, the fit uses the point's empirical logits.
    mutating func addMeasured(model: String, point: RobustnessPoint, referenceCounts: AccuracyCounts? = nil, counts: AccuracyCounts? = nil) {
        var list = own[point.domain] ?? []
        list.removeAll { $0.model.lowercased() == model.lowercased() && $0.source != measuredSource }
        list.append(.init(model: model, referenceAccuracy: point.referenceAccuracy, accuracy: point.accuracy, source: measuredSource,
                          referenceCounts: referenceCounts, counts: counts))
        own[point.domain] = list
    }

    /// The fit per shift domain. Each domain's bootstrap seed derives from `seed` and the
    /// domain's position among all domains with points, sorted by name.
    func fits(seed: UInt64) -> [String: BaselineFit] {
        var fits: [String: BaselineFit] = [:]
        let domains = Set(own.keys).union(fallback.keys).sorted()
        for (index, domain) in domains.enumerated() {
            let domainSeed = SplitMix64.derive(seed, index: index)
            if let fit = Self.fit(own[domain] ?? [], seed: domainSeed) ?? Self.fit(fallback[domain] ?? [], seed: domainSeed) {
                fits[domain] = fit
            }
        }
        return fits
    }

    /// For each shift with points but no fit, the points that were tried (the own points, or the
    /// fallback when there are none), so its ER can say why there is no line.
    func unfitted(_ fits: [String: BaselineFit]) -> [String: [EffectiveRobustnessProbe.BaselinePoint]] {
        var out: [String: [EffectiveRobustnessProbe.BaselinePoint]] = [:]
        for domain in Set(own.keys).union(fallback.keys) where fits[domain] == nil {
            out[domain] = own[domain].flatMap { $0.isEmpty ? nil : $0 } ?? fallback[domain] ?? []
        }
        return out
    }

    /// The line through `points`, its source the distinct sources in order of first use; `nil`
    /// with fewer than 2 points or a single reference accuracy.
    static func fit(_ points: [EffectiveRobustnessProbe.BaselinePoint], seed: UInt64) -> BaselineFit? {
        guard points.count >= 2 else { return nil }
        var sources: [String] = []
        for source in points.compactMap(\.source) where !sources.contains(source) { sources.append(source) }
        return EffectiveRobustnessProbe.fit(baseline: points, source: sources.joined(separator: ", "), seed: seed)
    }
}
