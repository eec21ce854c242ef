/// A failure shown to the user: which step, which file, what happened and what to do next.
package struct ShiftLensError: Error, CustomStringConvertible {
    var step: String
    package var path: String?
    package var message: String
    var hint: String?

    package init(step: String, path: String? = nil, message: String, hint: String? = nil) {
        self.step = step
        self.path = path
        self.message = message
        self.hint = hint
    }

    package var description: String {
        var text = "error: \(step)"
        if let path { text += " \(path)" }
        text += ": \(message)"
        if let hint { text += "\nhint: \(hint)" }
        return text
    }
}
