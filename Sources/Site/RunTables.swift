
/// The CSV files of a run (`tables/*.csv`): every table of the pages, in machine form —
/// fractions as decimals with 6 digits (not percentages), English snake_case headers,
/// empty cells for values that are undefined, verdict reasons in `english`.
enum RunTables {
    static func csvFiles(_ run: SiteRun, english: Catalog) throws -> [String: String] {
        let results = run.results
        func number(_ value: Double?, _ digits: Int = 6) -> String {
            guard let value, value.isFinite else { return "" }
            return Fixed.format(value, digits: digits)
        }
        func table(_ columns: [String], _ rows: [[String]]) -> String {
            DataTable(caption: "", columns: columns.map { .init($0) }, rows: rows).csv()
        }
        var files: [String: String] = [:]
        var accuracy: [[String]] = [], perClass: [[String]] = [], outliers: [[String]] = [], pruning: [[String]] = []
        var distance: [[String]] = [], concepts: [[String]] = [], linear: [[String]] = [], atc: [[String]] = []
        for entry in results.probes {
            let r = entry.results
            if let z = r.zeroShot {
                accuracy.append([entry.model, entry.domain, String(z.count), String(z.top1Correct), number(z.top1), number(z.top1CI.lower), number(z.top1CI.upper),
                                 number(z.top5), number(z.top5CI.lower), number(z.top5CI.upper),
                                 number(z.differenceFromReference?.difference), number(z.differenceFromReference?.ci.lower),
                                 number(z.differenceFromReference?.ci.upper)])
                for c in z.perClass {
                    perClass.append([entry.model, entry.domain, String(c.classIndex), run.className(c.classIndex), String(c.count), String(c.correct),
                                     number(c.accuracy), number(c.ci?.lower), number(c.ci?.upper)])
                }
            }
            if let o = r.outliers {
                outliers.append([entry.model, entry.domain, number(o.threshold, 2), String(o.count), o.dimensions.map(String.init).joined(separator: " "),
                                 number(o.kurtosisMean), number(o.jaccardWithReference), number(o.sortedRatios.first)])
            }
            if let d = r.directions {
                for p in d.curve { pruning.append([entry.model, entry.domain, "directions", number(p.prunedFraction, 4), String(p.kept), number(p.accuracy)]) }
                for p in d.coordinateCurve { pruning.append([entry.model, entry.domain, "coordinates", number(p.prunedFraction, 4), String(p.kept), number(p.accuracy)]) }
            }
            if let d = r.distance {
                distance.append([entry.model, entry.domain, number(d.frechet), number(d.mmd2, 8), number(d.mmdPValue), String(d.mmdPermutations),
                                 number(d.auc), String(d.aucFolds), String(d.seed)])
            }
            if let c = r.concepts {
                concepts.append([entry.model, entry.domain, number(c.threshold, 2), String(c.conceptCount), String(c.uniqueConceptCount), number(c.polysemanticityMean)])
            }
            if let l = r.linearProbe {
                linear.append([entry.model, entry.domain, String(l.count), number(l.accuracy), number(l.ci.lower), number(l.ci.upper), number(l.l2, 8), String(l.seed)])
            }
            if let a = r.atc {
                atc.append([entry.model, entry.domain, number(a.threshold), number(a.estimate), number(a.actualAccuracy), number(a.error)])
            }
        }
        files["accuracy"] = table(["model", "domain", "count", "top1_correct", "top1", "top1_ci_lower", "top1_ci_upper", "top5", "top5_ci_lower",
                                   "top5_ci_upper", "difference_from_reference", "difference_ci_lower", "difference_ci_upper"], accuracy)
        files["per_class"] = table(["model", "domain", "class_index", "class_name", "count", "correct", "accuracy", "ci_lower", "ci_upper"], perClass)
        files["outliers"] = table(["model", "domain", "threshold", "count", "dimensions", "kurtosis_mean", "jaccard_with_reference", "max_ratio"], outliers)
        files["pruning"] = table(["model", "domain", "kind", "pruned_fraction", "kept", "accuracy"], pruning)
        files["distance"] = table(["model", "domain", "frechet", "mmd2", "mmd_p_value", "mmd_permutations", "auc", "auc_folds", "seed"], distance)
        files["concepts"] = table(["model", "domain", "threshold", "concept_count", "unique_concept_count", "polysemanticity_mean"], concepts)
        files["linear_probe"] = table(["model", "domain", "count", "accuracy", "ci_lower", "ci_upper", "l2", "seed"], linear)
        files["atc"] = table(["model", "domain", "threshold", "estimate", "actual_accuracy", "error"], atc)
        var robustness: [[String]] = []
        for entry in results.effectiveRobustness {
            for p in entry.points {
                robustness.append([entry.model, p.domain, number(p.referenceAccuracy), number(p.accuracy), number(p.relativeAccuracy), number(p.drop),
                                   number(p.effectiveRobustness), p.baseline?.source ?? "", number(p.baseline?.slope), number(p.baseline?.intercept),
                                   number(p.intervals?.effectiveRobustness?.lower), number(p.intervals?.effectiveRobustness?.upper),
                                   number(p.intervals?.relativeAccuracy?.lower), number(p.intervals?.relativeAccuracy?.upper),
                                   p.intervals?.limitation?.rawValue ?? ""])
            }
        }
        files["effective_robustness"] = table(["model", "domain", "reference_accuracy", "accuracy", "relative_accuracy", "drop",
                                               "effective_robustness", "baseline_source", "baseline_slope", "baseline_intercept",
                                               "effective_robustness_ci_lower", "effective_robustness_ci_upper",
                                               "relative_accuracy_ci_lower", "relative_accuracy_ci_upper", "baseline_limitation"], robustness)
        var verdicts: [[String]] = []
        for v in results.verdicts.models {
            verdicts.append([v.model, "", v.status.rawValue, v.reasons.map(\.code.rawValue).joined(separator: " "),
                             try v.reasons.map {
                                 try $0.code == .criteriaMet ? english.text("reason.criteria_met_all") : english.reasonText($0, withDomain: true)
                             }.joined(separator: " | ")])
        }
        for v in results.verdicts.shifts {
            verdicts.append([v.model, v.domain, v.status.rawValue, v.reasons.map(\.code.rawValue).joined(separator: " "),
                             try v.reasons.map { try english.reasonText($0) }.joined(separator: " | ")])
        }
        files["verdicts"] = table(["model", "domain", "status", "reason_codes", "reasons"], verdicts)
        files["skipped"] = table(["domain", "path", "code", "reason"],
                                 results.domains.flatMap { d in d.skippedImages.map { [d.name, $0.path, $0.code, $0.reason] } })
        return files
    }
}
