import Foundation
import Results

/// Builds the template contexts of every page from stored results, in one language.
///
/// Everything shown comes from `SiteRun` (i.e. `results.json`) and the catalogue; the only
/// operations here are selection, ordering and formatting — no statistic is computed.
struct PageContext {
    let run: SiteRun
    let catalog: Catalog

    var results: RunResults { run.results }

    func t(_ key: String, _ arguments: [String: String] = [:]) throws -> String { try catalog.text(key, arguments) }

    // MARK: Shared pieces

    /// The keys every page's layout uses.
    func layout(title: String, root: String, cssHref: String?, inlineCSS: String?) -> [String: TemplateValue] {
        var page: [String: TemplateValue] = [:]
        page["lang"] = .text(catalog.language)
        page["t"] = catalog.templateValues()
        page["page_title"] = .text(title)
        page["css_href"] = .text(cssHref ?? "")
        page["inline_css"] = inlineCSS.map { .raw(RawHTML($0)) } ?? .text("")
        page["csp"] = .raw(RawHTML(inlineCSS == nil ? SitePaths.csp : SitePaths.packetCSP))
        page["root"] = .text(root)
        page["tool_version"] = .text(results.toolVersion)
        return page
    }

    func status(_ status: VerdictStatus?) throws -> TemplateValue {
        let name = status?.rawValue ?? "none"
        var value: [String: TemplateValue] = [:]
        value["status"] = .text(name)
        value["label"] = .text(try t("verdict.\(name)"))
        value["symbol"] = .text(["pass": "✓", "not_assessed": "?", "watch": "!", "fail": "✗"][name] ?? "–")
        return .dict(value)
    }

    /// A verdict reason in the page's language (`reason.<code>`).
    func reasonText(_ reason: VerdictReason) throws -> String { try catalog.reasonText(reason) }

    /// The language of the messages stored in results.json (skipped-image reasons).
    static let resultsLanguage = "en"

    /// Why an image was skipped: on pages in the results' language the stored reason as
    /// written (it may carry detail its code does not, e.g. where a JPEG scan ended); in
    /// other languages the catalogue's `skip.<code>`.
    func skippedReason(_ image: SkippedImage) throws -> String {
        catalog.language == Self.resultsLanguage ? image.reason : try t("skip.\(image.code.rawValue)")
    }

    /// The notes of one model × domain in the page's language (`note.<code>`); a schema-1
    /// file's notes written without codes are shown as written.
    func noteTexts(_ results: ProbeResults) throws -> [String] {
        try results.uncodedNotes + results.notes.map { try catalog.noteText($0) }
    }

    /// Where a baseline line's points came from, in the page's language; a schema-1 fit's
    /// sentence as that run showed it (as written on English pages and for fits without sources).
    func baselineSource(_ fit: BaselineFit) throws -> String {
        if let stored = fit.storedSource, catalog.language == Self.resultsLanguage || fit.sources.isEmpty { return stored }
        return try catalog.baselineSources(fit.sources)
    }

    func chart(_ chart: Chart, csv: String = "") -> TemplateValue {
        var value: [String: TemplateValue] = [:]
        value["id"] = .text(chart.id)
        value["title"] = .text(chart.title)
        value["svg"] = .raw(chart.svg)
        value["table"] = .raw(chart.table.html())
        value["csv_href"] = .text(csv)
        return .dict(value)
    }

    func link(_ label: String, _ href: String) -> TemplateValue {
        .dict(["label": .text(label), "href": .text(href)])
    }

    var evaluated: [ModelSummary] { run.evaluatedModels }
    var labelledShifts: [DomainSummary] { run.shifts.filter(\.isLabelled) }

    // MARK: Generated sentences

    /// What happens to `model` on `shift`, in full sentences with numbers and intervals.
    func shiftSentences(model: String, shift: DomainSummary) throws -> [String] {
        var sentences: [String] = []
        if let zeroShot = run.zeroShot(model, shift.name) {
            if let point = run.robustness(model, shift.name), let relative = point.relativeAccuracy {
                sentences.append(try t("sentence.keeps", ["shift": shift.name, "model": model, "relative": catalog.percent(relative)]))
            }
            sentences.append(try t("sentence.accuracy", [
                "accuracy": catalog.percent(zeroShot.top1), "level": catalog.percent(zeroShot.top1CI.level, digits: 0),
                "range": catalog.percentRange(zeroShot.top1CI.lower, zeroShot.top1CI.upper),
            ]))
            if let difference = zeroShot.differenceFromReference {
                sentences.append(try t("sentence.difference", [
                    "points": catalog.points(difference.difference), "level": catalog.percent(difference.ci.level, digits: 0),
                    "range": catalog.pointsRange(difference.ci.lower, difference.ci.upper),
                ]))
            }
            if let point = run.robustness(model, shift.name) { sentences += try robustnessSentences(point) }
            // Calibration (absent in results written before it): ECE here and on the reference,
            // the calibrated head's 95th percentile at this size, and the direction.
            if let calibration = run.probes(model, shift.name)?.calibration, let floor = calibration.calibratedFloor95,
               let reference = run.reference.flatMap({ run.probes(model, $0.name)?.calibration }) {
                let key = calibration.ece <= floor ? "sentence.calibration_ok"
                    : calibration.overconfidence >= 0 ? "sentence.calibration_over" : "sentence.calibration_under"
                sentences.append(try t(key, [
                    "ece": catalog.percent(calibration.ece), "reference": catalog.percent(reference.ece), "floor": catalog.percent(floor),
                    "points": catalog.points(abs(calibration.overconfidence), signed: false),
                ]))
            }
        } else if let atc = run.probes(model, shift.name)?.atc {
            sentences.append(try t("sentence.estimate", ["shift": shift.name, "model": model, "estimate": catalog.percent(atc.estimate)]))
            // How far to trust the estimate: its largest error where labels exist — stored with the
            // estimate (the reference's held-out half included), or from the labelled shifts in older results.
            let errors = labelledShifts.compactMap { run.probes(model, $0.name)?.atc?.error }.filter(\.isFinite)
            if let checked = run.probes(model, shift.name)?.labelFreeErrors?.first(where: { $0.score == .maxConfidence }) {
                sentences.append(try catalog.plural("sentence.estimate_checked", count: checked.checks,
                                                    ["points": catalog.points(checked.maxAbsoluteError, signed: false)]))
            } else if let largest = errors.max(by: { abs($0) < abs($1) }) {
                sentences.append(try catalog.plural("sentence.estimate_error", count: errors.count,
                                                    ["points": catalog.points(abs(largest), signed: false)]))
            }
        } else {
            sentences.append(try t("sentence.no_result", ["shift": shift.name, "model": model]))
        }
        if let verdict = run.verdict(model, shift.name) {
            sentences.append(try t("sentence.verdict_\(verdict.status.rawValue)"))
        }
        return sentences
    }

    /// Effective robustness in words: the estimate against the named baseline, its 95 % interval,
    /// or why there is no interval (and no line).
    func robustnessSentences(_ point: RobustnessPoint) throws -> [String] {
        var sentences: [String] = []
        if let er = point.effectiveRobustness, let fit = point.baseline {
            sentences.append(try t(er >= 0 ? "sentence.er_above" : "sentence.er_below", [
                "points": catalog.points(abs(er), signed: false), "baseline": try baselineSource(fit),
            ]))
            if let interval = point.intervals?.effectiveRobustness {
                sentences.append(try t("sentence.er_interval", [
                    "level": catalog.percent(interval.level, digits: 0), "range": catalog.pointsRange(interval.lower, interval.upper),
                ]))
            }
        }
        if let limitation = point.intervals?.limitation {
            sentences.append(try t("limitation.\(limitation.rawValue)"))
        }
        return sentences
    }

    /// The criteria in words ("top-1 accuracy of at least 80.0% and a relative drop of at most 10.0%").
    func criteriaText(_ criteria: Criteria? = nil) throws -> String {
        let criteria = criteria ?? results.criteria
        var parts: [String] = []
        if let minimum = criteria.minAccuracy { parts.append(try t("criteria.min_accuracy", ["value": catalog.percent(minimum)])) }
        if let maximum = criteria.maxRelativeDrop { parts.append(try t("criteria.max_relative_drop", ["value": catalog.percent(maximum)])) }
        if let margin = criteria.minEffectiveRobustness {
            parts.append(try t("criteria.min_effective_robustness", ["value": catalog.points(margin)]))
        }
        return parts.isEmpty ? try t("criteria.none") : catalog.list(parts)
    }

    /// One plain-language phrase per evaluated model that a manager can say in a meeting.
    func meetingPhrases() throws -> [String] {
        var phrases: [String] = []
        for model in evaluated {
            let verdicts = run.shifts.compactMap { run.verdict(model.name, $0.name) }
            switch run.verdict(model.name)?.status {
            case .pass?:
                phrases.append(try t("phrase.pass", ["model": model.name]))
            case .watch?:
                let names = verdicts.filter { $0.status == .watch }.map(\.domain)
                phrases.append(try t(names.isEmpty ? "phrase.watch_general" : "phrase.watch", ["model": model.name, "shifts": catalog.list(names)]))
            case .fail?:
                let names = verdicts.filter { $0.status == .fail }.map(\.domain)
                phrases.append(try t(names.isEmpty ? "phrase.fail_reference" : "phrase.fail", ["model": model.name, "shifts": catalog.list(names)]))
            case .notAssessed?:
                let names = verdicts.filter { $0.status == .notAssessed }.map(\.domain)
                phrases.append(try t(names.isEmpty ? "phrase.not_assessed_general" : "phrase.not_assessed", ["model": model.name, "shifts": catalog.list(names)]))
            case nil:
                phrases.append(try t("phrase.no_verdict", ["model": model.name]))
            }
            if let reference = run.reference, let outliers = run.probes(model.name, reference.name)?.outliers {
                phrases.append(try catalog.plural(outliers.count > 0 ? "phrase.outliers" : "phrase.no_outliers", count: outliers.count,
                                                  ["model": model.name, "threshold": catalog.decimal(outliers.threshold, digits: 0)]))
            }
        }
        return phrases
    }

    // MARK: Charts

    /// Model × shift heatmap of relative accuracy (shift top-1 / reference top-1), on a scale
    /// diverging at 100 %; on a shift without labels, the label-free (ATC) estimate over the
    /// reference top-1, marked as estimated.
    func heatmap(id: String) throws -> Chart? {
        guard !evaluated.isEmpty, !run.shifts.isEmpty else { return nil }
        func estimate(_ model: String, _ shift: String) -> Double? {
            guard let atc = run.probes(model, shift)?.atc,
                  let reference = run.reference.flatMap({ run.zeroShot(model, $0.name)?.top1 }), reference > 0 else { return nil }
            return atc.estimate / reference
        }
        // Per cell: the measured relative accuracy, or else the estimate (flagged).
        let cells: [[(value: Double?, estimated: Bool)]] = evaluated.map { model in
            run.shifts.map { shift in
                if let measured = run.robustness(model.name, shift.name) { return (measured.relativeAccuracy, false) }
                let estimated = estimate(model.name, shift.name)
                return (estimated, estimated != nil)
            }
        }
        let values = cells.map { $0.map(\.value) }
        let estimated = cells.map { $0.map(\.estimated) }
        let finite = values.flatMap { $0 }.compactMap { $0 }
        let low = min(finite.min() ?? 0.5, 1 - (results.criteria.maxRelativeDrop ?? 0.1))
        let lowTick = (low * 10).rounded(.down) / 10
        let map = HeatmapChart(
            rows: evaluated.map(\.name), columns: run.shifts.map(\.name), values: values,
            domain: min(lowTick, 0.9)...max(1, finite.max() ?? 1),
            labels: .init(caption: try t("chart.heatmap.caption"), corner: try t("label.model"), legend: try t("chart.heatmap.legend"),
                          missing: try t("label.not_measured"), estimated: try t("chart.heatmap.estimated")),
            centre: 1, estimated: estimated)
        return map.chart(id: id, title: try t("chart.heatmap.title"), description: try t("chart.heatmap.description"))
    }

    func scatterLabels() throws -> ScatterChart.Labels {
        .init(caption: try t("chart.er.caption"), name: try t("label.model"), x: try t("chart.er.x"), y: try t("chart.er.y"),
              effectiveRobustness: try t("label.effective_robustness"), baseline: try t("chart.er.baseline"),
              fit: try t("chart.er.fit"), noDrop: try t("chart.er.no_drop"), erUnit: try t("format.points_unit"))
    }

    func scatter(for shift: DomainSummary) throws -> ScatterChart? {
        var points: [ScatterChart.Point] = []
        for (index, model) in results.models.enumerated() {
            guard let point = run.robustness(model.name, shift.name) else { continue }
            let series = model.isBaseline ? 0 : (evaluated.firstIndex(of: model) ?? index)
            points.append(.init(label: model.name, x: point.referenceAccuracy, y: point.accuracy, isBaseline: model.isBaseline,
                                effectiveRobustness: point.effectiveRobustness, series: series))
        }
        guard !points.isEmpty else { return nil }
        let fit = run.baselineFit(shift.name).map { fit in
            ScatterChart.Fit(slope: fit.slope, intercept: fit.intercept,
                             band: fit.band.map { .init(x: $0.referenceAccuracy, lower: $0.lower, upper: $0.upper) })
        }
        return ScatterChart(points: points, fit: fit, labels: try scatterLabels())
    }

    /// Effective-robustness scatters, one panel per labelled shift.
    func scatterMultiples(id: String) throws -> Chart? {
        var panels: [(title: String, panel: any ChartPanel)] = []
        for shift in labelledShifts {
            if let chart = try scatter(for: shift) { panels.append((shift.name, chart)) }
        }
        guard !panels.isEmpty else { return nil }
        var legend = evaluated.enumerated().map { (name: $0.element.name, series: $0.offset) }
        if results.models.contains(where: \.isBaseline) { legend.append((name: try t("chart.er.baseline"), series: -1)) }
        let multiples = SmallMultiples(panels: panels, columns: 3, panelWidth: 300, panelHeight: 260,
                                       caption: try t("chart.er.caption"), panelHeader: try t("label.shift"), legend: legend)
        return multiples.chart(id: id, title: try t("chart.er.title_all"), description: try t("chart.er.description"))
    }

    /// The outlier signal on the reference (largest activation ratio; kurtosis) against effective
    /// robustness — relative accuracy on a shift without a baseline line — one point per model
    /// with its interval, two panels per labelled shift; only for runs with 3 or more models.
    func signalMultiples(id: String) throws -> Chart? {
        guard evaluated.count >= 3, let reference = run.reference else { return nil }
        let signals: [(key: String, value: (OutlierResult) -> Double?)] = [
            ("chart.signal.max_ratio", { $0.ratios.max() }), ("chart.signal.kurtosis", { $0.kurtosisMean }),
        ]
        let labels = SignalChart.Labels(caption: try t("chart.signal.caption"), name: try t("label.model"), x: try t("chart.signal.x"),
                                        y: try t("chart.signal.y"), interval: try t("label.ci95"))
        var panels: [(title: String, panel: any ChartPanel)] = []
        for shift in labelledShifts {
            let hasER = evaluated.contains { run.robustness($0.name, shift.name)?.effectiveRobustness != nil }
            for signal in signals {
                let points = evaluated.enumerated().compactMap { index, model -> SignalChart.Point? in
                    guard let outliers = run.probes(model.name, reference.name)?.outliers, let x = signal.value(outliers),
                          let point = run.robustness(model.name, shift.name),
                          let y = hasER ? point.effectiveRobustness : point.relativeAccuracy else { return nil }
                    let interval = hasER ? point.intervals?.effectiveRobustness : point.intervals?.relativeAccuracy
                    return .init(label: model.name, x: x, y: y, low: interval?.lower, high: interval?.upper, series: index)
                }
                guard points.count >= 3 else { continue }
                let chart = SignalChart(points: points, yFormat: hasER ? .points(digits: 1, unit: try t("format.points_unit")) : .percent(digits: 1),
                                        yReference: hasER ? 0 : 1, labels: labels)
                panels.append((try t("chart.signal.panel", ["shift": shift.name, "signal": try t(signal.key)]), chart))
            }
        }
        guard !panels.isEmpty else { return nil }
        let multiples = SmallMultiples(panels: panels, columns: 2, panelWidth: 340, panelHeight: 250, caption: try t("chart.signal.caption"),
                                       panelHeader: try t("label.shift"), legend: evaluated.enumerated().map { (name: $0.element.name, series: $0.offset) })
        return multiples.chart(id: id, title: try t("chart.signal.title"), description: try t("chart.signal.description"))
    }

    func profile(id: String, models: [ModelSummary], domain: String) throws -> Chart? {
        var series: [ProfileChart.Series] = []
        var threshold = 10.0
        for model in models {
            guard let outliers = run.probes(model.name, domain)?.outliers, !outliers.ratios.isEmpty else { continue }
            series.append(.init(name: model.name, ratios: outliers.sortedRatios))
            threshold = outliers.threshold
        }
        guard !series.isEmpty else { return nil }
        let dimensions = series.map(\.ratios.count).max() ?? 0
        let chart = ProfileChart(series: series, threshold: threshold, tableRanks: 12, labels: .init(
            caption: try t("chart.profile.caption"), rank: try t("chart.profile.rank"), ratio: try t("chart.profile.ratio"),
            threshold: try t("chart.profile.threshold", ["value": catalog.decimal(threshold, digits: 0)]),
            note: try t("chart.profile.note", ["shown": catalog.integer(min(12, dimensions)), "total": catalog.integer(dimensions)])))
        return chart.chart(id: id, title: try t("chart.profile.title", ["domain": domain]), description: try t("chart.profile.description"))
    }

    func accuracyBars(id: String, title: String, bars: [BarChart.Bar]) throws -> Chart? {
        guard !bars.isEmpty else { return nil }
        let chart = BarChart(bars: bars, threshold: results.criteria.minAccuracy, labels: .init(
            caption: title, name: try t("label.name"), value: try t("label.top1"), low: try t("label.ci_low"), high: try t("label.ci_high"),
            axis: try t("label.top1"), threshold: results.criteria.minAccuracy == nil ? "" : try t("chart.bars.threshold")))
        return chart.chart(id: id, title: title, description: try t("chart.bars.description"))
    }

    /// Pruning curves (privileged directions), one panel per evaluated model.
    func pruningMultiples(id: String) throws -> Chart? {
        var panels: [(title: String, panel: any ChartPanel)] = []
        var domains: [(name: String, slot: Int)] = []
        for model in evaluated {
            var series: [LineChart.Series] = []
            for (slot, domain) in results.domains.enumerated() {
                guard let curve = run.probes(model.name, domain.name)?.directions?.curve, !curve.isEmpty else { continue }
                series.append(.init(name: domain.name, points: curve.map { (x: $0.prunedFraction, y: $0.accuracy) }, slot: slot))
                if !domains.contains(where: { $0.name == domain.name }) { domains.append((domain.name, slot)) }
            }
            guard !series.isEmpty else { continue }
            panels.append((model.name, LineChart(series: series, yDomain: 0...1,
                                                 labels: .init(caption: try t("chart.pruning.caption"), x: try t("chart.pruning.x"), y: try t("label.top1")))))
        }
        guard !panels.isEmpty else { return nil }
        // Each domain keeps its palette slot in every panel, so one legend serves them all.
        let legend = domains.sorted { $0.slot < $1.slot }.map { (name: $0.name, series: $0.slot) }
        let multiples = SmallMultiples(panels: panels, columns: 3, panelWidth: 300, panelHeight: 220, caption: try t("chart.pruning.caption"),
                                       panelHeader: try t("label.model"), legend: legend)
        return multiples.chart(id: id, title: try t("chart.pruning.title_all"), description: try t("chart.pruning.description"))
    }

    /// Reliability diagram of one labelled image set: per model, each equal-mass bin's mean
    /// confidence against its accuracy (`CalibrationResult.bins`), beside the diagonal a perfectly
    /// calibrated model would follow.
    func reliability(id: String, domain: String) throws -> Chart? {
        var series: [LineChart.Series] = []
        for (slot, model) in evaluated.enumerated() {
            guard let bins = run.probes(model.name, domain)?.calibration?.bins, !bins.isEmpty else { continue }
            series.append(.init(name: model.name, points: bins.map { (x: $0.meanConfidence, y: $0.accuracy) }, slot: slot + 1))
        }
        guard !series.isEmpty else { return nil }
        series.insert(.init(name: try t("chart.reliability.calibrated"), points: [(x: 0, y: 0), (x: 1, y: 1)], slot: 0), at: 0)
        let chart = LineChart(series: series, xFormat: .percent(digits: 0), yFormat: .percent(digits: 0), yDomain: 0...1,
                              labels: .init(caption: try t("chart.reliability.caption"), x: try t("chart.reliability.x"), y: try t("label.top1")))
        return chart.chart(id: id, title: try t("chart.reliability.title", ["shift": domain]), description: try t("chart.reliability.description"))
    }

    func pruning(id: String, model: String, coordinates: Bool) throws -> Chart? {
        var series: [LineChart.Series] = []
        for domain in results.domains {
            guard let directions = run.probes(model, domain.name)?.directions else { continue }
            let curve = coordinates ? directions.coordinateCurve : directions.curve
            guard !curve.isEmpty else { continue }
            series.append(.init(name: domain.name, points: curve.map { (x: $0.prunedFraction, y: $0.accuracy) }))
        }
        guard !series.isEmpty else { return nil }
        let prefix = coordinates ? "chart.pruning_coordinates" : "chart.pruning"
        let chart = LineChart(series: series, xFormat: .percent(digits: 0), yFormat: .percent(digits: 1), yDomain: 0...1,
                              labels: .init(caption: try t("\(prefix).caption"), x: try t("chart.pruning.x"), y: try t("label.top1")))
        return chart.chart(id: id, title: try t("\(prefix).title"), description: try t("\(prefix).description"))
    }
}

extension Catalog {
    /// A verdict reason in this language (`reason.<code>`), prefixed with its image set
    /// (`verdict.reason_on`) when it names one. Units follow the probes' rules
    /// (Probes/Verdict.swift): effective robustness is a difference in points, the domain AUC
    /// a plain number, the rest fractions.
    func reasonText(_ reason: VerdictReason, withDomain: Bool = false) throws -> String {
        let numbers = reasonNumbers(reason)
        let text = try self.text("reason.\(reason.code.rawValue)", ["value": numbers.value, "limit": numbers.limit])
        guard withDomain, let domain = reason.domain else { return text }
        return try self.text("verdict.reason_on", ["domain": domain, "reason": text])
    }

    /// Baseline sources in this language, joined like a list: a CSV by its file name, the
    /// pilot's baseline models (`shift.baseline_measured`) and the testbed (`shift.baseline_testbed`)
    /// in words.
    func baselineSources(_ sources: [BaselineSource]) throws -> String {
        try sources.map { source in
            switch source.kind {
            case .csvFile: return source.file
            case .pilotModels: return try text("shift.baseline_measured", ["file": source.file])
            case .testbed: return try text("shift.baseline_testbed", ["file": source.file])
            }
        }.joined(separator: try text("format.list_separator"))
    }

    /// A reason's value and limit in the unit its rule compares.
    func reasonNumbers(_ reason: VerdictReason) -> (value: String, limit: String) {
        switch reason.code {
        case .belowBaselineTrend:
            return (points(reason.value.map(abs), signed: false), points(reason.limit))
        case .strongUnlabelledShift:
            return (decimal(reason.value, digits: 2), decimal(reason.limit, digits: 2))
        default:
            return (percent(reason.value), percent(reason.limit))
        }
    }

    /// A probe note in this language (`note.<code>`, with `count` when the note has one).
    package func noteText(_ note: ProbeNote) throws -> String {
        let key = "note.\(note.code.rawValue)"
        return try note.count.map { try plural(key, count: $0) } ?? text(key)
    }

    /// `points(_:)` without the sign (for sentences that say "above"/"below" in words).
    func points(_ difference: Double?, signed: Bool) -> String {
        guard !signed, let difference, difference.isFinite else { return points(difference) }
        return Fixed.format(abs(difference) * 100, digits: 1) + ((try? text("format.points_suffix")) ?? "")
    }
}
