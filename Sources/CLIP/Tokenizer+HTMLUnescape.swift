extension Tokenizer {
    /// Python's `html.unescape`, which open_clip applies twice after ftfy: every character
    /// reference `&…` that the HTML standard's tokenizer would decode, found left to right.
    ///
    /// - `&#digits` and `&#xhex` (`;` optional): 0 → U+FFFD; CR stays CR; 0x80–0x9F through
    ///   Windows-1252 (its five undefined bytes stay C1 controls); surrogates and values above
    ///   U+10FFFF → U+FFFD; other controls, U+FDD0–U+FDEF and U+xFFFE/U+xFFFF → nothing.
    /// - Named references: up to 32 characters other than tab, LF, FF, space, `<`, `&`, `#`
    ///   and `;`, then an optional `;`, looked up case-sensitively in all 2,231 names of
    ///   `html.entities.html5` (`htmlEntityTable`). If the whole run is not a name, its longest
    ///   prefix that is one of the 106 legacy names valid without `;` is decoded and the rest
    ///   kept (`&ampx` → `&x`, `&notit;` → `¬it;`); otherwise the text stays as it was.
    static func htmlUnescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        return String(String.UnicodeScalarView(htmlUnescape(Array(text.unicodeScalars))))
    }

    static func htmlUnescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            guard text[i] == "&", i + 1 < text.count else {
                output.append(text[i])
                i += 1
                continue
            }
            if text[i + 1] == "#" {
                guard let (value, end) = numericReference(in: text, at: i + 2) else {
                    output.append("&")
                    i += 1
                    continue
                }
                output += numericReplacement(value)
                i = end
                continue
            }
            var end = i + 1
            while end < text.count, end - (i + 1) < 32, !"\t\n\u{0C} <&#;".unicodeScalars.contains(text[end]) { end += 1 }
            guard end > i + 1 else {
                output.append("&")
                i += 1
                continue
            }
            let run = text[(i + 1)..<end]
            if end < text.count, text[end] == ";" { end += 1 }
            let name = text[(i + 1)..<end]
            if let value = entity(named: name) {
                output += value
            } else if let (value, length) = longestLegacyPrefix(of: run, within: name.count) {
                output += value
                output += name.dropFirst(length)
            } else {
                output.append("&")
                output += name
            }
            i = end
        }
        return output
    }

    /// Python tries every prefix shorter than `nameLength` from the longest down to two
    /// characters; only legacy names lack a `;`, so prefixes longer than the longest legacy
    /// name cannot match and are skipped.
    private static func longestLegacyPrefix(of run: ArraySlice<Unicode.Scalar>, within nameLength: Int) -> ([Unicode.Scalar], Int)? {
        var length = min(nameLength - 1, run.count, longestLegacyName)
        while length >= 2 {
            if let value = entity(named: run.prefix(length)) { return (value, length) }
            length -= 1
        }
        return nil
    }

    /// The replacement for an HTML5 name. Names are ASCII; anything else is no name (and is
    /// not looked up: `String`'s equality would let "&Kappa" with U+212A KELVIN SIGN pass).
    private static func entity(named name: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar]? {
        guard name.allSatisfy(\.isASCII) else { return nil }
        return htmlEntities[String(String.UnicodeScalarView(name))]
    }

    /// The value of `#123` / `#x7B` (the `#` already passed; `start` is after it) and the
    /// index after the reference and its optional `;`, or nil when no digit follows.
    /// Values above U+10FFFF saturate: they all become U+FFFD.
    static func numericReference(in text: [Unicode.Scalar], at start: Int) -> (UInt32, Int)? {
        var j = start
        let hex = j < text.count && (text[j] == "x" || text[j] == "X")
        if hex { j += 1 }
        let digitsStart = j
        var value: UInt32 = 0
        while j < text.count {
            let digit: UInt32
            switch text[j].value {
            case 0x30...0x39: digit = text[j].value - 0x30
            case 0x41...0x46 where hex: digit = text[j].value - 0x41 + 10
            case 0x61...0x66 where hex: digit = text[j].value - 0x61 + 10
            default: digit = .max
            }
            guard digit != .max else { break }
            value = min(value * (hex ? 16 : 10) + digit, 0x110000)
            j += 1
        }
        guard j > digitsStart else { return nil }
        if j < text.count, text[j] == ";" { j += 1 }
        return (value, j)
    }

    /// The replacement for a numeric reference's value, as Python's `html` module defines it.
    static func numericReplacement(_ value: UInt32) -> [Unicode.Scalar] {
        switch value {
        case 0: return ["\u{FFFD}"]
        case 0x0D: return ["\r"]
        case 0x80...0x9F: return [TextFixer.windows1252[Int(value - 0x80)]]
        case 0xD800...0xDFFF, 0x110000...: return ["\u{FFFD}"]
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFDD0...0xFDEF: return []
        default:
            if value & 0xFFFE == 0xFFFE { return [] }  // U+xFFFE and U+xFFFF of every plane
            return [Unicode.Scalar(value)!]
        }
    }

    /// `html.entities.html5`: name, exactly as spelled there (with its `;`, or without for a
    /// legacy name), → replacement.
    static let htmlEntities: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        for line in htmlEntityTable.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            table[String(fields[0])] = TextFixer.scalars(hex: fields[1])
        }
        return table
    }()

    /// The length of the longest name valid without `;` (6, `frac12`).
    static let longestLegacyName = htmlEntities.keys.filter { !$0.hasSuffix(";") }.map { $0.unicodeScalars.count }.max() ?? 0
}
