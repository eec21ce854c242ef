/// Line curves sharing one x axis (e.g. accuracy as directions are pruned, or a key number
/// across runs). Each series has its own colour, dash pattern and marker, and a legend.
struct LineChart: ChartPanel {
    struct Series: Sendable, Equatable {
        var name: String
        var points: [(x: Double, y: Double)]
        /// Palette slot (colour, dash, marker); defaults to the series' position. Set it when
        /// several panels share one legend and a panel may lack a series.
        var slot: Int?
        init(name: String, points: [(x: Double, y: Double)], slot: Int? = nil) {
            self.name = name; self.points = points; self.slot = slot
        }
        static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.slot == b.slot && a.points.map(\.x) == b.points.map(\.x) && a.points.map(\.y) == b.points.map(\.y)
        }
    }

    struct Labels: Sendable, Equatable {
        var caption: String, x: String, y: String
        init(caption: String, x: String, y: String) {
            self.caption = caption; self.x = x; self.y = y
        }
    }

    var series: [Series]
    var xFormat: ValueFormat
    var yFormat: ValueFormat
    /// Category names for x = 0, 1, 2, … (run dates); when set, ticks are these names.
    var xCategories: [String]?
    var yDomain: ClosedRange<Double>?
    var labels: Labels

    init(series: [Series], xFormat: ValueFormat = .percent(digits: 0), yFormat: ValueFormat = .percent(digits: 1),
                xCategories: [String]? = nil, yDomain: ClosedRange<Double>? = nil, labels: Labels) {
        self.series = series; self.xFormat = xFormat; self.yFormat = yFormat
        self.xCategories = xCategories; self.yDomain = yDomain; self.labels = labels
    }

    func chart(id: String, title: String, description: String, width: Double = 640, height: Double = 360) -> Chart {
        standalone(id: id, title: title, description: description, width: width, height: height)
    }

    private func label(_ value: Double, _ format: ValueFormat) -> String {
        if case .percent = format { return Ticks.percentLabel(value) }
        return Fixed.compact(value, digits: 3)
    }

    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let legendRows = compact ? 0 : Int((Double(series.count) / 3).rounded(.up))
        let legendHeight = Double(legendRows) * 18
        let left = compact ? 40.0 : 62.0
        let plot = Frame(x: frame.x + left, y: frame.y + 10 + legendHeight, width: frame.width - left - (compact ? 10 : 20),
                         height: frame.height - 10 - legendHeight - (compact ? 28 : 46))
        let xTicks: [Double], xLabels: [String], xDomain: ClosedRange<Double>
        if let categories = xCategories {
            xDomain = -0.5...(Double(max(categories.count, 1)) - 0.5)
            let stride = max(1, Int((Double(categories.count) * 70 / max(plot.width, 1)).rounded(.up)))
            xTicks = Swift.stride(from: 0, to: categories.count, by: stride).map(Double.init)
            xLabels = xTicks.map { categories[Int($0)] }
        } else {
            let ticks = Ticks.nice(xs.min() ?? 0, xs.max() ?? 1, maxCount: compact ? 4 : 6)
            xDomain = (ticks.values.first ?? 0)...(ticks.values.last ?? 1)
            xTicks = ticks.values
            xLabels = xTicks.map { label($0, xFormat) }
        }
        let yRange: ClosedRange<Double>
        let yTicks: [Double]
        if let yDomain {
            yRange = yDomain
            yTicks = Ticks.nice(yDomain.lowerBound, yDomain.upperBound, maxCount: compact ? 4 : 6).values
                .filter { $0 >= yDomain.lowerBound - 1e-9 && $0 <= yDomain.upperBound + 1e-9 }
        } else {
            let ticks = Ticks.nice(ys.min() ?? 0, ys.max() ?? 1, maxCount: compact ? 4 : 6)
            yRange = (ticks.values.first ?? 0)...(ticks.values.last ?? 1)
            yTicks = ticks.values
        }
        let xScale = ChartScale(kind: .linear, domain: xDomain, range: plot.x...plot.maxX)
        let yScale = ChartScale(kind: .linear, domain: yRange, range: plot.y...plot.maxY, flipped: true)
        AxisPainter.left(&canvas, scale: yScale, ticks: yTicks, labels: yTicks.map { label($0, yFormat) }, plot: plot,
                         title: compact ? "" : labels.y, fontSize: font)
        AxisPainter.bottom(&canvas, scale: xScale, ticks: xTicks, labels: xLabels, plot: plot, title: compact ? "" : labels.x, fontSize: font)
        for (position, line) in series.enumerated() {
            let index = line.slot ?? position
            let points = line.points.map { (xScale.position($0.x), yScale.position($0.y)) }
            canvas.polyline(points, stroke: Palette.color(index), width: compact ? 1.6 : 2, dash: Palette.dash(index))
            for (point, source) in zip(points, line.points) {
                canvas.marker(Palette.marker(index), x: point.0, y: point.1, size: compact ? 2.4 : 3.4, fill: Palette.color(index),
                              title: "\(line.name): \(xCategories.map { $0[min(max(Int(source.x), 0), $0.count - 1)] } ?? xFormat(source.x)), \(yFormat(source.y))")
            }
        }
        if !compact {
            let columnWidth = (frame.width - left) / 3
            for (position, line) in series.enumerated() {
                let index = line.slot ?? position
                let x = frame.x + left + columnWidth * Double(position % 3), y = frame.y + 8 + Double(position / 3) * 18
                canvas.line(x, y, x + 22, y, stroke: Palette.color(index), width: 2, dash: Palette.dash(index))
                canvas.marker(Palette.marker(index), x: x + 11, y: y, size: 3.4, fill: Palette.color(index))
                canvas.text(truncated(line.name, toWidth: columnWidth - 34, size: font), x: x + 28, y: y + 4, size: font)
            }
        }
    }

    func table() -> DataTable {
        var xValues: [Double] = []
        for line in series { for point in line.points where !xValues.contains(point.x) { xValues.append(point.x) } }
        xValues.sort()
        return DataTable(
            caption: labels.caption,
            columns: [.init(labels.x, numeric: xCategories == nil)] + series.map { .init($0.name) },
            rows: xValues.map { x in
                let name = xCategories.map { $0[min(max(Int(x), 0), $0.count - 1)] } ?? xFormat(x)
                return [name] + series.map { line in line.points.first { $0.x == x }.map { yFormat($0.y) } ?? "—" }
            })
    }
}
