import Foundation

/// The classes of a pilot: display names (what the prompts say), optional WordNet ids
/// (to recognise `n01440764`-style folders) and the prompt templates.
package struct ClassList: Sendable, Equatable {
    package var names: [String]
    /// Same order as `names`, or empty.
    package var wnids: [String]
    /// Prompt templates with `{c}` where the class name goes.
    package var templates: [String]

    package init(names: [String], wnids: [String] = [], templates: [String]) {
        self.names = names
        self.wnids = wnids
        self.templates = templates
    }

    /// Reads the class list a spec asks for.
    package static func load(_ classes: PilotSpec.Classes, assets: Assets) throws -> ClassList {
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
        templates.map { $0.replacingOccurrences(of: "{c}", with: names[index]) }
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
