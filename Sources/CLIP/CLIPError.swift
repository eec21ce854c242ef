import Weights

/// Why a CLIP model could not be built or run. `code` is terse and stable (for logs and
/// tests); `description` is the human message.
public enum CLIPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The checkpoint does not fit the configuration (missing, misshapen or leftover tensors).
    case checkpoint(WeightsError)
    /// The configuration itself is impossible (e.g. width not divisible by heads).
    case badConfig(String)
    /// An input tensor or token list does not fit the model.
    case badInput(String)
    /// The tokenizer's vocabulary file is unusable.
    case badVocabulary(String)
    /// The model has no text tower (a vision-only checkpoint) but text was asked for.
    case noTextTower
    /// The tower cannot run at the asked precision (bf16 is implemented for ViT towers).
    case unsupportedPrecision(String)

    public var code: String {
        switch self {
        case .checkpoint: return "checkpoint"
        case .badConfig: return "bad-config"
        case .badInput: return "bad-input"
        case .badVocabulary: return "bad-vocabulary"
        case .noTextTower: return "no-text-tower"
        case .unsupportedPrecision: return "unsupported-precision"
        }
    }

    public var description: String {
        switch self {
        case .checkpoint(let error): return error.description
        case .badConfig(let message): return "impossible model configuration: \(message)"
        case .badInput(let message): return "input does not fit the model: \(message)"
        case .badVocabulary(let message): return "unusable BPE vocabulary: \(message)"
        case .noTextTower: return "the checkpoint has no text tower (vision-only weights)"
        case .unsupportedPrecision(let message): return "unsupported precision: \(message)"
        }
    }
}
