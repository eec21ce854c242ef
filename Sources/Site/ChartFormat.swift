/// How a chart prints a value in labels and in its data table.
enum ValueFormat: Sendable, Equatable {
    /// A fraction shown as a percentage: 0.8523 → "85.2%".
    case percent(digits: Int)
    /// A plain number: "3.14".
    case fixed(digits: Int)
    /// A difference of fractions in percentage points with a sign and a unit: 0.032 → "+3.2 pp".
    case points(digits: Int, unit: String)

    func callAsFunction(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        switch self {
        case .percent(let digits): return Fixed.format(value * 100, digits: digits) + "%"
        case .fixed(let digits): return Fixed.format(value, digits: digits)
        case .points(let digits, let unit):
            let text = Fixed.format(value * 100, digits: digits)
            let signed = text.hasPrefix("-") ? "−" + text.dropFirst() : (Double(text) == 0 ? text : "+" + text)
            return unit.isEmpty ? signed : signed + " " + unit
        }
    }
}

/// Something that draws itself into a frame: a full chart or one panel of small multiples.
protocol ChartPanel: Sendable {
    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool)
    /// The numbers the panel draws.
    func table() -> DataTable
}

extension ChartPanel {
    /// A standalone chart of `width` × `height` user units.
    func standalone(id: String, title: String, description: String, width: Double, height: Double) -> Chart {
        var canvas = SVGCanvas(idPrefix: id)
        draw(into: &canvas, frame: Frame(x: 0, y: 0, width: width, height: height), compact: false)
        return Chart(id: id, title: title, svg: canvas.document(id: id, title: title, description: description, width: width, height: height), table: table())
    }
}
