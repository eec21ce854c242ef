import Foundation

extension Tokenizer {
    /// open_clip's `clean='lower'`: ftfy's `fix_text` (the parts listed in `fixText`),
    /// `html.unescape` twice, strip, collapse whitespace runs to one space, lower-case.
    public static func clean(_ text: String) -> String {
        var text = fixText(text)
        text = htmlUnescape(htmlUnescape(text))
        let words = text.unicodeScalars.split(whereSeparator: isPythonSpace).map { String(String.UnicodeScalarView($0)) }
        return words.joined(separator: " ").lowercased()
    }

    /// Python's `str.isspace` for one scalar (what `str.split()` and `str.strip()` use).
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The fixes of ftfy 6's default `fix_text` that do not guess encodings: C1 controls
    /// read as Windows-1252, Latin ligatures split, half/full-width forms to standard width,
    /// curly quotes straightened, line breaks unified, terminal escapes and stray control
    /// characters removed, NFC — repeated until nothing changes, as ftfy does. Mojibake
    /// repair (`fix_encoding`) and ftfy's own HTML unescaping are not reproduced.
    static func fixText(_ text: String) -> String {
        var current = text
        for _ in 0..<8 {
            var scalars: [Unicode.Scalar] = []
            scalars.reserveCapacity(current.unicodeScalars.count)
            var input = Array(current.unicodeScalars)
            input = removingTerminalEscapes(input)
            var i = 0
            while i < input.count {
                let scalar = input[i]
                i += 1
                let value = scalar.value
                if (0x80...0x9F).contains(value) {
                    scalars.append(windows1252[Int(value - 0x80)])
                } else if let expansion = ligatures[value] {
                    scalars += expansion.unicodeScalars
                } else if value == 0x3000 {
                    scalars.append(" ")
                } else if (0xFF01...0xFFEF).contains(value) {
                    scalars += String(Character(scalar)).precomposedStringWithCompatibilityMapping.unicodeScalars
                } else if value == 0x02BC || (0x2018...0x201B).contains(value) {
                    scalars.append("'")
                } else if (0x201C...0x201F).contains(value) {
                    scalars.append("\"")
                } else if value == 0x0D {
                    scalars.append("\n")
                    if i < input.count, input[i].value == 0x0A { i += 1 }
                } else if value == 0x2028 || value == 0x2029 {
                    scalars.append("\n")
                } else if isFtfyControl(value) {
                    continue
                } else {
                    scalars.append(scalar)
                }
            }
            var fixed = String(String.UnicodeScalarView(scalars))
            fixed = fixed.precomposedStringWithCanonicalMapping
            // Compare scalars: String's == treats canonically equivalent text as equal.
            if fixed.unicodeScalars.elementsEqual(current.unicodeScalars) { break }
            current = fixed
        }
        return current
    }

    private static func isFtfyControl(_ value: UInt32) -> Bool {
        switch value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    /// Drops ANSI escape sequences `ESC [ (digits|;)* letter`.
    private static func removingTerminalEscapes(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard input.contains("\u{1B}") else { return input }
        var output: [Unicode.Scalar] = []
        var i = 0
        while i < input.count {
            if input[i] == "\u{1B}", i + 1 < input.count, input[i + 1] == "[" {
                var j = i + 2
                while j < input.count, ("0"..."9").contains(input[j]) || input[j] == ";" { j += 1 }
                if j < input.count, ("a"..."z").contains(input[j]) || ("A"..."Z").contains(input[j]) {
                    i = j + 1
                    continue
                }
            }
            output.append(input[i])
            i += 1
        }
        return output
    }

    /// Windows-1252 for bytes 0x80–0x9F; the five undefined bytes stay themselves
    /// (ftfy's "sloppy" codec and Python's `html` invalid-charref table agree on this).
    static let windows1252: [Unicode.Scalar] = [
        0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x8D, 0x17D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
    ].map { Unicode.Scalar(UInt32($0))! }

    /// ftfy's Latin ligatures and legacy digraphs.
    static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "\u{2BC}n", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz",
        0x1C4: "D\u{17D}", 0x1C5: "D\u{17E}", 0x1C6: "d\u{17E}", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj",
        0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{17F}t", 0xFB06: "st",
    ]
}
