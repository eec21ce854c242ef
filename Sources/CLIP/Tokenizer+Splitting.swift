extension Tokenizer {
    /// open_clip's pre-split regex, `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|
    /// [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive), applied like `re.findall`:
    /// at each position the first alternative that matches wins; whitespace is skipped.
    static func preSplit(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        func piece(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        func matches(_ literal: [Unicode.Scalar], at position: Int) -> Bool {
            guard position + literal.count <= scalars.count else { return false }
            for (k, scalar) in literal.enumerated() where lowerASCII(scalars[position + k]) != scalar { return false }
            return true
        }
        alternatives: while i < scalars.count {
            let scalar = scalars[i]
            // Only the literal alternatives can start with '<' or an apostrophe.
            if scalar == "<" || scalar == "'" {
                for literal in splitLiterals where matches(literal, at: i) {
                    pieces.append(literal.first == "<" ? String(String.UnicodeScalarView(literal)) : piece(i..<(i + literal.count)))
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

    /// The literal alternatives of the pre-split pattern, in the pattern's order.
    private static let splitLiterals: [[Unicode.Scalar]] = ["<start_of_text>", "<end_of_text>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
        .map { Array($0.unicodeScalars) }

    private static func lowerASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
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
