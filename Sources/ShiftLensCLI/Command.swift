import Pipeline
import Support

/// One `shiftlens` subcommand: its options, its help text and what it runs.
package struct Command: Sendable {
    /// An option such as `--out X.npy` (takes a value), `--json` (a flag) or
    /// `--images A B C` (takes every following value up to the next option).
    package struct Option: Sendable {
        package enum Kind: Sendable { case flag, value, values }
        package let name: String
        package let kind: Kind
        let valueName: String
        package let help: String

        static func flag(_ name: String, _ help: String) -> Option {
            Option(name: name, kind: .flag, valueName: "", help: help)
        }

        package static func value(_ name: String, _ valueName: String, _ help: String) -> Option {
            Option(name: name, kind: .value, valueName: valueName, help: help)
        }

        package static func values(_ name: String, _ valueName: String, _ help: String) -> Option {
            Option(name: name, kind: .values, valueName: valueName, help: help)
        }
    }

    package let name: String
    let summary: String
    /// The synopsis after `usage: `, e.g. `shiftlens decode IMG --out X.npy|X.ppm`.
    let usage: String
    /// Paragraphs shown by `--help` after the synopsis.
    let discussion: String
    /// Every option the command accepts: its own, then its groups'.
    package let options: [Option]
    /// The options only this command has (listed first by `--help`, under "options:").
    let ownOptions: [Option]
    /// The option groups the command takes, in the order `--help` lists them and the parser reads them.
    package let groups: [any OptionGroup.Type]
    /// How many positional arguments the command accepts.
    let positionals: ClosedRange<Int>
    package let run: @Sendable (Invocation, Console) throws -> Int32

    package init(
        name: String, summary: String, usage: String, discussion: String = "",
        options: [Option] = [], groups: [any OptionGroup.Type] = [], positionals: ClosedRange<Int> = 0...0,
        run: @escaping @Sendable (Invocation, Console) throws -> Int32
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.discussion = discussion
        self.ownOptions = options
        self.groups = groups
        self.options = options + groups.flatMap { $0.options }
        self.positionals = positionals
        self.run = run
    }

    static func named(_ name: String) -> Command? {
        all.first { $0.name == name }
    }

    package func help() -> String {
        var lines = ["shiftlens \(name) — \(summary)", "", "usage: \(usage)"]
        if !discussion.isEmpty { lines += ["", discussion] }
        // The command's own options, then each group under its heading; one column for all.
        let sections = [("options", ownOptions + [.flag("--help", "Show this help.")])]
            + groups.map { ("\($0.heading) options", $0.options) }
        func label(_ option: Option) -> String {
            switch option.kind {
            case .flag: return option.name
            case .value: return "\(option.name) \(option.valueName)"
            case .values: return "\(option.name) \(option.valueName)..."
            }
        }
        let width = sections.flatMap { $0.1.map { label($0).count } }.max() ?? 0
        for (heading, options) in sections {
            lines += ["", heading + ":"]
            for option in options {
                lines.append("  " + label(option).padding(toLength: width + 2, withPad: " ", startingAt: 0) + option.help)
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Options several commands share, declared once with one help text. The option groups
/// (`OptionGroup.swift`) list them and read them through these constants
/// (`invocation.integer(.threads, …)`), so a misspelt shared option does not compile.
extension Command.Option {
    static let threads = Command.Option.value("--threads", "N", "Compute threads (default: all cores, or SHIFTLENS_THREADS).")
    package static let decoders = Command.Option.value(
        "--decoders", "N", "Image decode threads feeding the encoder (default: one per four cores, at least one).")
    /// `--batch` of the commands that encode a pilot (run, encode); `embed` and `bench` have their own defaults.
    static let pilotBatch = Command.Option.value(
        "--batch", "N", "Images per encoder pass and store write (default: sized for each model, see docs/running.md).")
    /// `--model W` of embed and bench (`ModelSelection`).
    package static let model = Command.Option.value(
        "--model", "W",
        "Checkpoint (.safetensors, or PyTorch .pt/.pth/.bin from torch.save or torch.jit.save) in open_clip, OpenAI or Hugging Face naming.")
    package static let activation = Command.Option.value(
        "--activation", "NAME", "gelu or quick_gelu, when no configuration file beside the weights says.")
    /// `--precision` of run, encode, embed and bench (`ComputeOptions`).
    package static let precision = Command.Option.value(
        "--precision", "P",
        "fp32 (default) or bf16: the arithmetic of the image tower's transformer layers (run, encode: every model, whatever the pilot says).")
}

/// A parsed command line: positionals, option values and flags.
package struct Invocation: Sendable {
    private(set) var positionals: [String] = []
    private var valuesByName: [String: [String]] = [:]
    private var flags: Set<String> = []
    /// The command's option names: looking up any other name is a programming error (a typo).
    private let declared: Set<String>
    /// The command's option groups, read and checked once the command line is parsed.
    private var groups: [ObjectIdentifier: any OptionGroup] = [:]

    package init(parsing arguments: [String], for command: Command) throws {
        declared = Set(command.options.map(\.name))
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("--") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            guard let option = command.options.first(where: { $0.name == name }) else {
                let suggestion = closestMatch(to: name, among: command.options.map(\.name) + ["--help"])
                throw UsageError("unknown option '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""))
            }
            switch option.kind {
            case .flag:
                guard inline == nil else { throw UsageError("\(name) takes no value") }
                flags.insert(name)
            case .value:
                if let inline {
                    valuesByName[name, default: []].append(inline)
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw UsageError("\(name) needs a value (\(option.valueName))")
                    }
                    valuesByName[name, default: []].append(arguments[index])
                    index += 1
                }
            case .values:
                var taken = inline.map { [$0] } ?? []
                while index < arguments.count, !arguments[index].hasPrefix("--") {
                    taken.append(arguments[index])
                    index += 1
                }
                guard !taken.isEmpty else { throw UsageError("\(name) needs at least one value (\(option.valueName))") }
                valuesByName[name, default: []] += taken
            }
        }
        guard command.positionals.contains(positionals.count) else {
            if positionals.count > command.positionals.upperBound {
                throw UsageError("unexpected argument '\(positionals[command.positionals.upperBound])'")
            }
            throw UsageError("missing argument")
        }
        // Every group's values are checked here, before the command does any work.
        for group in command.groups {
            groups[ObjectIdentifier(group)] = try group.init(self)
        }
    }

    /// The values of one of the command's option groups (`invocation.group(ComputeOptions.self)`);
    /// traps when the command does not take that group.
    func group<Group: OptionGroup>(_ type: Group.Type) -> Group {
        guard let group = groups[ObjectIdentifier(type)] as? Group else {
            preconditionFailure("option group \(Group.self) is not taken by this command")
        }
        return group
    }

    /// Traps when `name` is not one of the command's options: a misspelt lookup must not read as "not given".
    private func checked(_ name: String) -> String {
        precondition(declared.contains(name), "option \(name) is not declared by this command")
        return name
    }

    func flag(_ name: String) -> Bool { flags.contains(checked(name)) }

    /// The option's value; the last one wins when it was given twice.
    package func value(_ name: String) -> String? { valuesByName[checked(name)]?.last }

    package func values(_ name: String) -> [String] { valuesByName[checked(name)] ?? [] }

    package func value(_ option: Command.Option) -> String? { value(option.name) }

    func flag(_ option: Command.Option) -> Bool { flag(option.name) }

    package func required(_ option: Command.Option) throws -> String { try required(option.name) }

    package func double(_ option: Command.Option, default fallback: Double) throws -> Double { try double(option.name, default: fallback) }

    package func integer(_ option: Command.Option, default fallback: Int, in range: ClosedRange<Int> = 1...Int.max) throws -> Int {
        try integer(option.name, default: fallback, in: range)
    }

    package func required(_ name: String) throws -> String {
        guard let value = value(name) else { throw UsageError("missing required option \(name)") }
        return value
    }

    package func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int> = 1...Int.max) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return number
    }

    package func double(_ name: String, default fallback: Double) throws -> Double {
        guard let text = value(name) else { return fallback }
        guard let number = Double(text), number.isFinite else { throw UsageError("\(name) must be a number, not '\(text)'") }
        return number
    }
}
