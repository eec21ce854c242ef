extension TextFixer {
    /// The character categories of ftfy's mojibake heuristic (`MOJIBAKE_CATEGORIES`).
    struct MojibakeCategories: OptionSet, Sendable {
        let rawValue: UInt16
        static let common = Self(rawValue: 1 << 0)
        static let c1 = Self(rawValue: 1 << 1)
        static let bad = Self(rawValue: 1 << 2)
        static let law = Self(rawValue: 1 << 3)
        static let currency = Self(rawValue: 1 << 4)
        static let startPunctuation = Self(rawValue: 1 << 5)
        static let endPunctuation = Self(rawValue: 1 << 6)
        static let numeric = Self(rawValue: 1 << 7)
        static let kaomoji = Self(rawValue: 1 << 8)
        static let upperAccented = Self(rawValue: 1 << 9)
        static let lowerAccented = Self(rawValue: 1 << 10)
        static let upperCommon = Self(rawValue: 1 << 11)
        static let lowerCommon = Self(rawValue: 1 << 12)
        static let box = Self(rawValue: 1 << 13)

        static let byName: [String: Self] = [
            "common": .common, "c1": .c1, "bad": .bad, "law": .law, "currency": .currency,
            "start_punctuation": .startPunctuation, "end_punctuation": .endPunctuation, "numeric": .numeric,
            "kaomoji": .kaomoji, "upper_accented": .upperAccented, "lower_accented": .lowerAccented,
            "upper_common": .upperCommon, "lower_common": .lowerCommon, "box": .box,
        ]
    }

    /// The character classes of ftfy's UTF-8 mojibake detector (`UTF8_CLUES`): characters
    /// that single-byte encodings show for UTF-8 lead bytes of 2-, 3- and 4-byte sequences
    /// and for continuation bytes (a space may stand for byte A0; the strict class leaves
    /// out spaces, dashes, quotes, bullets and ellipses).
    struct UTF8Clues: OptionSet, Sendable {
        let rawValue: UInt8
        static let firstOf2 = Self(rawValue: 1 << 0)
        static let firstOf3 = Self(rawValue: 1 << 1)
        static let firstOf4 = Self(rawValue: 1 << 2)
        static let continuation = Self(rawValue: 1 << 3)
        static let continuationStrict = Self(rawValue: 1 << 4)

        static let byName: [String: Self] = [
            "utf8_first_of_2": .firstOf2, "utf8_first_of_3": .firstOf3, "utf8_first_of_4": .firstOf4,
            "utf8_continuation": .continuation, "utf8_continuation_strict": .continuationStrict,
        ]
    }

    /// Reads "name<TAB>ranges" lines into code point → flags.
    private static func parseRangeTable<Flags: OptionSet>(_ table: String, _ byName: [String: Flags]) -> [UInt32: Flags] {
        var flags: [UInt32: Flags] = [:]
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard let flag = byName[String(fields[0])] else { preconditionFailure("unknown class \(fields[0]) in a generated table") }
            for run in fields[1].split(separator: " ") {
                let bounds = run.split(separator: "-").map { UInt32($0, radix: 16)! }
                for value in bounds[0]...bounds[bounds.count - 1] { flags[value, default: []].formUnion(flag) }
            }
        }
        return flags
    }

    static let mojibakeCategoriesByScalar = parseRangeTable(mojibakeCategoryTable, MojibakeCategories.byName)
    static let utf8CluesByScalar = parseRangeTable(utf8ClueTable, UTF8Clues.byName)

    static func mojibakeCategories(_ scalar: Unicode.Scalar) -> MojibakeCategories {
        scalar.value < 0x80 ? [] : mojibakeCategoriesByScalar[scalar.value] ?? []
    }

    static func utf8Clues(_ scalar: Unicode.Scalar) -> UTF8Clues {
        if scalar.value < 0x80 { return scalar == " " ? .continuation : [] }
        return utf8CluesByScalar[scalar.value] ?? []
    }

    /// ftfy's `is_bad`: whether any of the character sequences of its badness heuristic
    /// (`BADNESS_RE`) occurs in `text` — unlikely neighbours such as an accented letter
    /// followed by a currency sign, C1 controls, and the typical 2- to 6-character shapes
    /// of UTF-8 read as Windows-1252, -1251, -1253, -1257 or MacRoman.
    static func isBad(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        let text = Array(text)
        let categories = text.map(mojibakeCategories)
        // Every sequence of the heuristic contains at least one categorised character.
        guard categories.contains(where: { !$0.isEmpty }) else { return false }
        return text.indices.contains { badSequenceStarts(at: $0, in: text, categories) }
    }

    private static func badSequenceStarts(at i: Int, in text: [Unicode.Scalar], _ categories: [MojibakeCategories]) -> Bool {
        let n = text.count
        func c(_ k: Int) -> MojibakeCategories { i + k < n ? categories[i + k] : [] }
        func s(_ k: Int) -> Unicode.Scalar? { i + k < n ? text[i + k] : nil }
        func isIn(_ k: Int, _ characters: String) -> Bool { s(k).map { characters.unicodeScalars.contains($0) } ?? false }
        func has(_ k: Int, _ set: MojibakeCategories) -> Bool { !c(k).isDisjoint(with: set) }
        func isLatinLetter(_ k: Int) -> Bool { s(k).map { $0.isASCII && $0.properties.isAlphabetic } ?? false }
        func isLowerLatin(_ k: Int) -> Bool { s(k).map { ("a"..."z").contains($0) } ?? false }
        func isSpace(_ k: Int) -> Bool { s(k).map(Tokenizer.isPythonSpace) ?? false }

        let accented: MojibakeCategories = [.lowerAccented, .upperAccented]
        let punctuation: MojibakeCategories = [.startPunctuation, .endPunctuation]
        let symbols: MojibakeCategories = [.box, .currency, .numeric, .law]
        let first = c(0)
        if first.contains(.c1) { return true }
        // The sequences that start with a Latin letter, a space or ASCII punctuation.
        if isLatinLetter(0) || isSpace(0) || isIn(0, ".,?!") {
            if isLatinLetter(0), has(1, [.lowerCommon, .upperCommon]), has(2, .bad) { return true }
            if isLowerLatin(0), has(1, .upperAccented), has(2, [.startPunctuation, .currency]) { return true }
            if isLowerLatin(0), (isIn(1, "ÃÂ") && s(2) == " ") || (isSpace(1) && isIn(2, "ÃÂ") && s(3) == " ") { return true }
            if isSpace(0), has(1, .upperAccented), has(2, .currency) { return true }
            if isLowerLatin(0) || isIn(0, ".,?!"), s(1) == "Â", s(2) == " " || has(2, punctuation) { return true }
        }
        // Every other sequence starts with a categorised character.
        guard !first.isEmpty else { return false }
        // Pairs and triples of categories.
        if has(0, symbols.union(accented).union(punctuation).union(.bad)), has(1, .bad) { return true }
        if has(0, .bad), has(1, symbols.union(accented).union(punctuation)) { return true }
        if has(0, [.lowerAccented, .lowerCommon, .box, .endPunctuation, .currency, .numeric]), has(1, .upperAccented) { return true }
        if has(0, [.box, .endPunctuation, .currency, .numeric]), has(1, .lowerAccented) { return true }
        if has(0, [.lowerAccented, .box, .endPunctuation]), has(1, .currency) { return true }
        if has(0, [.upperAccented, .box]), has(1, [.numeric, .law]) { return true }
        if has(0, accented.union([.box, .currency, .endPunctuation])), has(1, .startPunctuation), has(2, .numeric) { return true }
        if has(0, accented.union(symbols)), has(1, .endPunctuation), has(2, .startPunctuation) { return true }
        if has(0, [.currency, .numeric, .box]), has(1, .startPunctuation) { return true }
        if has(0, .box), has(1, [.kaomoji, .endPunctuation]) { return true }
        if has(0, accented.union(punctuation).union([.currency, .numeric, .law])), has(1, .box) { return true }
        if has(0, accented), has(1, punctuation), let third = s(2), isWordCharacter(third) { return true }
        // œ not followed by an unaccented Latin letter; a degree sign after a capital.
        if isIn(0, "Œœ"), s(1) != nil, !isLatinLetter(1) { return true }
        if has(0, .upperAccented), s(1) == "°" { return true }
        // Common 2-character Windows-1252 mojibake; Arabic (four characters); South Asian scripts.
        if isIn(0, "ÂÃÎÐ"), isIn(1, "€œŠš¢£Ÿž\u{A0}\u{AD}®©°·»–—´") || has(1, punctuation) { return true }
        if s(0) == "×", isIn(1, "²³") { return true }
        func arabicSecond(_ k: Int) -> Bool { has(k, [.common, .currency, .bad, .numeric, .startPunctuation]) || isIn(k, "ŸŠ®°µ»") }
        if isIn(0, "ØÙ"), arabicSecond(1), isIn(2, "ØÙ"), arabicSecond(3) { return true }
        if s(0) == "à", isIn(1, "²µ¹¼½¾") { return true }
        // MacRoman.
        if s(0) == "√", isIn(1, "±∂†≠®™´≤≥¥µø") { return true }
        if s(0) == "≈", isIn(1, "°¢") { return true }
        if s(0) == "‚", s(1) == "Ä", isIn(2, "ìîïòôúùû†°¢π") { return true }
        if s(0) == "‚", isIn(1, "âó"), isIn(2, "àä°ê") { return true }
        // Windows-1251, also on top of Latin-1 mojibake of Windows-1252 characters.
        if s(0) == "в", s(1) == "Ђ" { return true }
        if isIn(0, "ВГРС"), has(1, punctuation.union([.c1, .bad, .currency])) || isIn(1, "°µ"), isIn(2, "ВГРС") { return true }
        if s(0) == "Г", s(1) == "ў", s(2) == "В", s(3) == "Ђ", s(4) == "В", let any = s(5), any != "\n",
           let next = s(6), next == " " || isLatinLetter(6) { return true }
        // Windows-1252 'à', 'á' and A0 itself; Â standing before the character it encodes.
        if s(0) == "Ã", isIn(1, "\u{A0}¡") { return true }
        if i == 0, isIn(0, "ÃÂ"), s(1) == " " { return true }
        if has(0, .endPunctuation), s(1) == "Â", s(2) == " " || has(2, punctuation) { return true }
        // Windows-1253 and -1257.
        if s(0) == "β", s(1) == "€", isIn(2, "™\u{A0}Ά\u{AD}®°") { return true }
        if isIn(0, "ΒΓΞΟ"), has(1, punctuation.union([.c1, .bad, .currency])) || s(1) == "°", isIn(2, "ΒΓΞΟ") { return true }
        return s(0) == "ā" && s(1) == "€"
    }

    /// Python's `\w` in a `str` pattern: letters, anything with a numeric value, '_'.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        guard Tokenizer.isKnownToPython(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }
}
