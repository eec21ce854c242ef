/// HTML text that is inserted into a page as is. Only code that builds markup itself
/// (charts, the page builders) creates it; user text never becomes `RawHTML` without
/// passing through `HTML.escape`.
struct RawHTML: Equatable, Sendable, CustomStringConvertible {
    let html: String
    init(_ html: String) { self.html = html }
    var description: String { html }
    static func + (lhs: RawHTML, rhs: RawHTML) -> RawHTML { RawHTML(lhs.html + rhs.html) }
}

/// Escaping of text for HTML and SVG (both element content and quoted attribute values).
enum HTML {
    /// Replaces `& < > " '` by character references, so the result is safe in element
    /// content and in single- or double-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An element with escaped text content and escaped attribute values, in the order given.
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> RawHTML {
        RawHTML("<\(name)\(attributeString(attributes))>\(escape(text))</\(name)>")
    }

    static func attributeString(_ attributes: KeyValuePairs<String, String>) -> String {
        attributes.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }
}
