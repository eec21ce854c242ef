/// One fp32 tensor of a checkpoint, under its canonical (open_clip / OpenAI) name.
///
/// `values` points into memory owned by `storage`: the memory-mapped file itself when
/// the file's dtype is fp32 and suitably aligned, otherwise an allocation holding the
/// widened values. Keep the `WeightTensor` (or its `StateDict`) alive while using it.
package struct WeightTensor: @unchecked Sendable {
    package let name: String
    package let shape: [Int]
    package let values: UnsafeBufferPointer<Float>
    /// Keeps `values` alive (a mapped file region or an owned allocation).
    package let storage: AnyObject

    package init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>, storage: AnyObject) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values do not fill shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
        self.storage = storage
    }

    package var count: Int { values.count }
    package var pointer: UnsafePointer<Float> { values.baseAddress ?? UnsafePointer(bitPattern: 0x10)! }
}

/// Owned fp32 memory for tensors that had to be converted (fp16/bf16 widening, strided torch storages).
package final class OwnedFloats: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int

    package init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    package var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}

/// All tensors of a checkpoint under canonical names, with the checks a model needs.
///
/// Canonical names are open_clip's (`visual.transformer.resblocks.0.attn.in_proj_weight`,
/// `token_embedding.weight`, …); readers of other naming schemes (Hugging Face
/// `CLIPModel`, TorchScript module paths) translate into them. Integer buffers such as
/// `num_batches_tracked` are dropped by the readers.
public final class StateDict: @unchecked Sendable {
    let tensors: [String: WeightTensor]
    /// The file the tensors came from, for error messages.
    package let path: String

    package init(tensors: [String: WeightTensor], path: String) {
        self.tensors = tensors
        self.path = path
    }

    package var names: [String] { tensors.keys.sorted() }

    package func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The tensor called `name`, checked against the expected shape.
    package func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard let tensor = tensors[name] else { throw WeightsError.missingTensor(name: name, path: path) }
        guard tensor.shape == shape else {
            throw WeightsError.wrongShape(name: name, expected: shape, found: tensor.shape, path: path)
        }
        return tensor
    }

    /// The tensor called `name`, whatever its shape (for shape-based architecture detection).
    package func tensor(_ name: String) throws -> WeightTensor {
        guard let tensor = tensors[name] else { throw WeightsError.missingTensor(name: name, path: path) }
        return tensor
    }
}

/// Why a checkpoint could not be used. Every case names the file and, where there is
/// one, the tensor; `hint` says what the user can do next.
public enum WeightsError: Error, Equatable, CustomStringConvertible {
    case missingTensor(name: String, path: String)
    case wrongShape(name: String, expected: [Int], found: [Int], path: String)
    case unexpectedTensors(names: [String], path: String)
    case corrupt(path: String, message: String)
    case unsupported(path: String, message: String)
    case unknownArchitecture(path: String, message: String)
    /// The file could not be opened or mapped (missing, permissions, a directory).
    case unreadable(path: String, message: String)
    /// What the shapes cannot tell is not known from any source (e.g. the activation).
    case missingConfiguration(path: String, message: String)
    /// A pickle names a global outside the allow-list of state dicts (e.g. `os.system`); nothing was executed.
    case refusedGlobal(name: String, path: String)
    /// The pre-1.6 torch.save format (a bare pickle stream, not a zip archive).
    case legacyTorchFormat(path: String)

    /// Terse, stable code for logs and tests.
    package var code: String {
        switch self {
        case .missingTensor: return "missing-tensor"
        case .wrongShape: return "wrong-shape"
        case .unexpectedTensors: return "unexpected-tensors"
        case .corrupt: return "corrupt"
        case .unsupported: return "unsupported"
        case .unknownArchitecture: return "unknown-architecture"
        case .unreadable: return "unreadable"
        case .missingConfiguration: return "missing-configuration"
        case .refusedGlobal: return "refused-global"
        case .legacyTorchFormat: return "legacy-torch-format"
        }
    }

    public var description: String {
        switch self {
        case .missingTensor(_, let path), .wrongShape(_, _, _, let path), .unexpectedTensors(_, let path), .corrupt(let path, _),
             .unsupported(let path, _), .unknownArchitecture(let path, _), .unreadable(let path, _), .missingConfiguration(let path, _),
             .refusedGlobal(_, let path), .legacyTorchFormat(let path):
            return "\(path): \(message)"
        }
    }

    /// The human message without the file's path (for callers that show the path separately).
    package var message: String {
        switch self {
        case .missingTensor(let name, _):
            return "missing tensor '\(name)'"
        case .wrongShape(let name, let expected, let found, _):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unexpectedTensors(let names, _):
            let shown = names.prefix(5).joined(separator: ", ")
            return "unexpected tensor\(names.count == 1 ? "" : "s") \(shown)\(names.count > 5 ? " and \(names.count - 5) more" : "")"
        case .corrupt(_, let message):
            return "corrupt checkpoint: \(message)"
        case .unsupported(_, let message):
            return message
        case .unknownArchitecture(_, let message):
            return "cannot tell the architecture: \(message)"
        case .unreadable(_, let message):
            return "cannot read the file: \(message)"
        case .missingConfiguration(_, let message):
            return message
        case .refusedGlobal(let name, _):
            return "the pickle refers to '\(name)', which is not on the allow-list of state-dict globals; nothing was executed"
        case .legacyTorchFormat:
            return "legacy torch.save format (a bare pickle from PyTorch before 1.6, not a zip archive)"
        }
    }

    /// The file the error is about.
    package var path: String {
        switch self {
        case .missingTensor(_, let path), .wrongShape(_, _, _, let path), .unexpectedTensors(_, let path), .corrupt(let path, _),
             .unsupported(let path, _), .unknownArchitecture(let path, _), .unreadable(let path, _), .missingConfiguration(let path, _),
             .refusedGlobal(_, let path), .legacyTorchFormat(let path):
            return path
        }
    }

    package var hint: String {
        switch self {
        case .corrupt: return "the file may be truncated; download it again or re-export it with safetensors"
        case .unsupported:
            return "re-export with safetensors in F32, F16 or BF16 (safetensors.torch.save_file on the open_clip state dict) and try again"
        case .unreadable: return "check the path: it must name a regular file you may read"
        case .refusedGlobal:
            return "only plain state dicts and TorchScript modules are read; if you trust the file, load it in Python and save model.state_dict() with safetensors.torch.save_file"
        case .legacyTorchFormat:
            return "re-save it with a current torch (torch.save(torch.load(path), new_path)) or convert it to safetensors (safetensors.torch.save_file)"
        case .missingConfiguration:
            return "put open_clip_config.json (or Hugging Face config.json) beside the weights, or give the model's \"activation\" (gelu or quick_gelu) in the pilot or with --activation"
        default:
            return "run `shiftlens inspect` on the file to see what it holds; re-export the model with open_clip as safetensors if it is not a plain CLIP checkpoint"
        }
    }
}
