import CLIP
import Foundation
import ImageCodec
import Pilot
import Pipeline
import Support
import Tensor
import Weights

extension Command {
    static let embed = Command(
        name: "embed",
        summary: "Write a checkpoint's image and/or text embeddings as .npy, for numpy.",
        usage: "shiftlens embed --model W [--images IMG|DIR [...] --out X.npy] [--text PROMPTS.txt --out-text T.npy] [--activation gelu|quick_gelu] [--batch N] [--threads N] [--precision fp32|bf16]",
        discussion: """
            Give --images with --out, --text with --out-text, or both. Decodes each image (JPEG or \
            PNG, as Pillow does), preprocesses it as open_clip does (bicubic resize, centre crop, \
            the checkpoint's mean/std) and writes the vision tower's output, float32 (N, embed_dim), \
            not normalised, to --out. A directory stands for the .jpg/.jpeg/.png files below it in \
            path order. Standard output lists `row<TAB>path` for every row written; an image that \
            cannot be read is skipped and named on standard error (the exit code is then 1, after \
            the file is written). PROMPTS.txt is UTF-8 with one prompt per line (LF or CRLF): every \
            line is a prompt, empty lines included, in file order; a line break at the very end \
            closes the last line and adds no prompt ("a\\n\\nb\\n" and "a\\n\\nb" are both the three \
            prompts "a", "", "b"). Prompts are cleaned and tokenized exactly as open_clip does (ftfy, \
            HTML references, whitespace, lower case, byte-pair encoding, the text tower's context length); the text \
            tower's output, float32 (prompts, embed_dim), not normalised, goes to --out-text. \
            Files are written atomically.
            """,
        options: [
            .values("--images", "IMG", "Image files or directories (with --out)."),
            .value("--out", "X.npy", "Where to write the image embeddings (with --images)."),
            .value("--text", "PROMPTS.txt", "Prompts to embed with the text tower, one per line (with --out-text)."),
            .value("--out-text", "T.npy", "Where to write the text embeddings (with --text)."),
            .value("--batch", "N", "Images or prompts per encoder pass (default 8)."),
        ],
        groups: [ModelSelection.self, ComputeOptions.self]
    ) { invocation, console in
        let selection = invocation.group(ModelSelection.self), compute = invocation.group(ComputeOptions.self)
        let modelPath = selection.path
        let imageArguments = invocation.values("--images"), outPath = invocation.value("--out")
        guard imageArguments.isEmpty == (outPath == nil) else { throw UsageError("--images and --out go together") }
        let textPath = invocation.value("--text"), textOutPath = invocation.value("--out-text")
        guard (textPath == nil) == (textOutPath == nil) else { throw UsageError("--text and --out-text go together") }
        guard outPath != nil || textPath != nil else { throw UsageError("nothing to embed: give --images and --out, --text and --out-text, or both") }
        let batch = try invocation.integer("--batch", default: 8, in: 1...4096)
        let limits = try ImageCommands.imageLimits()
        let precision = compute.precision ?? .fp32
        compute.configureThreads()

        // Model.
        let loaded = try Checkpoint.load(URL(fileURLWithPath: modelPath), overrides: selection.settings.overrides)
        for warning in loaded.warnings { console.err("warning: \(warning)") }
        let model = try attributing(step: "embed", path: modelPath) {
            try CLIPModel(checkpoint: loaded.stateDict, config: loaded.config, precision: precision)
        }
        let recipe = PreprocessConfig(loaded.config)
        guard outPath == nil || recipe.isValid else {
            throw ShiftLensError(
                step: "embed", path: modelPath, message: "unusable preprocessing (image size \(recipe.imageSize), mean \(recipe.mean), std \(recipe.std))",
                hint: "fix preprocess_cfg in the configuration file beside the weights")
        }
        // Tokenize before the long image pass so that a bad prompt file fails fast.
        var tokens: [[Int32]]?
        if let textPath {
            guard let textConfig = loaded.config.text else {
                throw ShiftLensError(step: "embed", path: modelPath, error: CLIPError.noTextTower)
            }
            let prompts = try readPrompts(textPath)
            let assets = try Command.locateAssets()
            let tokenizer = try Tokenizer(vocabularyAt: assets.url("clip/bpe_simple_vocab_16e6.txt.gz"), contextLength: textConfig.contextLength)
            tokens = tokenizer.tokenize(prompts)
        }

        var skipped = 0
        if let outPath {
            skipped = try embedImages(imageArguments, model: model, recipe: recipe, batch: batch, limits: limits, outPath: outPath, console: console)
        }
        if let tokens, let textOutPath {
            let embeddings = try attributing(step: "embed", path: textPath) { try model.encodeText(tokens, batch: batch) }
            try ImageCommands.write(NPY.encode(embeddings), to: textOutPath)
            console.err("embedded \(tokens.count) prompt\(tokens.count == 1 ? "" : "s") → \(textOutPath)")
        }
        if skipped > 0 {
            console.err("\(skipped) image\(skipped == 1 ? " was" : "s were") skipped (listed above)")
            return ExitCode.failure
        }
        return ExitCode.ok
    }
}

/// The image half of `embed`: writes `outPath`, lists its rows on standard output and returns
/// how many images could not be read (each named on standard error).
private func embedImages(
    _ arguments: [String], model: CLIPModel, recipe: PreprocessConfig, batch: Int, limits: DecodingLimits, outPath: String, console: Console
) throws -> Int {
    let files = try expandImages(arguments)
    let size = recipe.imageSize, plane = 3 * size * size
    var rows: [Float] = []
    var written: [String] = []
    var skipped = 0
    let started = Date()
    var start = 0
    while start < files.count {
        let chunk = files[start..<min(start + batch, files.count)]
        start += chunk.count
        var pixels: [Float] = []
        var chunkPaths: [String] = []
        pixels.reserveCapacity(chunk.count * plane)
        for path in chunk {
            do {
                let bytes = try ImageCommands.readImage(path, step: "embed", limits: limits)
                let image = try ImageFile.decode(bytes, limits: limits)
                pixels += Preprocessor.preprocess(image, config: recipe).scalars
                chunkPaths.append(path)
            } catch {
                console.err("warning: skipped \(path): \(ShiftLensError(step: "embed", error: error).message)")
                skipped += 1
            }
        }
        guard !chunkPaths.isEmpty else { continue }
        let embeddings = try attributing(step: "embed", path: chunkPaths.first) {
            try model.encodeImages(Tensor(shape: [chunkPaths.count, 3, size, size], scalars: pixels), batch: batch)
        }
        rows += embeddings.scalars
        written += chunkPaths
        if console.errIsTerminal, start < files.count {
            let elapsed = Date().timeIntervalSince(started), rate = Double(start) / max(elapsed, 1e-9)
            console.err(String(format: "embed: %d/%d images, %.2f images/s, about %.0f s left",
                               start, files.count, rate, Double(files.count - start) / max(rate, 1e-9)))
        }
    }
    guard !written.isEmpty else {
        throw ShiftLensError(step: "embed", message: "none of the \(files.count) images could be read", hint: "see the warnings above")
    }
    let dimension = model.embeddingDimension
    try ImageCommands.write(NPY.encode(Tensor(shape: [written.count, dimension], scalars: rows)), to: outPath)
    for (row, path) in written.enumerated() { console.out("\(row)\t\(path)") }
    console.err(String(format: "embedded %d image%@ (%d dims) in %.1f s → %@", written.count, written.count == 1 ? "" : "s",
                       dimension, Date().timeIntervalSince(started), outPath))
    return skipped
}

/// Image files named by `arguments`: files as given, directories expanded to the
/// .jpg/.jpeg/.png files below them, sorted by path.
private func expandImages(_ arguments: [String]) throws -> [String] {
    var files: [String] = []
    let manager = FileManager.default
    for argument in arguments {
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw ShiftLensError(step: "embed", path: argument, message: "no such file or directory", hint: "check the --images paths")
        }
        guard isDirectory.boolValue else {
            files.append(argument)
            continue
        }
        let root = URL(fileURLWithPath: argument)
        var found: [String] = []
        if let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where ["jpg", "jpeg", "png"].contains(url.pathExtension.lowercased()) {
                found.append(url.path)
            }
        }
        files += found.sorted()
    }
    guard !files.isEmpty else {
        throw ShiftLensError(step: "embed", message: "no images found in \(arguments.joined(separator: ", "))", hint: "images must be .jpg, .jpeg or .png")
    }
    return files
}

/// The lines of a prompt file (LF or CRLF), empty ones included; a line break at the very end
/// closes the last line and does not start another prompt.
private func readPrompts(_ path: String) throws -> [String] {
    let data = try attributing(step: "embed", path: path, hint: "one prompt per line, UTF-8") { try InputFile.contents(of: path, maxBytes: 64 << 20) }
    guard let text = String(validating: data, as: UTF8.self) else {
        throw ShiftLensError(step: "embed", path: path, message: "cannot read the prompt file as UTF-8 text", hint: "one prompt per line, UTF-8")
    }
    // "\r\n" is one Character in Swift, so split on both kinds of line end.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    if lines.last == "" { lines.removeLast() }
    guard !lines.isEmpty else {
        throw ShiftLensError(step: "embed", path: path, message: "the prompt file is empty", hint: "one prompt per line, UTF-8")
    }
    return lines
}
