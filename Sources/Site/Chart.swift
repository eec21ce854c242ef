/// SVG charts, written by us: deterministic text output (fixed number formatting, stable
/// element order), an Okabe–Ito palette with distinct markers and dashes so that no series
/// is told apart by colour alone, a `<title>` and `<desc>` on every chart, and a data table
/// model beside every chart holding the numbers it draws.
///
/// Every chart type draws into a `SVGCanvas` frame, so the same code renders a full chart
/// and a panel of `SmallMultiples`. Charts never compute statistics; they draw what they
/// are given.
struct Chart: Sendable, Equatable {
    /// Unique within a page; used for the `id`s of `<title>` and `<desc>`.
    let id: String
    let title: String
    let svg: RawHTML
    let table: DataTable
}

/// The numbers behind a chart, as a caption, column headers and already formatted cells.
struct DataTable: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        var header: String
        /// Numeric columns are right-aligned in HTML.
        var numeric: Bool
        init(_ header: String, numeric: Bool = true) {
            self.header = header
            self.numeric = numeric
        }
    }

    var caption: String
    var columns: [Column]
    var rows: [[String]]
    /// Shown under the table when the table is an excerpt ("first 20 of 768 ranks").
    var note: String

    init(caption: String, columns: [Column], rows: [[String]], note: String = "") {
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.note = note
    }

    /// `<table>` with `<caption>`, `<thead>` and `<tbody>`; every cell escaped.
    func html(className: String = "data") -> RawHTML {
        var out = "<table class=\"\(className)\">\n<caption>\(HTML.escape(caption))</caption>\n<thead><tr>"
        for column in columns {
            out += column.numeric ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">"
            out += HTML.escape(column.header) + "</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                let numeric = index < columns.count && columns[index].numeric
                if index == 0 && !numeric {
                    out += "<th scope=\"row\">\(HTML.escape(cell))</th>"
                } else {
                    out += (numeric ? "<td class=\"num\">" : "<td>") + HTML.escape(cell) + "</td>"
                }
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>"
        if !note.isEmpty { out += "\n<p class=\"table-note\">\(HTML.escape(note))</p>" }
        return RawHTML(out)
    }

    /// RFC 4180 CSV: header line, then rows; fields with `,` `"` or line breaks are quoted.
    ///
    /// Cells come from files users supply (class names, file names, model names), and a
    /// spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula
    /// (`=HYPERLINK(…)`); as OWASP advises, such a cell gets a leading `'`. Numbers (`-0.05`,
    /// `-inf`) are not formulas and stay as they are, so the files still read as numbers.
    func csv() -> String {
        func field(_ cell: String) -> String {
            var text = cell
            if let first = text.first, "=+-@\t\r".contains(first), Double(text) == nil { text = "'" + text }
            let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [columns.map { field($0.header) }.joined(separator: ",")]
        for row in rows { lines.append(row.map(field).joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Okabe & Ito's colour-blind-safe palette (2008), in the order series use it, with a marker
/// shape and dash pattern per slot.
enum Palette {
    /// Blue, vermillion, bluish green, orange, reddish purple, sky blue, black. Yellow is left
    /// out: it does not read on white.
    static let series = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"]
    static let markers: [Marker] = [.circle, .square, .triangle, .diamond, .cross, .circle, .square]
    static let dashes = ["", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", ""]
    /// Baseline models, grid and axes.
    static let muted = "#8C8C8C"
    static let grid = "#E3E3E3"
    static let ink = "#222222"
    /// Pass / fail / not decided — paired with a text label or icon wherever used.
    static let pass = "#009E73"
    static let fail = "#D55E00"
    static let unknown = "#8C8C8C"

    static func color(_ index: Int) -> String { series[index % series.count] }
    static func marker(_ index: Int) -> Marker { markers[index % markers.count] }
    static func dash(_ index: Int) -> String { dashes[index % dashes.count] }

    /// Viridis at 5 stops (colour-blind safe, monotone in lightness); `t` in 0...1, light to dark.
    static func sequential(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (253, 231, 37), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84),
        ]
        return interpolate(stops, min(max(t.isFinite ? t : 0, 0), 1))
    }

    /// The colour at `t` (0…1) of a ramp through equally spaced RGB `stops`.
    static func interpolate(_ stops: [(Double, Double, Double)], _ t: Double) -> String {
        let clamped = t * Double(stops.count - 1)
        let lower = min(Int(clamped), stops.count - 2)
        let f = clamped - Double(lower)
        let a = stops[lower], b = stops[lower + 1]
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return hex(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// Text colour that reads on `sequential(t)`.
    static func textOnSequential(_ t: Double) -> String { t < 0.45 ? "#000000" : "#FFFFFF" }

    /// Diverging scale (orange–white–purple, colour-blind safe like ColorBrewer's PuOr):
    /// `t` in −1…1, −1 the darkest orange (a loss), 0 near-white (no change), 1 the darkest purple (a gain).
    static func diverging(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (179, 88, 6), (241, 163, 64), (247, 247, 247), (153, 142, 195), (84, 39, 136),
        ]
        return interpolate(stops, (min(max(t.isFinite ? t : 0, -1), 1) + 1) / 2)
    }

    /// Text colour that reads on `diverging(t)`.
    static func textOnDiverging(_ t: Double) -> String { abs(t) > 0.6 ? "#FFFFFF" : "#000000" }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789ABCDEF")
        var text = "#"
        for value in [r, g, b] {
            let v = min(max(value, 0), 255)
            text.append(digits[v / 16])
            text.append(digits[v % 16])
        }
        return text
    }
}

enum Marker: Sendable, Equatable { case circle, square, triangle, diamond, cross }

/// A rectangle in SVG user units.
struct Frame: Sendable, Equatable {
    var x: Double, y: Double, width: Double, height: Double
    init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    var maxX: Double { x + width }
    var maxY: Double { y + height }
}

/// Accumulates SVG elements with deterministic number formatting (at most 2 decimals).
struct SVGCanvas: Sendable {
    private(set) var body = ""
    /// Prefix of element ids (`<clipPath>`, `<pattern>`), the chart's id, so that several
    /// charts on one page never share an id.
    var idPrefix: String
    private var idCounter = 0

    init(idPrefix: String = "chart") { self.idPrefix = idPrefix }

    /// A new id, unique within the page as long as chart ids are.
    mutating func uniqueID(_ kind: String) -> String {
        idCounter += 1
        return "\(idPrefix)-\(kind)\(idCounter)"
    }

    /// Defines a clip rectangle and returns its id.
    mutating func clipRect(_ frame: Frame) -> String {
        let id = uniqueID("clip")
        raw("<clipPath id=\"\(id)\"><rect x=\"\(Self.n(frame.x))\" y=\"\(Self.n(frame.y))\" width=\"\(Self.n(frame.width))\" height=\"\(Self.n(frame.height))\"/></clipPath>")
        return id
    }

    static func n(_ value: Double) -> String { Fixed.compact(value, digits: 2) }

    mutating func raw(_ text: String) { body += text + "\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                       width: Double = 1, dash: String = "", className: String = "") {
        var text = "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\""
        if width != 1 { text += " stroke-width=\"\(Self.n(width))\"" }
        if !dash.isEmpty { text += " stroke-dasharray=\"\(dash)\"" }
        if !className.isEmpty { text += " class=\"\(className)\"" }
        raw(text + "/>")
    }

    mutating func rect(_ frame: Frame, fill: String, stroke: String = "", title: String = "") {
        var text = "<rect x=\"\(Self.n(frame.x))\" y=\"\(Self.n(frame.y))\" width=\"\(Self.n(max(frame.width, 0)))\" height=\"\(Self.n(max(frame.height, 0)))\" fill=\"\(fill)\""
        if !stroke.isEmpty { text += " stroke=\"\(stroke)\"" }
        if title.isEmpty {
            raw(text + "/>")
        } else {
            raw(text + "><title>\(HTML.escape(title))</title></rect>")
        }
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
                       fill: String = Palette.ink, weight: String = "", rotate: Bool = false, baseline: String = "", halo: Bool = false, outline: Bool = false) {
        // A white outline drawn first under the glyphs keeps labels readable where they cross lines
        // (a separate element: the `paint-order` attribute is not valid in HTML's SVG).
        if halo {
            text(content, x: x, y: y, anchor: anchor, size: size, fill: "#FFFFFF", weight: weight, rotate: rotate, baseline: baseline,
                 outline: true)
        }
        var text = "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\""
        if anchor != .start { text += " text-anchor=\"\(anchor.rawValue)\"" }
        if size != 12 { text += " font-size=\"\(Self.n(size))\"" }
        if fill != Palette.ink { text += " fill=\"\(fill)\"" }
        if !weight.isEmpty { text += " font-weight=\"\(weight)\"" }
        if !baseline.isEmpty { text += " dominant-baseline=\"\(baseline)\"" }
        if outline { text += " stroke=\"#FFFFFF\" stroke-width=\"3\" stroke-linejoin=\"round\" aria-hidden=\"true\"" }
        if rotate { text += " transform=\"rotate(-90 \(Self.n(x)) \(Self.n(y)))\"" }
        raw(text + ">\(HTML.escape(content))</text>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String = "") {
        guard !points.isEmpty else { return }
        let list = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        var text = "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\" stroke-linejoin=\"round\""
        if !dash.isEmpty { text += " stroke-dasharray=\"\(dash)\"" }
        raw(text + "/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        raw("<polygon points=\"\(list)\" fill=\"\(fill)\" fill-opacity=\"\(Self.n(opacity))\" stroke=\"none\"/>")
    }

    /// A marker centred at (x, y) with an optional hover `<title>`.
    mutating func marker(_ marker: Marker, x: Double, y: Double, size: Double = 4.5, fill: String, title: String = "") {
        let s = size
        let shape: String
        switch marker {
        case .circle:
            shape = "<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(Self.n(s))\" fill=\"\(fill)\" stroke=\"#FFFFFF\" stroke-width=\"0.8\""
        case .square:
            shape = "<rect x=\"\(Self.n(x - s * 0.9))\" y=\"\(Self.n(y - s * 0.9))\" width=\"\(Self.n(s * 1.8))\" height=\"\(Self.n(s * 1.8))\" fill=\"\(fill)\" stroke=\"#FFFFFF\" stroke-width=\"0.8\""
        case .triangle:
            shape = "<polygon points=\"\(Self.n(x)),\(Self.n(y - s * 1.15)) \(Self.n(x + s)),\(Self.n(y + s * 0.75)) \(Self.n(x - s)),\(Self.n(y + s * 0.75))\" fill=\"\(fill)\" stroke=\"#FFFFFF\" stroke-width=\"0.8\""
        case .diamond:
            shape = "<polygon points=\"\(Self.n(x)),\(Self.n(y - s * 1.2)) \(Self.n(x + s * 1.2)),\(Self.n(y)) \(Self.n(x)),\(Self.n(y + s * 1.2)) \(Self.n(x - s * 1.2)),\(Self.n(y))\" fill=\"\(fill)\" stroke=\"#FFFFFF\" stroke-width=\"0.8\""
        case .cross:
            shape = "<path d=\"M\(Self.n(x - s)) \(Self.n(y - s))L\(Self.n(x + s)) \(Self.n(y + s))M\(Self.n(x - s)) \(Self.n(y + s))L\(Self.n(x + s)) \(Self.n(y - s))\" stroke=\"\(fill)\" stroke-width=\"2\" fill=\"none\""
        }
        if title.isEmpty {
            raw(shape + "/>")
        } else {
            raw(shape + "><title>\(HTML.escape(title))</title>" + (marker == .circle ? "</circle>" : marker == .square ? "</rect>" : marker == .cross ? "</path>" : "</polygon>"))
        }
    }

    /// Wraps the body into a complete, accessible `<svg>` element.
    func document(id: String, title: String, description: String, width: Double, height: Double) -> RawHTML {
        var out = "<svg viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\""
        out += " width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" role=\"img\" class=\"chart\""
        out += " aria-labelledby=\"\(id)-title \(id)-desc\" font-family=\"system-ui, -apple-system, 'Segoe UI', 'Hiragino Sans', 'Noto Sans CJK JP', sans-serif\" font-size=\"12\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>\n"
        out += body
        out += "</svg>"
        return RawHTML(out)
    }
}

/// Rough text width for layout (no font metrics available): CJK glyphs are one em, others ~0.58 em.
func estimatedWidth(_ text: String, size: Double = 12) -> Double {
    var em = 0.0
    for scalar in text.unicodeScalars {
        em += scalar.value >= 0x2E80 ? 1.0 : (scalar.properties.isUppercase || scalar.properties.isMath ? 0.7 : 0.6)
    }
    return em * size
}

/// Shortens `text` with an ellipsis so that it fits `width` (estimated).
func truncated(_ text: String, toWidth width: Double, size: Double = 12) -> String {
    guard estimatedWidth(text, size: size) > width else { return text }
    var result = ""
    for character in text {
        if estimatedWidth(result + String(character) + "…", size: size) > width { break }
        result.append(character)
    }
    return result + "…"
}
