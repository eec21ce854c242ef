/// Why the embedding store could not be read or written.
public enum EmbeddingsError: Error, Equatable, CustomStringConvertible {
    case corrupt(path: String, message: String)
    case io(path: String, message: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .corrupt(let path, let message): return "\(path): damaged embedding store: \(message)"
        case .io(let path, let message): return "\(path): \(message)"
        case .invalid(let message): return message
        }
    }
}
