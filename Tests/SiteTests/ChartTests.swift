import Foundation
import XCTest
@testable import Site

final class ChartTests: XCTestCase {
    // MARK: Numbers and ticks

    func testFixedFormattingIsLocaleFreeAndRoundsHalfAway() {
        XCTAssertEqual(Fixed.format(0.125, digits: 2), "0.13")
        XCTAssertEqual(Fixed.format(-0.125, digits: 2), "-0.13")
        XCTAssertEqual(Fixed.format(-0.0004, digits: 3), "0.000")
        XCTAssertEqual(Fixed.format(1234.5, digits: 0), "1235")
        XCTAssertEqual(Fixed.format(7, digits: 3), "7.000")
        XCTAssertEqual(Fixed.compact(12.50), "12.5")
        XCTAssertEqual(Fixed.compact(-0.001), "0")
        XCTAssertEqual(Fixed.compact(3.0), "3")
        XCTAssertEqual(Fixed.format(.nan, digits: 1), "NaN")
        XCTAssertEqual(Fixed.grouped("1234567.25", separator: ","), "1,234,567.25")
        XCTAssertEqual(Fixed.grouped("-1234", separator: ","), "-1,234")
        XCTAssertEqual(Fixed.grouped("999", separator: ","), "999")
    }

    func testNiceTicksUseOneTwoFiveSteps() {
        let a = Ticks.nice(0, 1, maxCount: 6)
        XCTAssertEqual(a.values, [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(a.decimals, 1)
        let b = Ticks.nice(0.53, 0.97, maxCount: 6)
        XCTAssertEqual(b.step, 0.1, accuracy: 1e-12)
        XCTAssertEqual(b.values.first!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(b.values.last!, 1.0, accuracy: 1e-12)
        let c = Ticks.nice(3, 1234, maxCount: 5)
        XCTAssertEqual(c.step, 500)
        XCTAssertEqual(c.values, [0, 500, 1000, 1500])
        let d = Ticks.nice(-0.03, 0.07, maxCount: 6)
        XCTAssertEqual(d.step, 0.02, accuracy: 1e-12)
        XCTAssertTrue(d.values.contains(0))
        let flat = Ticks.nice(5, 5)
        XCTAssertLessThan(flat.values.first!, 5)
        XCTAssertGreaterThan(flat.values.last!, 5)
    }

    func testLogitTicksSitAtMeaningfulAccuracies() {
        XCTAssertEqual(Ticks.logit(0.55, 0.97), [0.6, 0.7, 0.8, 0.9, 0.95])
        // The middle level would need 9 ticks here, one more than allowed, so the sparse level is used.
        XCTAssertEqual(Ticks.logit(0.02, 0.98, maxCount: 8), [0.1, 0.5, 0.9])
        XCTAssertEqual(Ticks.logit(0.02, 0.98, maxCount: 9), [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
        XCTAssertEqual(Ticks.logit(0.3, 0.95, maxCount: 9), [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
        XCTAssertEqual(Ticks.percentLabel(0.995), "99.5%")
        XCTAssertEqual(Ticks.percentLabel(0.5), "50%")
    }

    func testLogTicksArePowersOfTenOrOneTwoFive() {
        XCTAssertEqual(Ticks.log(0.1, 1000), [0.1, 1, 10, 100, 1000])
        XCTAssertEqual(Ticks.log(1, 100), [1, 2, 5, 10, 20, 50, 100])
    }

    func testScalesMapDomainEndsToRangeEnds() {
        let logit = ChartScale(kind: .logit, domain: 0.1...0.9, range: 0...100, flipped: true)
        XCTAssertEqual(logit.position(0.1), 100, accuracy: 1e-9)
        XCTAssertEqual(logit.position(0.9), 0, accuracy: 1e-9)
        XCTAssertEqual(logit.position(0.5), 50, accuracy: 1e-9)  // logit is symmetric about 0.5
        let log = ChartScale(kind: .log, domain: 1...100, range: 0...200)
        XCTAssertEqual(log.position(10), 100, accuracy: 1e-9)
        XCTAssertEqual(log.position(1000), 200, accuracy: 1e-9)  // clamped
    }

    func testSequentialPaletteEndsAndTextContrast() {
        XCTAssertEqual(Palette.sequential(0), "#FDE725")
        XCTAssertEqual(Palette.sequential(1), "#440154")
        XCTAssertEqual(Palette.textOnSequential(0.1), "#000000")
        XCTAssertEqual(Palette.textOnSequential(0.9), "#FFFFFF")
    }

    // MARK: Chart snapshots

    static let scatterLabels = ScatterChart.Labels(caption: "Accuracy", name: "Model", x: "Reference", y: "Shift", effectiveRobustness: "ER",
                                                   baseline: "baseline", fit: "fit", noDrop: "no drop", erUnit: "pp")

    static func scatter() -> ScatterChart {
        ScatterChart(points: [
            .init(label: "ViT-B/32 <LAION>", x: 0.86, y: 0.80, effectiveRobustness: 0.011, series: 0),
            .init(label: "RN50 \"openai\"", x: 0.78, y: 0.655, effectiveRobustness: -0.038, series: 1),
            .init(label: "ResNet-50", x: 0.80, y: 0.64, isBaseline: true),
        ], fit: .init(slope: 0.92, intercept: -0.35, band: [0.6, 0.7, 0.8, 0.9, 0.95].map { x in
            // A band of ±0.15 logits around the fitted line.
            let z = 0.92 * Foundation.log(x / (1 - x)) - 0.35
            return .init(x: x, lower: 1 / (1 + Foundation.exp(-(z - 0.15))), upper: 1 / (1 + Foundation.exp(-(z + 0.15))))
        }), labels: scatterLabels)
    }

    func testScatterSnapshotAndTable() {
        let chart = Self.scatter().chart(id: "er", title: "Effective robustness", description: "Logit axes.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/scatter.svg")
        XCTAssertEqual(chart.table.rows.count, 3)
        XCTAssertEqual(chart.table.rows[0], ["ViT-B/32 <LAION>", "86.0%", "80.0%", "+1.1 pp"])
        XCTAssertEqual(chart.table.rows[1], ["RN50 \"openai\"", "78.0%", "65.5%", "−3.8 pp"])
        XCTAssertEqual(chart.table.rows[2][0], "ResNet-50 (baseline)")
        XCTAssertTrue(chart.svg.html.contains("RN50 &quot;openai&quot;"))
        XCTAssertFalse(chart.svg.html.contains("<LAION>"))
        // Deterministic: the same input renders the same bytes.
        XCTAssertEqual(chart, Self.scatter().chart(id: "er", title: "Effective robustness", description: "Logit axes."))
    }

    func testBarsSnapshotAndTable() {
        let bars = BarChart(bars: [
            .init(label: "reference", value: 0.86, low: 0.826, high: 0.894),
            .init(label: "low-light", value: 0.8, low: 0.76, high: 0.84),
            .init(label: "sketch", value: 0.611, low: 0.56, high: 0.662),
        ], threshold: 0.7, labels: .init(caption: "Top-1", name: "Image set", value: "Top-1", low: "Low", high: "High", axis: "Top-1 accuracy", threshold: "minimum"))
        let chart = bars.chart(id: "bars", title: "Accuracy per image set", description: "Bars with 95% intervals.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/bars.svg")
        XCTAssertEqual(chart.table.rows[2], ["sketch", "61.1%", "56.0%", "66.2%"])
    }

    func testHeatmapSnapshotAndMissingCells() {
        let map = HeatmapChart(rows: ["ViT-B/32", "RN50"], columns: ["low-light", "sketch", "camera-2"],
                               values: [[0.93, 0.71, nil], [0.84, 0.55, nil]], domain: 0.5...1,
                               labels: .init(caption: "Relative accuracy", corner: "Model", legend: "Relative accuracy", missing: "not measured"))
        let chart = map.chart(id: "heat", title: "Model × shift", description: "Relative accuracy.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/heatmap.svg")
        XCTAssertEqual(chart.table.rows, [["ViT-B/32", "93.0%", "71.0%", "—"], ["RN50", "84.0%", "55.0%", "—"]])
        XCTAssertTrue(chart.svg.html.contains("not measured"))
    }

    /// Centred on 100 %: no change is near-white, a loss orange, a gain purple — a gain never takes
    /// the darkest colour of a loss-only scale; estimated cells print "≈" and the legend says why.
    func testHeatmapDivergesAtTheCentreAndMarksEstimates() {
        let map = HeatmapChart(rows: ["A", "B"], columns: ["low-light", "site-photos"],
                               values: [[1.0, 0.8], [0.6, 1.1]], domain: 0.6...1.1,
                               labels: .init(caption: "Relative accuracy", corner: "Model", legend: "Relative accuracy",
                                             missing: "not measured", estimated: "≈ estimated without labels"),
                               centre: 1, estimated: [[false, true], [false, false]])
        XCTAssertEqual(map.fill(1.0), Palette.diverging(0))
        XCTAssertEqual(Palette.diverging(0), "#F7F7F7")
        XCTAssertEqual(map.fill(0.6), "#B35806", "the largest loss takes the loss end of the scale")
        XCTAssertEqual(map.fill(1.4), "#542788", "a gain as large as the largest loss takes the gain end")
        XCTAssertNotEqual(map.fill(1.1), map.fill(0.9), "a gain and a loss of the same size differ in hue")
        let chart = map.chart(id: "heat", title: "Model × shift", description: "Relative accuracy.")
        XCTAssertEqual(chart.table.rows, [["A", "100.0%", "≈80.0%"], ["B", "60.0%", "110.0%"]])
        XCTAssertTrue(chart.svg.html.contains("≈ estimated without labels"))
        XCTAssertTrue(chart.svg.html.contains("fill=\"#B35806\""))
        // Without estimates the legend has no note.
        let plain = HeatmapChart(rows: ["A"], columns: ["x"], values: [[0.9]], domain: 0.5...1,
                                 labels: .init(caption: "c", corner: "m", legend: "l", missing: "n", estimated: "≈ estimated"), centre: 1)
        XCTAssertFalse(plain.chart(id: "p", title: "t", description: "d").svg.html.contains("≈ estimated"))
    }

    func testRunHistoryShowsTimeAsWellAsDate() throws {
        let catalog = try Catalog(language: "en", directory: CatalogTests.i18n)
        XCTAssertEqual(catalog.dateTime("2026-12-03T23:53:00Z"), "2026-12-03 23:53 UTC")
        XCTAssertEqual(catalog.dateTime("2026-12-03"), "2026-12-03")
    }

    func testLinesSnapshotAndUnionOfXValues() {
        let lines = LineChart(series: [
            .init(name: "reference", points: [(0, 0.86), (0.5, 0.82), (0.9, 0.61)]),
            .init(name: "sketch", points: [(0, 0.61), (0.5, 0.58), (0.95, 0.40)]),
        ], yDomain: 0...1, labels: .init(caption: "Pruning", x: "Fraction pruned", y: "Top-1"))
        let chart = lines.chart(id: "lines", title: "Pruning", description: "Curves.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/lines.svg")
        XCTAssertEqual(chart.table.rows.map { $0[0] }, ["0%", "50%", "90%", "95%"])
        XCTAssertEqual(chart.table.rows[3], ["95%", "—", "40.0%"])
    }

    func testProfileSnapshotShowsThresholdAndExcerptTable() {
        let ratios = (0..<64).map { index -> Double in index == 0 ? 31.5 : index == 1 ? 12.0 : 1.4 - Double(index) * 0.01 }
        let profile = ProfileChart(series: [.init(name: "ViT-B/32", ratios: ratios)], threshold: 10, tableRanks: 5,
                                   labels: .init(caption: "Ratios", rank: "Rank", ratio: "Ratio", threshold: "threshold 10×", note: "first 5 of 64"))
        let chart = profile.chart(id: "profile", title: "Profile", description: "Sorted ratios.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/profile.svg")
        XCTAssertEqual(chart.table.rows.count, 5)
        XCTAssertEqual(chart.table.rows[0], ["1", "31.50"])
        XCTAssertEqual(chart.table.note, "first 5 of 64")
        // Both outliers get a marker with a hover title; the others do not.
        XCTAssertEqual(chart.svg.html.components(separatedBy: "<title>ViT-B/32: #").count - 1, 2)
    }

    func testSmallMultiplesSnapshotStacksPanelTables() {
        let multiples = SmallMultiples(panels: [("low-light", Self.scatter()), ("sketch", Self.scatter())], columns: 2, panelWidth: 260, panelHeight: 220,
                                       caption: "ER", panelHeader: "Shift", legend: [("ViT-B/32 <LAION>", 0), ("RN50 \"openai\"", 1)])
        let chart = multiples.chart(id: "multi", title: "ER per shift", description: "Panels.")
        assertSnapshot(chart.svg.html + "\n", named: "charts/multiples.svg")
        XCTAssertEqual(chart.table.rows.count, 6)
        XCTAssertEqual(chart.table.columns.first?.header, "Shift")
        XCTAssertEqual(chart.table.rows[3][0], "sketch")
    }

    func testEveryChartHasTitleDescriptionAndAccessibleName() {
        let chart = Self.scatter().chart(id: "x1", title: "T <1>", description: "D & d")
        XCTAssertTrue(chart.svg.html.hasPrefix("<svg "))
        XCTAssertTrue(chart.svg.html.contains("role=\"img\""))
        XCTAssertTrue(chart.svg.html.contains("aria-labelledby=\"x1-title x1-desc\""))
        XCTAssertTrue(chart.svg.html.contains("<title id=\"x1-title\">T &lt;1&gt;</title>"))
        XCTAssertTrue(chart.svg.html.contains("<desc id=\"x1-desc\">D &amp; d</desc>"))
    }

    func testDataTableHTMLAndCSV() {
        let table = DataTable(caption: "C <1>", columns: [.init("Name", numeric: false), .init("Value")],
                              rows: [["a, \"b\"", "1.0%"], ["<i>", "2.0%"]], note: "n")
        XCTAssertEqual(table.csv(), "Name,Value\r\n\"a, \"\"b\"\"\",1.0%\r\n<i>,2.0%\r\n")
        let html = table.html().html
        XCTAssertTrue(html.contains("<caption>C &lt;1&gt;</caption>"))
        XCTAssertTrue(html.contains("<th scope=\"row\">&lt;i&gt;</th><td class=\"num\">2.0%</td>"))
        XCTAssertTrue(html.contains("<p class=\"table-note\">n</p>"))
    }

    func testCSVCellsThatSpreadsheetsWouldRunAreNeutralised() {
        let table = DataTable(caption: "", columns: [.init("Class", numeric: false), .init("ER")], rows: [
            ["=HYPERLINK(\"http://x\",\"y\")", "-0.05"], ["+1+cmd|' /C calc'!A0", "+3"], ["-2+3", "-inf"],
            ["@SUM(A1)", "1e-3"], ["\tx", "0"], ["a=b", "-"],
        ])
        XCTAssertEqual(table.csv(), [
            "Class,ER", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-0.05", "'+1+cmd|' /C calc'!A0,+3", "'-2+3,-inf",
            "'@SUM(A1),1e-3", "'\tx,0", "a=b,'-", "",
        ].joined(separator: "\r\n"))
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
