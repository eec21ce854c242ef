/// Why the site could not be built. `code` is terse and stable (for logs and tests);
/// `description` is the human message.
package enum SiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A template that does not parse, or a slot the context cannot fill. `file` is the
    /// template's name (`run.html`, `partials/head.html`), `line` is 1-based.
    case template(file: String, line: Int, message: String)
    /// A message catalogue that is missing, malformed or lacks a key.
    case catalog(String)
    /// Input the site cannot show as given (a run folder that already exists, a bad pilot id).
    case invalidInput(String)
    /// A file or folder that could not be read or written.
    case io(path: String, message: String)

    package var code: String {
        switch self {
        case .template: return "template"
        case .catalog: return "catalog"
        case .invalidInput: return "invalid-input"
        case .io: return "io"
        }
    }

    package var description: String {
        switch self {
        case .template(let file, let line, let message): return "\(file):\(line): \(message)"
        case .catalog(let message): return "message catalogue: \(message)"
        case .invalidInput(let message): return message
        case .io(let path, let message): return "\(path): \(message)"
        }
    }
}
