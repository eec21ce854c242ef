import Foundation

/// ftfy 6.3's `fix_text` with its default `TextFixerConfig`, as open_clip's `basic_clean`
/// calls it, reproduced without Python.
///
/// The text is fixed in segments that end after each `"\n"` (at most 1,000,000 code points
/// each). Each segment goes through ftfy's steps in ftfy's order, repeated until a pass
/// changes nothing:
///
/// 1. `unescape_html` — HTML character references that end in `;` (and ALL-CAPS forms of
///    the lower-case names, `&EACUTE;` → `É`); off for this and every later segment once a
///    segment contains `<`;
/// 2. `fix_encoding` — mojibake repair guided by ftfy's badness heuristic
///    (`TextFixer+Encoding.swift`, `TextFixer+Badness.swift`);
/// 3. `fix_c1_controls`, `fix_latin_ligatures`, `fix_character_width`, `uncurl_quotes`,
///    `fix_line_breaks` (one per-character pass), `remove_terminal_escapes`,
///    `remove_control_chars`;
/// 4. NFC.
///
/// `fix_surrogates` has nothing to do: a Swift string cannot hold a lone surrogate.
/// The data tables (`TextFixer+Tables.swift`) are generated from ftfy by
/// `scripts/make_text_tables.py`; the logic is our own. Token ids that depend on it are
/// checked against open_clip in `Tests/CLIPTests/TextFidelityTests.swift`.
enum TextFixer {
    /// ftfy's `max_decode_length`: the longest segment fixed at once.
    static let maxSegmentLength = 1_000_000

    /// `ftfy.fix_text(text)` with the default configuration.
    static func fixText(_ text: String) -> String {
        // Printable ASCII, tabs and newlines without '&' is already fixed (and NFC).
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "&") || $0 == 0x09 || $0 == 0x0A }) { return text }
        let scalars = Array(text.unicodeScalars)
        var fixed = String.UnicodeScalarView()
        var unescapesHTML = true
        var start = 0
        while start < scalars.count {
            var end = scalars[start...].firstIndex(of: "\n").map { $0 + 1 } ?? scalars.count
            end = min(end, start + maxSegmentLength)
            let segment = scalars[start..<end]
            if unescapesHTML, segment.contains("<") { unescapesHTML = false }
            fixed.append(contentsOf: fixSegment(Array(segment), unescapesHTML: unescapesHTML))
            start = end
        }
        return String(fixed)
    }

    /// ftfy's `fix_and_explain` loop on one segment.
    static func fixSegment(_ segment: [Unicode.Scalar], unescapesHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapesHTML { text = unescapeHTML(text) }
            text = fixEncoding(text)
            text = fixCharacters(text)
            text = removeTerminalEscapesAndControls(text)
            text = normalizedNFC(text)
            if text == original { return text }
        }
    }

    // MARK: - The per-character fixes

    /// `fix_c1_controls`, `fix_latin_ligatures`, `fix_character_width`, `uncurl_quotes` and
    /// `fix_line_breaks` in one pass: each maps single characters (CR LF aside) and is applied
    /// here to the previous one's output, as ftfy's successive passes would. NEXT LINE (U+0085)
    /// never reaches `fix_line_breaks`: `fix_c1_controls` has made it an ellipsis.
    static func fixCharacters(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { $0.value >= 0x80 || $0 == "\r" }) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var i = 0
        func emit(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x02BC, 0x2018...0x201B: output.append("'")
            case 0x201C...0x201F: output.append("\"")
            case 0x2028, 0x2029: output.append("\n")
            default: output.append(scalar)
            }
        }
        while i < text.count {
            let scalar = readingC1AsWindows1252(text[i])
            i += 1
            if let letters = ligatures[scalar.value] {
                for letter in letters.unicodeScalars { emit(letter) }
            } else if let standard = widthMap[scalar.value] {
                for letter in standard { emit(letter) }
            } else if scalar == "\r" {
                output.append("\n")
                if i < text.count, text[i] == "\n" { i += 1 }
            } else {
                emit(scalar)
            }
        }
        return output
    }

    /// `remove_terminal_escapes` (`ESC [ (\d|;)* [A-Za-z]`, `\d` being any decimal digit)
    /// then `remove_control_chars`.
    static func removeTerminalEscapesAndControls(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: isRemovedControl) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if text[i] == "\u{1B}", i + 1 < text.count, text[i + 1] == "[" {
                var j = i + 2
                while j < text.count, text[j] == ";" || isPythonDigit(text[j]) { j += 1 }
                if j < text.count, text[j].isASCII, text[j].properties.isAlphabetic {
                    i = j + 1
                    continue
                }
            }
            if !isRemovedControl(text[i]) { output.append(text[i]) }
            i += 1
        }
        return output
    }

    /// Python's `\d` in a `str` pattern: a decimal digit of any script Python knows.
    static func isPythonDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .decimalNumber && Tokenizer.isKnownToPython(scalar)
    }

    /// The characters `remove_control_chars` deletes: C0 controls other than tab, line
    /// feed, form feed and carriage return; DEL; the deprecated Arabic format controls;
    /// the byte order mark; the interlinear annotation characters and U+FFFC.
    static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    /// Unicode NFC (no code point below U+0300 composes or decomposes). Foundation's NFC on
    /// Linux misses some compositions of text that is partly composed already (a Hangul LV
    /// syllable followed by a trailing jamo, some Tibetan vowel signs), so the text is
    /// decomposed first: NFC is by definition the composition of NFD, and this way matched
    /// Python's `unicodedata.normalize("NFC", …)` on 50,000 random strings of combining marks,
    /// jamo, Hangul, Tibetan, Devanagari and kana where the direct call missed 18.
    static func normalizedNFC(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { $0.value >= 0x300 }) else { return text }
        let string = String(String.UnicodeScalarView(text))
        return Array(string.decomposedStringWithCanonicalMapping.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// `fix_c1_controls` for one character: a C1 control becomes what its byte is in ftfy's
    /// sloppy Windows-1252; the five bytes Windows-1252 leaves undefined stay themselves.
    static func readingC1AsWindows1252(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x80...0x9F).contains(scalar.value) ? windows1252[Int(scalar.value - 0x80)] : scalar
    }

    /// Bytes 0x80–0x9F in ftfy's sloppy Windows-1252 (Python's `html` module maps numeric
    /// references in that range the same way).
    static let windows1252: [Unicode.Scalar] = Array(charmaps.first { $0.name == "sloppy-windows-1252" }!.decode[0x80...0x9F])

    /// ftfy's Latin ligatures and legacy digraphs.
    static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "\u{2BC}n", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz",
        0x1C4: "D\u{17D}", 0x1C5: "D\u{17E}", 0x1C6: "d\u{17E}", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj",
        0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{17F}t", 0xFB06: "st",
    ]

    /// `fix_character_width`: U+3000 and the half/full-width forms to their standard forms.
    static let widthMap: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [:]
        for line in widthTable.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            map[UInt32(fields[0], radix: 16)!] = scalars(hex: fields[1])
        }
        return map
    }()

    /// Code points written as space-separated hex.
    static func scalars(hex: Substring) -> [Unicode.Scalar] {
        hex.split(separator: " ").map { Unicode.Scalar(UInt32($0, radix: 16)!)! }
    }
}
