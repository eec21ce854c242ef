extension TextFixer {
    /// One of the single-byte encodings ftfy tries (`ftfy.chardata.CHARMAP_ENCODINGS`).
    struct Charmap: Sendable {
        let name: String
        /// Byte → character.
        let decode: [Unicode.Scalar]
        /// Character → byte, for the characters outside ASCII and for byte 0x1A.
        let encoder: [UInt32: UInt8]
        /// ftfy's "sloppy" codecs read byte 0x1A as U+FFFD, so that mojibake with lost bytes
        /// can still be re-encoded; only they get `replace_lossy_sequences`.
        var isSloppy: Bool { name.hasPrefix("sloppy-") }

        /// `text.encode(name)`, or nil where ftfy's `possible_encoding` says no.
        func encode(_ text: [Unicode.Scalar]) -> [UInt8]? {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count)
            for scalar in text {
                if scalar.value < 0x80, scalar.value != 0x1A {
                    bytes.append(UInt8(scalar.value))
                } else if let byte = encoder[scalar.value] {
                    bytes.append(byte)
                } else {
                    return nil
                }
            }
            return bytes
        }
    }

    /// `charmapTable` parsed, in ftfy's order (Latin-1 first, MacRoman and CP437 last).
    static let charmaps: [Charmap] = charmapTable.split(separator: "\n").map { line in
        let fields = line.split(separator: "\t")
        let high = scalars(hex: fields[1])  // 0x1A, then 0x80...0xFF
        var decode = (0..<128).map { Unicode.Scalar(UInt8($0)) }
        decode[0x1A] = high[0]
        decode += high[1...]
        var encoder: [UInt32: UInt8] = [:]
        for byte in [0x1A] + Array(0x80...0xFF) { encoder[decode[byte].value] = UInt8(byte) }
        return Charmap(name: String(fields[0]), decode: decode, encoder: encoder)
    }

    // MARK: - fix_encoding

    /// `ftfy.fix_encoding`: single repair steps until one changes nothing.
    static func fixEncoding(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var text = text
        while true {
            let fixed = fixEncodingStep(text)
            if fixed == text { return text }
            text = fixed
        }
    }

    /// One step of ftfy's `fix_encoding`. Text that is ASCII or does not look like mojibake
    /// (`isBad`) is left alone. Otherwise the first charmap that can encode the text and
    /// whose bytes then decode as UTF-8 (with ftfy's UTF-8 variants: CESU-8 pairs and
    /// `C0 80` for U+0000) wins; before decoding, spaces that stand for a lost byte A0 are
    /// restored (not for MacRoman) and, for the sloppy codecs, sequences with lost bytes
    /// become U+FFFD. Failing that: embedded UTF-8 mojibake is fixed piece by piece, Latin-1
    /// text is read as strict Windows-1252, and C1 controls become Windows-1252 characters.
    static func fixEncodingStep(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { !$0.isASCII }), isBad(text[...]) else { return text }
        var latin1IsPossible = false
        for charmap in charmaps {
            guard var bytes = charmap.encode(text) else { continue }
            if charmap.name == "latin-1" { latin1IsPossible = true }
            if charmap.name != "macroman", alteredUTF8.firstMatch(in: bytes) != nil { bytes = restoreByteA0(bytes) }
            if charmap.isSloppy { bytes = lossyUTF8.replacingMatches(in: bytes) { _ in [0xEF, 0xBF, 0xBD] } }
            if let decoded = decodeUTF8Variants(bytes) { return decoded }
        }
        if containsUTF8Mojibake(text) {
            let fixed = decodeInconsistentUTF8(text)
            if fixed != text { return fixed }
        }
        // ftfy then asks whether "windows-1252" was among the possible encodings; its list
        // only ever names "sloppy-windows-1252", so Latin-1 text is always tried as strict
        // Windows-1252 (which fails on its five undefined bytes).
        if latin1IsPossible {
            let undefined: Set<UInt32> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
            if !text.contains(where: { undefined.contains($0.value) }) {
                let fixed = text.map(readingC1AsWindows1252)
                if fixed != text { return fixed }
            }
        }
        return text.map(readingC1AsWindows1252)
    }

    // MARK: - Byte-level repairs

    /// UTF-8 sequences that would be valid if an A0 byte had not become a space
    /// (ftfy's `ALTERED_UTF8_RE`).
    static let alteredUTF8 = BytePattern([
        [[0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9], [0x20]],
        [[0xE2, 0xE3], [0x20], ByteSet(0x80...0x84, 0x86...0x9F, 0xA1...0xBF)],
        [ByteSet(0xE0...0xE3), ByteSet(0x80...0x84, 0x86...0x9F, 0xA1...0xBF), [0x20]],
        [[0xF0], [0x20], ByteSet(0x80...0xBF), ByteSet(0x80...0xBF)],
        [[0xF0], ByteSet(0x80...0xBF), [0x20], ByteSet(0x80...0xBF)],
        [[0xF0], ByteSet(0x80...0xBF), ByteSet(0x80...0xBF), [0x20]],
    ])

    /// UTF-8 (and CESU-8) sequences with bytes lost to U+FFFD (byte 1A) or, once, to '?'
    /// (ftfy's `LOSSY_UTF8_RE`); a lone 1A matches too.
    static let lossyUTF8: BytePattern = {
        let lost = ByteSet(0x1A...0x1A, 0x3F...0x3F)
        let lostOrContinuation = ByteSet(0x1A...0x1A, 0x80...0xBF), any = ByteSet(0x1A...0x1A, 0x3F...0x3F, 0x80...0xBF)
        return BytePattern([
            [ByteSet(0xC2...0xDF), [0x1A]],
            [ByteSet(0xC2...0xC3), [0x3F]],
            [[0xED], ByteSet(0xA0...0xAF), lost, [0xED], ByteSet(0xB0...0xBF), any],
            [[0xED], ByteSet(0xA0...0xAF), any, [0xED], ByteSet(0xB0...0xBF), lost],
            [ByteSet(0xE0...0xEF), lost, lostOrContinuation],
            [ByteSet(0xE0...0xEF), lostOrContinuation, lost],
            [ByteSet(0xF0...0xF4), lost, lostOrContinuation, lostOrContinuation],
            [ByteSet(0xF0...0xF4), lostOrContinuation, lost, lostOrContinuation],
            [ByteSet(0xF0...0xF4), lostOrContinuation, lostOrContinuation, lost],
            [[0x1A]],
        ])
    }()

    /// ftfy's `restore_byte_a0`: `C3 20` becomes `C3 A0 20` (a separate "à") unless a space,
    /// "quele", "quela", "quilo" or "s " follows (Portuguese "às", "àquele"…); then every
    /// space inside an `alteredUTF8` match becomes A0.
    static func restoreByteA0(_ bytes: [UInt8]) -> [UInt8] {
        let exceptions: [[UInt8]] = [[0x20], Array("quele".utf8), Array("quela".utf8), Array("quilo".utf8), Array("s ".utf8)]
        var graves: [UInt8] = []
        graves.reserveCapacity(bytes.count + 8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0xC3, i + 1 < bytes.count, bytes[i + 1] == 0x20,
               !exceptions.contains(where: { bytes[(i + 2)...].starts(with: $0) }) {
                graves += [0xC3, 0xA0, 0x20]
                i += 2
            } else {
                graves.append(bytes[i])
                i += 1
            }
        }
        return alteredUTF8.replacingMatches(in: graves) { match in match.map { $0 == 0x20 ? 0xA0 : $0 } }
    }

    /// Strict UTF-8 as Python decodes it, plus ftfy's "utf-8-variants": `C0 80` is U+0000 and
    /// a CESU-8 surrogate pair (`ED A0–AF 80–BF ED B0–BF 80–BF`) is the code point it encodes.
    /// Nil where Python raises `UnicodeDecodeError`.
    static func decodeUTF8Variants(_ bytes: [UInt8]) -> [Unicode.Scalar]? {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(bytes.count)
        let n = bytes.count
        var i = 0
        // ftfy matches these with Python regexes whose `$` also matches before a final "\n".
        func atEnd(_ position: Int) -> Bool { position == n || (position == n - 1 && bytes[position] == 0x0A) }
        while i < n {
            let lead = bytes[i]
            if lead < 0x80 {
                output.append(Unicode.Scalar(lead))
                i += 1
                continue
            }
            if lead == 0xC0 {
                guard i + 1 < n, bytes[i + 1] == 0x80 || atEnd(i + 1) else { return nil }
                output.append("\u{0}")
                i += 2
                continue
            }
            if lead == 0xED, i + 1 < n, bytes[i + 1] >= 0xA0 {
                // A surrogate: only a whole CESU-8 pair decodes.
                guard n - i >= 6, (0xA0...0xAF).contains(bytes[i + 1]), (0x80...0xBF).contains(bytes[i + 2]),
                      bytes[i + 3] == 0xED, (0xB0...0xBF).contains(bytes[i + 4]),
                      (0x80...0xBF).contains(bytes[i + 5]) || atEnd(i + 5) else { return nil }
                let value = (UInt32(bytes[i + 1] & 0x0F) << 16) + (UInt32(bytes[i + 2] & 0x3F) << 10)
                    + (UInt32(bytes[i + 4] & 0x0F) << 6) + UInt32(bytes[i + 5] & 0x3F) + 0x10000
                output.append(Unicode.Scalar(value)!)
                i += 6
                continue
            }
            // Standard UTF-8: the second byte's range depends on the lead (no overlong forms,
            // no surrogates, nothing above U+10FFFF).
            let length: Int, second: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: length = 2; second = 0x80...0xBF
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; second = 0x80...0xBF
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF1...0xF3: length = 4; second = 0x80...0xBF
            case 0xF4: length = 4; second = 0x80...0x8F
            default: return nil
            }
            guard i + length <= n, second.contains(bytes[i + 1]) else { return nil }
            var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length {
                guard k == 1 || (0x80...0xBF).contains(bytes[i + k]) else { return nil }
                value = value << 6 | UInt32(bytes[i + k] & 0x3F)
            }
            output.append(Unicode.Scalar(value)!)
            i += length
        }
        return output
    }

    // MARK: - decode_inconsistent_utf8

    /// The span of ftfy's `UTF8_DETECTOR_RE` match starting at `start`, if any: one or more
    /// lead characters (of 2-, 3- or 4-byte UTF-8 sequences, as single-byte encodings show
    /// them) each followed by the right number of continuation characters, not preceded by
    /// a strict continuation character.
    static func utf8MojibakeEnd(in text: [Unicode.Scalar], from start: Int) -> Int? {
        if start > 0, utf8Clues(text[start - 1]).contains(.continuationStrict) { return nil }
        var end = start
        while end < text.count {
            let clues = utf8Clues(text[end])
            let continuations = clues.contains(.firstOf2) ? 1 : clues.contains(.firstOf3) ? 2 : clues.contains(.firstOf4) ? 3 : 0
            guard continuations > 0, end + continuations < text.count,
                  (1...continuations).allSatisfy({ utf8Clues(text[end + $0]).contains(.continuation) }) else { break }
            end += continuations + 1
        }
        return end > start ? end : nil
    }

    static func containsUTF8Mojibake(_ text: [Unicode.Scalar]) -> Bool {
        text.indices.contains { utf8MojibakeEnd(in: text, from: $0) != nil }
    }

    /// ftfy's `decode_inconsistent_utf8`: each UTF-8-looking run that is shorter than the
    /// whole text and looks like mojibake on its own is replaced by its `fixEncoding`.
    static func decodeInconsistentUTF8(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        var i = 0
        while i < text.count {
            guard let end = utf8MojibakeEnd(in: text, from: i) else {
                output.append(text[i])
                i += 1
                continue
            }
            let run = text[i..<end]
            output += run.count < text.count && isBad(run) ? fixEncoding(Array(run)) : Array(run)
            i = end
        }
        return output
    }
}

/// A set of byte values.
struct ByteSet: ExpressibleByArrayLiteral, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ ranges: ClosedRange<UInt8>...) {
        for range in ranges { for byte in range { insert(byte) } }
    }

    init(arrayLiteral bytes: UInt8...) {
        for byte in bytes { insert(byte) }
    }

    private mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << (byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    func contains(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return word >> (byte & 63) & 1 == 1
    }
}

/// A byte regex made only of alternatives of fixed-length byte-set sequences, matched as
/// Python's `re` does: leftmost position first, then the first alternative that matches there.
struct BytePattern: Sendable {
    let alternatives: [[ByteSet]]

    init(_ alternatives: [[ByteSet]]) { self.alternatives = alternatives }

    /// The length of the match at `start`, if one starts there.
    func matchLength(in bytes: [UInt8], at start: Int) -> Int? {
        for sequence in alternatives where start + sequence.count <= bytes.count {
            if sequence.indices.allSatisfy({ sequence[$0].contains(bytes[start + $0]) }) { return sequence.count }
        }
        return nil
    }

    func firstMatch(in bytes: [UInt8]) -> Int? {
        bytes.indices.first { matchLength(in: bytes, at: $0) != nil }
    }

    /// `re.sub` with a function: non-overlapping matches, left to right.
    func replacingMatches(in bytes: [UInt8], with replacement: (ArraySlice<UInt8>) -> [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if let length = matchLength(in: bytes, at: i) {
                output += replacement(bytes[i..<(i + length)])
                i += length
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return output
    }
}
