import Foundation
import ShiftLensBenchmarks
import Tensor

extension Command {
    static let benchKernels = Command(
        name: "bench-kernels",
        summary: "Measure the compute kernels' GFLOP/s on CLIP's shapes.",
        usage: "shiftlens bench-kernels [--threads 1,2] [--iterations N] [--filter TEXT]",
        discussion: """
            Times linear layers and attention at ViT-B/32 batch-8 shapes, ModifiedResNet-50 \
            convolutions and the probes' fp64 linear algebra at 768 dimensions (covariance, \
            Fréchet's congruence, the symmetric eigensolver), once per thread count, and prints GFLOP/s as min/median/max over the \
            timed iterations (after one warm-up run). Build with `swift build -c release` first: \
            debug builds of the tool still run optimised kernels, but numbers are only comparable \
            from release builds.
            """,
        options: [
            .value("--threads", "LIST", "Comma-separated thread counts (default: 1 and the processor count)."),
            .value("--iterations", "N", "Timed iterations per case and thread count (default 10)."),
            .value("--filter", "TEXT", "Only cases whose name contains TEXT."),
        ]
    ) { invocation, console in
        let iterations = try invocation.integer("--iterations", default: 10, in: 1...10_000)
        let threads: [Int]
        if let list = invocation.value("--threads") {
            threads = try list.split(separator: ",").map { item in
                guard let count = Int(item.trimmingCharacters(in: .whitespaces)), (1...256).contains(count) else {
                    throw UsageError("--threads must list whole numbers in 1...256, not '\(list)'")
                }
                return count
            }
        } else {
            threads = Array(Set([1, ThreadPool.defaultThreadCount])).sorted()
        }
        let filter = invocation.value("--filter")
        let cases = KernelBenchmark.standardCases().filter { filter == nil || $0.name.contains(filter!) }
        guard !cases.isEmpty else { throw UsageError("no benchmark case matches '\(filter ?? "")'") }
        console.out("machine: \(KernelBenchmark.machineDescription)")
        console.out("load average before: \(KernelBenchmark.loadAverage)")
        console.out("iterations: \(iterations) timed after 1 warm-up; wall-clock rate min / median / max; rate per CPU-second (all threads)")
        let width = cases.map(\.name.count).max() ?? 0
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        defer { pool.setThreadCount(previous) }
        for benchmarkCase in cases {
            for count in threads {
                pool.setThreadCount(count)
                let result = KernelBenchmark.measure(benchmarkCase, threads: count, iterations: iterations)
                let numbers = [result.minimum, result.median, result.maximum].map { String(format: "%6.1f", $0) }
                console.out(
                    benchmarkCase.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                        + "threads \(count)  " + numbers.joined(separator: " / ")
                        + String(format: "   cpu %6.1f ", result.gigaflopsPerCPUSecond) + result.unit)
            }
        }
        console.out("load average after: \(KernelBenchmark.loadAverage)")
        return ExitCode.ok
    }
}
