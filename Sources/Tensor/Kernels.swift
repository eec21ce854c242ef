/// The kernels CLIP's forward passes call. Each public entry point here is the one
/// callers use; it runs the fastest implementation available for the shape and falls
/// back to its `…Reference` twin (Kernels+Reference.swift) for anything it does not
/// cover. Signatures and contracts are those of the reference twins.
public enum Kernels {
    public static func linear(
        input: UnsafePointer<Float>, rows m: Int, inFeatures k: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures n: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        linearReference(input: input, rows: m, inFeatures: k, weight: weight, bias: bias, outFeatures: n, output: output)
    }

    public static func matmul(
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int
    ) {
        matmulReference(a: a, b: b, c: c, m: m, n: n, k: k)
    }

    public static func layerNorm(
        input: UnsafePointer<Float>, rows: Int, columns: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        layerNormReference(input: input, rows: rows, columns: columns, gamma: gamma, beta: beta, epsilon: epsilon, output: output)
    }

    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        softmaxRowsReference(x, rows: rows, columns: columns)
    }

    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        geluReference(x, count: count)
    }

    public static func quickGelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        quickGeluReference(x, count: count)
    }

    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        reluReference(x, count: count)
    }

    public static func conv2d(
        input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        conv2dReference(
            input: input, inChannels: inChannels, height: height, width: width,
            weight: weight, bias: bias, outChannels: outChannels,
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
            output: output)
    }

    public static func avgPool2d(
        input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>
    ) {
        avgPool2dReference(input: input, channels: channels, height: height, width: width, kernel: kernel, stride: stride, output: output)
    }

    public static func attention(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        queryLength: Int, keyLength: Int, heads: Int, headDim: Int, causal: Bool,
        output: UnsafeMutablePointer<Float>
    ) {
        attentionReference(
            query: query, key: key, value: value, rowStride: rowStride,
            queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim, causal: causal,
            output: output)
    }
}
