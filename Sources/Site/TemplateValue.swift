/// A value a template slot can be filled with.
///
/// Numbers arrive preformatted (by `Catalog`, in the page's language) so the engine never
/// formats anything; raw HTML is a distinct case so that escaping cannot be forgotten.
enum TemplateValue: Equatable, Sendable {
    case text(String)
    /// A number already formatted for the page's language ("91.3%", "1,024").
    case number(String)
    case bool(Bool)
    case list([TemplateValue])
    case dict([String: TemplateValue])
    case raw(RawHTML)

    /// Whether `{{#if}}` takes its first branch: true, a non-empty string/list/HTML, any number or dict.
    var isTruthy: Bool {
        switch self {
        case .text(let text): return !text.isEmpty
        case .number: return true
        case .bool(let flag): return flag
        case .list(let items): return !items.isEmpty
        case .dict: return true
        case .raw(let html): return !html.html.isEmpty
        }
    }

    var kindName: String {
        switch self {
        case .text: return "text"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .list: return "a list"
        case .dict: return "a dictionary"
        case .raw: return "raw HTML"
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .text(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    init(dictionaryLiteral elements: (String, TemplateValue)...) {
        var dict: [String: TemplateValue] = [:]
        for (key, value) in elements { dict[key] = value }
        self = .dict(dict)
    }
}
