/// A grid of coloured cells (rows × columns, e.g. model × shift) with the value printed in
/// every cell, so the colour is never the only carrier. With a `centre` the scale diverges
/// (orange below, near-white at, purple above it: an improvement never looks like the best of a
/// sequential scale); otherwise it is sequential (viridis). Both are colour-blind safe. Missing
/// cells (nothing measured) are hatched grey with a dash; estimated cells print "≈" before the value.
struct HeatmapChart: ChartPanel {
    struct Labels: Sendable, Equatable {
        var caption: String, corner: String, legend: String, missing: String
        /// Legend note for estimated cells (shown only when a cell is estimated).
        var estimated: String
        init(caption: String, corner: String, legend: String, missing: String, estimated: String = "") {
            self.caption = caption; self.corner = corner; self.legend = legend; self.missing = missing; self.estimated = estimated
        }
    }

    var rows: [String]
    var columns: [String]
    /// `values[row][column]`, nil where nothing was measured.
    var values: [[Double?]]
    /// Maps to the light end and the dark end of the colour scale.
    var domain: ClosedRange<Double>
    var format: ValueFormat
    var labels: Labels
    /// The value the diverging scale is centred on (e.g. 1 = "keeps 100 %"); nil: sequential scale.
    var centre: Double?
    /// `estimated[row][column]`: the value is an estimate (e.g. label-free), printed with "≈".
    var estimated: [[Bool]]

    init(rows: [String], columns: [String], values: [[Double?]], domain: ClosedRange<Double>, format: ValueFormat = .percent(digits: 1),
         labels: Labels, centre: Double? = nil, estimated: [[Bool]] = []) {
        self.rows = rows; self.columns = columns; self.values = values; self.domain = domain; self.format = format; self.labels = labels
        self.centre = centre; self.estimated = estimated
    }

    /// Room for the legend's line about estimated cells, when there are any.
    var estimateNoteHeight: Double { estimated.joined().contains(true) && !labels.estimated.isEmpty ? 16 : 0 }

    func isEstimated(_ row: Int, _ column: Int) -> Bool {
        row < estimated.count && column < estimated[row].count && estimated[row][column]
    }

    /// Half-width of the diverging scale: the larger distance of the domain's ends from the centre.
    func divergingSpan(_ centre: Double) -> Double {
        max(centre - domain.lowerBound, domain.upperBound - centre, 1e-9)
    }

    func fill(_ value: Double) -> String {
        guard let centre else { return Palette.sequential(t(value)) }
        return Palette.diverging((value - centre) / divergingSpan(centre))
    }

    func textFill(_ value: Double) -> String {
        guard let centre else { return Palette.textOnSequential(t(value)) }
        return Palette.textOnDiverging((value - centre) / divergingSpan(centre))
    }

    /// The printed value: "≈" before estimates.
    func text(_ row: Int, _ column: Int, _ value: Double) -> String {
        (isEstimated(row, column) ? "≈" : "") + format(value)
    }

    func chart(id: String, title: String, description: String, width: Double = 640) -> Chart {
        let height = 96 + Double(max(rows.count, 1)) * 34 + estimateNoteHeight
        return standalone(id: id, title: title, description: description, width: width, height: height)
    }

    func value(_ row: Int, _ column: Int) -> Double? {
        guard row < values.count, column < values[row].count else { return nil }
        return values[row][column]
    }

    func t(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        return span == 0 ? 0.5 : (value - domain.lowerBound) / span
    }

    func draw(into canvas: inout SVGCanvas, frame: Frame, compact: Bool) {
        let font = compact ? 10.0 : 11.0
        // Row labels are bold: allow 8% more than the regular-weight estimate.
        let maxLabel = frame.width * 0.33
        let widest = min(max(rows.map { estimatedWidth($0, size: font) }.max() ?? 40, 40), maxLabel)
        let rowLabelWidth = widest * 1.08 + 12
        let legendHeight = 34.0 + estimateNoteHeight
        let headerHeight = 28.0
        let grid = Frame(x: frame.x + rowLabelWidth, y: frame.y + headerHeight, width: frame.width - rowLabelWidth - 4,
                         height: frame.height - headerHeight - legendHeight - 8)
        let cellWidth = grid.width / Double(max(columns.count, 1))
        let cellHeight = grid.height / Double(max(rows.count, 1))
        let hatch = canvas.uniqueID("hatch")
        canvas.raw("<defs><pattern id=\"\(hatch)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#F2F2F2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#CCCCCC\" stroke-width=\"2\"/></pattern></defs>")
        for (column, name) in columns.enumerated() {
            canvas.text(truncated(name, toWidth: cellWidth - 4, size: font), x: grid.x + cellWidth * (Double(column) + 0.5), y: grid.y - 9,
                        anchor: .middle, size: font, weight: "600")
        }
        for (row, name) in rows.enumerated() {
            let y = grid.y + cellHeight * Double(row)
            canvas.text(truncated(name, toWidth: maxLabel, size: font), x: grid.x - 8, y: y + cellHeight / 2 + font * 0.35,
                        anchor: .end, size: font, weight: "600")
            for column in columns.indices {
                let cell = Frame(x: grid.x + cellWidth * Double(column) + 1, y: y + 1, width: cellWidth - 2, height: cellHeight - 2)
                let centreX = cell.x + cell.width / 2, centreY = cell.y + cell.height / 2 + font * 0.35
                if let value = value(row, column), value.isFinite {
                    let note = isEstimated(row, column) && !labels.estimated.isEmpty ? " (\(labels.estimated))" : ""
                    canvas.rect(cell, fill: fill(value), title: "\(name) × \(columns[column]): \(text(row, column, value))\(note)")
                    canvas.text(text(row, column, value), x: centreX, y: centreY, anchor: .middle, size: font, fill: textFill(value))
                } else {
                    canvas.rect(cell, fill: "url(#\(hatch))", title: "\(name) × \(columns[column]): \(labels.missing)")
                    canvas.text("—", x: centreX, y: centreY, anchor: .middle, size: font, fill: "#666666")
                }
            }
        }
        // Legend: a stepped ramp from the scale's low to high end (centred on `centre` when diverging).
        let legendY = grid.maxY + 14
        let steps = 10
        let rampWidth = min(200, grid.width * 0.5)
        let low = centre.map { $0 - divergingSpan($0) } ?? domain.lowerBound
        let high = centre.map { $0 + divergingSpan($0) } ?? domain.upperBound
        canvas.text(labels.legend, x: grid.x, y: legendY + 10, size: font)
        let rampX = grid.x + estimatedWidth(labels.legend, size: font) + 10
        canvas.text(format(low), x: rampX, y: legendY + 10, size: font)
        let startX = rampX + estimatedWidth(format(low), size: font) + 6
        for step in 0..<steps {
            let t = (Double(step) + 0.5) / Double(steps)
            canvas.rect(Frame(x: startX + rampWidth * Double(step) / Double(steps), y: legendY, width: rampWidth / Double(steps) + 0.3, height: 12),
                        fill: centre == nil ? Palette.sequential(t) : Palette.diverging(2 * t - 1))
        }
        canvas.text(format(high), x: startX + rampWidth + 6, y: legendY + 10, size: font)
        if let centre {
            canvas.text(format(centre), x: startX + rampWidth / 2, y: legendY + 24, anchor: .middle, size: font - 1)
        }
        if estimateNoteHeight > 0 {
            canvas.text(labels.estimated, x: grid.x, y: legendY + 38, size: font)
        }
    }

    func table() -> DataTable {
        DataTable(caption: labels.caption,
                  columns: [.init(labels.corner, numeric: false)] + columns.map { .init($0) },
                  rows: rows.enumerated().map { row, name in
                      [name] + columns.indices.map { column in value(row, column).map { text(row, column, $0) } ?? "—" }
                  })
    }
}
