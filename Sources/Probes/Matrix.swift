import Dispatch

/// A dense row-major matrix of `Float` or `Double` — the one container the probes use.
///
/// Row `i` occupies `values[i * columns ..< (i + 1) * columns]`. Embeddings arrive as
/// `Matrix<Float>` (n images × d dimensions); statistics that cancel (covariances,
/// eigenproblems) run in `Matrix<Double>`.
public struct Matrix<Scalar: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Scalar]

    /// Throws `ProbesError.shape` if `values` does not hold `rows × columns` numbers.
    public init(rows: Int, columns: Int, values: [Scalar]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw ProbesError.shape("\(values.count) values do not fill a \(rows)×\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.rows = rows
        self.columns = columns
        self.values = [Scalar](repeating: 0, count: rows * columns)
    }

    /// Wraps values already known to fit (internal use; the public init checks).
    init(unchecked rows: Int, _ columns: Int, _ values: [Scalar]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Scalar {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ i: Int) -> ArraySlice<Scalar> { values[(i * columns)..<((i + 1) * columns)] }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var out = [Scalar]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out += values[(i * columns)..<((i + 1) * columns)] }
        return Matrix(unchecked: indices.count, columns, out)
    }

    /// The columns at `indices`, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var out = [Scalar](repeating: 0, count: rows * indices.count)
        for i in 0..<rows {
            for (c, j) in indices.enumerated() { out[i * indices.count + c] = values[i * columns + j] }
        }
        return Matrix(unchecked: rows, indices.count, out)
    }

    public func transposed() -> Matrix {
        var out = [Scalar](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { t in
                let block = 32
                for i0 in stride(from: 0, to: rows, by: block) {
                    for j0 in stride(from: 0, to: columns, by: block) {
                        for i in i0..<min(i0 + block, rows) {
                            for j in j0..<min(j0 + block, columns) { t[j * rows + i] = a[i * columns + j] }
                        }
                    }
                }
            }
        }
        return Matrix(unchecked: columns, rows, out)
    }

    /// Every row divided by its Euclidean norm (rows of norm 0 stay 0).
    public func rowNormalized() -> Matrix {
        var out = values
        let d = columns
        out.withUnsafeMutableBufferPointer { x in
            for i in 0..<rows {
                var sum: Double = 0
                for j in 0..<d { let v = Double(x[i * d + j]); sum += v * v }
                guard sum > 0 else { continue }
                let inverse = Scalar(1 / sum.squareRoot())
                for j in 0..<d { x[i * d + j] *= inverse }
            }
        }
        return Matrix(unchecked: rows, columns, out)
    }

    public func converted<Other: BinaryFloatingPoint & Sendable>(to _: Other.Type) -> Matrix<Other> {
        Matrix<Other>(unchecked: rows, columns, values.map { Other($0) })
    }

    /// `self · other`.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "inner dimensions differ")
        var out = Matrix(zeros: rows, other.columns)
        LinearAlgebra.multiplyAdd(self, other, into: &out)
        return out
    }

    /// `self · otherᵀ` — e.g. logits `H · Wᵀ`.
    public func multiplied(byTransposeOf other: Matrix) -> Matrix {
        multiplied(by: other.transposed())
    }
}

/// Dense products and decompositions used by the probes.
public enum LinearAlgebra {
    /// Rows of the output per parallel task; small problems stay on one thread.
    static let rowsPerTask = 64

    /// `c += a · b` (a: m×k, b: k×n, c: m×n), rows split over two threads when large.
    ///
    /// i-p-j order so the innermost loop streams a row of `b` into a row of `c` and
    /// vectorises; a block of 256 `p` values keeps the `b` panel in cache.
    public static func multiplyAdd<T: BinaryFloatingPoint & Sendable>(_ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>) {
        precondition(a.columns == b.rows && c.rows == a.rows && c.columns == b.columns, "shapes do not match")
        let m = a.rows, k = a.columns, n = b.columns
        guard m > 0, n > 0, k > 0 else { return }
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    let cBase = UnsafeSendable(cp.baseAddress!)
                    let aBase = UnsafeSendable(UnsafeMutablePointer(mutating: ap.baseAddress!))
                    let bBase = UnsafeSendable(UnsafeMutablePointer(mutating: bp.baseAddress!))
                    let work = m * n * k
                    let tasks = work < 1 << 20 ? 1 : max(1, min((m + rowsPerTask - 1) / rowsPerTask, 8))
                    let chunk = (m + tasks - 1) / tasks
                    let body: @Sendable (Int) -> Void = { task in
                        let start = task * chunk, end = min(m, start + chunk)
                        guard start < end else { return }
                        gemmRows(aBase.pointer, bBase.pointer, cBase.pointer, rows: start..<end, n: n, k: k)
                    }
                    if tasks == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: body) }
                }
            }
        }
    }

    @inline(__always)
    static func gemmRows<T: BinaryFloatingPoint>(
        _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ c: UnsafeMutablePointer<T>,
        rows: Range<Int>, n: Int, k: Int
    ) {
        let panel = 256
        var p0 = 0
        while p0 < k {
            let p1 = min(k, p0 + panel)
            for i in rows {
                let cRow = c + i * n
                let aRow = a + i * k
                var p = p0
                // Four rows of b per pass: four multiply-adds per load/store of c.
                while p + 4 <= p1 {
                    let a0 = aRow[p], a1 = aRow[p + 1], a2 = aRow[p + 2], a3 = aRow[p + 3]
                    let b0 = b + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n
                    for j in 0..<n { cRow[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] }
                    p += 4
                }
                while p < p1 {
                    let ap = aRow[p]
                    let bRow = b + p * n
                    for j in 0..<n { cRow[j] += ap * bRow[j] }
                    p += 1
                }
            }
            p0 = p1
        }
    }
}

/// A pointer handed to `concurrentPerform` tasks that write disjoint rows.
struct UnsafeSendable<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
