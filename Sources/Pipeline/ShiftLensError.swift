/// A failure shown to the user: which step, which file, what happened and what to do next.
public struct ShiftLensError: Error, CustomStringConvertible {
    public var step: String
    public var path: String?
    public var message: String
    public var hint: String?

    public init(step: String, path: String? = nil, message: String, hint: String? = nil) {
        self.step = step
        self.path = path
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "error: \(step)"
        if let path { text += " \(path)" }
        text += ": \(message)"
        if let hint { text += "\nhint: \(hint)" }
        return text
    }
}
