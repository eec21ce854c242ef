extension TextFixer {
    /// ftfy's `unescape_html`: every `&name;` or `&#…;` with 1 to 24 ASCII letters or digits
    /// and a closing `;`. Names are the HTML5 names that end in `;` (case-sensitive) plus an
    /// ALL-CAPS form of each lower-case name whose capitals are not already a reference
    /// (`&EACUTE;` → `É`, `&SZLIG;` → `SS`, but `&AMP;` stays the HTML5 `&`). Numeric
    /// references decode as `html.unescape` decodes them, unless that leaves a `;` behind
    /// (`&#12ab;`, and `&#59;` itself); anything else stays as it is.
    static func unescapeHTML(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            guard text[i] == "&" else {
                output.append(text[i])
                i += 1
                continue
            }
            let isNumeric = i + 1 < text.count && text[i + 1] == "#"
            let nameStart = isNumeric ? i + 2 : i + 1
            var end = nameStart
            while end < text.count, text[end].isASCII, text[end].properties.isAlphabetic || ("0"..."9").contains(text[end]) { end += 1 }
            guard (1...24).contains(end - nameStart), end < text.count, text[end] == ";" else {
                output.append("&")
                i += 1
                continue
            }
            let reference = Array(text[i...end])
            if let value = ftfyEntities[String(String.UnicodeScalarView(reference))] {
                output += value
            } else if isNumeric {
                let decoded = Tokenizer.htmlUnescape(reference)
                output += decoded.contains(";") ? reference : decoded
            } else {
                output += reference
            }
            i = end + 1
        }
        return output
    }

    /// ftfy's `HTML_ENTITIES`: `&name;` for every HTML5 name that ends in `;`, plus
    /// `&NAME;` → the upper-cased value for every lower-case `name;` whose upper-case form
    /// `html.unescape` leaves alone (`&COPYSR;` is out: `html.unescape` reads `&COPY` in it).
    static let ftfyEntities: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        for (name, value) in Tokenizer.htmlEntities where name.hasSuffix(";") {
            table["&" + name] = value
        }
        for (name, value) in Tokenizer.htmlEntities where name.hasSuffix(";") && name == name.lowercased() {
            let upper = Array(("&" + name.uppercased()).unicodeScalars)
            guard Tokenizer.htmlUnescape(upper) == upper else { continue }
            table[String(String.UnicodeScalarView(upper))] = Array(String(String.UnicodeScalarView(value)).uppercased().unicodeScalars)
        }
        return table
    }()
}
