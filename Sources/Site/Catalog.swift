import Foundation

/// A message catalogue: every fixed string of the site in one language, number formatting
/// for that language, and builders for the generated sentences.
///
/// File format (`assets/i18n/<language>.json`): one JSON object whose keys are dotted names
/// (`"run.heading.verdicts"`) and whose values are either a string or, where the language
/// inflects for number, an object of plural forms (`{"one": "…", "other": "…"}`; `other` is
/// required, and is the only form Japanese needs). `{name}` marks a placeholder; every
/// placeholder must be given when the message is formatted and none may be left over.
/// Both catalogues must have the same keys with the same placeholders (tested).
///
/// Numbers: fractions are shown as percentages with one decimal ("91.3%") in both languages;
/// ranges use the catalogue's `format.range` pattern ("89.0–93.4%" / "89.0〜93.4%"); dates are
/// ISO 8601 (YYYY-MM-DD).
package struct Catalog: Sendable {
    enum Entry: Sendable, Equatable {
        case text(String)
        case plural([String: String])
    }

    let language: String
    let entries: [String: Entry]

    package static let languages = ["en", "ja"]

    init(language: String, entries: [String: Entry]) {
        self.language = language
        self.entries = entries
    }

    /// Parses a catalogue file's bytes.
    init(language: String, json: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw SiteError.catalog("\(language).json is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        for (key, value) in object {
            if let text = value as? String {
                entries[key] = .text(text)
            } else if let forms = value as? [String: String] {
                guard forms["other"] != nil else { throw SiteError.catalog("\(language).json: '\(key)' has no 'other' form") }
                guard Set(forms.keys).isSubset(of: ["zero", "one", "two", "few", "many", "other"]) else {
                    throw SiteError.catalog("\(language).json: '\(key)' has an unknown plural form")
                }
                entries[key] = .plural(forms)
            } else {
                throw SiteError.catalog("\(language).json: '\(key)' is neither a string nor plural forms")
            }
        }
        self.init(language: language, entries: entries)
    }

    /// Loads `directory/<language>.json` (the `assets/i18n` folder).
    package init(language: String, directory: URL) throws {
        guard Self.languages.contains(language) else {
            throw SiteError.catalog("unsupported language '\(language)' (supported: \(Self.languages.joined(separator: ", ")))")
        }
        let url = directory.appendingPathComponent("\(language).json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SiteError.io(path: url.path, message: "message catalogue not found")
        }
        try self.init(language: language, json: data)
    }

    // MARK: Messages

    /// The message `key` with its placeholders filled; a missing key or placeholder is an error.
    func text(_ key: String, _ arguments: [String: String] = [:]) throws -> String {
        guard let entry = entries[key] else { throw SiteError.catalog("\(language).json has no key '\(key)'") }
        switch entry {
        case .text(let pattern): return try fill(pattern, key: key, arguments)
        case .plural(let forms): return try fill(forms["other"] ?? "", key: key, arguments)
        }
    }

    /// The plural form for `count` (English rules: one for 1, other otherwise; other for Japanese),
    /// with `{count}` filled with the grouped count.
    func plural(_ key: String, count: Int, _ arguments: [String: String] = [:]) throws -> String {
        guard let entry = entries[key] else { throw SiteError.catalog("\(language).json has no key '\(key)'") }
        var arguments = arguments
        arguments["count"] = integer(count)
        switch entry {
        case .text(let pattern): return try fill(pattern, key: key, arguments)
        case .plural(let forms):
            let form = language == "en" && count == 1 ? "one" : "other"
            return try fill(forms[form] ?? forms["other"] ?? "", key: key, arguments)
        }
    }

    /// Placeholder names in `pattern`, in order of appearance.
    static func placeholders(_ pattern: String) -> [String] {
        var names: [String] = []
        var rest = pattern[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    private func fill(_ pattern: String, key: String, _ arguments: [String: String]) throws -> String {
        var out = ""
        var rest = pattern[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = arguments[name] else {
                throw SiteError.catalog("\(language).json '\(key)': no value for placeholder {\(name)}")
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Every plain (non-plural, placeholder-free) message as nested template values, so
    /// templates can write `{{t.nav.home}}`.
    func templateValues() -> TemplateValue {
        var root: [String: TemplateValue] = [:]
        for key in entries.keys.sorted() {
            guard case .text(let text) = entries[key], Self.placeholders(text).isEmpty else { continue }
            Self.insert(.text(text), at: key.split(separator: ".").map(String.init), into: &root)
        }
        return .dict(root)
    }

    private static func insert(_ value: TemplateValue, at path: [String], into dict: inout [String: TemplateValue]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            if case .dict = dict[first] { return }  // a key that is also a prefix keeps its children
            dict[first] = value
            return
        }
        var child: [String: TemplateValue]
        if case .dict(let existing) = dict[first] { child = existing } else { child = [:] }
        insert(value, at: Array(path.dropFirst()), into: &child)
        dict[first] = .dict(child)
    }

    // MARK: Numbers

    /// A fraction as a percentage: 0.9134 → "91.3%"; nil → "—".
    func percent(_ fraction: Double?, digits: Int = 1) -> String {
        guard let fraction, fraction.isFinite else { return "—" }
        return Fixed.format(fraction * 100, digits: digits) + "%"
    }

    /// An interval of fractions: "89.0–93.4%" (en) / "89.0〜93.4%" (ja).
    func percentRange(_ lower: Double?, _ upper: Double?, digits: Int = 1) -> String {
        guard let lower, let upper, lower.isFinite, upper.isFinite else { return "—" }
        let pattern = (try? text("format.range", ["low": Fixed.format(lower * 100, digits: digits), "high": Fixed.format(upper * 100, digits: digits)])) ?? ""
        return pattern + "%"
    }

    /// A difference of fractions in percentage points with its sign: "−7.3 pp" / "−7.3ポイント".
    func points(_ difference: Double?, digits: Int = 1) -> String {
        guard let difference, difference.isFinite else { return "—" }
        return ValueFormat.points(digits: digits, unit: "")(difference) + ((try? text("format.points_suffix")) ?? "")
    }

    /// A range of differences in percentage points: "−9.6 to −5.1 pp" / "−9.6〜−5.1ポイント".
    func pointsRange(_ lower: Double?, _ upper: Double?, digits: Int = 1) -> String {
        guard let lower, let upper, lower.isFinite, upper.isFinite else { return "—" }
        let format = ValueFormat.points(digits: digits, unit: "")
        return ((try? text("format.points_range", ["low": format(lower), "high": format(upper)])) ?? "")
    }

    /// An integer with thousands grouping: 12345 → "12,345".
    func integer(_ value: Int) -> String {
        Fixed.grouped(String(value), separator: ",")
    }

    /// A decimal number with grouping; nil or non-finite → "—".
    func decimal(_ value: Double?, digits: Int = 2) -> String {
        guard let value, value.isFinite else { return "—" }
        return Fixed.grouped(Fixed.format(value, digits: digits), separator: ",")
    }

    /// A number that may span orders of magnitude (p-values, MMD²): 3 significant digits,
    /// scientific notation below 0.001.
    func significant(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude < 0.001 || magnitude >= 1e6 {
            let exponent = Int(floor(log10(magnitude)))
            let mantissa = value / pow(10, Double(exponent))
            return Fixed.format(mantissa, digits: 2) + "×10^" + String(exponent)
        }
        let digits = max(0, 2 - Int(floor(log10(magnitude))))
        return Fixed.grouped(Fixed.format(value, digits: digits), separator: ",")
    }

    /// The date part of an ISO 8601 timestamp ("2026-11-26T19:04:00Z" → "2026-11-26").
    func date(_ iso: String) -> String {
        String(iso.prefix(10))
    }

    /// Date and time to the minute of an ISO 8601 UTC timestamp ("2026-12-03T23:53:00Z" →
    /// "2026-12-03 23:53 UTC"); the date alone when the timestamp carries no time.
    func dateTime(_ iso: String) -> String {
        let characters = Array(iso)
        guard characters.count >= 16, characters[10] == "T", characters[13] == ":" else { return date(iso) }
        return date(iso) + " " + String(characters[11..<16]) + " UTC"
    }

    /// Joins names as a list: "a, b and c" / "a、b、c".
    func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        let separator = (try? text("format.list_separator")) ?? ", "
        let last = (try? text("format.list_last_separator")) ?? " and "
        return items.dropLast().joined(separator: separator) + last + (items.last ?? "")
    }
}
