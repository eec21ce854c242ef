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

    /// open_clip's pre-split regex, `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|
    /// [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive), applied like `re.findall`:
    /// at each position the first alternative that matches wins; whitespace is skipped.
    static func preSplit(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        func piece(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        func matches(_ literal: String, at position: Int) -> Bool {
            let target = Array(literal.unicodeScalars)
            guard position + target.count <= scalars.count else { return false }
            for (k, scalar) in target.enumerated() where lowerASCII(scalars[position + k]) != scalar { return false }
            return true
        }
        alternatives: while i < scalars.count {
            for literal in ["<start_of_text>", "<end_of_text>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"] where matches(literal, at: i) {
                let length = literal.unicodeScalars.count
                pieces.append(literal.hasPrefix("<") ? literal : piece(i..<(i + length)))
                i += length
                continue alternatives
            }
            let scalar = scalars[i]
            if isLetter(scalar) {
                var j = i + 1
                while j < scalars.count, isLetter(scalars[j]) { j += 1 }
                pieces.append(piece(i..<j))
                i = j
            } else if isNumber(scalar) {
                pieces.append(piece(i..<(i + 1)))
                i += 1
            } else if !scalar.properties.isWhitespace {
                var j = i + 1
                while j < scalars.count, !scalars[j].properties.isWhitespace, !isLetter(scalars[j]), !isNumber(scalars[j]) { j += 1 }
                pieces.append(piece(i..<j))
                i = j
            } else {
                i += 1
            }
        }
        return pieces
    }

    private static func lowerASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    /// `\p{L}`: any letter category.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: decimal, letter and other numbers.
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
