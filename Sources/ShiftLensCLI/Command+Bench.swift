import CLIP
import Foundation
import ImageCodec
import Pilot
import Pipeline
import ShiftLensBenchmarks
import Support
import Tensor
import Weights

extension Command {
    static let bench = Command(
        name: "bench",
        summary: "Measure a checkpoint's encoder speed (images/s, GFLOP/s, % of peak, peak RSS).",
        usage: "shiftlens bench --model W [--batch 8] [--threads N] [--iterations 5] [--warmup 1] [--images DIR] [--text [--classes 1000] [--templates 80]] [--peak-gflops X] [--seed S] [--precision fp32|bf16] [--json]",
        discussion: """
            Loads the checkpoint (weights memory-mapped), makes one batch of deterministic \
            synthetic images (uniform in [-2, 2], seeded; no image files needed), runs --warmup \
            untimed passes, then times --iterations passes of the vision tower and prints \
            images/s as min / median / max, the tower's GFLOP per image (2 × multiply-adds of \
            its convolutions, linear layers and attention products, counted from the \
            configuration), the achieved GFLOP/s and its share of the machine's FMA peak, the \
            cores the run actually got, and the process's peak resident memory. The peak is \
            measured at startup with a short SIMD FMA loop on every thread (what the process \
            can get now, which on a shared machine is less than the silicon's), unless \
            --peak-gflops gives it. With --images DIR, each iteration decodes, preprocesses and \
            encodes --batch images from DIR (cycling through them): end-to-end throughput. \
            With --text, each iteration builds the zero-shot head for the first --classes \
            ImageNet classes × the first --templates of the 80 OpenAI templates through the \
            tokenizer and the text tower (one class's prompts per pass, each pass only up to its \
            longest prompt's end-of-text token), and the rate is prompts/s. Build with \
            `swift build -c release` for comparable numbers.
            """,
        options: [
            .value("--batch", "N", "Images per encoder pass (default 8)."),
            .value("--iterations", "N", "Timed passes (default 5)."),
            .value("--warmup", "N", "Untimed passes first (default 1)."),
            .value("--images", "DIR", "Time decode + preprocess + encode of the .jpg/.jpeg/.png files in DIR."),
            .flag("--text", "Time the zero-shot head (tokenizer + text tower) instead of the image tower."),
            .value("--classes", "C", "With --text: the first C ImageNet classes (default 1000)."),
            .value("--templates", "T", "With --text: the first T of the 80 OpenAI templates (default 80)."),
            .value("--peak-gflops", "X", "The machine's FMA peak in GFLOP/s, instead of measuring it."),
            .value("--seed", "S", "Seed of the synthetic images (default 0)."),
            .flag("--json", "Print the report as JSON (schema 1, snake_case keys) instead of text."),
        ],
        groups: [ModelSelection.self, ComputeOptions.self]
    ) { invocation, console in
        let options = try BenchOptions(invocation)
        return try BenchRunner(options: options, console: console).run()
    }
}

/// `shiftlens bench`'s parsed command line.
struct BenchOptions {
    var modelPath: String
    var batch: Int
    var threads: Int
    var iterations: Int
    var warmup: Int
    var imagesFolder: String?
    var text: Bool
    var classes: Int
    var templates: Int
    var peakGflops: Double?
    var seed: UInt64
    var activation: Activation?
    var precision: Precision
    var json: Bool

    init(_ invocation: Invocation) throws {
        let selection = invocation.group(ModelSelection.self), compute = invocation.group(ComputeOptions.self)
        modelPath = selection.path
        batch = try invocation.integer("--batch", default: defaultTransformerBatch, in: 1...4096)
        threads = compute.threads ?? ThreadPool.defaultThreadCount
        iterations = try invocation.integer("--iterations", default: 5, in: 1...100_000)
        warmup = try invocation.integer("--warmup", default: 1, in: 0...1000)
        imagesFolder = invocation.value("--images")
        text = invocation.flag("--text")
        classes = try invocation.integer("--classes", default: 1000, in: 1...1000)
        templates = try invocation.integer("--templates", default: 80, in: 1...80)
        if !text, invocation.value("--classes") != nil || invocation.value("--templates") != nil {
            throw UsageError("--classes and --templates go with --text")
        }
        if text, imagesFolder != nil { throw UsageError("--images and --text cannot be combined") }
        if text, invocation.value("--batch") != nil {
            throw UsageError("--batch does not apply to --text (each pass is one class's templates)")
        }
        if let text = invocation.value("--peak-gflops") {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw UsageError("--peak-gflops must be a positive number, not '\(text)'")
            }
            peakGflops = value
        }
        if let text = invocation.value("--seed") {
            guard let value = UInt64(text) else { throw UsageError("--seed must be a whole number ≥ 0, not '\(text)'") }
            seed = value
        } else {
            seed = 0
        }
        activation = selection.settings.activation
        precision = compute.precision ?? .fp32
        json = invocation.flag("--json")
    }
}

/// Loads the model, prepares one iteration's work, warms up, times, reports.
struct BenchRunner {
    let options: BenchOptions
    let console: Console

    /// One timed unit of work and what it counts.
    private struct Workload {
        var items: Int
        var flops: Double
        var input: String
        var batch: Int
        var classes: Int?
        var templates: Int?
        var body: () throws -> Void
    }

    func run() throws -> Int32 {
        let loadBefore = KernelBenchmark.loadAverage
        let pool = ThreadPool.shared
        pool.setThreadCount(options.threads)
        let peak = options.peakGflops ?? MachineProbe.measureFMAPeak(threads: options.threads)

        var overrides = ConfigOverrides(source: Command.Option.activation.name)
        overrides.activation = options.activation
        let loaded = try Checkpoint.load(URL(fileURLWithPath: options.modelPath), overrides: overrides)
        for warning in loaded.warnings { console.err("warning: \(warning)") }
        let model = try attributing(step: "bench", path: options.modelPath) {
            try CLIPModel(checkpoint: loaded.stateDict, config: loaded.config, precision: options.precision)
        }

        let workload = options.text ? try textWorkload(model) : try imageWorkload(model)
        return try attributing(step: "bench", path: options.modelPath) {
            for _ in 0..<options.warmup { try workload.body() }
            var seconds: [Double] = []
            let cpuStart = CPUTime.process
            for _ in 0..<options.iterations {
                var failure: Error?
                seconds.append(MachineProbe.time {
                    do { try workload.body() } catch { failure = error }
                })
                if let failure { throw failure }
            }
            let cpu = CPUTime.process - cpuStart
            let wall = seconds.reduce(0, +)
            let gflops = Spread(seconds.map { workload.flops / $0 / 1e9 })
            let report = BenchReport(
                mode: options.text ? "text" : "image",
                model: options.modelPath,
                architecture: Self.describe(loaded.config, text: options.text),
                precision: options.text ? "fp32" : options.precision.rawValue,
                bf16Kernel: options.precision == .bf16 && !options.text ? Kernels.bf16KernelName : nil,
                cpu: MachineProbe.cpuModel,
                processors: ProcessInfo.processInfo.activeProcessorCount,
                loadAverageBefore: loadBefore,
                loadAverageAfter: KernelBenchmark.loadAverage,
                threads: options.threads,
                batch: workload.batch,
                iterations: options.iterations,
                warmup: options.warmup,
                input: workload.input,
                itemsPerIteration: workload.items,
                unit: options.text ? "prompts/s" : "images/s",
                rate: Spread(seconds.map { Double(workload.items) / $0 }),
                gflopPerItem: workload.flops / Double(workload.items) / 1e9,
                gflops: gflops,
                peakGflops: peak,
                peakSource: options.peakGflops == nil ? "measured" : "--peak-gflops",
                percentOfPeak: 100 * gflops.median / peak,
                coresBusy: cpu / max(wall, 1e-9),
                itemsPerCPUSecond: Double(workload.items * options.iterations) / max(cpu, 1e-9),
                gflopsPerCPUSecond: workload.flops * Double(options.iterations) / max(cpu, 1e-9) / 1e9,
                peakRssBytes: MachineProbe.peakResidentBytes,
                seconds: seconds,
                classes: workload.classes,
                templates: workload.templates)
            if options.json {
                console.out(try report.json())
            } else {
                for line in report.lines() { console.out(line) }
            }
            return ExitCode.ok
        }
    }

    /// One batch through the vision tower: synthetic pixels, or decode + preprocess +
    /// encode of files from `--images`.
    private func imageWorkload(_ model: CLIPModel) throws -> Workload {
        let size = model.imageSize, batch = options.batch
        let flops = Double(batch) * FLOPCount.image(model.config.vision)
        guard let folder = options.imagesFolder else {
            // The project's seeded SplitMix64 (the same images on every platform), 24 bits per value.
            var random = SplitMix64(seed: options.seed)
            let images = Tensor(
                shape: [batch, 3, size, size],
                scalars: (0..<(batch * 3 * size * size)).map { _ in Float(random.next() >> 40) / Float(1 << 24) * 4 - 2 })
            return Workload(items: batch, flops: flops, input: "synthetic, seed \(options.seed)", batch: batch) {
                _ = try model.encodeImages(images, batch: batch)
            }
        }
        let files = try Self.imageFiles(in: folder)
        let recipe = PreprocessConfig(model.config)
        guard recipe.isValid else {
            throw ShiftLensError(
                step: "bench", path: options.modelPath, message: "unusable preprocessing (image size \(recipe.imageSize))",
                hint: "fix preprocess_cfg in the configuration file beside the weights")
        }
        // Read the files once: the timing covers decoding, not the disk.
        var contents: [[UInt8]] = []
        for file in files {
            contents.append(try ImageCommands.readImage(file, step: "bench", limits: .default))
        }
        let cursor = Cursor()
        return Workload(
            items: batch, flops: flops, input: "\(files.count) image file\(files.count == 1 ? "" : "s") from \(folder) (decode + preprocess + encode)",
            batch: batch
        ) {
            var pixels: [Float] = []
            pixels.reserveCapacity(batch * 3 * size * size)
            for _ in 0..<batch {
                let index = cursor.next(count: contents.count)
                let image = try attributing(step: "bench", path: files[index], hint: "remove the file from the folder") {
                    try ImageFile.decode(contents[index])
                }
                pixels += Preprocessor.preprocess(image, config: recipe).scalars
            }
            _ = try model.encodeImages(Tensor(shape: [batch, 3, size, size], scalars: pixels), batch: batch)
        }
    }

    /// The zero-shot head for the first C ImageNet classes × T templates.
    private func textWorkload(_ model: CLIPModel) throws -> Workload {
        guard let textConfig = model.config.text else {
            throw ShiftLensError(step: "bench", path: options.modelPath, error: CLIPError.noTextTower)
        }
        let assets = try Command.locateAssets()
        let classList = try attributing(step: "bench", path: assets.root.path, hint: "the assets folder is incomplete: reinstall it (scripts/install.sh)") {
            try ClassList.imagenet(assets: assets)
        }
        let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"), contextLength: textConfig.contextLength)
        let names = Array(classList.names.prefix(options.classes))
        let templates = Array(classList.templates.prefix(options.templates))
        // FLOPs as the tower runs them: one pass per class, up to its longest prompt.
        var flops = 0.0
        for name in names {
            let rows = tokenizer.tokenize(templates.map { $0.replacingOccurrences(of: ZeroShotHead.placeholder, with: name) })
            let longest = rows.map { row in row.indices.max { (row[$0], $1) < (row[$1], $0) } ?? 0 }.max() ?? 0
            flops += FLOPCount.text(textConfig, prompts: rows.count, tokens: longest + 1)
        }
        return Workload(
            items: names.count * templates.count, flops: flops, input: "ImageNet class names × OpenAI templates",
            batch: templates.count, classes: names.count, templates: templates.count
        ) {
            _ = try ZeroShotHead.build(model: model, tokenizer: tokenizer, classNames: names, templates: templates)
        }
    }

    /// "ViT, width 768, 12 layers, 12 heads, patch 32, 224 px" and the like.
    static func describe(_ config: CLIPConfig, text: Bool) -> String {
        if text, let t = config.text {
            return "text transformer, width \(t.width), \(t.layers) layers, \(t.heads) heads, context \(t.contextLength), vocabulary \(t.vocabSize)"
        }
        switch config.vision {
        case .vit(let v):
            return "ViT, width \(v.width), \(v.layers) layers, \(v.heads) heads, patch \(v.patchSize), \(v.imageSize) px, \(config.activation.rawValue)"
        case .resnet(let r):
            return "ModifiedResNet, layers \(r.layers), width \(r.width), \(r.imageSize) px"
        }
    }

    /// The .jpg/.jpeg/.png files directly in or below `folder`, sorted by path.
    static func imageFiles(in folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ShiftLensError(step: "bench", path: folder, message: "not a folder", hint: "--images takes a folder of .jpg/.png files")
        }
        var files: [String] = []
        if let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: folder), includingPropertiesForKeys: nil) {
            for case let url as URL in walker where ["jpg", "jpeg", "png"].contains(url.pathExtension.lowercased()) {
                files.append(url.path)
            }
        }
        guard !files.isEmpty else {
            throw ShiftLensError(step: "bench", path: folder, message: "no .jpg, .jpeg or .png files", hint: "--images takes a folder of images")
        }
        return files.sorted()
    }
}

/// Round-robin position over the `--images` files across iterations.
private final class Cursor {
    private var position = 0
    func next(count: Int) -> Int {
        defer { position += 1 }
        return position % count
    }
}

