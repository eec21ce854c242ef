/// The kernels CLIP's forward passes call. Each public entry point here is the one
/// callers use; it runs the fastest implementation available for the shape and falls
/// back to its `…Reference` twin (Kernels+Reference.swift) for anything it does not
/// cover (empty dimensions, degenerate geometry). Signatures and contracts are those of
/// the reference twins; results match them to 1e-5 of the output's largest magnitude
/// (KernelTests), GELU as documented on `VectorMath`.
///
/// How the fast paths work:
/// - `linear`, `matmul`, `conv2d` and `attention` share one GEMM core
///   (Kernels+GEMM.swift): a 6 × 32 `SIMD16<Float>` micro-kernel, full-depth
///   accumulation (the reference's summation order), L2-sized blocking, work items
///   split over `ThreadPool.shared`.
/// - Weights are never repacked. The GEMM reads the weight in place as its broadcast
///   operand and packs the activations instead (O(rows·k) per call: ~2 % of the
///   samples in `perf record` of `bench-kernels --filter in_proj`), so there is no
///   `PackedWeights` type and no cache keyed by pointer: a
///   pointer cache would silently return stale panels when a caller frees a buffer and
///   allocates a different weight at the same address (tests do this all the time),
///   and would double the memory of every loaded model.
/// - `conv2d` is the GEMM `weight · patches` over every image of the batch at once. 3×3
///   stride-1 inputs are zero-padded into a copy once per call, so packing a panel is plain
///   run copies; the store adds the bias and can add the product into the output (a residual)
///   and apply ReLU, so ModifiedResNet writes each feature map once.
/// - `attention` (Kernels+Attention.swift) keeps one 32-query tile of scores per work
///   item; element-wise kernels (Kernels+Elementwise.swift) use `VectorMath`'s
///   vectorised exp and normal CDF.
/// - Every kernel may be called from any thread, including from inside another
///   kernel's work item (the pool then runs the inner call on the calling thread).
public enum Kernels {
    public static func linear(
        input: UnsafePointer<Float>, rows m: Int, inFeatures k: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures n: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0, k > 0 else {
            linearReference(input: input, rows: m, inFeatures: k, weight: weight, bias: bias, outFeatures: n, output: output)
            return
        }
        // Weight rows are the broadcast operand (read in place), activations are packed:
        // outputᵀ (n, m) = weight (n, k) · inputᵀ (k, m), stored transposed.
        gemm(
            rows: n, columns: m, depth: k, x: .fp32(weight, rowStride: k, columnStride: 1),
            vector: .transposedRows(input, rowStride: k), output: .transposed(output, rowStride: n),
            epilogue: Epilogue(rowBias: bias))
    }

    /// `output` (rows, outFeatures) = `activation(input · weightᵀ + bias)`, or with `accumulate`
    /// `output += input · weightᵀ + bias` (a residual connection; no activation then), for a
    /// `PackedWeight`, both dense row-major. fp32: every element is the same fp32 sum as the
    /// raw-pointer `linear` computes, and the activation the same as `gelu` / `quickGelu`
    /// (same bits as the separate steps). bf16: as `linearBF16Reference`, bit for bit.
    public static func linear(
        input: UnsafePointer<Float>, rows m: Int, weight: PackedWeight,
        bias: UnsafePointer<Float>?, activation: FusedActivation? = nil, accumulate: Bool = false,
        output: UnsafeMutablePointer<Float>
    ) {
        precondition(!(accumulate && activation != nil), "an activation does not apply to an accumulated product")
        guard m > 0 else { return }
        let k = weight.inFeatures, n = weight.outFeatures
        let epilogue = Epilogue(columnBias: bias, activation: activation)
        let layout: OutputLayout = accumulate ? .accumulating(output, rowStride: n) : .direct(output, rowStride: n)
        switch weight.precision {
        case .fp32:
            gemm(
                rows: m, columns: n, depth: k, x: .fp32(input, rowStride: k, columnStride: 1),
                vector: .packed(UnsafeRawPointer(weight.storage)), output: layout, epilogue: epilogue)
        case .bf16:
            let pairs = weight.depth
            Scratch.withBuffer(count: m * pairs) { buffer in
                buffer.withMemoryRebound(to: UInt32.self, capacity: m * pairs) { words in
                    convertToBF16Pairs(input, rows: m, columns: k, rowStride: k, into: words, pairStride: pairs)
                    gemm(
                        rows: m, columns: n, depth: pairs, x: .bf16Pairs(words, rowStride: pairs),
                        vector: .packed(UnsafeRawPointer(weight.storage)), output: layout, epilogue: epilogue)
                }
            }
        }
    }

    public static func matmul(
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int
    ) {
        guard m > 0, n > 0, k > 0 else {
            matmulReference(a: a, b: b, c: c, m: m, n: n, k: k)
            return
        }
        gemm(
            rows: m, columns: n, depth: k, x: .fp32(a, rowStride: k, columnStride: 1),
            vector: .rows(b, rowStride: n), output: .direct(c, rowStride: n))
    }

    /// `c = A · B`, or `c += A · B` when `accumulate`, for an m×k `A` read through two
    /// strides, `A[i, p] = a[i·aRowStride + p·aColumnStride]` (so `aRowStride: 1,
    /// aColumnStride: m` reads a row-major k×m array as its transpose), a k×n `B` with rows
    /// `bRowStride` apart and an m×n `c` with rows `cRowStride` apart. Sub-blocks of larger
    /// matrices need no copy. Each product element is one fp32 sum in increasing `p`
    /// (added to `c` afterwards when accumulating), as `matmulStridedReference`.
    public static func matmul(
        a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Float>, bRowStride: Int,
        c: UnsafeMutablePointer<Float>, cRowStride: Int,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0, k > 0 else {
            matmulStridedReference(
                a: a, aRowStride: aRowStride, aColumnStride: aColumnStride, b: b, bRowStride: bRowStride,
                c: c, cRowStride: cRowStride, m: m, n: n, k: k, accumulate: accumulate)
            return
        }
        gemm(
            rows: m, columns: n, depth: k, x: .fp32(a, rowStride: aRowStride, columnStride: aColumnStride),
            vector: .rows(b, rowStride: bRowStride),
            output: accumulate ? .accumulating(c, rowStride: cRowStride) : .direct(c, rowStride: cRowStride))
    }

    public static func layerNorm(
        input: UnsafePointer<Float>, rows: Int, columns: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        layerNormFast(input: input, rows: rows, columns: columns, gamma: gamma, beta: beta, epsilon: epsilon, output: output)
    }

    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        guard columns > 0 else { return }
        softmaxRowsFast(x, rows: rows, columns: columns)
    }

    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        geluFast(x, count: count)
    }

    public static func quickGelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        quickGeluFast(x, count: count)
    }

    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        reluFast(x, count: count)
    }

    public static func conv2d(
        input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        conv2d(
            input: input, batch: 1, inChannels: inChannels, height: height, width: width,
            weight: weight, bias: bias, outChannels: outChannels,
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
            output: output)
    }

    /// `conv2d` of `batch` images at once, `input` (batch, inChannels, height, width) →
    /// `output` (batch, outChannels, outHeight, outWidth). Same result as one call per
    /// image, but small feature maps (7×7 in ModifiedResNet's last stage) fill the
    /// 32-wide GEMM panels instead of leaving a third of them empty.
    ///
    /// With `accumulate`, `output += conv + bias` (a residual connection); `activation`
    /// then applies to what is stored: `relu(output + (conv + bias))`, bit for bit the
    /// separate steps (`conv2d`, an fp32 add, `relu`), in one pass over the output.
    public static func conv2d(
        input: UnsafePointer<Float>, batch: Int, inChannels: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
        activation: FusedActivation? = nil, accumulate: Bool = false,
        output: UnsafeMutablePointer<Float>
    ) {
        let outHeight = stride > 0 ? (height + 2 * padding - kernelHeight) / stride + 1 : 0
        let outWidth = stride > 0 ? (width + 2 * padding - kernelWidth) / stride + 1 : 0
        let depth = inChannels * kernelHeight * kernelWidth
        guard batch > 0, outChannels > 0, outHeight > 0, outWidth > 0, depth > 0, stride > 0, padding >= 0,
            height + 2 * padding >= kernelHeight, width + 2 * padding >= kernelWidth
        else {
            conv2dReference(
                input: input, batch: batch, inChannels: inChannels, height: height, width: width,
                weight: weight, bias: bias, outChannels: outChannels,
                kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
                activation: activation, accumulate: accumulate, output: output)
            return
        }
        // output_b (outChannels, positions) = weight (outChannels, depth) · im2col_b (depth, positions),
        // all images side by side as the GEMM's columns.
        let positions = outHeight * outWidth
        func convolve(_ images: UnsafePointer<Float>, height: Int, width: Int, padding: Int) {
            let geometry = Im2Col(
                images: images, channels: inChannels, height: height, width: width,
                kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
                outWidth: outWidth, positions: positions)
            gemm(
                rows: outChannels, columns: batch * positions, depth: depth, x: .fp32(weight, rowStride: depth, columnStride: 1),
                vector: .im2col(geometry),
                output: batch > 1
                    ? .batched(output, rowsPerImage: outChannels, positions: positions, adding: accumulate)
                    : accumulate ? .accumulating(output, rowStride: positions) : .direct(output, rowStride: positions),
                epilogue: Epilogue(rowBias: bias, activation: activation))
        }
        guard stride == 1, padding > 0 else {
            convolve(input, height: height, width: width, padding: padding)
            return
        }
        // Stride 1 with padding (3×3 convolutions): a zero-padded copy of the input, made
        // once per call (about 1/k² of the patch matrix), lets packing copy whole runs of
        // every patch row without bounds checks or zero fills. Same patch values, same sums.
        let paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding
        let planes = batch * inChannels, paddedPlane = paddedHeight * paddedWidth
        Scratch.withBuffer(count: planes * paddedPlane, slot: .paddedInput) { padded in
            ThreadPool.shared.parallelFor(count: planes) { range in
                for plane in range {
                    let source = input + plane * height * width, destination = padded + plane * paddedPlane
                    destination.initialize(repeating: 0, count: padding * paddedWidth + padding)
                    for y in 0..<height {
                        let row = destination + (y + padding) * paddedWidth + padding
                        row.update(from: source + y * width, count: width)
                        // The right padding of this row and the left padding of the next.
                        (row + width).initialize(repeating: 0, count: 2 * padding)
                    }
                    (destination + (height + padding) * paddedWidth + padding)
                        .initialize(repeating: 0, count: padding * paddedWidth - padding)
                }
            }
            convolve(padded, height: paddedHeight, width: paddedWidth, padding: 0)
        }
    }

    public static func avgPool2d(
        input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>
    ) {
        guard kernel > 0, stride > 0, height >= kernel, width >= kernel else {
            avgPool2dReference(input: input, channels: channels, height: height, width: width, kernel: kernel, stride: stride, output: output)
            return
        }
        avgPool2dFast(input: input, channels: channels, height: height, width: width, kernel: kernel, stride: stride, output: output)
    }

    public static func attention(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        queryLength: Int, keyLength: Int, heads: Int, headDim: Int, causal: Bool,
        output: UnsafeMutablePointer<Float>
    ) {
        guard queryLength > 0, keyLength > 0, heads > 0, headDim > 0 else {
            attentionReference(
                query: query, key: key, value: value, rowStride: rowStride,
                queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim, causal: causal,
                output: output)
            return
        }
        attentionFast(
            query: query, key: key, value: value, rowStride: rowStride,
            queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim, causal: causal,
            output: output)
    }
}
