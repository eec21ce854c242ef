import Foundation
import Probes
import Support
import Tensor

/// Times the whole probe suite on seeded synthetic embeddings (class structure plus a few
/// outlier dimensions, like CLIP's), for `shiftlens probe --bench`. Data generation is not
/// timed; each repetition times `ProbeSuite.run` for every model.
package enum ProbeBenchmark {
    package struct Shape: Sendable, CustomStringConvertible {
        package var models: Int
        /// Domains per model, the reference included.
        package var domains: Int
        package var images: Int
        package var dimensions: Int
        package var classes: Int

        package init(models: Int, domains: Int, images: Int, dimensions: Int, classes: Int) {
            self.models = models
            self.domains = domains
            self.images = images
            self.dimensions = dimensions
            self.classes = classes
        }

        package var description: String {
            "\(models) models × \(domains) domains × \(images) images × \(dimensions) dims, \(classes) classes"
        }
    }

    package struct Report: Sendable, CustomStringConvertible {
        package var shape: Shape
        /// Wall-clock seconds for all models, one value per repetition.
        var seconds: [Double]
        /// CPU seconds (user + system, all threads of the process) per repetition — the
        /// fairer number on a machine shared with other jobs.
        package var cpuSeconds: [Double]
        var processors: Int
        /// CPU seconds per probe section over all repetitions, largest first (see `ProbeTiming`).
        var sections: [(section: String, seconds: Double)] = []

        package var description: String {
            String(
                format: "probe suite, %@, %d CPU(s): wall min %.2f s, median %.2f s, max %.2f s; CPU time min %.2f s, median %.2f s, max %.2f s; over %d run(s)",
                shape.description, processors, seconds.min() ?? 0, Statistics.median(seconds) ?? 0, seconds.max() ?? 0,
                cpuSeconds.min() ?? 0, Statistics.median(cpuSeconds) ?? 0, cpuSeconds.max() ?? 0, seconds.count)
                + sections.map { entry in
                    let label = entry.section + ":" + String(repeating: " ", count: max(1, 40 - entry.section.count))
                    return "\n  " + label + String(format: "%7.2f CPU-s per run", entry.seconds / Double(max(seconds.count, 1)))
                }.joined()
        }
    }

    /// Generates every model's data first (not timed; ~`models × domains × images × dims × 4`
    /// bytes; models concurrently, one per core, each from its own seed), then times each
    /// repetition of all models' suites, run as `ProbeSuite.run` does in a pilot: models
    /// concurrently, one per core (`ProbeSuite.concurrentMap`).
    package static func run(shape: Shape, options: ProbeOptions, repeats: Int, progress: (String) -> Void = { _ in }) throws -> Report {
        var totals = [Double](), cpuTotals = [Double]()
        // Each model's data comes from its own seed, so generating them concurrently (one model
        // per core) gives the same arrays as one after another, in half the wall time.
        let data = try ProbeSuite.concurrentMap(shape.models) { synthetic(shape: shape, seed: UInt64($0) &+ 1000) }
        progress("data for \(shape.models) model(s) generated")
        let timing = ProbeTiming()
        var options = options
        options.timing = timing
        for r in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = CPUTime.process
            _ = try ProbeSuite.concurrentMap(shape.models) { model in
                try ProbeSuite.run(model: "m\(model)", head: data[model].0, reference: data[model].1[0], shifts: Array(data[model].1.dropFirst()), options: options)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = CPUTime.process - cpuStart
            totals.append(seconds)
            cpuTotals.append(cpu)
            progress(String(format: "run %d: %.2f s wall, %.2f s CPU", r + 1, seconds, cpu))
        }
        let sections = timing.sections
        return Report(shape: shape, seconds: totals, cpuSeconds: cpuTotals, processors: ProcessInfo.processInfo.activeProcessorCount, sections: sections)
    }

    /// A head and `domains` labelled domains; domain k is shifted by a growing offset and scale.
    ///
    /// Class means are standard normal, the head is mean + 0.3 · noise (rows normalised), and
    /// image i of domain k is `(1 + 0.2k) · noise + 1.5 · mean[label] + 0.3k` on its first 8
    /// dimensions (no offset on the others), with dimensions 3, 17 and d/2 then scaled by 20, 15
    /// and 10 (CLIP-like outlier features). Noise values are `normalQuantiles` lookups, four per
    /// 64-bit draw, written straight into the final arrays.
    static func synthetic(shape: Shape, seed: UInt64) -> (Matrix<Float>, [DomainEmbeddings]) {
        var generator = SplitMix64(seed: seed)
        let d = shape.dimensions, c = shape.classes
        return normalQuantiles.withUnsafeBufferPointer { table in
            let quantiles = table.baseAddress!
            let mask = UInt64(table.count - 1)
            /// `count` standard normal draws into `out`, 16 bits of a draw each.
            func gaussians(_ out: UnsafeMutablePointer<Float>, count: Int) {
                var j = 0
                while j < count {
                    var word = generator.next()
                    for _ in 0..<min(quantilesPerDraw, count - j) {
                        out[j] = quantiles[Int(truncatingIfNeeded: word & mask)]
                        word >>= quantileBits
                        j += 1
                    }
                }
            }
            func normals(_ count: Int) -> [Float] {
                [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    gaussians(buffer.baseAddress!, count: count)
                    initialized = count
                }
            }
            let means = normals(c * d)
            var head = normals(c * d)
            for t in head.indices { head[t] = means[t] + 0.3 * head[t] }
            let outliers = [3 % d, 17 % d, (d / 2) % d]
            var domains = [DomainEmbeddings]()
            means.withUnsafeBufferPointer { meansBuffer in
                let mean = meansBuffer.baseAddress!
                for k in 0..<shape.domains {
                    let scale = 1 + 0.2 * Float(k), offset = 0.3 * Float(k)
                    var labels = [Int](repeating: 0, count: shape.images)
                    let values = [Float](unsafeUninitializedCapacity: shape.images * d) { buffer, initialized in
                        for i in 0..<shape.images {
                            let label = generator.index(below: c)
                            labels[i] = label
                            let row = buffer.baseAddress! + i * d, classMean = mean + label * d
                            gaussians(row, count: d)
                            for j in 0..<d { row[j] = scale * row[j] + 1.5 * classMean[j] }
                            for j in 0..<min(8, d) { row[j] += offset }
                            for (t, j) in outliers.enumerated() { row[j] *= Float(20 - 5 * t) }
                        }
                        initialized = shape.images * d
                    }
                    domains.append(DomainEmbeddings(name: "domain-\(k)", embeddings: Matrix(unchecked: shape.images, d, values), labels: labels))
                }
            }
            return (Matrix(unchecked: c, d, head).rowNormalized(), domains)
        }
    }

    static let quantileBits: UInt64 = 16
    static let quantilesPerDraw = 64 / Int(quantileBits)

    /// The standard normal's quantiles Φ⁻¹((t + ½) / 2¹⁶) for t in 0..<2¹⁶: indexed by 16 random
    /// bits, a normal draw rounded to one of 65,536 equally likely values (|x| ≤ 4.33) — enough
    /// for benchmark data, and a table lookup instead of a logarithm and a cosine per value.
    static let normalQuantiles: [Float] = {
        let count = 1 << Int(quantileBits)
        var table = [Float](repeating: 0, count: count)
        for t in (count / 2)..<count {
            // Bisection on the upper tail 1 − Φ(x) = erfc(x / √2) / 2 = 1 − p, computed without cancellation.
            let tail = (Double(count - t) - 0.5) / Double(count)
            var low = 0.0, high = 10.0
            for _ in 0..<60 {
                let middle = (low + high) / 2
                if erfc(middle / 2.0.squareRoot()) / 2 > tail { low = middle } else { high = middle }
            }
            table[t] = Float((low + high) / 2)
            table[count - 1 - t] = -table[t]
        }
        return table
    }()
}
