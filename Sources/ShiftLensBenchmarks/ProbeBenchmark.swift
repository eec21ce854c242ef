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
    static func synthetic(shape: Shape, seed: UInt64) -> (Matrix<Float>, [DomainEmbeddings]) {
        var generator = SplitMix64(seed: seed)
        let d = shape.dimensions, c = shape.classes
        func gaussian() -> Float {
            // Box–Muller on two uniforms in (0, 1].
            let u = 1 - generator.unit(), v = generator.unit()
            return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
        }
        let means = (0..<(c * d)).map { _ in gaussian() }
        let head = Matrix(unchecked: c, d, (0..<(c * d)).map { means[$0] + 0.3 * gaussian() }).rowNormalized()
        let outliers = [3 % d, 17 % d, (d / 2) % d]
        var domains = [DomainEmbeddings]()
        for k in 0..<shape.domains {
            let scale = 1 + 0.2 * Float(k)
            var values = [Float](repeating: 0, count: shape.images * d)
            var labels = [Int](repeating: 0, count: shape.images)
            for i in 0..<shape.images {
                let label = generator.index(below: c)
                labels[i] = label
                for j in 0..<d { values[i * d + j] = scale * gaussian() + 1.5 * means[label * d + j] + (j < 8 ? 0.3 * Float(k) : 0) }
                for (t, j) in outliers.enumerated() { values[i * d + j] *= Float(20 - 5 * t) }
            }
            domains.append(DomainEmbeddings(name: "domain-\(k)", embeddings: Matrix(unchecked: shape.images, d, values), labels: labels))
        }
        return (head, domains)
    }
}
