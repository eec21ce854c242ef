import Foundation
import ShiftLensBenchmarks

/// What `shiftlens bench` measured; `--json` prints it with snake_case keys
/// (`images_per_second`…), sorted, schema 1.
struct BenchReport: Codable, Equatable {
    var schema = 1
    /// "image" (vision tower) or "text" (zero-shot head through the tokenizer and text tower).
    var mode: String
    var model: String
    var architecture: String
    /// The image tower's arithmetic, "fp32" or "bf16" (text mode: "fp32").
    var precision: String
    /// At bf16: which micro-kernel ran, "avx512_bf16" or "portable" (`Kernels.bf16KernelName`).
    var bf16Kernel: String?
    var cpu: String
    var processors: Int
    var loadAverageBefore: String
    var loadAverageAfter: String
    var threads: Int
    /// Images per encoder pass (image mode) or prompts per text pass (text mode: one class's templates).
    var batch: Int
    var iterations: Int
    var warmup: Int
    /// How inputs were made: "synthetic, seed 0" or "images from DIR (decode + preprocess + encode)".
    var input: String
    /// Images (or prompts) processed in one timed iteration.
    var itemsPerIteration: Int
    /// "images/s" or "prompts/s".
    var unit: String
    /// Items per wall-clock second over the timed iterations.
    var rate: Spread
    /// FLOP per item (2 × multiply-adds of the matrix products; see `FLOPCount`).
    var gflopPerItem: Double
    /// Achieved GFLOP/s per iteration.
    var gflops: Spread
    var peakGflops: Double
    /// "measured" (FMA loop at startup) or "--peak-gflops".
    var peakSource: String
    /// Median GFLOP/s as a percentage of `peakGflops` (the fp32 FMA peak, also at bf16, where
    /// `vdpbf16ps` does twice the multiply-adds of an fp32 FMA and the figure can pass 100).
    var percentOfPeak: Double
    /// Process CPU seconds per wall second over the timed iterations: how many cores the
    /// run actually had (below `threads` when other processes take them).
    var coresBusy: Double
    /// Items per second of process CPU time (all threads) over the timed iterations: the
    /// encoder's efficiency per busy core, far less sensitive than wall-clock rates to
    /// other processes taking the cores (parked pool threads use no CPU time).
    var itemsPerCPUSecond: Double
    /// GFLOP per second of process CPU time, likewise.
    var gflopsPerCPUSecond: Double
    var peakRssBytes: Int
    /// Wall seconds of each timed iteration, in run order.
    var seconds: [Double]
    var classes: Int?
    var templates: Int?

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Lines for a terminal.
    func lines() -> [String] {
        var lines = [
            "model: \(model)",
            "architecture: \(architecture)",
            "precision: \(precision)" + (bf16Kernel.map { " (\($0) micro-kernel)" } ?? ""),
            "machine: \(cpu), \(processors) processors; load average \(loadAverageBefore) before, \(loadAverageAfter) after",
            "threads \(threads), batch \(batch), \(iterations) timed iteration\(iterations == 1 ? "" : "s") after \(warmup) warm-up, \(itemsPerIteration) \(unit.dropLast(2)) each; input: \(input)",
        ]
        if let classes, let templates { lines.append("zero-shot head: \(classes) classes × \(templates) templates") }
        lines += [
            "\(unit) (min / median / max): \(rate.formatted())",
            String(format: "GFLOP per %@: %.2f", String(unit.dropLast(2).dropLast()), gflopPerItem),
            "GFLOP/s (min / median / max): \(gflops.formatted("%.1f"))"
                + String(format: " — median %.0f %% of the FMA peak %.1f GFLOP/s (%@)", percentOfPeak, peakGflops, peakSource),
            String(format: "cores busy: %.2f of %d threads; per CPU-second: %.2f %@, %.1f GFLOP", coresBusy, threads,
                   itemsPerCPUSecond, String(unit.dropLast(2)), gflopsPerCPUSecond),
            String(format: "peak RSS: %.1f MB", Double(peakRssBytes) / 1_048_576),
        ]
        return lines
    }
}
