/// Small multiples: the same kind of chart repeated per model or per shift in a grid, with
/// shared styling and a title above each panel. The data table stacks the panels' tables
/// with the panel's name in the first column.
struct SmallMultiples: Sendable {
    var panels: [(title: String, panel: any ChartPanel)]
    var columns: Int
    var panelWidth: Double
    var panelHeight: Double
    var caption: String
    var panelHeader: String
    /// Series shown in a legend above the panels (name, palette slot), since compact panels
    /// carry no labels of their own.
    var legend: [(name: String, series: Int)]

    init(panels: [(title: String, panel: any ChartPanel)], columns: Int = 3, panelWidth: Double = 220, panelHeight: Double = 180,
                caption: String, panelHeader: String, legend: [(name: String, series: Int)] = []) {
        self.panels = panels; self.columns = max(columns, 1); self.panelWidth = panelWidth; self.panelHeight = panelHeight
        self.caption = caption; self.panelHeader = panelHeader; self.legend = legend
    }

    func chart(id: String, title: String, description: String) -> Chart {
        let columnCount = min(columns, max(panels.count, 1))
        let rowCount = (panels.count + columnCount - 1) / columnCount
        let width = Double(columnCount) * panelWidth
        var canvas = SVGCanvas(idPrefix: id)
        // Legend rows: as many entries per row as fit the width.
        var legendX = 8.0, legendY = 14.0
        for entry in legend {
            let entryWidth = 30 + estimatedWidth(entry.name, size: 11) + 14
            if legendX + entryWidth > width && legendX > 8 { legendX = 8; legendY += 18 }
            // A negative slot is the muted baseline style.
            if entry.series < 0 {
                canvas.marker(.circle, x: legendX + 6, y: legendY - 4, size: 2.6, fill: Palette.muted)
            } else {
                canvas.marker(Palette.marker(entry.series), x: legendX + 6, y: legendY - 4, size: 4, fill: Palette.color(entry.series))
            }
            canvas.text(entry.name, x: legendX + 16, y: legendY, size: 11)
            legendX += entryWidth
        }
        let top = legend.isEmpty ? 0 : legendY + 10
        let height = top + Double(max(rowCount, 1)) * (panelHeight + 20)
        for (index, item) in panels.enumerated() {
            let x = Double(index % columnCount) * panelWidth, y = top + Double(index / columnCount) * (panelHeight + 20)
            canvas.text(truncated(item.title, toWidth: panelWidth - 12, size: 12), x: x + panelWidth / 2, y: y + 14, anchor: .middle, weight: "600")
            canvas.raw("<g>")
            item.panel.draw(into: &canvas, frame: Frame(x: x + 2, y: y + 20, width: panelWidth - 4, height: panelHeight), compact: true)
            canvas.raw("</g>")
        }
        return Chart(id: id, title: title, svg: canvas.document(id: id, title: title, description: description, width: width, height: height),
                     table: table())
    }

    func table() -> DataTable {
        let tables = panels.map { $0.panel.table() }
        guard let first = tables.first else { return DataTable(caption: caption, columns: [], rows: []) }
        var rows: [[String]] = []
        for (item, table) in zip(panels, tables) { rows += table.rows.map { [item.title] + $0 } }
        return DataTable(caption: caption, columns: [.init(panelHeader, numeric: false)] + first.columns, rows: rows, note: first.note)
    }
}
