import Foundation

/// The classes of a pilot: display names (what the prompts say), optional WordNet ids
/// (to recognise `n01440764`-style folders), the prompt templates and optional alternative names.
package struct ClassList: Sendable, Equatable {
    package var names: [String]
    /// Same order as `names`, or empty.
    package var wnids: [String]
    /// Prompt templates with `{c}` where the class name goes.
    package var templates: [String]
    /// Per class (same order as `names`) the alternative names the pilot lists (`classes.synonyms`),
    /// possibly none; empty without a synonyms file.
    package var synonyms: [[String]]

    package init(names: [String], wnids: [String] = [], templates: [String], synonyms: [[String]] = []) {
        self.names = names
        self.wnids = wnids
        self.templates = templates
        self.synonyms = synonyms
    }

    /// Reads the class list a spec asks for, with the alternative names of `synonyms` (a file).
    package static func load(_ classes: PilotSpec.Classes, synonyms: URL? = nil, assets: Assets) throws -> ClassList {
        var list = try readList(classes, assets: assets)
        if let synonyms { list.synonyms = try parseSynonyms(try readTextFile(synonyms, maxBytes: maxTextFileBytes), names: list.names, path: synonyms.path) }
        return list
    }

    /// The names, WordNet ids and templates a spec asks for.
    private static func readList(_ classes: PilotSpec.Classes, assets: Assets) throws -> ClassList {
        switch classes {
        case .imagenet(let set):
            return try imagenet(templates: set, assets: assets)
        case .files(let names, let templateSource, let wnidsURL):
            let classNames = try lines(of: names)
            guard !classNames.isEmpty else { throw PilotError.dataset(path: names.path, message: "the class list is empty") }
            var wnids: [String] = []
            if let wnidsURL {
                wnids = try lines(of: wnidsURL)
                guard wnids.count == classNames.count else {
                    throw PilotError.dataset(path: wnidsURL.path, message: "has \(wnids.count) lines but the class list has \(classNames.count)")
                }
            }
            let templates: [String]
            switch templateSource {
            case .preset(let set): templates = try lines(of: assets.url(set.assetPath))
            case .file(let url): templates = try lines(of: url)
            }
            try validate(templates: templates, path: templateSourcePath(templateSource, assets: assets))
            return ClassList(names: classNames, wnids: wnids, templates: templates)
        }
    }

    package static func imagenet(templates set: PilotSpec.TemplateSet = .openai80, assets: Assets) throws -> ClassList {
        ClassList(
            names: try lines(of: assets.url("imagenet/classnames.txt")),
            wnids: try lines(of: assets.url("imagenet/wnids.txt")),
            templates: try lines(of: assets.url(set.assetPath)))
    }

    /// Indices of a subset's ImageNet classes within the 1000, ascending: the 200 of ImageNet-R or
    /// ImageNet-A, or ObjectNet's 125.
    package static func subsetIndices(_ subset: PilotSpec.ClassSubset, of list: ClassList, assets: Assets) throws -> [Int] {
        if subset == .objectnet { return try ObjectNetClasses.load(assets: assets).headClasses }
        let file = assets.url(subset == .imagenetR ? "imagenet/imagenet-r-wnids.txt" : "imagenet/imagenet-a-wnids.txt")
        let wanted = Set(try lines(of: file))
        let indices = list.wnids.indices.filter { wanted.contains(list.wnids[$0]) }
        guard indices.count == wanted.count else {
            throw PilotError.dataset(path: file.path, message: "\(wanted.count - indices.count) WordNet ids are not ImageNet classes")
        }
        return indices
    }

    /// The prompts for one class.
    package func prompts(forClass index: Int) -> [String] {
        prompts(name: names[index])
    }

    /// Every template filled with `name`.
    func prompts(name: String) -> [String] {
        templates.map { $0.replacingOccurrences(of: "{c}", with: name) }
    }

    /// The names tried for class `index`: its own name first, then its alternatives.
    package func candidates(forClass index: Int) -> [String] {
        [names[index]] + (index < synonyms.count ? synonyms[index] : [])
    }

    /// Whether the pilot lists any alternative name.
    package var hasSynonyms: Bool { synonyms.contains { !$0.isEmpty } }

    /// The name probe's prompts: per class, per candidate name (its own first), every template;
    /// empty without alternative names.
    package func candidatePrompts() -> [String] {
        guard hasSynonyms else { return [] }
        return names.indices.flatMap { index in candidates(forClass: index).flatMap { prompts(name: $0) } }
    }

    /// Most alternative names one class may list (each costs one prompt per template and model).
    static let maxSynonymsPerClass = 8

    /// Parses a synonyms file: one line per class that has alternatives, `class name<TAB>alternative<TAB>…`,
    /// the class name exactly as in the class list. Strict: an unknown class, an empty field, a class
    /// listed twice, a name repeated (letter case aside: the text tower does not see it) or shared with
    /// another class, or more than `maxSynonymsPerClass` alternatives is an error naming the line.
    static func parseSynonyms(_ text: String, names: [String], path: String) throws -> [[String]] {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // Every name in use, lowercased: the class it names, the line (0: the class list) and its spelling there.
        var owner: [String: (classIndex: Int, line: Int, spelling: String)] = [:]
        for (position, name) in names.enumerated() where owner[name.lowercased()] == nil { owner[name.lowercased()] = (position, 0, name) }
        var result = [[String]](repeating: [], count: names.count)
        var listedOn = [Int: Int]()
        func fail(_ line: Int, _ message: String) -> PilotError { PilotError.dataset(path: path, message: "line \(line): \(message)") }
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = offset + 1
            let fields = rawLine.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.allSatisfy(\.isEmpty) { continue }
            let name = fields[0]
            guard let classIndex = index[name] else {
                let first = name.split(whereSeparator: { $0 == "|" || $0 == "," }).first.map { $0.trimmingCharacters(in: .whitespaces) }
                if fields.count == 1, first != name, let first, index[first] != nil {
                    throw fail(line, "\"\(name)\" is not a class name; separate the names with tabs, not '|' or ','")
                }
                let near = names.first { $0.lowercased() == name.lowercased() }
                throw fail(line, "\"\(name)\" is not a class name" + (near.map { " (the class list says \"\($0)\")" } ?? "")
                    + "; the first field must be a class name exactly as in the class list")
            }
            if let previous = listedOn[classIndex] {
                throw fail(line, "class \"\(name)\" is already listed on line \(previous); put all its alternative names on one line")
            }
            listedOn[classIndex] = line
            guard fields.count > 1 else {
                throw fail(line, "class \"\(name)\" has no alternative name; add them after a tab (\(name)<TAB>other name) or remove the line")
            }
            if let empty = fields.indices.dropFirst().first(where: { fields[$0].isEmpty }) {
                throw fail(line, "field \(empty + 1) is empty (two tabs in a row or a trailing tab); remove it")
            }
            let alternatives = Array(fields.dropFirst())
            guard alternatives.count <= maxSynonymsPerClass else {
                throw fail(line, "class \"\(name)\" has \(alternatives.count) alternative names; at most \(maxSynonymsPerClass) (each adds one prompt per template to encode)")
            }
            for alternative in alternatives {
                if let (other, otherLine, spelling) = owner[alternative.lowercased()] {
                    var message = "\"\(alternative)\" "
                    switch (other == classIndex, otherLine == 0) {
                    case (true, true): message += "is the class's own name, which is always tried first"
                    case (true, false): message += "appears twice"
                    case (false, true): message += "is the name of another class"
                    case (false, false): message += "is also an alternative name of \"\(names[other])\" (line \(otherLine))"
                    }
                    if spelling != alternative { message += " (as \"\(spelling)\": the text tower does not see letter case)" }
                    if other != classIndex { message += "; two classes with the same name cannot be told apart" }
                    throw fail(line, message)
                }
                owner[alternative.lowercased()] = (classIndex, line, alternative)
            }
            result[classIndex] = alternatives
        }
        return result
    }

    /// Largest class-name or template file read (ImageNet's 1000 names: 15 KB).
    static let maxTextFileBytes = 16 << 20

    /// Non-empty lines, trailing whitespace and a UTF-8 BOM removed.
    static func lines(of url: URL) throws -> [String] {
        var text = try readTextFile(url, maxBytes: maxTextFileBytes)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    static func validate(templates: [String], path: String) throws {
        guard !templates.isEmpty else { throw PilotError.dataset(path: path, message: "no prompt templates") }
        if let bad = templates.first(where: { !$0.contains("{c}") }) {
            throw PilotError.dataset(path: path, message: "template \"\(bad)\" has no {c} for the class name")
        }
    }

    private static func templateSourcePath(_ source: PilotSpec.TemplateSource, assets: Assets) -> String {
        switch source {
        case .preset(let set): return assets.url(set.assetPath).path
        case .file(let url): return url.path
        }
    }
}

extension PilotSpec.TemplateSet {
    var assetPath: String {
        switch self {
        case .openai80: return "imagenet/templates-openai-80.txt"
        case .simple7: return "imagenet/templates-simple-7.txt"
        }
    }
}
