import Foundation
import Probes
import Support
import Tensor

/// What `shiftlens bench` measures about the machine and the process around a run.
package enum MachineProbe {
    /// The machine's floating-point peak in GFLOP/s with `threads` threads, measured:
    /// every pool thread runs independent chains of `SIMD16<Float>` fused multiply-adds
    /// (12 accumulators, enough to hide the FMA latency on current x86 and ARM cores)
    /// from registers, for ~`seconds` of wall time; the best of `attempts` runs counts.
    ///
    /// On a machine shared with other processes this measures what the process can
    /// get right now, not the silicon's limit: that is the honest denominator for
    /// "percent of peak" next to throughput measured under the same load.
    package static func measureFMAPeak(threads: Int, seconds: Double = 0.15, attempts: Int = 3) -> Double {
        // Calibrate the step count on one thread so one attempt lasts about `seconds`.
        var steps = 1 << 14
        while true {
            let elapsed = time { _ = fmaChains(steps: steps) }
            if elapsed > seconds / 4 || steps >= 1 << 30 {
                steps = max(1, Int(Double(steps) * seconds / max(elapsed, 1e-9)))
                break
            }
            steps *= 4
        }
        let pool = ThreadPool.shared
        var best = 0.0
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sink.deallocate() }
        for _ in 0..<attempts {
            let elapsed = time {
                pool.run { index, _ in sink[index] = fmaChains(steps: steps) }
            }
            let flops = Double(threads) * Double(steps) * Double(fmaPerStep) * 2
            best = max(best, flops / elapsed / 1e9)
        }
        return best
    }

    /// Scalar FMAs per loop step of `fmaChains`: 12 accumulators × 16 lanes.
    static let fmaPerStep = 12 * 16

    /// `steps` rounds of 12 independent vector FMA chains; returns a value depending on
    /// every chain so the optimiser cannot drop them.
    @inline(never)
    static func fmaChains(steps: Int) -> Float {
        typealias Vector = SIMD16<Float>
        let a = Vector(repeating: 0.999), b = Vector(repeating: 1e-4)
        var c0 = Vector(repeating: 1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        // c ← c·a + b converges to b / (1 − a): no overflow, no subnormals.
        for _ in 0..<steps {
            c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a)
            c3 = b.addingProduct(c3, a); c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
            c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a); c8 = b.addingProduct(c8, a)
            c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
        }
        let sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
        return sum.sum()
    }

    /// Wall-clock seconds of `body` (monotonic clock).
    package static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Peak resident set of the process in bytes: `VmHWM` from /proc/self/status on
    /// Linux, else `getrusage`'s `ru_maxrss` (kilobytes on Linux, bytes on macOS).
    /// Memory-mapped weight pages that were touched count as resident.
    package static var peakResidentBytes: Int {
        if let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        var usage = rusage()
        getSelfUsage(&usage)
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }

    /// `getrusage(RUSAGE_SELF)`; Glibc imports the constant as an enum case.
    private static func getSelfUsage(_ usage: inout rusage) {
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
    }

    /// The CPU model (or "unknown CPU").
    package static var cpuModel: String { Machine.cpuModel ?? "unknown CPU" }
}

/// min / median / max of a list of rates.
package struct Spread: Codable, Equatable {
    package var min: Double
    package var median: Double
    package var max: Double

    package init(_ values: [Double]) {
        min = values.min() ?? 0
        max = values.max() ?? 0
        median = Statistics.median(values) ?? 0
    }

    package func formatted(_ format: String = "%.2f") -> String {
        [min, median, max].map { String(format: format, $0) }.joined(separator: " / ")
    }
}
