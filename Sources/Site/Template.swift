import Foundation

/// A parsed page template (mustache-like syntax, our own).
///
/// Syntax:
///
/// | Tag | Meaning |
/// |---|---|
/// | `{{name}}`, `{{a.b.c}}` | the value, HTML-escaped (text or a preformatted number) |
/// | `{{& name}}` | raw HTML — only for values that are `TemplateValue.raw` |
/// | `{{#each items}}…{{else}}…{{/each}}` | the body once per item (item is the innermost scope); the else part when empty |
/// | `{{.}}`, `{{@index}}`, `{{@number}}`, `{{@first}}`, `{{@last}}` | current item; 0-based and 1-based position; first/last flags |
/// | `{{#if x}}…{{else}}…{{/if}}`, `{{#unless x}}…{{/unless}}` | conditionals (false, "", [] are false) |
/// | `{{#with x}}…{{/with}}` | the body with `x` as the innermost scope (e.g. before a partial) |
/// | `{{> name}}` | the partial `partials/name.html` rendered with the current scopes |
/// | `{{! comment }}` | nothing |
///
/// A name is looked up from the innermost scope outwards; its dotted tail must exist in the
/// value found. Contracts (all errors name the template file and 1-based line):
/// an unknown slot, a slot filled with the wrong kind (a list where text is expected, text where
/// raw HTML is asked for with `{{&}}`, raw HTML in an escaped `{{ }}` slot), unbalanced sections
/// and unknown partials are `SiteError.template` errors, never empty output.
/// A line holding only a section, else, comment or partial tag (and whitespace) is removed
/// entirely, so templates can be indented freely.
struct Template: Sendable {
    /// The name errors use, usually the path relative to the templates folder.
    let name: String
    let nodes: [Node]

    init(name: String, source: String) throws {
        self.name = name
        var parser = TemplateParser(name: name, tokens: try TemplateLexer.tokens(of: source, name: name))
        self.nodes = try parser.parseAll()
    }

    /// Renders with `context` as the outermost scope; `partials` resolves `{{> name}}`.
    func render(_ context: TemplateValue, partials: TemplateSet? = nil) throws -> String {
        var renderer = TemplateRenderer(partials: partials)
        var out = ""
        try renderer.render(nodes, template: name, scopes: [context], loops: [], into: &out, depth: 0)
        return out
    }
}

/// The templates of a folder: pages at the top level and partials under `partials/`.
struct TemplateSet: Sendable {
    private(set) var templates: [String: Template] = [:]

    init(templates: [Template]) {
        for template in templates { self.templates[template.name] = template }
    }

    /// Reads every `*.html` file of `directory` and of `directory/partials`.
    init(directory: URL) throws {
        let manager = FileManager.default
        for sub in ["", "partials/"] {
            let folder = sub.isEmpty ? directory : directory.appendingPathComponent("partials")
            guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else {
                if sub.isEmpty { throw SiteError.io(path: directory.path, message: "templates folder not readable") }
                continue
            }
            for file in names.sorted() where file.hasSuffix(".html") {
                let url = folder.appendingPathComponent(file)
                guard let data = manager.contents(atPath: url.path), let source = String(data: data, encoding: .utf8) else {
                    throw SiteError.io(path: url.path, message: "not readable as UTF-8")
                }
                let template = try Template(name: sub + file, source: source)
                templates[template.name] = template
            }
        }
    }

    func template(_ name: String) throws -> Template {
        guard let template = templates[name] else {
            throw SiteError.template(file: name, line: 0, message: "no template named '\(name)' in the templates folder")
        }
        return template
    }

    /// `{{> head}}` resolves to `partials/head.html`, then `head.html`, then `head`.
    func partial(_ name: String) -> Template? {
        templates["partials/\(name).html"] ?? templates["\(name).html"] ?? templates[name]
    }

    func render(_ name: String, _ context: TemplateValue) throws -> String {
        try template(name).render(context, partials: self)
    }
}

indirect enum Node: Sendable {
    case text(String)
    case variable(path: String, raw: Bool, line: Int)
    case each(path: String, body: [Node], otherwise: [Node], line: Int)
    case conditional(path: String, negated: Bool, body: [Node], otherwise: [Node], line: Int)
    case with(path: String, body: [Node], line: Int)
    case partial(name: String, line: Int)
}

struct TemplateToken {
    enum Kind: Equatable {
        case text(String)
        case variable(String)
        case raw(String)
        case open(section: String, argument: String)
        case close(String)
        case otherwise
        case partial(String)
        case comment
    }
    var kind: Kind
    var line: Int

    var canStandAlone: Bool {
        switch kind {
        case .open, .close, .otherwise, .partial, .comment: return true
        case .text, .variable, .raw: return false
        }
    }
}

enum TemplateLexer {
    static func tokens(of source: String, name: String) throws -> [TemplateToken] {
        var tokens: [TemplateToken] = []
        var line = 1
        var rest = source[...]
        while let open = rest.range(of: "{{") {
            let text = rest[..<open.lowerBound]
            if !text.isEmpty { tokens.append(TemplateToken(kind: .text(String(text)), line: line)) }
            line += text.count(where: { $0 == "\n" })
            let afterOpen = rest[open.upperBound...]
            if afterOpen.hasPrefix("{") {
                throw SiteError.template(file: name, line: line, message: "'{{{' is not a tag; write {{& name}} for raw HTML")
            }
            guard let close = afterOpen.range(of: "}}") else {
                throw SiteError.template(file: name, line: line, message: "'{{' without a closing '}}'")
            }
            let body = afterOpen[..<close.lowerBound]
            let tagLine = line
            line += body.count(where: { $0 == "\n" })
            tokens.append(TemplateToken(kind: try kind(of: String(body), name: name, line: tagLine), line: tagLine))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { tokens.append(TemplateToken(kind: .text(String(rest)), line: line)) }
        return removeStandaloneLines(tokens)
    }

    private static func kind(of body: String, name: String, line: Int) throws -> TemplateToken.Kind {
        if body.hasPrefix("!") { return .comment }
        let trimmed = body.trimmingCharacters(in: .whitespaces)
        func argument(after prefix: Int) throws -> String {
            let value = String(trimmed.dropFirst(prefix)).trimmingCharacters(in: .whitespaces)
            guard isValidPath(value) else {
                throw SiteError.template(file: name, line: line, message: "bad name '\(value)' in '{{\(body)}}'")
            }
            return value
        }
        if trimmed.hasPrefix("&") { return .raw(try argument(after: 1)) }
        if trimmed.hasPrefix(">") {
            let partial = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
            guard !partial.isEmpty, partial.allSatisfy({ $0.isLetter || $0.isNumber || "-_/.".contains($0) }) else {
                throw SiteError.template(file: name, line: line, message: "bad partial name in '{{\(body)}}'")
            }
            return .partial(partial)
        }
        if trimmed == "else" { return .otherwise }
        if trimmed.hasPrefix("#") {
            let words = trimmed.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
            guard let section = words.first, ["each", "if", "unless", "with"].contains(section) else {
                throw SiteError.template(file: name, line: line, message: "unknown section '{{\(body)}}' (use #each, #if, #unless or #with)")
            }
            guard words.count == 2 else {
                throw SiteError.template(file: name, line: line, message: "'{{#\(section)}}' needs a name")
            }
            return .open(section: section, argument: try argument(after: section.count + 1))
        }
        if trimmed.hasPrefix("/") {
            return .close(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces))
        }
        guard isValidPath(trimmed) else {
            throw SiteError.template(file: name, line: line, message: "bad name '\(trimmed)' in '{{\(body)}}'")
        }
        return .variable(trimmed)
    }

    static func isValidPath(_ path: String) -> Bool {
        if path == "." || ["@index", "@number", "@first", "@last"].contains(path) { return true }
        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
        return !segments.isEmpty && segments.allSatisfy { segment in
            !segment.isEmpty && segment.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        }
    }

    /// Removes the indentation and line break around tags that stand alone on their line.
    private static func removeStandaloneLines(_ tokens: [TemplateToken]) -> [TemplateToken] {
        func text(_ index: Int) -> String? {
            guard tokens.indices.contains(index), case .text(let text) = tokens[index].kind else { return nil }
            return text
        }
        var trimTrailing = Set<Int>(), trimLeading = Set<Int>()
        for index in tokens.indices where tokens[index].canStandAlone {
            let before: Bool
            if index == 0 {
                before = true
            } else if let previous = text(index - 1) {
                let tail = previous.reversed().prefix { $0 != "\n" }
                let hasBreak = previous.contains("\n")
                before = tail.allSatisfy { $0 == " " || $0 == "\t" } && (hasBreak || index - 1 == 0)
            } else {
                before = false
            }
            guard before else { continue }
            let after: Bool
            if index == tokens.count - 1 {
                after = true
            } else if let next = text(index + 1) {
                let head = next.prefix { $0 != "\n" }
                after = head.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } && (next.contains("\n") || index + 1 == tokens.count - 1)
            } else {
                after = false
            }
            guard after else { continue }
            if index > 0 { trimTrailing.insert(index - 1) }
            if index < tokens.count - 1 { trimLeading.insert(index + 1) }
        }
        var result = tokens
        for index in result.indices {
            guard case .text(var text) = result[index].kind else { continue }
            if trimLeading.contains(index) {
                if let newline = text.firstIndex(of: "\n") {
                    text.removeSubrange(...newline)
                } else {
                    text = ""
                }
            }
            if trimTrailing.contains(index) {
                while let last = text.last, last == " " || last == "\t" { text.removeLast() }
            }
            result[index].kind = .text(text)
        }
        return result
    }
}

struct TemplateParser {
    let name: String
    let tokens: [TemplateToken]
    var position = 0

    init(name: String, tokens: [TemplateToken]) {
        self.name = name
        self.tokens = tokens
    }

    mutating func parseAll() throws -> [Node] {
        let (nodes, stop) = try parseNodes()
        if let stop {
            throw SiteError.template(file: name, line: stop.line, message: "'\(describe(stop))' without an open section")
        }
        return nodes
    }

    /// Parses until a close or else tag (returned, consumed) or the end (nil).
    private mutating func parseNodes() throws -> ([Node], TemplateToken?) {
        var nodes: [Node] = []
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token.kind {
            case .text(let text): if !text.isEmpty { nodes.append(.text(text)) }
            case .variable(let path): nodes.append(.variable(path: path, raw: false, line: token.line))
            case .raw(let path): nodes.append(.variable(path: path, raw: true, line: token.line))
            case .partial(let partial): nodes.append(.partial(name: partial, line: token.line))
            case .comment: break
            case .close, .otherwise: return (nodes, token)
            case .open(let section, let argument):
                let (body, stop) = try parseNodes()
                var otherwise: [Node] = []
                var end = stop
                if let stop, stop.kind == .otherwise {
                    guard section != "with" else {
                        throw SiteError.template(file: name, line: stop.line, message: "{{else}} inside {{#with}}")
                    }
                    let (elseBody, elseStop) = try parseNodes()
                    otherwise = elseBody
                    end = elseStop
                }
                guard let end, case .close(let closed) = end.kind else {
                    throw SiteError.template(file: name, line: token.line, message: "'{{#\(section) \(argument)}}' is never closed")
                }
                guard closed == section else {
                    throw SiteError.template(file: name, line: end.line, message: "'{{/\(closed)}}' closes '{{#\(section) \(argument)}}' of line \(token.line)")
                }
                switch section {
                case "each": nodes.append(.each(path: argument, body: body, otherwise: otherwise, line: token.line))
                case "with": nodes.append(.with(path: argument, body: body, line: token.line))
                default:
                    nodes.append(.conditional(path: argument, negated: section == "unless", body: body, otherwise: otherwise, line: token.line))
                }
            }
        }
        return (nodes, nil)
    }

    private func describe(_ token: TemplateToken) -> String {
        switch token.kind {
        case .close(let section): return "{{/\(section)}}"
        case .otherwise: return "{{else}}"
        default: return "tag"
        }
    }
}

struct TemplateRenderer {
    struct Loop { var index: Int; var count: Int }
    let partials: TemplateSet?
    static let maxDepth = 32

    func lookup(_ path: String, template: String, line: Int, scopes: [TemplateValue], loops: [Loop]) throws -> TemplateValue {
        func fail(_ message: String) -> SiteError { .template(file: template, line: line, message: message) }
        if path.hasPrefix("@") {
            guard let loop = loops.last else { throw fail("'\(path)' outside {{#each}}") }
            switch path {
            case "@index": return .number(String(loop.index))
            case "@number": return .number(String(loop.index + 1))
            case "@first": return .bool(loop.index == 0)
            default: return .bool(loop.index == loop.count - 1)
            }
        }
        if path == "." { return scopes[scopes.count - 1] }
        let segments = path.split(separator: ".").map(String.init)
        var value: TemplateValue?
        for scope in scopes.reversed() {
            if case .dict(let dict) = scope, let found = dict[segments[0]] {
                value = found
                break
            }
        }
        guard var current = value else { throw fail("unknown slot '\(segments[0])'") }
        for (index, segment) in segments.enumerated().dropFirst() {
            guard case .dict(let dict) = current, let next = dict[segment] else {
                throw fail("unknown slot '\(path)' (no '\(segment)' in '\(segments[..<index].joined(separator: "."))')")
            }
            current = next
        }
        return current
    }

    mutating func render(_ nodes: [Node], template: String, scopes: [TemplateValue], loops: [Loop], into out: inout String, depth: Int) throws {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .variable(let path, let raw, let line):
                let value = try lookup(path, template: template, line: line, scopes: scopes, loops: loops)
                switch (value, raw) {
                case (.text(let text), false), (.number(let text), false): out += HTML.escape(text)
                case (.raw(let html), true): out += html.html
                case (.raw, false):
                    throw SiteError.template(file: template, line: line, message: "'\(path)' is raw HTML; write {{& \(path)}}")
                case (_, true):
                    throw SiteError.template(file: template, line: line, message: "'{{& \(path)}}' needs raw HTML, not \(value.kindName)")
                default:
                    throw SiteError.template(file: template, line: line, message: "'\(path)' is \(value.kindName), not text")
                }
            case .each(let path, let body, let otherwise, let line):
                let value = try lookup(path, template: template, line: line, scopes: scopes, loops: loops)
                guard case .list(let items) = value else {
                    throw SiteError.template(file: template, line: line, message: "'{{#each \(path)}}' needs a list, not \(value.kindName)")
                }
                if items.isEmpty {
                    try render(otherwise, template: template, scopes: scopes, loops: loops, into: &out, depth: depth)
                }
                for (index, item) in items.enumerated() {
                    try render(body, template: template, scopes: scopes + [item], loops: loops + [Loop(index: index, count: items.count)],
                               into: &out, depth: depth)
                }
            case .conditional(let path, let negated, let body, let otherwise, let line):
                let value = try lookup(path, template: template, line: line, scopes: scopes, loops: loops)
                let branch = value.isTruthy != negated ? body : otherwise
                try render(branch, template: template, scopes: scopes, loops: loops, into: &out, depth: depth)
            case .with(let path, let body, let line):
                let value = try lookup(path, template: template, line: line, scopes: scopes, loops: loops)
                try render(body, template: template, scopes: scopes + [value], loops: loops, into: &out, depth: depth)
            case .partial(let name, let line):
                guard let partial = partials?.partial(name) else {
                    throw SiteError.template(file: template, line: line, message: "unknown partial '\(name)'")
                }
                guard depth < Self.maxDepth else {
                    throw SiteError.template(file: template, line: line, message: "partials nested more than \(Self.maxDepth) deep")
                }
                try render(partial.nodes, template: partial.name, scopes: scopes, loops: loops, into: &out, depth: depth + 1)
            }
        }
    }
}
