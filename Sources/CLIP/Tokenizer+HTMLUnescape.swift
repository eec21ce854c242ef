extension Tokenizer {
    /// Python's `html.unescape`: numeric references (with the HTML standard's replacements
    /// for invalid ones) and named references, longest legacy prefix without a semicolon
    /// (`&copy2020` → `©2020`). Named references outside `htmlEntityTable` stay as text.
    static func htmlUnescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "&", i + 1 < scalars.count else {
                output.append(scalars[i])
                i += 1
                continue
            }
            var j = i + 1
            if scalars[j] == "#" {
                // &#123; or &#x1F; — digits required, semicolon optional.
                j += 1
                let hex = j < scalars.count && (scalars[j] == "x" || scalars[j] == "X")
                if hex { j += 1 }
                let start = j
                while j < scalars.count, hex ? scalars[j].properties.isASCIIHexDigit : ("0"..."9").contains(scalars[j]) { j += 1 }
                if j == start {
                    output.append(scalars[i])
                    i += 1
                    continue
                }
                let digits = String(String.UnicodeScalarView(scalars[start..<j]))
                if j < scalars.count, scalars[j] == ";" { j += 1 }
                let number = UInt32(digits, radix: hex ? 16 : 10) ?? UInt32.max
                output.append(contentsOf: numericReference(number).unicodeScalars)
                i = j
                continue
            }
            // Named: up to 32 characters other than tab, newline, form feed, space, <, &, #, ;, then an optional ';'.
            while j < scalars.count, j - (i + 1) < 32, !"\t\n\u{0C} <&#;".unicodeScalars.contains(scalars[j]) { j += 1 }
            if j == i + 1 {
                output.append(scalars[i])
                i += 1
                continue
            }
            if j < scalars.count, scalars[j] == ";" { j += 1 }
            let name = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
            if let value = htmlEntities[name] {
                output.append(contentsOf: value.unicodeScalars)
            } else if let (value, length) = longestLegacyPrefix(of: Array(name.unicodeScalars)) {
                output.append(contentsOf: value.unicodeScalars)
                output.append(contentsOf: Array(name.unicodeScalars)[length...])
            } else {
                output.append("&")
                output.append(contentsOf: name.unicodeScalars)
            }
            i = j
        }
        return String(output)
    }

    private static func longestLegacyPrefix(of name: [Unicode.Scalar]) -> (String, Int)? {
        var length = name.count - 1
        while length > 1 {
            if let value = htmlEntities[String(String.UnicodeScalarView(name[..<length]))] { return (value, length) }
            length -= 1
        }
        return nil
    }

    /// The replacement for `&#number;` as Python's `html` module defines it.
    private static func numericReference(_ number: UInt32) -> String {
        if number == 0 { return "\u{FFFD}" }
        if number == 0x0D { return "\r" }
        if (0x80...0x9F).contains(number) { return String(Character(windows1252[Int(number - 0x80)])) }
        if (0xD800...0xDFFF).contains(number) || number > 0x10FFFF { return "\u{FFFD}" }
        switch number {
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFDD0...0xFDEF: return ""
        default:
            if number & 0xFFFE == 0xFFFE { return "" }  // U+xFFFE / U+xFFFF of every plane
            return Unicode.Scalar(number).map { String(Character($0)) } ?? "\u{FFFD}"
        }
    }

    /// Name (with `;` where the standard requires it) → replacement text.
    static let htmlEntities: [String: String] = {
        var table: [String: String] = [:]
        for line in htmlEntityTable.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2 else { continue }
            let value = String(String.UnicodeScalarView(fields[1].split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }))
            let name = String(fields[0])
            table[name] = value
            if !name.hasSuffix(";") { table[name + ";"] = value }
        }
        return table
    }()
}
