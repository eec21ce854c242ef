import Results

extension PageContext {
    /// What light adaptation would buy for `model` on `domain` (its few-shot curve), in the
    /// page's language: the largest k against zero-shot, then how that compares with the
    /// minimum accuracy. Empty without a curve.
    func fewShotSentences(model: String, domain: String) throws -> [String] {
        guard let curve = run.probes(model, domain)?.fewShot, let last = curve.points.last else { return [] }
        let arguments = [
            "domain": domain, "zero_shot": catalog.percent(last.zeroShotAccuracy), "accuracy": catalog.percent(last.accuracy),
            "range": catalog.percentRange(last.ci.lower, last.ci.upper),
            "draws": catalog.percentRange(last.minAccuracy, last.maxAccuracy),
        ]
        var sentences = [try catalog.plural(
            last.accuracy > last.zeroShotAccuracy ? "adapt.sentence" : "adapt.sentence_lower", count: last.shots, arguments)]
        if let code = curve.code, let threshold = curve.threshold {
            let shots = code == .reachesMinAccuracy ? curve.shotsReaching ?? last.shots : last.shots
            sentences.append(try catalog.plural("adapt.\(code.rawValue)", count: shots, ["threshold": catalog.percent(threshold)]))
        }
        return sentences
    }

    /// The learning curve of `model` on `domain` as a line chart over k (evenly spaced), with
    /// zero-shot on the same images and the minimum accuracy as flat lines.
    func fewShotChart(id: String, model: String, domain: String) throws -> Chart? {
        guard let curve = run.probes(model, domain)?.fewShot, !curve.points.isEmpty else { return nil }
        let xs = curve.points.indices.map(Double.init)
        var series: [LineChart.Series] = [
            .init(name: try t("chart.adapt.probe"), points: zip(xs, curve.points).map { (x: $0, y: $1.accuracy) }, slot: 0),
            .init(name: try t("chart.adapt.zero_shot"), points: zip(xs, curve.points).map { (x: $0, y: $1.zeroShotAccuracy) }, slot: 1),
        ]
        if let threshold = results.criteria.minAccuracy {
            series.append(.init(name: try t("chart.adapt.criterion"), points: xs.map { (x: $0, y: threshold) }, slot: 2))
        }
        let chart = LineChart(series: series, xFormat: .fixed(digits: 0), yFormat: .percent(digits: 1),
                              xCategories: curve.points.map { catalog.integer($0.shots) }, yDomain: 0...1,
                              labels: .init(caption: try t("chart.adapt.caption"), x: try t("chart.adapt.x"), y: try t("label.top1")))
        return chart.chart(id: id, title: try t("chart.adapt.title", ["model": model, "shift": domain]),
                           description: try t("chart.adapt.description"), width: 480, height: 250)
    }

    /// The shift page's section: per model with a curve on `domain`, its chart, sentences and table.
    func adaptation(domain: String) throws -> [TemplateValue] {
        try evaluated.enumerated().compactMap { position, model in
            guard let curve = run.probes(model.name, domain)?.fewShot, let chart = try fewShotChart(
                id: "chart-adapt-\(position + 1)", model: model.name, domain: domain) else { return nil }
            return .dict([
                "model": .text(model.name), "href": .text("../models/\(run.modelSlug(model.name)).html"), "chart": self.chart(chart),
                "sentences": .list(try fewShotSentences(model: model.name, domain: domain).map { .text($0) }),
                "rows": .list(curve.points.map { point in
                    .dict(["shots": .number(catalog.integer(point.shots)), "accuracy": .number(catalog.percent(point.accuracy)),
                           "range": .number(catalog.percentRange(point.ci.lower, point.ci.upper)),
                           "draws": .number(catalog.percentRange(point.minAccuracy, point.maxAccuracy)),
                           "zero_shot": .number(catalog.percent(point.zeroShotAccuracy)),
                           "test": .number(catalog.integer(point.testCount))])
                }),
            ])
        }
    }

    /// The packet's one line for `model`: its curve on the labelled shift where zero-shot is
    /// lowest, or on the reference when no shift has one.
    func fewShotPacketLine(model: String) throws -> String? {
        let shifts = run.shifts.filter { run.probes(model, $0.name)?.fewShot != nil }
        let lowest = shifts.min { (run.zeroShot(model, $0.name)?.top1 ?? 1) < (run.zeroShot(model, $1.name)?.top1 ?? 1) }
        guard let domain = lowest?.name ?? run.reference?.name else { return nil }
        let sentences = try fewShotSentences(model: model, domain: domain)
        return sentences.isEmpty ? nil : sentences.joined(separator: try t("format.sentence_gap"))
    }
}
