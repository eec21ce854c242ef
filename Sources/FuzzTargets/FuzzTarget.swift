import CLIP
import Foundation
import ImageCodec
import Pilot
import Probes
import Support
import Tensor
import Weights

/// FuzzTargets — every parser of untrusted input, fed arbitrary bytes through its public entry
/// point, for libFuzzer (`Sources/shiftlens-fuzz`, `scripts/fuzz/run.sh`) and for the seeded
/// mutation runs of `FuzzTests` in every `swift test`.
///
/// A target may throw any error for any input; what it must never do is trap, crash, hang or
/// allocate without bound — the fuzzer and the sanitizers turn those into findings. Each target
/// drives its parser as far as a command would: images are decoded and preprocessed, checkpoints
/// loaded, validated and built into a model, specs loaded with their files resolved. Limits are
/// set low (4 MP, 64 MiB of decode memory) so that a run stays fast; they are part of what is
/// exercised, not a way around it.
///
/// Targets that read files (checkpoints, specs) write the input to a scratch folder first, as the
/// commands only take paths; a file of this process's own (`FuzzTarget.scratch`) is reused.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// JPEG: `ImageFile.layout`, `decode`, RGB conversion and CLIP preprocessing.
    case jpeg
    /// PNG, with its zlib stream: as `jpeg`.
    case png
    /// Raw deflate, zlib and gzip streams (`Inflate`).
    case inflate
    /// A `.safetensors` file: `Checkpoint.load`, then `CLIPModel` when it loads.
    case safetensors
    /// A whole `.pt` zip archive: as `safetensors`.
    case zip
    /// A `data.pkl` pickle, wrapped in a torch.save archive with a 4-byte storage `data/0`.
    case pickle
    /// A `data.pkl` pickle in a TorchScript archive (with `constants.pkl` and classes in `code/`).
    case torchscript
    /// A `.npy` array: `NPY.decode` and its values.
    case npy
    /// A `pilot.json`: `PilotSpec.load`, in a folder with classes.txt, templates.txt and data/.
    case pilot
    /// CSV text: the manifest reader (`CSV.parse`) and the baselines reader.
    case csv

    /// Decode limits of the image targets.
    package static let imageLimits = DecodingLimits(maxPixels: 1 << 22, maxMemory: 64 << 20, maxFileBytes: 16 << 20)

    /// How far an input got: `kind` is "accepted" (every step succeeded) or the type of the error
    /// that ended it, `detail` the error's message.
    package struct Outcome: Sendable {
        package var kind: String
        package var detail: String
    }

    /// Runs the target on `bytes`. Errors are expected; only a trap is a failure.
    @discardableResult
    package func run(_ bytes: [UInt8]) -> Outcome {
        do {
            switch self {
            case .jpeg:
                try Self.image(bytes)
            case .png:
                try Self.image(Self.withValidCRCs(bytes))
            case .inflate:
                _ = try? Inflate.raw(bytes, maxOutputSize: 1 << 20)
                _ = try? Inflate.gzip(bytes, maxOutputSize: 1 << 20)
                _ = try Inflate.zlib(bytes, maxOutputSize: 1 << 20)
            case .safetensors: try Self.checkpoint(bytes, named: "model.safetensors")
            case .zip: try Self.checkpoint(bytes, named: "model.pt")
            case .pickle: try Self.checkpoint(TorchArchive.stateDict(pickle: bytes), named: "model.pt")
            case .torchscript: try Self.checkpoint(TorchArchive.torchScript(pickle: bytes), named: "model.pt")
            case .npy:
                let array = try NPY.decode(bytes)
                if array.payload.count <= 1 << 24 { _ = array.floats() }
            case .pilot:
                _ = try PilotSpec.load(from: Self.scratch.write(bytes, as: "pilot.json"))
            case .csv:
                let text = String(decoding: bytes, as: UTF8.self)
                _ = CSV.parse(text)
                _ = try EffectiveRobustnessProbe.parseBaselineCSV(text)
            }
            return Outcome(kind: "accepted", detail: "")
        } catch {
            return Outcome(kind: String(describing: type(of: error)), detail: "\(error)")
        }
    }

    /// Where the target's seeds come from: (folder relative to the package root, file suffixes,
    /// largest file taken). Test fixtures first; `Tests/FuzzTests/Fixtures/seeds` (make_seeds.py)
    /// for what no fixture holds; `Tests/FuzzTests/Fixtures/crashes/<target>` for every input a
    /// fuzzer once crashed on.
    var seedSources: [(folder: String, suffixes: [String], maxBytes: Int)] {
        let hostile = "Tests/ShiftLensCLITests/Fixtures/hostile"
        let own: [(String, [String], Int)] = [("Tests/FuzzTests/Fixtures/seeds/\(rawValue)", [""], 1 << 20), ("Tests/FuzzTests/Fixtures/crashes/\(rawValue)", [""], 1 << 20)]
        switch self {
        case .jpeg:
            return [("Tests/ImageCodecTests/Fixtures/jpeg-variants", [".jpg"], 16 << 10), (hostile, [".jpg"], 16 << 10)] + own
        case .png:
            return [("Tests/ImageCodecTests/Fixtures/png/made", [".png"], 16 << 10), ("Tests/ImageCodecTests/Fixtures/png/encoder", [".png"], 16 << 10),
                    ("../shared/data/images/pngsuite-subset", [".png"], 16 << 10), (hostile, [".png"], 16 << 10)] + own
        case .inflate:
            return [("Tests/SupportTests/Fixtures/inflate", [""], 64 << 10)] + own
        case .safetensors:
            return [("Tests/WeightsTests/Fixtures/torch/vit", [".safetensors"], 256 << 10), ("Tests/WeightsTests/Fixtures/torch/attributes", [".safetensors"], 256 << 10),
                    (hostile, [".safetensors"], 256 << 10)] + own
        case .zip:
            return [("Tests/WeightsTests/Fixtures/torch/vit", [".pt", ".pth", ".bin"], 64 << 10), ("Tests/WeightsTests/Fixtures/torch/rn", [".pt"], 64 << 10),
                    ("Tests/WeightsTests/Fixtures/torch/attributes", [".pt"], 64 << 10), ("Tests/WeightsTests/Fixtures/torch/hostile", [".pt"], 64 << 10),
                    (hostile, [".pt"], 8 << 10)] + own
        case .pickle, .torchscript, .pilot:
            return own
        case .npy:
            return [("Tests/CLIPTests/Fixtures/vit-text", [".npy"], 16 << 10), (hostile, [".npy"], 16 << 10)] + own
        case .csv:
            return [("assets/baselines", [".csv"], 64 << 10)] + own
        }
    }

    /// The seed files under `root` (the package folder), sorted by path.
    package func seeds(root: URL) -> [(name: String, bytes: [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        for (folder, suffixes, maxBytes) in seedSources {
            let url = root.appendingPathComponent(folder).standardized
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") && suffixes.contains(where: { name.hasSuffix($0) }) {
                guard let bytes = try? InputFile.contents(of: url.appendingPathComponent(name).path, maxBytes: maxBytes) else { continue }
                seeds.append(("\(folder)/\(name)", bytes))
            }
        }
        return seeds
    }

    static func image(_ bytes: [UInt8]) throws {
        let limits = imageLimits
        let layout = try? ImageFile.layout(bytes, limits: limits)
        let image = try ImageFile.decode(bytes, limits: limits)
        // What the headers promise must hold for every image that decodes.
        guard let layout, layout.width == image.width, layout.height == image.height, layout.mode == image.mode,
              layout.memoryNeeded <= limits.maxMemory, image.samples.count == image.width * image.height * image.mode.bytesPerPixel
        else { fatalError("ImageFile.layout \(String(describing: layout)) disagrees with the decoded \(image.width)×\(image.height) \(image.mode)") }
        _ = image.convertedToRGB()
        _ = Preprocessor.preprocess(image, config: PreprocessConfig(imageSize: 32))
    }

    /// Reads the checkpoint (`Checkpoint.loadStateDict`: container, pickle, tensors, names); then, when
    /// it holds a CLIP, detects, configures and validates it and builds the model. Only the read
    /// decides the outcome: most inputs are not CLIP checkpoints, and what follows is a bonus.
    static func checkpoint(_ bytes: [UInt8], named name: String) throws {
        let url = scratch.write(bytes, as: name)
        _ = try Checkpoint.loadStateDict(url)
        // The activation is given (as a pilot would) and open_clip_config.json in the scratch folder
        // names the heads, so that detection and validation lead on to the model.
        guard let loaded = try? Checkpoint.load(url, overrides: ConfigOverrides(activation: .gelu, source: "fuzz")) else { return }
        _ = try? CLIPModel(checkpoint: loaded.stateDict, config: loaded.config)
    }

    /// `bytes` with every PNG chunk's CRC recomputed, so that mutations reach past the CRC check
    /// into the chunk parsers and inflate (the check itself is covered by the seeds and the jpeg target's splices).
    static func withValidCRCs(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length <= bytes.count - at - 12 else { break }
            let crc = CRC32.checksum(bytes[(at + 4)..<(at + 8 + length)])
            for k in 0..<4 { bytes[at + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            at += 12 + length
        }
        return bytes
    }

    /// This process's scratch folder: in /dev/shm when there is one (fuzzers write a file per input).
    package static let scratch = Scratch()

    package final class Scratch: @unchecked Sendable {
        package let folder: URL

        init() {
            let shm = URL(fileURLWithPath: "/dev/shm")
            let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
            folder = base.appendingPathComponent("shiftlens-fuzz-\(getpid())")
            try? FileManager.default.createDirectory(at: folder.appendingPathComponent("data/reference/part"), withIntermediateDirectories: true)
            try? Data("part\n".utf8).write(to: folder.appendingPathComponent("classes.txt"))
            try? Data("a photo of a {c}.\n".utf8).write(to: folder.appendingPathComponent("templates.txt"))
            // Heads of the tiny fixture models (32-wide vision tower with 16-wide heads, 16-wide text tower with 2).
            let config = #"{"model_cfg": {"vision_cfg": {"head_width": 16}, "text_cfg": {"heads": 2}}}"#
            try? Data(config.utf8).write(to: folder.appendingPathComponent("open_clip_config.json"))
            // No digest cache: Checkpoint.load then just hashes each (small) input, writing nothing.
            setenv("SHIFTLENS_CACHE", "/dev/null/no-cache", 1)
        }

        func write(_ bytes: [UInt8], as name: String) -> URL {
            let url = folder.appendingPathComponent(name)
            FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
            return url
        }

        /// Removes the folder (the fuzzer calls this at exit; tests when done).
        package func remove() { try? FileManager.default.removeItem(at: folder) }
    }
}

/// Minimal torch.save / torch.jit.save archives around a pickle (stored zip entries).
enum TorchArchive {
    static func stateDict(pickle: [UInt8]) -> [UInt8] {
        zip([("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8)), ("archive/data/0", [0, 0, 0xC0, 0x3F])])
    }

    /// Classes `__torch__.m.M` (parameter `w`, buffer `b`, a child `c`) and `__torch__.m.N` (parameter `w`).
    static func torchScript(pickle: [UInt8]) -> [UInt8] {
        let code = "class M(Module):\n  __parameters__ = [\"w\", ]\n  __buffers__ = [\"b\", ]\n  c : __torch__.m.N\n"
            + "class N(Module):\n  __parameters__ = [\"w\", ]\n  __buffers__ = []\n"
        return zip([("archive/data.pkl", pickle), ("archive/constants.pkl", [0x80, 0x02, 0x29, 0x2E]),
                    ("archive/code/__torch__/m.py", Array(code.utf8)), ("archive/data/0", [0, 0, 0xC0, 0x3F])])
    }

    static func zip(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16(value >> 16 & 0xFFFF) }
        var body: [UInt8] = [], directory: [UInt8] = []
        for (name, data) in entries {
            let nameBytes = Array(name.utf8)
            let crc = Int(CRC32.checksum(data))
            let fields = le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(data.count) + le32(data.count) + le16(nameBytes.count)
            directory += le32(0x0201_4B50) + le16(20) + le16(20) + fields + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(body.count) + nameBytes
            body += le32(0x0403_4B50) + le16(20) + fields + le16(0) + nameBytes + data
        }
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count) + le32(directory.count) + le32(body.count) + le16(0)
        return body + directory + end
    }
}
