import Foundation

/// The paper's association on the run's own models: an outlier signal of each model on the
/// reference (log x: its largest activation ratio, or its kurtosis) against how it holds up on a
/// shift (linear y: effective robustness, or relative accuracy without a baseline), one point per
/// model with the vertical 95 % interval of y.
public struct SignalChart: ChartPanel {
    public struct Point: Sendable, Equatable {
        public var label: String
        public var x: Double
        public var y: Double
        public var low: Double?
        public var high: Double?
        public var series: Int
        public init(label: String, x: Double, y: Double, low: Double? = nil, high: Double? = nil, series: Int = 0) {
            self.label = label; self.x = x; self.y = y; self.low = low; self.high = high; self.series = series
        }
    }

    public struct Labels: Sendable, Equatable {
        public var caption: String, name: String, x: String, y: String, interval: String
        public init(caption: String, name: String, x: String, y: String, interval: String) {
            self.caption = caption; self.name = name; self.x = x; self.y = y; self.interval = interval
        }
    }

    public var points: [Point]
    /// How y is printed: points of ER (`.points`) or relative accuracy (`.percent`).
    public var yFormat: ValueFormat
    /// A dashed reference line: 0 for ER (the baseline line), 1 for relative accuracy (no drop).
    public var yReference: Double
    public var labels: Labels

    public init(points: [Point], yFormat: ValueFormat, yReference: Double, labels: Labels) {
        self.points = points.filter { $0.x > 0 && $0.x.isFinite && $0.y.isFinite }
        self.yFormat = yFormat; self.yReference = yReference; self.labels = labels
    }

    public func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        let left = compact ? 44.0 : 62.0, bottom = compact ? 30.0 : 46.0
        let plot = Frame(x: frame.x + left, y: frame.y + 8, width: frame.width - left - (compact ? 10 : 16), height: frame.height - 8 - bottom)
        let xs = points.map(\.x)
        let xLow = Foundation.pow(10, Foundation.floor(Foundation.log10(xs.min() ?? 1))),
            xHigh = Foundation.pow(10, Foundation.ceil(Foundation.log10(max(xs.max() ?? 10, (xs.min() ?? 1) * 1.0001))))
        let ys = points.flatMap { [$0.y, $0.low ?? $0.y, $0.high ?? $0.y] } + [yReference]
        let yTicks = Ticks.nice(ys.min() ?? 0, ys.max() ?? 1, maxCount: compact ? 5 : 7)
        let xScale = ChartScale(kind: .log, domain: xLow...max(xHigh, xLow * 10), range: plot.x...plot.maxX)
        let yScale = ChartScale(kind: .linear, domain: (yTicks.values.first ?? 0)...(yTicks.values.last ?? 1), range: plot.y...plot.maxY, flipped: true)
        let xTicks = Ticks.log(xScale.domain.lowerBound, xScale.domain.upperBound)
        let tickFormat: ValueFormat = {
            if case .points = yFormat { return .points(digits: max(yTicks.decimals - 2, 0), unit: "") }
            return .percent(digits: max(yTicks.decimals - 2, 0))
        }()
        AxisPainter.left(&canvas, scale: yScale, ticks: yTicks.values, labels: yTicks.values.map { tickFormat($0) }, plot: plot,
                         title: compact ? "" : labels.y, fontSize: font)
        AxisPainter.bottom(&canvas, scale: xScale, ticks: xTicks, labels: xTicks.map(Ticks.logLabel), plot: plot,
                           title: compact ? "" : labels.x, fontSize: font)
        let reference = yScale.position(yReference)
        canvas.line(plot.x, reference, plot.maxX, reference, stroke: Palette.muted, dash: "2 3")
        for point in points {
            let x = xScale.position(point.x)
            if let low = point.low, let high = point.high {
                canvas.line(x, yScale.position(low), x, yScale.position(high), stroke: Palette.color(point.series), width: 1.4)
            }
            let interval = point.low.flatMap { low in point.high.map { " (\(yFormat(low)) – \(yFormat($0)))" } } ?? ""
            canvas.marker(Palette.marker(point.series), x: x, y: yScale.position(point.y), size: compact ? 3.5 : 5,
                          fill: Palette.color(point.series), title: "\(point.label): \(Fixed.format(point.x, digits: 1)), \(yFormat(point.y))\(interval)")
        }
    }

    public func table() -> DataTable {
        DataTable(
            caption: labels.caption,
            columns: [.init(labels.name, numeric: false), .init(labels.x), .init(labels.y), .init(labels.interval)],
            rows: points.map { point in
                [point.label, Fixed.format(point.x, digits: 2), yFormat(point.y),
                 point.low.flatMap { low in point.high.map { "\(yFormat(low)) – \(yFormat($0))" } } ?? "—"]
            })
    }
}
