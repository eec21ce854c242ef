/// A matrix that does not fit an operation: the shape of `Matrix` and `SymmetricEigen`'s
/// input, or a non-finite entry. Same messages as `ProbesError`'s cases of the same names.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    case shape(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .shape(let message): return "shape mismatch: \(message)"
        case .invalid(let message): return "invalid input: \(message)"
        }
    }
}
