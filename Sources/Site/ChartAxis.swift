import Foundation

/// A mapping from data values to one SVG coordinate, with its ticks.
struct ChartScale: Sendable {
    enum Kind: Sendable, Equatable {
        case linear
        /// log10; the domain must be positive.
        case log
        /// logit(p) = ln(p / (1 − p)); the domain must lie in (0, 1). Used for accuracies,
        /// where the effective-robustness baseline is a straight line.
        case logit
    }

    let kind: Kind
    let domain: ClosedRange<Double>
    let range: ClosedRange<Double>
    /// Whether the range runs from its upper bound to its lower (y axes).
    let flipped: Bool

    init(kind: Kind, domain: ClosedRange<Double>, range: ClosedRange<Double>, flipped: Bool = false) {
        self.kind = kind
        self.domain = domain
        self.range = range
        self.flipped = flipped
    }

    static func transform(_ value: Double, _ kind: Kind) -> Double {
        switch kind {
        case .linear: return value
        case .log: return Foundation.log10(max(value, 1e-300))
        case .logit:
            let p = min(max(value, 1e-6), 1 - 1e-6)
            return Foundation.log(p / (1 - p))
        }
    }

    /// The coordinate of `value`; values outside the domain are clamped to its edge unless
    /// `clamped` is false (for shapes drawn under a clip path).
    func position(_ value: Double, clamped: Bool = true) -> Double {
        let lo = Self.transform(domain.lowerBound, kind), hi = Self.transform(domain.upperBound, kind)
        let raw = Self.transform(value, kind)
        let v = clamped ? min(max(raw, min(lo, hi)), max(lo, hi)) : raw
        let t = hi == lo ? 0.5 : (v - lo) / (hi - lo)
        return flipped
            ? range.upperBound - t * (range.upperBound - range.lowerBound)
            : range.lowerBound + t * (range.upperBound - range.lowerBound)
    }

    /// Position of a value already in transformed space (a logit or log10 value).
    func position(transformed v: Double) -> Double {
        let lo = Self.transform(domain.lowerBound, kind), hi = Self.transform(domain.upperBound, kind)
        let t = hi == lo ? 0.5 : (v - lo) / (hi - lo)
        return flipped
            ? range.upperBound - t * (range.upperBound - range.lowerBound)
            : range.lowerBound + t * (range.upperBound - range.lowerBound)
    }
}

/// Tick positions that people read easily.
enum Ticks {
    /// Multiples of 1, 2 or 5 × 10^k covering `lo...hi` with at most `maxCount` ticks, and the
    /// number of decimals needed to print them. The first and last tick enclose the data
    /// (`lo` and `hi` are rounded outwards to the step).
    static func nice(_ lo: Double, _ hi: Double, maxCount: Int = 6) -> (values: [Double], step: Double, decimals: Int) {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if lo > hi { swap(&lo, &hi) }
        if hi - lo < 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let count = Double(max(maxCount - 1, 1))
        let rough = (hi - lo) / count
        let power = pow(10, floor(log10(rough)))
        var step = power
        for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * power >= rough * (1 - 1e-9) {
            step = multiple * power
            break
        }
        let first = floor(lo / step + 1e-9) * step
        let last = ceil(hi / step - 1e-9) * step
        var values: [Double] = []
        var value = first
        var index = 0.0
        while value <= last + step * 1e-6 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            index += 1
            value = first + index * step
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return (values, step, decimals)
    }

    /// Accuracies at which a logit axis is ticked: the densest of three levels (0.01/0.1/0.5/0.9/0.99;
    /// adding 0.05/0.2/0.3/…; adding 0.02/0.4/0.6/…) that puts at most `maxCount` ticks in `lo...hi`.
    static func logit(_ lo: Double, _ hi: Double, maxCount: Int = 9) -> [Double] {
        let levels: [[Double]] = [
            [0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999],
            [0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999],
            [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999],
        ]
        var chosen = levels[0].filter { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 }
        for level in levels.dropFirst() {
            let inside = level.filter { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 }
            if inside.count <= maxCount { chosen = inside }
        }
        return chosen
    }

    /// Powers of ten in `lo...hi` (positive); with fewer than three decades, also 2× and 5×.
    static func log(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [max(lo, 1)] }
        let first = Int(floor(log10(lo) + 1e-9)), last = Int(ceil(log10(hi) - 1e-9))
        let multiples: [Double] = last - first < 3 ? [1, 2, 5] : [1]
        var values: [Double] = []
        for exponent in first...last {
            for multiple in multiples {
                let value = multiple * pow(10, Double(exponent))
                if value >= lo * (1 - 1e-9) && value <= hi * (1 + 1e-9) { values.append(value) }
            }
        }
        return values
    }

    /// An accuracy tick label: "50%", "99.5%", "0.1%".
    static func percentLabel(_ p: Double) -> String {
        let percent = p * 100
        for digits in 0...2 {
            let text = Fixed.format(percent, digits: digits)
            if abs((Double(text) ?? percent) - percent) < 1e-9 { return text + "%" }
        }
        return Fixed.format(percent, digits: 2) + "%"
    }

    /// A log-axis label: "1", "10", "100", "1000", "0.1", "2", "5".
    static func logLabel(_ value: Double) -> String {
        Fixed.compact(value, digits: value < 1 ? 3 : 0)
    }
}

/// Draws axes, grid lines and labels for a plot area.
struct AxisPainter {
    /// Vertical axis on the left with horizontal grid lines.
    static func left(_ canvas: inout SVGCanvas, scale: ChartScale, ticks: [Double], labels: [String], plot: Frame, title: String, fontSize: Double = 11) {
        for (value, label) in zip(ticks, labels) {
            let y = scale.position(value)
            canvas.line(plot.x, y, plot.maxX, y, stroke: Palette.grid)
            canvas.text(label, x: plot.x - 6, y: y + fontSize * 0.35, anchor: .end, size: fontSize, fill: "#444444")
        }
        canvas.line(plot.x, plot.y, plot.x, plot.maxY, stroke: "#666666")
        if !title.isEmpty {
            let widest = labels.map { estimatedWidth($0, size: fontSize) }.max() ?? 0
            canvas.text(title, x: plot.x - widest - 16, y: plot.y + plot.height / 2, anchor: .middle, size: fontSize + 1, rotate: true)
        }
    }

    /// Horizontal axis at the bottom with vertical grid lines.
    static func bottom(_ canvas: inout SVGCanvas, scale: ChartScale, ticks: [Double], labels: [String], plot: Frame, title: String, fontSize: Double = 11) {
        for (value, label) in zip(ticks, labels) {
            let x = scale.position(value)
            canvas.line(x, plot.y, x, plot.maxY, stroke: Palette.grid)
            canvas.text(label, x: x, y: plot.maxY + fontSize + 4, anchor: .middle, size: fontSize, fill: "#444444")
        }
        canvas.line(plot.x, plot.maxY, plot.maxX, plot.maxY, stroke: "#666666")
        if !title.isEmpty {
            canvas.text(title, x: plot.x + plot.width / 2, y: plot.maxY + fontSize * 2 + 12, anchor: .middle, size: fontSize + 1)
        }
    }
}
