/// Locale-free, deterministic number formatting for SVG coordinates and CSV cells.
///
/// Foundation's formatters depend on the machine's locale and ICU version; golden files
/// must not. Rounding is half away from zero on the decimal value; "-0" is never produced.
enum Fixed {
    /// `value` with exactly `digits` decimals (0...9). Non-finite values give "NaN", "inf", "-inf".
    static func format(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        let digits = min(max(digits, 0), 9)
        var scale: Double = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e17 else { return String(value) }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let whole = units / divisor
        let fraction = units % divisor
        var text = units == 0 || value >= 0 ? "" : "-"
        text += String(whole)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }

    /// `value` with up to `digits` decimals, trailing zeros (and a bare point) removed — for SVG coordinates.
    static func compact(_ value: Double, digits: Int = 2) -> String {
        var text = format(value, digits: digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Groups the integer part with `separator` every three digits ("12,345.6").
    static func grouped(_ text: String, separator: String) -> String {
        var sign = ""
        var body = Substring(text)
        if body.hasPrefix("-") { sign = "-"; body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1)
        guard let integer = parts.first, integer.count > 3 else { return text }
        var groups: [Substring] = []
        var end = integer.endIndex
        while end > integer.startIndex {
            let start = integer.index(end, offsetBy: -3, limitedBy: integer.startIndex) ?? integer.startIndex
            groups.insert(integer[start..<end], at: 0)
            end = start
        }
        return sign + groups.joined(separator: separator) + (parts.count > 1 ? "." + parts[1] : "")
    }
}
