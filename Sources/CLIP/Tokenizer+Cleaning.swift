import Foundation

extension Tokenizer {
    /// open_clip's `clean='lower'`, the text every prompt is tokenized from:
    /// `basic_clean` (ftfy's `fix_text` with its defaults — `TextFixer` —, then Python's
    /// `html.unescape` twice, then strip), `whitespace_clean` (runs of Python whitespace to one
    /// space), then Python's `str.lower()`.
    static func clean(_ text: String) -> String {
        var text = TextFixer.fixText(text)
        text = htmlUnescape(htmlUnescape(text))
        let words = text.unicodeScalars.split(whereSeparator: isPythonSpace)
        var joined = String.UnicodeScalarView()
        for (index, word) in words.enumerated() {
            if index > 0 { joined.append(" ") }
            joined.append(contentsOf: word)
        }
        return pythonLowercased(String(joined))
    }

    /// Python's `str.isspace` for one scalar (what `str.split()` and `str.strip()` use).
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Python's `str.lower()`: each character's full lower-case mapping, except that a capital
    /// sigma becomes the final form ς when a cased letter precedes it and none follows
    /// (case-ignorable characters skipped both ways; Swift's `lowercased()` always gives σ),
    /// and that characters Python's Unicode does not know yet stay as they are.
    static func pythonLowercased(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }),
              text.unicodeScalars.contains(where: { $0 == "\u{3A3}" || (!$0.isASCII && !isKnownToPython($0)) }) else {
            return text.lowercased()
        }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\u{3A3}" {
                let before = scalars[..<i].last { !$0.properties.isCaseIgnorable }
                let after = scalars[(i + 1)...].first { !$0.properties.isCaseIgnorable }
                let isFinal = before?.properties.isCased == true && after?.properties.isCased != true
                output.append(isFinal ? "\u{3C2}" : "\u{3C3}")
            } else if isKnownToPython(scalar) {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// The Unicode version of the Python that open_clip runs on in the fixtures (3.11).
    static let pythonUnicodeVersion = (major: 14, minor: 0)

    /// Whether `scalar` was assigned by Python's Unicode version. Python treats later
    /// characters as unassigned: no case mapping, not `\w`, not `\d`. (The `regex` module
    /// behind open_clip's pre-split carries its own, newer tables, as Swift does.)
    static func isKnownToPython(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return (age.major, age.minor) <= pythonUnicodeVersion
    }
}
