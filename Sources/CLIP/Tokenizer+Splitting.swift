extension Tokenizer {
    /// open_clip's pre-split regex, `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|
    /// [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive), applied like `re.findall`:
    /// at each position the first alternative that matches wins; whitespace is skipped.
    /// Pieces are the text as matched (a special token only counts when spelled exactly).
    static func preSplit(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        func piece(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        func matches(_ literal: [Unicode.Scalar], at position: Int) -> Bool {
            guard position + literal.count <= scalars.count else { return false }
            for (k, scalar) in literal.enumerated() where !matchesIgnoringCase(scalars[position + k], scalar) { return false }
            return true
        }
        alternatives: while i < scalars.count {
            let scalar = scalars[i]
            // Only the literal alternatives can start with '<' or an apostrophe.
            if scalar == "<" || scalar == "'" {
                for literal in splitLiterals where matches(literal, at: i) {
                    pieces.append(piece(i..<(i + literal.count)))
                    i += literal.count
                    continue alternatives
                }
            }
            if isLetter(scalar) {
                var j = i + 1
                while j < scalars.count, isLetter(scalars[j]) { j += 1 }
                pieces.append(piece(i..<j))
                i = j
            } else if isNumber(scalar) {
                pieces.append(piece(i..<(i + 1)))
                i += 1
            } else if isOther(scalar) {
                var j = i + 1
                while j < scalars.count, isOther(scalars[j]) { j += 1 }
                pieces.append(piece(i..<j))
                i = j
            } else {
                i += 1
            }
        }
        return pieces
    }

    /// The literal alternatives of the pre-split pattern, in the pattern's order.
    private static let splitLiterals: [[Unicode.Scalar]] = ["<start_of_text>", "<end_of_text>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
        .map { Array($0.unicodeScalars) }

    /// Whether `scalar` matches the literal's lower-case ASCII `letter` under the `regex`
    /// module's IGNORECASE: itself, its capital, and for 's' also U+017F LATIN SMALL LETTER
    /// LONG S (the only other character whose case fold is one of the literals' letters).
    private static func matchesIgnoringCase(_ scalar: Unicode.Scalar, _ letter: Unicode.Scalar) -> Bool {
        scalar == letter || (("A"..."Z").contains(scalar) && scalar.value + 32 == letter.value) || (letter == "s" && scalar == "\u{17F}")
    }

    /// `[^\s\p{L}\p{N}]` under the pattern's IGNORECASE: the `regex` module also leaves out
    /// U+0345 COMBINING GREEK YPOGEGRAMMENI, whose case fold ι is a letter, so that character
    /// matches no alternative and is skipped like whitespace.
    static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.properties.isWhitespace && !isLetter(scalar) && !isNumber(scalar) && scalar != "\u{345}"
    }

    /// `\p{L}`: any letter category.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: decimal, letter and other numbers.
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
