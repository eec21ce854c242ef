/// Everything that can go wrong in a probe: a terse code plus a human message.
///
/// Degenerate but valid inputs (one class, one image, a constant dimension) are not
/// errors: probes return `nil` for the undefined numbers and say why in `notes`.
package enum ProbesError: Error, Equatable, CustomStringConvertible {
    /// Arrays whose shapes do not fit together (e.g. head width ≠ embedding width).
    case shape(String)
    /// Values that cannot be used (e.g. a label outside the head, an empty domain).
    case invalid(String)

    package var code: String {
        switch self {
        case .shape: return "probes.shape"
        case .invalid: return "probes.invalid"
        }
    }

    package var description: String {
        switch self {
        case .shape(let message): return "shape mismatch: \(message)"
        case .invalid(let message): return "invalid input: \(message)"
        }
    }
}
