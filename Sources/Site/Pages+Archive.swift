
/// The archive pages: the site index (every pilot, latest run of each) and one page per pilot
/// (run history and trends), rebuilt from the stored runs.
struct ArchiveContext {
    let catalog: Catalog
    let toolVersion: String

    func t(_ key: String, _ arguments: [String: String] = [:]) throws -> String { try catalog.text(key, arguments) }

    func layout(title: String, cssHref: String) -> [String: TemplateValue] {
        var page: [String: TemplateValue] = [:]
        page["lang"] = .text(catalog.language)
        page["t"] = catalog.templateValues()
        page["page_title"] = .text(title)
        page["css_href"] = .text(cssHref)
        page["inline_css"] = .text("")
        page["csp"] = .raw(RawHTML(SitePaths.csp))
        page["tool_version"] = .text(toolVersion)
        return page
    }

    /// `pilots` holds each pilot's runs, oldest first.
    func index(pilots: [[SiteRun]]) throws -> TemplateValue {
        var page = layout(title: try t("index.title"), cssHref: SitePaths.stylesheet)
        page["breadcrumbs"] = .list([])
        page["pilots"] = .list(try pilots.compactMap { runs in
            guard let latest = runs.last else { return nil }
            let context = PageContext(run: latest, catalog: catalog)
            return .dict([
                "title": .text(latest.results.pilot.title), "name": .text(latest.results.pilot.name),
                "href": .text("pilots/\(latest.pilotSlug)/index.html"),
                "latest_href": .text("pilots/\(latest.pilotSlug)/\(latest.runSlug)/index.html"),
                "packet_href": .text("pilots/\(latest.pilotSlug)/\(latest.runSlug)/packet.html"),
                "run_id": .text(latest.results.runID), "run_date": .text(catalog.date(latest.results.createdAt)),
                "verdict": try context.status(latest.overallStatus),
                "runs": .text(try catalog.plural("count.runs", count: runs.count)),
                "models": .text(catalog.list(latest.evaluatedModels.map(\.name))),
            ])
        })
        return .dict(page)
    }

    /// `runs` are one pilot's runs, oldest first.
    func pilot(runs: [SiteRun]) throws -> TemplateValue {
        guard let latest = runs.last else { throw SiteError.invalidInput("a pilot page needs at least one run") }
        var page = layout(title: latest.results.pilot.title, cssHref: "../../\(SitePaths.stylesheet)")
        page["breadcrumbs"] = .list([.dict(["label": .text(try t("nav.home")), "href": .text("../../index.html")])])
        page["pilot_title"] = .text(latest.results.pilot.title)
        page["pilot_name"] = .text(latest.results.pilot.name)
        page["runs"] = .list(try runs.reversed().map { run in
            let context = PageContext(run: run, catalog: catalog)
            return .dict([
                "run_id": .text(run.results.runID), "run_date": .text(catalog.dateTime(run.results.createdAt)),
                "href": .text("\(run.runSlug)/index.html"), "packet_href": .text("\(run.runSlug)/packet.html"),
                "verdict": try context.status(run.overallStatus),
                "models": .number(catalog.integer(run.evaluatedModels.count)),
                "shifts": .number(catalog.integer(run.shifts.count)),
                "sentence": .text(try context.overallSentence()),
            ])
        })
        page["trend_lowest"] = try trend(runs: runs, id: "chart-trend-lowest", key: "lowest") ?? .bool(false)
        page["trend_reference"] = try trend(runs: runs, id: "chart-trend-reference", key: "reference") ?? .bool(false)
        return .dict(page)
    }

    /// A key number per evaluated model across runs: reference accuracy or lowest shifted accuracy.
    func trend(runs: [SiteRun], id: String, key: String) throws -> TemplateValue? {
        var names: [String] = []
        for run in runs { for model in run.evaluatedModels where !names.contains(model.name) { names.append(model.name) } }
        var series: [LineChart.Series] = []
        for name in names {
            var points: [(x: Double, y: Double)] = []
            for (index, run) in runs.enumerated() {
                let context = PageContext(run: run, catalog: catalog)
                let value: Double?
                if key == "reference" {
                    value = run.reference.flatMap { run.zeroShot(name, $0.name)?.top1 }
                } else {
                    value = context.lowestShift(name).flatMap { run.zeroShot(name, $0.name)?.top1 }
                }
                if let value { points.append((Double(index), value)) }
            }
            if !points.isEmpty { series.append(.init(name: name, points: points)) }
        }
        guard !series.isEmpty else { return nil }
        let chart = LineChart(series: series, xCategories: runs.map { catalog.date($0.results.createdAt) + " " + String($0.results.runID.suffix(4)) },
                              yDomain: 0...1, labels: .init(caption: try t("chart.trend.\(key).caption"), x: try t("label.run"), y: try t("label.top1")))
        let rendered = chart.chart(id: id, title: try t("chart.trend.\(key).title"), description: try t("chart.trend.description"), height: 320)
        return .dict(["id": .text(rendered.id), "title": .text(rendered.title), "svg": .raw(rendered.svg),
                      "table": .raw(rendered.table.html()), "csv_href": .text("")])
    }
}
