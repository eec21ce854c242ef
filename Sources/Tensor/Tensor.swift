/// Tensor — dense fp32 arrays, the kernels that run CLIP, and the one thread pool.
///
/// `Tensor` is a plain row-major value type for activations. Kernels (`Kernels`) work
/// on raw pointers so that memory-mapped weights and activations share one code path;
/// every kernel has a `…Reference` twin with the same signature that the tests compare
/// the fast one against. `NPY` reads and writes numpy's `.npy` files.

/// A dense, row-major fp32 array.
public struct Tensor: Sendable, Equatable {
    /// Sizes of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// `shape.reduce(1, *)` values in row-major order.
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(scalars.count == shape.reduce(1, *), "\(scalars.count) values do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same values under another shape with the same element count.
    func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }
}
