import CLIP
import Dispatch
import Foundation
import ImageCodec
import Pipeline
import ShiftLensBenchmarks
import Support
import Tensor

/// `decode` and `preprocess`: fidelity tooling that shows exactly what the encoders see,
/// in files numpy reads (compare with Pillow / open_clip on the same images).
extension Command {
    static let decode = Command(
        name: "decode",
        summary: "Decode an image to RGB exactly as Pillow's convert(\"RGB\") does.",
        usage: "shiftlens decode IMG --out X.npy|X.ppm",
        discussion: """
            Writes the decoded image as uint8 (H, W, 3) .npy, or as a binary PPM (P6) when --out ends in .ppm.
            JPEG and PNG are recognised by their bytes, not their names. EXIF orientation is not applied
            (neither Pillow's Image.open nor open_clip applies it).
            """,
        options: [.value("--out", "X.npy|X.ppm", "Output file (.npy or .ppm).")],
        positionals: 1...1
    ) { invocation, console in
        let output = try invocation.required("--out")
        let isPPM = output.lowercased().hasSuffix(".ppm")
        guard isPPM || output.lowercased().hasSuffix(".npy") else {
            throw UsageError("--out must end in .npy or .ppm, not '\(output)'")
        }
        let path = invocation.positionals[0]
        let rgb = try ImageCommands.decodeFile(path, console: console).convertedToRGB()
        for warning in rgb.warnings { console.err("warning: \(path): \(warning)") }
        let bytes: [UInt8]
        if isPPM {
            bytes = Array("P6\n\(rgb.width) \(rgb.height)\n255\n".utf8) + rgb.pixels
        } else {
            bytes = NPY.encode(uint8: rgb.pixels, shape: [rgb.height, rgb.width, 3])
        }
        try ImageCommands.write(bytes, to: output)
        console.out(output)
        return ExitCode.ok
    }

    static let preprocess = Command(
        name: "preprocess",
        summary: "Preprocess images exactly as open_clip does (resize, crop, normalise).",
        usage: "shiftlens preprocess IMG [IMG ...] [--size 224] [--mean a,b,c --std a,b,c] --out X.npy | --bench",
        discussion: """
            Writes float32 (N, 3, size, size) .npy equal to open_clip's preprocess(Image.open(IMG)) for each
            image: shorter side resized to --size with Pillow's bicubic filter, centre crop, RGB, then
            (v / 255 - mean) / std. Defaults: size 224 and OpenAI CLIP's mean/std.
            --bench instead times read + decode + preprocess of all the images on one thread and prints
            images/s (min/median/max over --repeats passes); nothing is written.
            """,
        options: [
            .value("--out", "X.npy", "Output file (.npy)."),
            .value("--size", "N", "Crop size in pixels (default 224)."),
            .value("--mean", "a,b,c", "Per-channel mean (default OpenAI CLIP's)."),
            .value("--std", "a,b,c", "Per-channel standard deviation (default OpenAI CLIP's)."),
            .flag("--bench", "Time decode + preprocess single-threaded instead of writing output."),
            .value("--repeats", "R", "Timed passes over the images with --bench (default 5)."),
        ],
        positionals: 1...Int.max
    ) { invocation, console in
        var config = PreprocessConfig(imageSize: try invocation.integer("--size", default: 224, in: 1...16384))
        if let text = invocation.value("--mean") { config.mean = try ImageCommands.triple(text, option: "--mean") }
        if let text = invocation.value("--std") { config.std = try ImageCommands.triple(text, option: "--std") }
        guard config.isValid else { throw UsageError("--std values must be non-zero") }
        if invocation.flag("--bench") {
            guard invocation.value("--out") == nil else { throw UsageError("--bench writes nothing; drop --out") }
            let repeats = try invocation.integer("--repeats", default: 5, in: 1...1000)
            return try ImageCommands.bench(invocation.positionals, config: config, repeats: repeats, console: console)
        }
        let output = try invocation.required("--out")
        guard output.lowercased().hasSuffix(".npy") else { throw UsageError("--out must end in .npy, not '\(output)'") }
        let size = config.imageSize
        var scalars: [Float] = []
        scalars.reserveCapacity(invocation.positionals.count * 3 * size * size)
        for path in invocation.positionals {
            let image = try ImageCommands.decodeFile(path, console: console)
            scalars += Preprocessor.preprocess(image, config: config).scalars
        }
        try ImageCommands.write(NPY.encode(float32: scalars, shape: [invocation.positionals.count, 3, size, size]), to: output)
        console.out(output)
        return ExitCode.ok
    }
}

/// Shared steps of the image commands.
enum ImageCommands {
    /// Reads and decodes one file; failures become a `ShiftLensError` naming the file.
    /// Decoder warnings (e.g. 16-bit saturation) go to standard error.
    static func decodeFile(_ path: String, console: Console) throws -> DecodedImage {
        let limits = try imageLimits()
        let bytes = try readImage(path, step: "decode", limits: limits)
        let image = try attributing(step: "decode", path: path) { try ImageFile.decode(bytes, limits: limits) }
        for warning in image.warnings { console.err("warning: \(path): \(warning)") }
        return image
    }

    /// The bytes of the image file at `path` (`InputFile`: a regular file of at most `limits.maxFileBytes`).
    static func readImage(_ path: String, step: String, limits: DecodingLimits) throws -> [UInt8] {
        try attributing(step: step, path: path) { try InputFile.contents(of: path, maxBytes: limits.maxFileBytes) }
    }

    /// The image limits of this process: `DecodingLimits.default`, each overridden by its
    /// environment variable (`ImageLimitSetting`) when set.
    static func imageLimits(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DecodingLimits {
        var limits = DecodingLimits.default
        for setting in ImageLimitSetting.allCases {
            guard let text = environment[setting.variable] else { continue }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw ShiftLensError(step: "limits", message: "\(setting.variable) must be a positive whole number, not '\(text)'",
                                     hint: "see docs/security.md for the limits and their defaults")
            }
            switch setting {
            case .pixels: limits.maxPixels = value
            case .memory: limits.maxMemory = value
            case .fileBytes: limits.maxFileBytes = value
            }
        }
        return limits
    }

    /// Three comma-separated finite numbers.
    static func triple(_ text: String, option: String) throws -> [Float] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Float($0.trimmingCharacters(in: .whitespaces))
        }
        guard values.count == 3, values.allSatisfy({ $0?.isFinite == true }) else {
            throw UsageError("\(option) takes three comma-separated numbers, not '\(text)'")
        }
        return values.compactMap { $0 }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try attributing(step: "write", path: path, hint: "check that the folder exists and is writable") { try NPY.write(bytes, to: URL(fileURLWithPath: path)) }
    }

    /// Times read + decode + preprocess of every image, `repeats` times, on this thread.
    static func bench(_ paths: [String], config: PreprocessConfig, repeats: Int, console: Console) throws -> Int32 {
        // One untimed pass surfaces bad files before any timing and warms the coefficient cache.
        for path in paths { _ = Preprocessor.preprocess(try decodeFile(path, console: console), config: config) }
        var rates: [Double] = []
        var cpuRates: [Double] = []
        var checksum: Float = 0
        var decodeCPU = 0.0, preprocessCPU = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = CPUTime.thread
            for path in paths {
                let decodeStart = CPUTime.thread
                let bytes = (try? InputFile.contents(of: path, maxBytes: DecodingLimits.default.maxFileBytes)) ?? []
                guard let image = try? ImageFile.decode(bytes) else {
                    throw ShiftLensError(step: "decode", path: path, message: "changed while benchmarking")
                }
                let preprocessStart = CPUTime.thread
                checksum += Preprocessor.preprocess(image, config: config).scalars[0]
                let end = CPUTime.thread
                decodeCPU += preprocessStart - decodeStart
                preprocessCPU += end - preprocessStart
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(paths.count) / seconds)
            cpuRates.append(Double(paths.count) / max(CPUTime.thread - cpuStart, 1e-9))
        }
        let images = Double(paths.count * repeats)
        func summary(_ values: [Double]) -> String {
            let spread = Spread(values)
            return String(format: "min %.1f median %.1f max %.1f", spread.min, spread.median, spread.max)
        }
        console.out("shiftlens preprocess --bench: read+decode+preprocess \(paths.count) images × \(repeats) repeats, 1 thread, size \(config.imageSize)")
        console.out("images/s \(summary(rates))")
        // Thread CPU time is less disturbed by other processes on a shared machine than wall time.
        console.out("images/s by thread CPU time \(summary(cpuRates))")
        console.out(String(format: "mean per image (thread CPU): read+decode %.2f ms, preprocess %.2f ms",
                           decodeCPU * 1e3 / images, preprocessCPU * 1e3 / images))
        console.out("machine: \(machineDescription()) (checksum \(checksum))")
        return ExitCode.ok
    }

    /// CPU model and core count, for benchmark lines.
    static func machineDescription() -> String {
        "\(MachineProbe.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
