/// The outlier-feature profile: each model's feature ratios `r_j = m_j / mean_k m_k` sorted from
/// largest to smallest, on log–log axes (rank × ratio), with the outlier threshold τ drawn as a
/// line. Outlier features are the few points above it at the far left.
struct ProfileChart: ChartPanel {
    struct Series: Sendable, Equatable {
        var name: String
        /// Ratios sorted in decreasing order.
        var ratios: [Double]
        init(name: String, ratios: [Double]) {
            self.name = name; self.ratios = ratios
        }
    }

    struct Labels: Sendable, Equatable {
        var caption: String, rank: String, ratio: String, threshold: String, note: String
        init(caption: String, rank: String, ratio: String, threshold: String, note: String) {
            self.caption = caption; self.rank = rank; self.ratio = ratio; self.threshold = threshold; self.note = note
        }
    }

    var series: [Series]
    var threshold: Double
    /// Ranks listed in the data table (the full profile would be hundreds of rows).
    var tableRanks: Int
    var labels: Labels

    init(series: [Series], threshold: Double, tableRanks: Int = 12, labels: Labels) {
        self.series = series; self.threshold = threshold; self.tableRanks = tableRanks; self.labels = labels
    }

    func chart(id: String, title: String, description: String, width: Double = 640, height: Double = 380) -> Chart {
        standalone(id: id, title: title, description: description, width: width, height: height)
    }

    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        let positive = series.flatMap(\.ratios).filter { $0 > 0 && $0.isFinite }
        let maxRank = Double(max(series.map(\.ratios.count).max() ?? 1, 2))
        let yLow = min(positive.min() ?? 0.1, threshold), yHigh = max(positive.max() ?? 10, threshold)
        let yTicks = Ticks.log(pow10floor(yLow), pow10ceil(yHigh))
        let xTicks = Ticks.log(1, pow10ceil(maxRank)).filter { $0 <= maxRank * 1.0001 || $0 == 1 }
        let legendRows = compact ? 0 : Int((Double(series.count) / 3).rounded(.up))
        let left = compact ? 40.0 : 62.0
        let plot = Frame(x: frame.x + left, y: frame.y + 10 + Double(legendRows) * 18, width: frame.width - left - (compact ? 10 : 20),
                         height: frame.height - 10 - Double(legendRows) * 18 - (compact ? 28 : 46))
        let xScale = ChartScale(kind: .log, domain: 1...maxRank, range: plot.x...plot.maxX)
        let yScale = ChartScale(kind: .log, domain: pow10floor(yLow)...pow10ceil(yHigh), range: plot.y...plot.maxY, flipped: true)
        AxisPainter.left(&canvas, scale: yScale, ticks: yTicks, labels: yTicks.map(Ticks.logLabel), plot: plot,
                         title: compact ? "" : labels.ratio, fontSize: font)
        AxisPainter.bottom(&canvas, scale: xScale, ticks: xTicks, labels: xTicks.map(Ticks.logLabel), plot: plot,
                           title: compact ? "" : labels.rank, fontSize: font)
        let ty = yScale.position(threshold)
        canvas.line(plot.x, ty, plot.maxX, ty, stroke: Palette.ink, width: 1.2, dash: "5 3")
        canvas.text(labels.threshold, x: plot.maxX - 4, y: ty - 5, anchor: .end, size: font, fill: Palette.ink, halo: true)
        for (index, line) in series.enumerated() {
            let points = line.ratios.enumerated().filter { $0.element > 0 && $0.element.isFinite }
                .map { (xScale.position(Double($0.offset + 1)), yScale.position($0.element)) }
            canvas.polyline(points, stroke: Palette.color(index), width: compact ? 1.4 : 1.8, dash: Palette.dash(index))
            for (rank, ratio) in line.ratios.enumerated() where ratio >= threshold {
                canvas.marker(Palette.marker(index), x: xScale.position(Double(rank + 1)), y: yScale.position(ratio), size: compact ? 2.4 : 3.2,
                              fill: Palette.color(index), title: "\(line.name): #\(rank + 1) \(Fixed.format(ratio, digits: 1))×")
            }
        }
        if !compact {
            let columnWidth = (frame.width - left) / 3
            for (index, line) in series.enumerated() {
                let x = frame.x + left + columnWidth * Double(index % 3), y = frame.y + 8 + Double(index / 3) * 18
                canvas.line(x, y, x + 22, y, stroke: Palette.color(index), width: 2, dash: Palette.dash(index))
                canvas.text(truncated(line.name, toWidth: columnWidth - 34, size: font), x: x + 28, y: y + 4, size: font)
            }
        }
    }

    private func pow10floor(_ value: Double) -> Double { Foundation.pow(10, Foundation.floor(Foundation.log10(max(value, 1e-6)))) }
    private func pow10ceil(_ value: Double) -> Double { Foundation.pow(10, Foundation.ceil(Foundation.log10(max(value, 1e-6)))) }

    func table() -> DataTable {
        let ranks = min(tableRanks, series.map(\.ratios.count).max() ?? 0)
        return DataTable(
            caption: labels.caption,
            columns: [.init(labels.rank)] + series.map { .init($0.name) },
            rows: (0..<ranks).map { rank in
                [String(rank + 1)] + series.map { rank < $0.ratios.count ? Fixed.format($0.ratios[rank], digits: 2) : "—" }
            },
            note: labels.note)
    }
}

import Foundation
