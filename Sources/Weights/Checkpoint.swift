import Foundation

/// Reading a checkpoint file into a canonical `StateDict`.
///
/// The file's container is chosen by its extension (`.safetensors`; PyTorch `.pt/.pth/.bin`
/// are refused in `readPyTorch(_:)`), its naming scheme by its keys: Hugging Face
/// `CLIPModel` keys (`vision_model.…`, `text_model.…`) are translated to open_clip's,
/// everything else must already be in open_clip / OpenAI naming.
public enum Checkpoint {
    /// The tensors of `url` under canonical names, with no check of completeness or
    /// shapes (that needs the architecture; see `load(_:overrides:)`).
    public static func loadStateDict(_ url: URL) throws -> StateDict {
        try readCanonical(url).stateDict
    }

    /// What a reader produced before architecture detection.
    struct CanonicalTensors {
        var stateDict: StateDict
        /// "safetensors (open_clip naming)", "safetensors (Hugging Face naming)", …
        var format: String
        /// Storage dtypes of the weights in the file, e.g. "F16" or "F32+F16".
        var dtype: String
        var warnings: [String]
    }

    static func readCanonical(_ url: URL) throws -> CanonicalTensors {
        let path = url.path
        switch url.pathExtension.lowercased() {
        case "safetensors":
            let file = try SafetensorsFile(url: url)
            let (raw, warnings) = try file.weightTensors()
            let floatTypes = Set(file.entries.map(\.dtype).filter { $0 != .i64 })
            let dtype = SafetensorsFile.DType.allCases.filter(floatTypes.contains).map(\.rawValue).joined(separator: "+")
            let (tensors, naming) = try translate(raw, path: path)
            return CanonicalTensors(
                stateDict: StateDict(tensors: tensors, path: path), format: "safetensors (\(naming))",
                dtype: dtype.isEmpty ? "none" : dtype, warnings: warnings)
        case "pt", "pth", "bin":
            return try readPyTorch(url)
        default:
            throw WeightsError.unsupported(
                path: path, message: "unknown checkpoint extension '.\(url.pathExtension)'; expected .safetensors")
        }
    }

    /// PyTorch zip archives and TorchScript files. Replace this body with the torch reader.
    static func readPyTorch(_ url: URL) throws -> CanonicalTensors {
        throw WeightsError.unsupported(
            path: url.path, message: "PyTorch checkpoints are not supported yet; only .safetensors files can be read")
    }

    /// Tensors under file names → canonical names, and the name of the naming scheme.
    static func translate(_ tensors: [String: WeightTensor], path: String) throws -> ([String: WeightTensor], String) {
        if HuggingFaceNames.matches(tensors.keys) {
            return (try HuggingFaceNames.canonical(tensors, path: path), "Hugging Face naming")
        }
        return (try OpenCLIPNames.canonical(tensors, path: path), "open_clip naming")
    }
}
