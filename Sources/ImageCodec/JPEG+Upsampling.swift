/// Chroma upsampling of the JPEG decoder: libjpeg-turbo's jdsample.c with
/// `do_fancy_upsampling` on (Pillow's default), which also rules out the merged
/// upsampler of jdmerge.c.
///
/// The method is chosen per component from the ratio of the largest sampling factors
/// to the component's own (`horizontal`×`vertical` expansion):
/// - 1×1: the plane is used as it is;
/// - 2×1: triangle filter along rows (`h2v1_fancy`), or plain replication when the
///   component is at most 2 samples wide;
/// - 1×2: triangle filter along columns (`h1v2_fancy`, libjpeg-turbo ≥ 2.0);
/// - 2×2: triangle filter in both directions (`h2v2_fancy`), or replication when at most
///   2 samples wide;
/// - any other integral ratio: replication (`int_upsample`).
/// Rows above the first and below the last real row of the component repeat that row,
/// as libjpeg's context-row buffer does; a column past either end is never read.
///
/// Index arithmetic in the per-sample loops wraps (`&*`, `&+`): widths were checked against the
/// pixel limit at SOF, so no index can overflow, and a check per sample would cost vectorisation.
struct JPEGUpsampler {
    enum Method: Equatable {
        case fullSize
        case h2v1Fancy, h2v1Box
        case h1v2Fancy
        case h2v2Fancy, h2v2Box
        case replicate(horizontal: Int, vertical: Int)
    }

    let method: Method
    /// The component's plane (`downsampledWidth`×`downsampledHeight` real samples).
    let plane: UnsafePointer<UInt8>
    let stride: Int
    let downsampledWidth: Int
    let downsampledHeight: Int
    /// Output width (the image width).
    let width: Int

    /// Picks libjpeg-turbo's method for a component.
    /// - Throws: `.unsupported` for a non-integral ratio (libjpeg's JERR_FRACT_SAMPLE_NOTIMPL).
    static func method(horizontal h: Int, vertical v: Int, maxHorizontal: Int, maxVertical: Int, downsampledWidth: Int) throws -> Method {
        if h == maxHorizontal, v == maxVertical { return .fullSize }
        if h * 2 == maxHorizontal, v == maxVertical { return downsampledWidth > 2 ? .h2v1Fancy : .h2v1Box }
        if h == maxHorizontal, v * 2 == maxVertical { return .h1v2Fancy }
        if h * 2 == maxHorizontal, v * 2 == maxVertical { return downsampledWidth > 2 ? .h2v2Fancy : .h2v2Box }
        if maxHorizontal % h == 0, maxVertical % v == 0 {
            return .replicate(horizontal: maxHorizontal / h, vertical: maxVertical / v)
        }
        throw ImageCodecError.unsupported("unsupported JPEG variant: fractional sampling ratio \(maxHorizontal)/\(h)×\(maxVertical)/\(v)")
    }

    /// Capacity a row buffer for `row(_:into:)` needs.
    var rowCapacity: Int { max(width, 2 * downsampledWidth) + 16 }

    /// Returns output row `y` (0 ≤ y < height) at full resolution, either straight from
    /// the plane or written into `scratch` (`rowCapacity` bytes).
    @inline(__always)
    func row(_ y: Int, into scratch: UnsafeMutablePointer<UInt8>) -> UnsafePointer<UInt8> {
        switch method {
        case .fullSize:
            return plane + y * stride
        case .h2v1Fancy:
            h2v1Fancy(plane + y * stride, scratch)
        case .h2v1Box:
            let input = plane + y * stride
            for x in 0..<downsampledWidth {
                scratch[2 &* x] = input[x]
                scratch[2 &* x &+ 1] = input[x]
            }
        case .h1v2Fancy:
            let (near, far) = verticalNeighbours(y)
            let bias: Int32 = y & 1 == 0 ? 1 : 2
            for x in 0..<downsampledWidth {
                scratch[x] = UInt8(truncatingIfNeeded: (Int32(near[x]) &* 3 &+ Int32(far[x]) &+ bias) >> 2)
            }
        case .h2v2Fancy:
            let (near, far) = verticalNeighbours(y)
            h2v2Fancy(near, far, scratch)
        case .h2v2Box:
            let input = plane + min(y >> 1, downsampledHeight - 1) * stride
            for x in 0..<downsampledWidth {
                scratch[2 &* x] = input[x]
                scratch[2 &* x &+ 1] = input[x]
            }
        case .replicate(let horizontal, let vertical):
            let input = plane + min(y / vertical, downsampledHeight - 1) * stride
            var x = 0
            for source in 0..<downsampledWidth {
                let value = input[source]
                for _ in 0..<horizontal {
                    scratch[x] = value
                    x &+= 1
                }
            }
        }
        return UnsafePointer(scratch)
    }

    /// The nearest component row to output row `y` of a 2× vertical expansion and the
    /// next nearest (above for even `y`, below for odd), clamped to the real rows.
    @inline(__always)
    private func verticalNeighbours(_ y: Int) -> (UnsafePointer<UInt8>, UnsafePointer<UInt8>) {
        let nearRow = min(y >> 1, downsampledHeight - 1)
        let farRow = y & 1 == 0 ? max(nearRow - 1, 0) : min(nearRow + 1, downsampledHeight - 1)
        return (plane + nearRow * stride, plane + farRow * stride)
    }

    /// 3/4 nearer + 1/4 further sample, rounding biases 1 and 2 alternating (needs width > 2).
    @inline(__always)
    private func h2v1Fancy(_ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
        let n = downsampledWidth
        var value = Int32(input[0])
        output[0] = UInt8(truncatingIfNeeded: value)
        output[1] = UInt8(truncatingIfNeeded: (value &* 3 &+ Int32(input[1]) &+ 2) >> 2)
        for x in 1..<(n - 1) {
            value = Int32(input[x]) &* 3
            output[2 &* x] = UInt8(truncatingIfNeeded: (value &+ Int32(input[x &- 1]) &+ 1) >> 2)
            output[2 &* x &+ 1] = UInt8(truncatingIfNeeded: (value &+ Int32(input[x &+ 1]) &+ 2) >> 2)
        }
        value = Int32(input[n - 1])
        output[2 * n - 2] = UInt8(truncatingIfNeeded: (value &* 3 &+ Int32(input[n - 2]) &+ 1) >> 2)
        output[2 * n - 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Column sums 3·near + far, then 3/4–1/4 across columns with biases 8 and 7 (width > 2).
    @inline(__always)
    private func h2v2Fancy(_ near: UnsafePointer<UInt8>, _ far: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
        let n = downsampledWidth
        @inline(__always) func columnSum(_ x: Int) -> Int32 { Int32(near[x]) &* 3 &+ Int32(far[x]) }
        var this = columnSum(0)
        var next = columnSum(1)
        output[0] = UInt8(truncatingIfNeeded: (this &* 4 &+ 8) >> 4)
        output[1] = UInt8(truncatingIfNeeded: (this &* 3 &+ next &+ 7) >> 4)
        var last = this
        this = next
        for x in 1..<(n - 1) {
            next = columnSum(x &+ 1)
            output[2 &* x] = UInt8(truncatingIfNeeded: (this &* 3 &+ last &+ 8) >> 4)
            output[2 &* x &+ 1] = UInt8(truncatingIfNeeded: (this &* 3 &+ next &+ 7) >> 4)
            last = this
            this = next
        }
        output[2 * n - 2] = UInt8(truncatingIfNeeded: (this &* 3 &+ last &+ 8) >> 4)
        output[2 * n - 1] = UInt8(truncatingIfNeeded: (this &* 4 &+ 7) >> 4)
    }
}
