/// Horizontal bars with interval whiskers (e.g. accuracy with its 95% interval per model),
/// an optional threshold line (the pilot's criterion) and the value printed at each bar.
struct BarChart: ChartPanel {
    struct Bar: Sendable, Equatable {
        var label: String
        var value: Double
        var low: Double?
        var high: Double?
        init(label: String, value: Double, low: Double? = nil, high: Double? = nil) {
            self.label = label; self.value = value; self.low = low; self.high = high
        }
    }

    struct Labels: Sendable, Equatable {
        var caption: String, name: String, value: String, low: String, high: String, axis: String, threshold: String
        init(caption: String, name: String, value: String, low: String, high: String, axis: String, threshold: String = "") {
            self.caption = caption; self.name = name; self.value = value; self.low = low; self.high = high
            self.axis = axis; self.threshold = threshold
        }
    }

    var bars: [Bar]
    var format: ValueFormat
    /// The value axis; defaults to 0...1 for percentages.
    var domain: ClosedRange<Double>?
    var threshold: Double?
    var labels: Labels

    init(bars: [Bar], format: ValueFormat = .percent(digits: 1), domain: ClosedRange<Double>? = nil, threshold: Double? = nil, labels: Labels) {
        self.bars = bars; self.format = format; self.domain = domain; self.threshold = threshold; self.labels = labels
    }

    func chart(id: String, title: String, description: String, width: Double = 640) -> Chart {
        let height = 70 + Double(max(bars.count, 1)) * 26
        return standalone(id: id, title: title, description: description, width: width, height: height)
    }

    var resolvedDomain: ClosedRange<Double> {
        if let domain { return domain }
        if case .percent = format { return 0...1 }
        let values = bars.flatMap { [$0.value, $0.high ?? $0.value] } + (threshold.map { [$0] } ?? [])
        let ticks = Ticks.nice(min(0, values.min() ?? 0), values.max() ?? 1)
        return (ticks.values.first ?? 0)...(ticks.values.last ?? 1)
    }

    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        let labelWidth = min(max(bars.map { estimatedWidth($0.label, size: font) }.max() ?? 40, 40), frame.width * 0.35) + 12
        let plot = Frame(x: frame.x + labelWidth, y: frame.y + 18, width: frame.width - labelWidth - 56, height: frame.height - 18 - 40)
        let domain = resolvedDomain
        let scale = ChartScale(kind: .linear, domain: domain, range: plot.x...plot.maxX)
        let ticks = Ticks.nice(domain.lowerBound, domain.upperBound, maxCount: compact ? 4 : 6).values
            .filter { $0 >= domain.lowerBound - 1e-9 && $0 <= domain.upperBound + 1e-9 }
        let tickLabels: [String] = ticks.map { value in
            if case .percent = format { return Ticks.percentLabel(value) }
            return Fixed.compact(value, digits: 3)
        }
        AxisPainter.bottom(&canvas, scale: scale, ticks: ticks, labels: tickLabels, plot: plot, title: labels.axis, fontSize: font)
        let band = plot.height / Double(max(bars.count, 1))
        for (index, bar) in bars.enumerated() {
            let y = plot.y + band * Double(index)
            let barHeight = min(band * 0.62, 18)
            let top = y + (band - barHeight) / 2
            canvas.text(truncated(bar.label, toWidth: labelWidth - 12, size: font), x: plot.x - 8, y: top + barHeight / 2 + font * 0.35, anchor: .end, size: font)
            let x0 = scale.position(max(domain.lowerBound, 0)), x1 = scale.position(bar.value)
            canvas.rect(Frame(x: min(x0, x1), y: top, width: abs(x1 - x0), height: barHeight), fill: Palette.color(0),
                        title: "\(bar.label): \(format(bar.value))")
            var valueX = x1
            if let low = bar.low, let high = bar.high {
                let a = scale.position(low), b = scale.position(high), mid = top + barHeight / 2
                canvas.line(a, mid, b, mid, stroke: Palette.ink, width: 1.3)
                canvas.line(a, mid - 4, a, mid + 4, stroke: Palette.ink, width: 1.3)
                canvas.line(b, mid - 4, b, mid + 4, stroke: Palette.ink, width: 1.3)
                valueX = max(valueX, b)
            }
            canvas.text(format(bar.value), x: valueX + 5, y: top + barHeight / 2 + font * 0.35, size: font, weight: "600", halo: true)
        }
        if let threshold {
            let x = scale.position(threshold)
            canvas.line(x, plot.y - 6, x, plot.maxY, stroke: Palette.ink, width: 1.5, dash: "5 3")
            if !labels.threshold.isEmpty {
                canvas.text(labels.threshold, x: x, y: plot.y - 8, anchor: .middle, size: font, fill: Palette.ink)
            }
        }
    }

    func table() -> DataTable {
        DataTable(caption: labels.caption,
                  columns: [.init(labels.name, numeric: false), .init(labels.value), .init(labels.low), .init(labels.high)],
                  rows: bars.map { [$0.label, format($0.value), $0.low.map { format($0) } ?? "—", $0.high.map { format($0) } ?? "—"] })
    }
}
