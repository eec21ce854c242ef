import Weights

/// Hands out a checkpoint's tensors by canonical name, checking each shape, and
/// remembers which names were taken so that leftovers can be reported.
///
/// Models take every tensor they use through one `TensorSource`; `finish(ignoring:)`
/// then turns any tensor nobody took into an error naming it (weight layout is a
/// contract: no silently unused weights).
final class TensorSource {
    let stateDict: StateDict
    private(set) var taken: Set<String> = []

    init(_ stateDict: StateDict) {
        self.stateDict = stateDict
    }

    /// The tensor `name`, which must have exactly `shape`.
    func take(_ name: String, _ shape: [Int]) throws -> WeightTensor {
        do {
            let tensor = try stateDict.tensor(name, shape: shape)
            taken.insert(name)
            return tensor
        } catch let error as WeightsError {
            throw CLIPError.checkpoint(error)
        }
    }

    /// Throws `unexpectedTensors` naming every tensor not taken, except those whose last
    /// path component is in `harmless`.
    func finish(ignoring harmless: Set<String>) throws {
        let leftovers = stateDict.names.filter { name in
            !taken.contains(name) && !harmless.contains(String(name.split(separator: ".").last ?? ""))
        }
        if !leftovers.isEmpty {
            throw CLIPError.checkpoint(.unexpectedTensors(names: leftovers, path: stateDict.path))
        }
    }
}
