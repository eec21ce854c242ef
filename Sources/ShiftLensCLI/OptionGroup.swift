import Pipeline
import Probes
import Tensor
import Weights

/// Options several commands share, declared once as a group: the options (one help text each),
/// the heading `--help` lists them under, and the typed values read from a command line.
///
/// A command lists the groups it takes (`groups: [ComputeOptions.self, …]`) and reads one as
/// `invocation.group(ComputeOptions.self)`: a type, so a misspelt group does not compile, and
/// reading a group the command does not take traps. A group's values are read and checked when
/// the command line is parsed, so a bad value is a usage error (exit 2) before the command does
/// any work.
package protocol OptionGroup: Sendable {
    /// What `--help` shows above the group's options ("<heading> options:").
    static var heading: String { get }
    static var options: [Command.Option] { get }
    /// Reads and checks the group's options (a `UsageError` for a bad value).
    init(_ invocation: Invocation) throws
}

/// `--threads N --precision fp32|bf16`: how the encoder computes (run, encode, embed, bench).
struct ComputeOptions: OptionGroup {
    static let heading = "compute"
    static let options: [Command.Option] = [.threads, .precision]
    /// nil when not given: the pool keeps its size (every core, or SHIFTLENS_THREADS).
    let threads: Int?
    /// nil when not given: run and encode take the pilot's, embed and bench fp32.
    let precision: Precision?

    init(_ invocation: Invocation) throws {
        threads = invocation.value(.threads) == nil ? nil : try invocation.integer(.threads, default: 1, in: 1...256)
        precision = try invocation.value(.precision).map { text in
            guard let precision = Precision(rawValue: text) else { throw UsageError("--precision must be fp32 or bf16, not '\(text)'") }
            return precision
        }
    }

    /// Sizes the compute pool when `--threads` was given.
    func configureThreads() {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
    }
}

/// `--batch N --decoders N` of the commands that encode a pilot (run, encode).
struct PilotEncodingOptions: OptionGroup {
    static let heading = "encoding"
    static let options: [Command.Option] = [.pilotBatch, .decoders]
    /// nil when not given: each model chooses (`EncoderBatch`).
    let batchSize: Int?
    let decoders: Int

    init(_ invocation: Invocation) throws {
        batchSize = invocation.value(.pilotBatch) == nil ? nil : try invocation.integer(.pilotBatch, default: 1, in: 1...4096)
        decoders = try invocation.integer(.decoders, default: PilotEncoding.defaultDecoders, in: 1...64)
    }
}

/// `--activation NAME`: what shapes cannot tell about a checkpoint without a configuration file
/// beside it (inspect; with `--model` in `ModelSelection`).
struct CheckpointSettings: OptionGroup {
    static let heading = "checkpoint"
    static let options: [Command.Option] = [.activation]
    let activation: Activation?

    init(_ invocation: Invocation) throws {
        activation = try invocation.value(.activation).map { name in
            guard let activation = Activation(rawValue: name) else {
                throw UsageError("--activation must be gelu or quick_gelu, not '\(name)'")
            }
            return activation
        }
    }

    /// What `Checkpoint.load` takes, naming `--activation` as the source of the activation.
    var overrides: ConfigOverrides {
        ConfigOverrides(activation: activation, source: Command.Option.activation.name)
    }
}

/// `--model W` (required) and `--activation NAME`: the checkpoint embed and bench load.
struct ModelSelection: OptionGroup {
    static let heading = "model"
    static let options: [Command.Option] = [.model] + CheckpointSettings.options
    let path: String
    let settings: CheckpointSettings

    init(_ invocation: Invocation) throws {
        path = try invocation.required(Command.Option.model.name)
        settings = try CheckpointSettings(invocation)
    }
}

/// The probe suite's switches of `shiftlens probe`: seed, outlier threshold, which probes run,
/// domains in parallel.
struct ProbeSwitches: OptionGroup {
    static let heading = "probe suite"
    static let seedOption = Command.Option.value("--seed", "S", "Base seed of every random choice (default 0).")
    static let outlierThresholdOption = Command.Option.value("--outlier-threshold", "TAU", "Ratio at which a dimension is an outlier (default 10).")
    static let noLinearProbe = Command.Option.flag("--no-linear-probe", "Skip the linear probe (the slowest probe).")
    static let noFewShot = Command.Option.flag("--no-few-shot", "Skip the few-shot learning curves.")
    static let sequentialDomains = Command.Option.flag("--sequential-domains", "Probe one domain at a time (same results; for timing comparisons).")
    static let options = [seedOption, outlierThresholdOption, noLinearProbe, noFewShot, sequentialDomains]
    let seed: UInt64
    let outlierThreshold: Double
    let linearProbe: Bool
    let fewShot: Bool
    let parallelDomains: Bool

    init(_ invocation: Invocation) throws {
        let seedText = invocation.value(Self.seedOption) ?? "0"
        guard let seed = UInt64(seedText) else { throw UsageError("--seed must be a whole number in 0...\(UInt64.max), not '\(seedText)'") }
        self.seed = seed
        outlierThreshold = try invocation.double(Self.outlierThresholdOption, default: 10)
        guard outlierThreshold > 0 else { throw UsageError("--outlier-threshold must be positive") }
        linearProbe = !invocation.flag(Self.noLinearProbe)
        fewShot = !invocation.flag(Self.noFewShot)
        parallelDomains = !invocation.flag(Self.sequentialDomains)
    }

    /// The suite's options with these switches set.
    func apply(to options: inout ProbeOptions) {
        options.seed = seed
        options.outlierThreshold = outlierThreshold
        options.runLinearProbe = linearProbe
        options.runFewShot = fewShot
        options.parallelDomains = parallelDomains
    }
}

/// The concept probe's options of `shiftlens probe` (`Command.conceptOptions`; the files are read by
/// `Command.conceptInput`).
struct ConceptProbeOptions: OptionGroup {
    static let heading = "concept probe"
    static let options = Command.conceptOptions
    /// `--concept-threshold RHO`, default 0.5.
    let threshold: Double

    init(_ invocation: Invocation) throws {
        threshold = try invocation.double("--concept-threshold", default: 0.5)
        guard (-1...1).contains(threshold) else { throw UsageError("--concept-threshold must be a correlation in -1…1") }
    }
}
