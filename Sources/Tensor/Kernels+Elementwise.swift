import Foundation

// The lane count and SIMD helpers are private to each kernel file on purpose: debug builds
// compile files separately (no whole-module optimisation) and then only inline and
// constant-fold same-file code; a shared `static let` or helper costs a call per use.
private let lanes = 16

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func store(_ v: SIMD16<Float>, to p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

/// Vectorised element-wise kernels, norms and pooling: 16 lanes per step, scalar tails.
///
/// Transcendentals use `VectorMath` (below) instead of libm: `expf`/`erff` per element
/// would cost more than the GEMMs around them (ViT-B/32 applies GELU to 1.8 M values
/// per image).
extension Kernels {
    /// Elements per parallel job chunk for element-wise kernels; below this, one thread.
    static let elementwiseGrain = 1 << 15

    /// Runs `body(start, count)` over `0..<count` in chunks of whole 16-lane vectors,
    /// on the pool when `count` is large enough to amortise waking it.
    @inline(__always)
    static func forEachChunk(count: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
        if count < 2 * elementwiseGrain {
            body(0, count)
            return
        }
        let vectors = (count + lanes - 1) / lanes
        ThreadPool.shared.run { index, participants in
            let share = ThreadPool.share(of: vectors, index: index, count: participants)
            let start = share.lowerBound * lanes, end = min(count, share.upperBound * lanes)
            if end > start { body(start, end - start) }
        }
    }

    /// GELU on 16 lanes, `x·Φ(x)` — the one definition `gelu` and the GEMM's fused store share.
    @inline(__always)
    static func geluVector(_ v: SIMD16<Float>) -> SIMD16<Float> { v * VectorMath.standardNormalCDF(v) }

    /// QuickGELU on 16 lanes, `x·σ(1.702·x)` — shared by `quickGelu` and the fused store.
    @inline(__always)
    static func quickGeluVector(_ v: SIMD16<Float>) -> SIMD16<Float> { v / (1 + VectorMath.exp(SIMD16<Float>(repeating: -1.702) * v)) }

    static func geluFast(_ x: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count: count) { start, n in
            let p = x + start
            var i = 0
            while i + lanes <= n {
                store(geluVector(load(p + i)), to: p + i)
                i += lanes
            }
            if i < n { applyTail(p + i, count: n - i) { v in geluVector(v) } }
        }
    }

    static func quickGeluFast(_ x: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count: count) { start, n in
            let p = x + start
            var i = 0
            while i + lanes <= n {
                store(quickGeluVector(load(p + i)), to: p + i)
                i += lanes
            }
            if i < n { applyTail(p + i, count: n - i) { v in quickGeluVector(v) } }
        }
    }

    /// ReLU on 16 lanes, `Swift.max(x, 0)` lane-wise — shared by `relu` and the fused store.
    @inline(__always)
    static func reluVector(_ v: SIMD16<Float>) -> SIMD16<Float> { VectorMath.maximum(v, SIMD16<Float>()) }

    static func reluFast(_ x: UnsafeMutablePointer<Float>, count: Int) {
        forEachChunk(count: count) { start, n in
            let p = x + start
            var i = 0
            while i + lanes <= n {
                store(reluVector(load(p + i)), to: p + i)
                i += lanes
            }
            if i < n { applyTail(p + i, count: n - i) { v in reluVector(v) } }
        }
    }

    /// Softmax of each row; rows are split across the pool.
    static func softmaxRowsFast(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let parallel = rows * columns >= 2 * elementwiseGrain && rows > 1
        let work: (Range<Int>) -> Void = { range in
            for r in range { softmaxRow(x + r * columns, count: columns) }
        }
        if parallel { ThreadPool.shared.parallelFor(count: rows, work) } else { work(0..<rows) }
    }

    /// One max-subtracted softmax, in place (a row of `softmaxRows`).
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count n: Int) {
        var maxVector = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + lanes <= n {
            maxVector = VectorMath.maximum(maxVector, load(row + i))
            i += lanes
        }
        var maximum = VectorMath.horizontalMaximum(maxVector)
        while i < n {
            maximum = max(maximum, row[i])
            i += 1
        }
        let shift = SIMD16<Float>(repeating: maximum)
        var sumVector = SIMD16<Float>()
        i = 0
        while i + lanes <= n {
            let e = VectorMath.exp(load(row + i) - shift)
            store(e, to: row + i)
            sumVector += e
            i += lanes
        }
        var sum = sumVector.sum()
        if i < n {
            applyTail(row + i, count: n - i) { v in VectorMath.exp(v - shift) }
            while i < n {
                sum += row[i]
                i += 1
            }
        }
        let inverse = SIMD16<Float>(repeating: 1 / sum)
        i = 0
        while i + lanes <= n {
            store(load(row + i) * inverse, to: row + i)
            i += lanes
        }
        while i < n {
            row[i] *= inverse[0]
            i += 1
        }
    }

    /// Layer norm; mean and biased variance in two passes as the reference, rows in parallel.
    static func layerNormFast(
        input: UnsafePointer<Float>, rows: Int, columns: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        let work: (Range<Int>) -> Void = { range in
            for r in range {
                let x = input + r * columns, y = output + r * columns
                var sumVector = SIMD16<Float>()
                var c = 0
                while c + lanes <= columns {
                    sumVector += load(x + c)
                    c += lanes
                }
                var sum = sumVector.sum()
                while c < columns {
                    sum += x[c]
                    c += 1
                }
                let mean = sum / Float(columns)
                let meanVector = SIMD16<Float>(repeating: mean)
                var squares = SIMD16<Float>()
                c = 0
                while c + lanes <= columns {
                    let d = load(x + c) - meanVector
                    squares.addProduct(d, d)
                    c += lanes
                }
                var variance = squares.sum()
                while c < columns {
                    variance += (x[c] - mean) * (x[c] - mean)
                    c += 1
                }
                variance /= Float(columns)
                let inverse = 1 / (variance + epsilon).squareRoot()
                let inverseVector = SIMD16<Float>(repeating: inverse)
                c = 0
                while c + lanes <= columns {
                    let normalised = (load(x + c) - meanVector) * inverseVector
                    store(normalised * load(gamma + c) + load(beta + c), to: y + c)
                    c += lanes
                }
                while c < columns {
                    y[c] = (x[c] - mean) * inverse * gamma[c] + beta[c]
                    c += 1
                }
            }
        }
        if rows * columns >= 2 * elementwiseGrain && rows > 1 {
            ThreadPool.shared.parallelFor(count: rows, work)
        } else {
            work(0..<rows)
        }
    }

    /// Average pooling; output rows of every channel are split across the pool.
    /// Kernel 2 / stride 2 (ModifiedResNet's anti-aliased downsampling) reads two input
    /// rows per output row with 16-wide gathers done as scalar pairs.
    static func avgPool2dFast(
        input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>
    ) {
        let outHeight = (height - kernel) / stride + 1
        let outWidth = (width - kernel) / stride + 1
        let scale = 1 / Float(kernel * kernel)
        let work: (Range<Int>) -> Void = { range in
            // Per output row: sum the `kernel` input rows into a row buffer (vectorised,
            // contiguous), then sum `kernel` neighbours per output column.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, width)) { buffer in
                let rowSum = buffer.baseAddress!
                for item in range {
                    let c = item / outHeight, y = item % outHeight
                    let channel = input + c * height * width
                    let first = channel + y * stride * width
                    rowSum.update(from: first, count: width)
                    for ky in 1..<max(1, kernel) {
                        let line = first + ky * width
                        var i = 0
                        while i + lanes <= width {
                            store(load(rowSum + i) + load(line + i), to: rowSum + i)
                            i += lanes
                        }
                        while i < width {
                            rowSum[i] += line[i]
                            i += 1
                        }
                    }
                    let out = output + (c * outHeight + y) * outWidth
                    for x in 0..<outWidth {
                        let base = rowSum + x * stride
                        var sum: Float = 0
                        for kx in 0..<kernel { sum += base[kx] }
                        out[x] = sum * scale
                    }
                }
            }
        }
        let items = channels * outHeight
        if items * outWidth * kernel * kernel >= 2 * elementwiseGrain && items > 1 {
            ThreadPool.shared.parallelFor(count: items, work)
        } else {
            work(0..<items)
        }
    }

    /// Attention's softmax (Kernels+Attention.swift), kept beside `VectorMath` so that
    /// debug builds inline the vector exp. Turns a `(keys, 32)` tile of raw dot products
    /// into attention probabilities per lane (query `firstQuery + lane`): scale, mask keys
    /// after the query when causal, subtract the maximum, exponentiate, normalise. Masked
    /// entries become exactly 0.
    @inline(__always)
    static func softmaxColumns(_ scores: UnsafeMutablePointer<Float>, keys: Int, firstQuery: Int, causal: Bool, scale: Float) {
        typealias Vector = SIMD16<Float>
        let scaleVector = Vector(repeating: scale)
        let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        for half in 0..<2 {
            let column = scores + half * lanes
            // Query index of each lane; key j is visible to a lane when j ≤ query.
            let queryIndex = laneIndex &+ Int32(firstQuery + half * lanes)
            var maximum = Vector(repeating: -.infinity)
            for j in 0..<keys {
                var s = load(column + j * 32) * scaleVector
                if causal { s.replace(with: -.infinity, where: queryIndex .< Int32(j)) }
                store(s, to: column + j * 32)
                maximum = VectorMath.maximum(maximum, s)
            }
            var sum = Vector()
            for j in 0..<keys {
                let s = load(column + j * 32)
                var e = VectorMath.exp(s - maximum)
                e.replace(with: 0, where: s .== -Vector.Scalar.infinity)
                store(e, to: column + j * 32)
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<keys {
                store(load(column + j * 32) * inverse, to: column + j * 32)
            }
        }
    }

    // MARK: - Helpers

    /// Applies a vector function to the last `count` (< 16) elements through a padded copy.
    @inline(__always)
    static func applyTail(_ p: UnsafeMutablePointer<Float>, count: Int, _ f: (SIMD16<Float>) -> SIMD16<Float>) {
        var v = SIMD16<Float>()
        for i in 0..<count { v[i] = p[i] }
        let r = f(v)
        for i in 0..<count { p[i] = r[i] }
    }
}

/// Vectorised `exp` and the standard normal CDF, accurate to a few fp32 ulps.
///
/// - `exp`: Cody–Waite reduction `x = n·ln2 + r`, |r| ≤ ln2/2, degree-7 Taylor
///   polynomial (truncation < 3e-9 relative), scaling by building `2ⁿ` in the exponent
///   bits. Inputs are clamped to [−87.3, 88.0]: results below ~1.2e−38 come out as that
///   value instead of a denormal or 0 (an absolute difference < 1.2e−38), results above
///   e⁸⁸ saturate at e⁸⁸ instead of +∞.
/// - `standardNormalCDF(x) = Φ(x) = ½·erfc(−x/√2)`: one branch-free formula for every
///   lane, `erfc(a) = exp(−a²)·t·R(t)` with `t = 1/(1 + a/2)`, `R` of degree 8 fitted by
///   `Tests/TensorTests/Fixtures/fit_erf.py` (max relative error of erfc in fp32
///   3.5e−7 on 0 ≤ a ≤ 6), `a² = x²/2` split exactly by FMA, `a` clamped to 6 (Φ(−8.5)
///   ≈ 1e−17 stands in for anything smaller). Measured over x in [−8.4, 8.4]: relative
///   error ≤ 1e−6, ≤ 3e−7 for x ≥ 0 (KernelTests). For x < 0 this computes Φ from erfc directly, which
///   is more accurate than the reference's `1 + erff(x/√2)` (cancellation): the two
///   differ by up to ~1e−7·|x| in absolute terms there.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    // `@_transparent`, not `@inline(__always)`: the latter left `exp` out of line inside
    // `standardNormalCDF`, passing each SIMD16 as four xmm registers (GELU ran at half speed).
    @_transparent
    public static func exp(_ x: Vector) -> Vector {
        let clamped = minimum(maximum(x, Vector(repeating: -87.3)), Vector(repeating: 88.0))
        // Round x·log2(e) to an integer with the 1.5·2²³ trick: the integer lands in the
        // low mantissa bits of `shifted`.
        let magic = Vector(repeating: 12_582_912)
        let shifted = magic.addingProduct(clamped, Vector(repeating: 1.442_695_04))
        let n = shifted - magic
        var r = clamped.addingProduct(n, Vector(repeating: -0.693_145_751_953_125))  // ln2 high part (exact in fp32)
        r = r.addingProduct(n, Vector(repeating: -1.428_606_765_330_187_045e-06))  // ln2 − high part
        var p = Vector(repeating: 1.0 / 5040)
        p = Vector(repeating: 1.0 / 720).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 120).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vector(repeating: 0.5).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }

    /// Φ(x), the standard normal CDF (see the type's notes on accuracy).
    @inline(__always)
    static func standardNormalCDF(_ x: Vector) -> Vector {
        // a = |x|/√2 clamped to 6. a² is formed as ½·|x|² (split exactly by FMA) rather
        // than from a rounded a: at a ≈ 6 a rounded a would cost 4e−6 in exp(−a²).
        let magnitude = minimum(x.replacing(with: -x, where: x .< 0), Vector(repeating: 8.485_281_374_238_57))
        let a = magnitude * Vector(repeating: 0.707_106_781_186_547_524)
        // erfc(a) = exp(−a²)·t·R(t), t = 1/(1 + a/2); a² = square + squareLow.
        let t = 1 / Vector(repeating: 1).addingProduct(a, Vector(repeating: 0.5))
        var r = Vector(repeating: -0.058_381_620_794_534_68)
        r = Vector(repeating: 0.280_003_994_703_292_85).addingProduct(r, t)
        r = Vector(repeating: -0.475_054_979_324_340_8).addingProduct(r, t)
        r = Vector(repeating: 0.260_878_026_485_443_1).addingProduct(r, t)
        r = Vector(repeating: -0.012_312_436_476_349_83).addingProduct(r, t)
        r = Vector(repeating: 0.195_472_389_459_609_99).addingProduct(r, t)
        r = Vector(repeating: 0.245_258_182_287_216_2).addingProduct(r, t)
        r = Vector(repeating: 0.282_026_439_905_166_6).addingProduct(r, t)
        r = Vector(repeating: 0.282_109_886_407_852_2).addingProduct(r, t)
        let magnitudeSquared = magnitude * magnitude
        let square = magnitudeSquared * 0.5
        let squareLow = fusedResidual(magnitude, magnitudeSquared) * 0.5
        let halfErfc = exp(-square) * (1 - squareLow) * t * r * 0.5
        // Φ(x) = ½·erfc(|z|) for x < 0, 1 − ½·erfc(|z|) for x ≥ 0.
        return halfErfc.replacing(with: 1 - halfErfc, where: x .>= 0)
    }

    /// Lane-wise `Swift.max` (`b` when `b >= a`, so a NaN in `a` propagates). The
    /// standard library's `pointwiseMax` compiles to a scalar loop here; this is one `vmaxps`.
    @inline(__always)
    public static func maximum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .>= a) }

    /// Lane-wise `Swift.min` (`b` when `b < a`).
    @inline(__always)
    public static func minimum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

    /// The largest lane (`SIMD.max()` also compiles to a slow scalar loop).
    @inline(__always)
    static func horizontalMaximum(_ v: Vector) -> Float {
        let a = maximum(v.lowHalf, v.highHalf)
        let b = SIMD4<Float>(maximum8(a.lowHalf, a.highHalf))
        var result = b[0]
        for i in 1..<4 where b[i] >= result { result = b[i] }
        return result
    }

    @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .>= a) }

    @inline(__always)
    static func maximum8(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .>= a) }

    /// The exact rounding error of `x·x − square` where `square = fl(x·x)`, via one FMA.
    @inline(__always)
    static func fusedResidual(_ x: Vector, _ square: Vector) -> Vector {
        (-square).addingProduct(x, x)
    }
}
