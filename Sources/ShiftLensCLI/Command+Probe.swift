import Foundation
import Pilot
import Pipeline
import Probes
import Results
import ShiftLensBenchmarks
import Site
import Tensor

extension Command {
    static let probe = Command(
        name: "probe", summary: "Run the probe suite on embeddings computed anywhere.",
        usage: "shiftlens probe --embeddings H.npy --head W.npy [--labels Y.txt] [--reference H0.npy [--reference-labels Y0.txt]] [--concept-text T.npy [--concept-images P.npy] | --concept-similarities S.npy] [--concept-names N.txt] [--seed S] [--json]",
        discussion: """
        H.npy holds one domain's image embeddings (n × d, before L2 normalisation), W.npy the \
        zero-shot head (C × d); label files hold one class index (a row of W) per line. Without \
        --reference the domain is its own reference (no distance probe). Accuracies are fractions \
        0–1. Every random choice derives from --seed (default 0) and is printed with its result.
        The concept probe runs on the reference images (H0, or H without --reference) when given \
        the probing model's concept text embeddings T (K × d') and its embeddings P of the same \
        reference images (default: the reference embeddings, when d' = d), or the similarities S \
        (n_ref × K) directly; names default to the shipped vocabulary when K matches its size.
        --bench times the whole suite on seeded synthetic data instead (release build advised): every \
        model's data is generated first (models × domains × images × dimensions × 4 bytes: 2.9 GB for \
        the defaults; not timed), then the models are probed concurrently, one per core, as in `run`, \
        and the CPU seconds of each probe are printed.
        """,
        options: [
            .value("--embeddings", "H.npy", "Image embeddings of the domain to probe (n × d)."),
            .value("--labels", "Y.txt", "Class index per image, one per line."),
            .value("--head", "W.npy", "Zero-shot head (C × d), rows L2-normalised."),
            .value("--reference", "H0.npy", "Embeddings of the reference domain."),
            .value("--reference-labels", "Y0.txt", "Class index per reference image."),
            .flag("--json", "Print the results as JSON (snake_case keys)."),
            .flag("--bench", "Time the suite on synthetic data (see --bench-* options)."),
            .value("--bench-models", "M", "Benchmark: models (default 16)."),
            .value("--bench-domains", "K", "Benchmark: domains per model, reference included (default 6)."),
            .value("--bench-images", "N", "Benchmark: images per domain (default 10000)."),
            .value("--bench-dimensions", "D", "Benchmark: embedding width (default 768)."),
            .value("--bench-classes", "C", "Benchmark: classes of the head (default 1000)."),
            .value("--bench-repeat", "R", "Benchmark: timed repetitions (default 3)."),
            .value("--bench-few-shot-classes", "C", "Benchmark: also time few-shot curves over C classes drawn per domain (default: no curves)."),
        ],
        groups: [ProbeSwitches.self, ConceptProbeOptions.self]
    ) { invocation, console in
        var options = ProbeOptions()
        invocation.group(ProbeSwitches.self).apply(to: &options)
        options.conceptThreshold = invocation.group(ConceptProbeOptions.self).threshold
        if invocation.flag("--bench") {
            return try runProbeBenchmark(invocation, options: options, console: console)
        }
        let embeddingsPath = try invocation.required("--embeddings")
        let headPath = try invocation.required("--head")
        if invocation.value("--reference-labels") != nil && invocation.value("--reference") == nil {
            throw UsageError("--reference-labels needs --reference")
        }
        let head = try readMatrix(headPath, what: "zero-shot head")
        let embeddings = try readMatrix(embeddingsPath, what: "embeddings")
        let labels = try invocation.value("--labels").map { try readLabels($0) }
        let domain = DomainEmbeddings(name: "domain", embeddings: embeddings, labels: labels)
        var reference = domain
        var shifts: [DomainEmbeddings] = []
        if let referencePath = invocation.value("--reference") {
            reference = DomainEmbeddings(
                name: "reference", embeddings: try readMatrix(referencePath, what: "reference embeddings"),
                labels: try invocation.value("--reference-labels").map { try readLabels($0) })
            shifts = [domain]
        }
        let concepts = try conceptInput(
            invocation, reference: reference.embeddings, referencePath: invocation.value("--reference") ?? embeddingsPath)
        let results = try attributing(step: "probe", hint: "check that H, W and the labels come from the same model and class list") {
            try ProbeSuite.run(model: "model", head: head, reference: reference, shifts: shifts, concepts: concepts, options: options)
        }
        var output = results.last!.results
        if concepts != nil, !shifts.isEmpty {
            // The concept probe describes the reference images; print it with the domain's results.
            let referenceResults = results[0].results
            output.concepts = referenceResults.concepts
            let conceptCodes: Set<ProbeNote.Code> = [.conceptProbeTooFew, .conceptSimilaritiesMismatch]
            output.notes += referenceResults.notes.filter { conceptCodes.contains($0.code) }.map { note in
                var onReference = note
                onReference.domain = "reference"
                return onReference
            }
        }
        if invocation.flag("--json") {
            let data = try RunResults.encoder().encode(output)
            console.out(String(decoding: data, as: UTF8.self))
        } else {
            console.out(probeSummary(output, imageCount: embeddings.rows, seed: options.seed, noteText: englishNoteText(output.notes)))
        }
        return ExitCode.ok
    }

    static func readMatrix(_ path: String, what: String) throws -> Matrix<Float> {
        let tensor = try attributing(step: "read \(what)", path: path, hint: "save it with numpy.save as a 2-D float32 array") {
            try NPY.readTensor(at: URL(fileURLWithPath: path))
        }
        guard tensor.rank == 2 else {
            throw ShiftLensError(step: "read \(what)", path: path, message: "expected a 2-D array, got shape \(tensor.shape)", hint: "reshape to (rows, dimensions)")
        }
        return try Matrix(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.scalars)
    }

    /// One class index per line; blank lines are ignored.
    static func readLabels(_ path: String) throws -> [Int] {
        let text = try attributing(step: "read labels", path: path) { try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) }
        var labels: [Int] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let label = Int(trimmed), label >= 0 else {
                throw ShiftLensError(step: "read labels", path: path, message: "line \(number + 1): '\(trimmed)' is not a class index", hint: "write one non-negative integer (a row of the head) per line")
            }
            labels.append(label)
        }
        return labels
    }

    /// The English text of probe notes, from the English catalogue (`note.<code>`) that pages
    /// use; without the assets folder, the note's code and count.
    static func englishNoteText(_ notes: [ProbeNote]) -> (ProbeNote) -> String {
        let fallback = { (note: ProbeNote) in note.code.rawValue + (note.count.map { " (\($0))" } ?? "") }
        guard !notes.isEmpty, let assets = try? Assets.locate(),
              let english = try? Catalog(language: "en", directory: assets.url("i18n")) else { return fallback }
        return { note in (try? english.noteText(note)) ?? fallback(note) }
    }

    static func probeSummary(_ results: ProbeResults, imageCount: Int, seed: UInt64, noteText: (ProbeNote) -> String) -> String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f %%", 100 * $0) } ?? "—" }
        func num(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "—" }
        var lines = ["images: \(imageCount)   seed: \(seed)"]
        if let z = results.zeroShot {
            lines.append("zero-shot top-1: \(pct(z.top1)) (95 % CI \(pct(z.top1CI.lower))–\(pct(z.top1CI.upper)))   top-5: \(pct(z.top5))")
            if let d = z.differenceFromReference {
                lines.append("difference from reference: \(pct(d.difference)) (95 % CI \(pct(d.ci.lower))–\(pct(d.ci.upper)))")
            }
        }
        if let o = results.outliers {
            lines.append("outlier features (r ≥ \(num(o.threshold))): \(o.count) \(o.dimensions.prefix(10).map(String.init).joined(separator: " "))   kurtosis mean: \(num(o.kurtosisMean))")
        }
        if let d = results.directions {
            lines.append("direction pruning: " + d.curve.map { "\(Int(($0.prunedFraction * 100).rounded()))%→\(pct($0.accuracy))" }.joined(separator: " "))
        }
        if let a = results.atc { lines.append("ATC estimate: \(pct(a.estimate))" + (a.error.map { " (error \(pct($0)))" } ?? "")) }
        if let d = results.distance {
            lines.append("distance: Fréchet \(num(d.frechet))   MMD² \(num(d.mmd2)) (p \(num(d.mmdPValue)))   domain AUC \(num(d.auc))")
        }
        if let l = results.linearProbe { lines.append("linear probe: \(pct(l.accuracy)) (λ \(num(l.l2)))") }
        if let curve = results.fewShot {
            lines.append("few-shot curve (\(curve.draws) draws): " + curve.points.map { p in
                "k=\(p.shots) \(pct(p.accuracy)) [\(pct(p.ci.lower))–\(pct(p.ci.upper))] vs zero-shot \(pct(p.zeroShotAccuracy))"
            }.joined(separator: "; "))
        }
        if let c = results.concepts {
            lines.append("concepts (ρ ≥ \(num(c.threshold)), \(c.imageCount) reference images): \(c.uniqueConceptCount) of \(c.conceptCount) encoded"
                + "   dimensions with a concept: \(c.conceptsPerDimension.filter { $0 > 0 }.count) of \(c.conceptsPerDimension.count)"
                + "   polysemanticity \(num(c.polysemanticityMean))"
                + (c.nullCritical.map { "   (counted only above the permutation null ρ > \(num($0)): \(c.permutations ?? 0) shuffles, level \(num(c.level)))" } ?? ""))
        }
        lines += results.uncodedNotes.map { "note: \($0)" }
        lines += results.notes.map { note in "note: " + (note.domain.map { "\($0): " } ?? "") + noteText(note) }
        return lines.joined(separator: "\n")
    }

    static func runProbeBenchmark(_ invocation: Invocation, options: ProbeOptions, console: Console) throws -> Int32 {
        var options = options
        // The curves cost more than the rest of the suite on the bench's data: only on request.
        if invocation.value("--bench-few-shot-classes") == nil { options.runFewShot = false }
        options.fewShot.sampleClasses = try invocation.integer("--bench-few-shot-classes", default: 20, in: 2...1_000_000)
        let shape = ProbeBenchmark.Shape(
            models: try invocation.integer("--bench-models", default: 16),
            domains: try invocation.integer("--bench-domains", default: 6, in: 2...1000),
            images: try invocation.integer("--bench-images", default: 10_000, in: 2...10_000_000),
            dimensions: try invocation.integer("--bench-dimensions", default: 768),
            classes: try invocation.integer("--bench-classes", default: 1000, in: 2...1_000_000))
        let repeats = try invocation.integer("--bench-repeat", default: 3)
        console.err("probe benchmark: \(shape.description), \(repeats) run\(repeats == 1 ? "" : "s"), linear probe \(options.runLinearProbe ? "on" : "off"), few-shot curves \(options.runFewShot ? "on (\(options.fewShot.sampleClasses!) classes each)" : "off")")
        let report = try ProbeBenchmark.run(shape: shape, options: options, repeats: repeats) { line in console.err(line) }
        console.out(report.description)
        return ExitCode.ok
    }
}
