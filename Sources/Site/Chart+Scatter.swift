import Foundation

/// Effective-robustness scatter: reference accuracy (x) against shifted accuracy (y), both on
/// logit axes, with the baseline models in grey, the baseline fit as a straight line in logit
/// space (`logit(y) = slope·logit(x) + intercept`) with its shaded (bootstrap) band, the y = x line (no drop), and the evaluated models labelled.
struct ScatterChart: ChartPanel {
    struct Point: Sendable, Equatable {
        var label: String
        var x: Double
        var y: Double
        var isBaseline: Bool
        /// Effective robustness as computed by the probes (shown in the table, not recomputed).
        var effectiveRobustness: Double?
        var series: Int
        init(label: String, x: Double, y: Double, isBaseline: Bool = false, effectiveRobustness: Double? = nil, series: Int = 0) {
            self.label = label; self.x = x; self.y = y; self.isBaseline = isBaseline
            self.effectiveRobustness = effectiveRobustness; self.series = series
        }
    }

    /// The baseline line `logit(y) = slope·logit(x) + intercept` and its band, given as
    /// (x, lower, upper) accuracies (fractions) at increasing x.
    struct Fit: Sendable, Equatable {
        var slope: Double, intercept: Double
        var band: [BandSample]
        init(slope: Double, intercept: Double, band: [BandSample] = []) {
            self.slope = slope; self.intercept = intercept; self.band = band
        }
    }

    struct BandSample: Sendable, Equatable {
        var x: Double, lower: Double, upper: Double
        init(x: Double, lower: Double, upper: Double) {
            self.x = x; self.lower = lower; self.upper = upper
        }
    }

    struct Labels: Sendable, Equatable {
        var caption: String, name: String, x: String, y: String, effectiveRobustness: String
        var baseline: String, fit: String, noDrop: String, erUnit: String
        init(caption: String, name: String, x: String, y: String, effectiveRobustness: String,
                    baseline: String, fit: String, noDrop: String, erUnit: String) {
            self.caption = caption; self.name = name; self.x = x; self.y = y
            self.effectiveRobustness = effectiveRobustness; self.baseline = baseline; self.fit = fit
            self.noDrop = noDrop; self.erUnit = erUnit
        }
    }

    var points: [Point]
    var fit: Fit?
    var labels: Labels

    init(points: [Point], fit: Fit?, labels: Labels) {
        self.points = points; self.fit = fit; self.labels = labels
    }

    func chart(id: String, title: String, description: String, width: Double = 560, height: Double = 440) -> Chart {
        standalone(id: id, title: title, description: description, width: width, height: height)
    }

    var domain: ClosedRange<Double> {
        // Accuracies of exactly 0 or 1 have no logit: they are placed at 0.5% / 99.5%.
        let values = points.flatMap { [$0.x, $0.y] }.filter(\.isFinite).map { min(max($0, 0.005), 0.995) }
        guard let lo = values.min(), let hi = values.max() else { return 0.1...0.9 }
        let a = ChartScale.transform(lo, .logit), b = ChartScale.transform(hi, .logit)
        let pad = max((b - a) * 0.08, 0.25)
        func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        return sigmoid(a - pad)...sigmoid(b + pad)
    }

    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        let left = compact ? 40.0 : 62.0, bottom = compact ? 30.0 : 46.0, top = compact ? 8.0 : 14.0
        let legendHeight = compact ? 0.0 : 22.0
        let plot = Frame(x: frame.x + left, y: frame.y + top + legendHeight, width: frame.width - left - (compact ? 8 : 16),
                         height: frame.height - top - legendHeight - bottom)
        let domain = self.domain
        let xs = ChartScale(kind: .logit, domain: domain, range: plot.x...plot.maxX)
        let ys = ChartScale(kind: .logit, domain: domain, range: plot.y...plot.maxY, flipped: true)
        let ticks = Ticks.logit(domain.lowerBound, domain.upperBound, maxCount: compact ? 5 : 8)
        let tickLabels = ticks.map(Ticks.percentLabel)
        AxisPainter.left(&canvas, scale: ys, ticks: ticks, labels: tickLabels, plot: plot, title: compact ? "" : labels.y, fontSize: font)
        AxisPainter.bottom(&canvas, scale: xs, ticks: ticks, labels: tickLabels, plot: plot, title: compact ? "" : labels.x, fontSize: font)

        // Lines in logit space are straight, so two end points draw them exactly.
        let lo = ChartScale.transform(domain.lowerBound, .logit), hi = ChartScale.transform(domain.upperBound, .logit)
        canvas.line(xs.position(transformed: lo), ys.position(transformed: lo), xs.position(transformed: hi), ys.position(transformed: hi),
                    stroke: Palette.muted, dash: "2 3")
        if let fit {
            let band = fit.band.filter { $0.x > 0 && $0.x < 1 && $0.lower > 0 && $0.upper < 1 }.sorted { $0.x < $1.x }
            if band.count >= 2 {
                // The band may extend past the plot: draw it unclamped under a clip path.
                let clip = canvas.clipRect(plot)
                let upper = band.map { (xs.position($0.x, clamped: false), ys.position($0.upper, clamped: false)) }
                let lower = band.reversed().map { (xs.position($0.x, clamped: false), ys.position($0.lower, clamped: false)) }
                canvas.raw("<g clip-path=\"url(#\(clip))\">")
                canvas.polygon(upper + lower, fill: Palette.muted, opacity: 0.2)
                canvas.raw("</g>")
            }
            // Clip the straight fitted line to the plot square in logit space.
            var z0 = lo, z1 = hi
            if fit.slope != 0 {
                let a = (lo - fit.intercept) / fit.slope, b = (hi - fit.intercept) / fit.slope
                z0 = max(lo, min(a, b)); z1 = min(hi, max(a, b))
            }
            if z1 > z0 {
                canvas.line(xs.position(transformed: z0), ys.position(transformed: fit.slope * z0 + fit.intercept),
                            xs.position(transformed: z1), ys.position(transformed: fit.slope * z1 + fit.intercept), stroke: "#555555", width: 1.5)
            }
        }
        for point in points where point.isBaseline {
            canvas.marker(.circle, x: xs.position(point.x), y: ys.position(point.y), size: compact ? 2.2 : 3, fill: Palette.muted,
                          title: "\(point.label): \(ValueFormat.percent(digits: 1)(point.x)), \(ValueFormat.percent(digits: 1)(point.y))")
        }
        var placed: [(Double, Double)] = []
        for point in points where !point.isBaseline {
            let x = xs.position(point.x), y = ys.position(point.y)
            canvas.marker(Palette.marker(point.series), x: x, y: y, size: compact ? 3.5 : 5, fill: Palette.color(point.series),
                          title: "\(point.label): \(ValueFormat.percent(digits: 1)(point.x)), \(ValueFormat.percent(digits: 1)(point.y))")
            guard !compact else { continue }
            let text = truncated(point.label, toWidth: 160, size: font)
            let width = estimatedWidth(text, size: font)
            var labelY = y + font * 0.35
            while placed.contains(where: { abs($0.1 - labelY) < font + 1 && abs($0.0 - x) < width + 12 }) { labelY += font + 2 }
            placed.append((x, labelY))
            if x + 8 + width < plot.maxX {
                canvas.text(text, x: x + 8, y: labelY, size: font, fill: Palette.ink, halo: true)
            } else {
                canvas.text(text, x: x - 8, y: labelY, anchor: .end, size: font, fill: Palette.ink, halo: true)
            }
        }
        if !compact {
            var x = plot.x
            let y = frame.y + top + 6
            if points.contains(where: \.isBaseline) {
                canvas.marker(.circle, x: x + 4, y: y, size: 3, fill: Palette.muted)
                canvas.text(labels.baseline, x: x + 12, y: y + 4, size: font)
                x += 24 + estimatedWidth(labels.baseline, size: font)
            }
            if fit != nil {
                canvas.line(x, y, x + 18, y, stroke: "#555555", width: 1.5)
                canvas.text(labels.fit, x: x + 24, y: y + 4, size: font)
                x += 36 + estimatedWidth(labels.fit, size: font)
            }
            canvas.line(x, y, x + 18, y, stroke: Palette.muted, dash: "2 3")
            canvas.text(labels.noDrop, x: x + 24, y: y + 4, size: font)
        }
    }

    func table() -> DataTable {
        let percent = ValueFormat.percent(digits: 1)
        let er = ValueFormat.points(digits: 1, unit: labels.erUnit)
        let ordered = points.filter { !$0.isBaseline } + points.filter(\.isBaseline)
        return DataTable(
            caption: labels.caption,
            columns: [.init(labels.name, numeric: false), .init(labels.x), .init(labels.y), .init(labels.effectiveRobustness)],
            rows: ordered.map { point in
                [point.isBaseline ? "\(point.label) (\(labels.baseline))" : point.label, percent(point.x), percent(point.y),
                 point.effectiveRobustness.map { er($0) } ?? "—"]
            })
    }
}
