/// Why a pilot spec or a dataset could not be used. Spec errors carry the JSON path of
/// the offending value (`domains[1].path`) and the file they came from.
package enum PilotError: Error, Equatable, CustomStringConvertible {
    /// The spec file is not valid JSON (or not a JSON object).
    case malformed(file: String, message: String)
    /// A key the spec does not know — usually a typo.
    case unknownKey(file: String, path: String, suggestion: String?)
    case missingKey(file: String, path: String)
    case wrongType(file: String, path: String, expected: String)
    case invalidValue(file: String, path: String, message: String)
    /// A file or folder the spec names does not exist.
    case missingFile(file: String, path: String, resolved: String)
    /// A dataset folder or manifest that cannot be read as a dataset.
    case dataset(path: String, message: String)

    package var code: String {
        switch self {
        case .malformed: return "malformed"
        case .unknownKey: return "unknown-key"
        case .missingKey: return "missing-key"
        case .wrongType: return "wrong-type"
        case .invalidValue: return "invalid-value"
        case .missingFile: return "missing-file"
        case .dataset: return "dataset"
        }
    }

    package var description: String {
        switch self {
        case .malformed(let file, let message):
            return "\(file): not a valid pilot spec: \(message)"
        case .unknownKey(let file, let path, let suggestion):
            return "\(file): unknown key \(path)" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .missingKey(let file, let path):
            return "\(file): missing required key \(path)"
        case .wrongType(let file, let path, let expected):
            return "\(file): \(path) must be \(expected)"
        case .invalidValue(let file, let path, let message):
            return "\(file): \(path): \(message)"
        case .missingFile(let file, let path, let resolved):
            return "\(file): \(path) names \(resolved), which does not exist"
        case .dataset(let path, let message):
            return "\(path): \(message)"
        }
    }
}
