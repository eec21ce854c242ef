import Foundation

/// Where a command writes. Tests capture both streams; the tool writes to stdout/stderr.
package struct Console: Sendable {
    package let out: @Sendable (String) -> Void
    package let err: @Sendable (String) -> Void
    /// Whether standard error is a terminal (progress bars) or not (one summary line per step).
    package let errIsTerminal: Bool

    package init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, errIsTerminal: Bool = false) {
        self.out = out
        self.err = err
        self.errIsTerminal = errIsTerminal
    }

    package static let standard = Console(
        out: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        err: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) },
        errIsTerminal: isatty(2) != 0)
}
