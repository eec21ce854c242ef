import Foundation

/// Pillow's separable resampling (src/libImaging/Resample.c), reproduced bit for bit.
///
/// `Image.resize(size, BICUBIC)` with no box and no `reducing_gap` runs two passes —
/// horizontal first, then vertical — each with per-output-pixel coefficients computed
/// in double precision, normalised to sum 1, and (for 8-bit images) rounded to
/// `precisionBits`-bit fixed point. The filter support is widened by the scale when
/// downscaling (that is Pillow's antialiasing). Results are clipped to 0…255 after
/// each pass; 16-bit images ("I;16") are summed in doubles and rounded half away from zero.
///
/// Every output pixel depends only on its own coefficients, so computing only a window
/// of the output (the centre crop) gives exactly the values Pillow computes for the whole
/// image and then crops. That is what `Resampler` does; `ResamplerReference` computes the
/// whole image the way Pillow does and is the twin the tests compare against.
enum Resample {
    /// Pillow's `PRECISION_BITS` (32 - 8 - 2): 8 bits of result, 2 of headroom for negative lobes.
    static let precisionBits: Int32 = 22

    /// Pillow's bicubic kernel with a = -0.5, evaluated in the same operation order
    /// (the order matters for bit-exact coefficients).
    @inline(__always)
    static func bicubic(_ t: Double) -> Double {
        let x = t < 0 ? -t : t
        if x < 1 { return ((1.5 * x - 2.5) * x) * x + 1 }
        if x < 2 { return ((((x - 5) * x) + 8) * x - 4) * -0.5 }
        return 0
    }

    /// The coefficients of one axis for the output positions `window`.
    struct Axis: Sendable {
        let inSize: Int
        let outSize: Int
        /// First output position described (`window.lowerBound`).
        let windowStart: Int
        let windowCount: Int
        /// Coefficients per output position (Pillow's `ksize`); unused tail entries are 0.
        let taps: Int
        /// For each window position: first input index and number of inputs used.
        let first: [Int]
        let count: [Int]
        /// Normalised coefficients, `windowCount × taps`, as doubles (used by 16-bit images).
        let weights: [Double]
        /// The same, in `precisionBits` fixed point (used by 8-bit images).
        let fixed: [Int32]

        /// Pillow's `precompute_coeffs` for box (0, inSize), restricted to output positions in `window`.
        init(inSize: Int, outSize: Int, window: Range<Int>) {
            self.inSize = inSize
            self.outSize = outSize
            windowStart = window.lowerBound
            windowCount = window.count
            // Pillow keeps the box in `float`; (in1 - in0) is float arithmetic before widening.
            let in0 = Double(Float(0))
            let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
            let filterScale = max(scale, 1.0)
            let support = 2.0 * filterScale
            taps = Int(support.rounded(.up)) * 2 + 1
            let inverseFilterScale = 1.0 / filterScale
            var first = [Int](repeating: 0, count: window.count)
            var count = [Int](repeating: 0, count: window.count)
            var weights = [Double](repeating: 0, count: window.count * taps)
            var fixed = [Int32](repeating: 0, count: window.count * taps)
            let one = Double(Int32(1) << Resample.precisionBits)
            for (slot, position) in window.enumerated() {
                let center = in0 + (Double(position) + 0.5) * scale
                // C's (int) cast truncates toward zero; the clamps below make that harmless.
                var low = Int(center - support + 0.5)
                if low < 0 { low = 0 }
                var high = Int(center + support + 0.5)
                if high > inSize { high = inSize }
                let used = max(0, min(high - low, taps))
                var sum = 0.0
                let base = slot * taps
                for x in 0..<used {
                    let w = Resample.bicubic((Double(x + low) - center + 0.5) * inverseFilterScale)
                    weights[base + x] = w
                    sum += w
                }
                if sum != 0 {
                    for x in 0..<used { weights[base + x] /= sum }
                }
                for x in 0..<taps {
                    let w = weights[base + x]
                    fixed[base + x] = w < 0 ? Int32(-0.5 + w * one) : Int32(0.5 + w * one)
                }
                first[slot] = low
                count[slot] = used
            }
            self.first = first
            self.count = count
            self.weights = weights
            self.fixed = fixed
        }
    }

    /// Coefficients are the same for every image with the same geometry, so they are kept.
    private final class AxisCache: @unchecked Sendable {
        struct Key: Hashable { let inSize, outSize, start, count: Int }
        private let lock = NSLock()
        private var axes: [Key: Axis] = [:]

        func axis(inSize: Int, outSize: Int, window: Range<Int>) -> Axis {
            let key = Key(inSize: inSize, outSize: outSize, start: window.lowerBound, count: window.count)
            if let axis = lock.withLock({ axes[key] }) { return axis }
            let axis = Axis(inSize: inSize, outSize: outSize, window: window)
            lock.withLock {
                // A bounded cache: datasets have few distinct geometries; a flood of new ones just restarts it.
                if axes.count >= 512 { axes.removeAll(keepingCapacity: true) }
                axes[key] = axis
            }
            return axis
        }
    }

    private static let cache = AxisCache()

    static func axis(inSize: Int, outSize: Int, window: Range<Int>) -> Axis {
        cache.axis(inSize: inSize, outSize: outSize, window: window)
    }

    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let v = sum >> precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    /// Pillow's `ROUND_UP` then `CLIP16`.
    @inline(__always)
    static func clip16(_ sum: Double) -> UInt16 {
        let rounded = sum >= 0 ? sum + 0.5 : sum - 0.5
        if !(rounded > 0) { return 0 }  // also catches NaN, which cannot occur with finite inputs
        if rounded >= 65536 { return 65535 }
        return UInt16(Int(rounded))
    }
}

/// An interleaved 8-bit or 16-bit image buffer: `channels` samples per pixel, no row padding.
struct PixelPlane {
    var width: Int
    var height: Int
    var channels: Int
    var samples: [UInt8]
}

/// Fast window resampling: computes output pixels `xWindow × yWindow` of Pillow's resize of
/// `source` to `outWidth × outHeight`, exactly as Pillow would.
enum Resampler {
    /// 8-bit samples, any channel count. `xWindow`/`yWindow` must lie within the output size.
    static func resample8(
        _ source: PixelPlane, outWidth: Int, outHeight: Int, xWindow: Range<Int>, yWindow: Range<Int>
    ) -> PixelPlane {
        let needHorizontal = outWidth != source.width
        let needVertical = outHeight != source.height
        let vertical = needVertical ? Resample.axis(inSize: source.height, outSize: outHeight, window: yWindow) : nil
        // Source rows the vertical pass reads (or the window itself when there is none).
        let rowRange: Range<Int>
        if let vertical, !yWindow.isEmpty {
            let last = vertical.windowCount - 1
            rowRange = vertical.first[0]..<(vertical.first[last] + vertical.count[last])
        } else {
            rowRange = yWindow
        }
        // Horizontal pass over the rows the vertical pass needs → (rows, window width, channels).
        var middle: PixelPlane
        if needHorizontal {
            let horizontal = Resample.axis(inSize: source.width, outSize: outWidth, window: xWindow)
            middle = horizontalPass(source, rows: rowRange, axis: horizontal)
        } else {
            middle = crop(source, xRange: xWindow, yRange: rowRange)
        }
        guard let vertical else { return middle }
        return verticalPass(middle, rowOffset: rowRange.lowerBound, axis: vertical)
    }

    /// The plain sub-image `xRange × yRange` (which must lie inside `source`).
    static func crop(_ source: PixelPlane, xRange: Range<Int>, yRange: Range<Int>) -> PixelPlane {
        let bpp = source.channels
        var out = [UInt8](repeating: 0, count: xRange.count * yRange.count * bpp)
        let rowBytes = xRange.count * bpp
        source.samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                guard let src = input.baseAddress, let dst = output.baseAddress, rowBytes > 0 else { return }
                for (row, y) in yRange.enumerated() {
                    (dst + row * rowBytes).update(from: src + (y * source.width + xRange.lowerBound) * bpp, count: rowBytes)
                }
            }
        }
        return PixelPlane(width: xRange.count, height: yRange.count, channels: bpp, samples: out)
    }

    private static func horizontalPass(_ source: PixelPlane, rows: Range<Int>, axis: Resample.Axis) -> PixelPlane {
        let channels = source.channels
        let outWidth = axis.windowCount
        var out = [UInt8](repeating: 0, count: outWidth * rows.count * channels)
        let half = Int32(1) << (Resample.precisionBits - 1)
        let taps = axis.taps
        source.samples.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
        axis.fixed.withUnsafeBufferPointer { coefficients in
        axis.first.withUnsafeBufferPointer { firsts in
        axis.count.withUnsafeBufferPointer { counts in
            guard let src = input.baseAddress, let dst = output.baseAddress, let kk = coefficients.baseAddress else { return }
            let inRowBytes = source.width * channels
            let outRowBytes = outWidth * channels
            for (row, y) in rows.enumerated() {
                let line = src + y * inRowBytes
                let target = dst + row * outRowBytes
                switch channels {
                case 3:
                    for xx in 0..<outWidth {
                        let k = kk + xx * taps
                        var p = line + firsts[xx] * 3
                        var s0 = half, s1 = half, s2 = half
                        for x in 0..<counts[xx] {
                            let w = k[x]
                            s0 &+= Int32(p[0]) &* w
                            s1 &+= Int32(p[1]) &* w
                            s2 &+= Int32(p[2]) &* w
                            p += 3
                        }
                        target[xx * 3] = Resample.clip8(s0)
                        target[xx * 3 + 1] = Resample.clip8(s1)
                        target[xx * 3 + 2] = Resample.clip8(s2)
                    }
                case 1:
                    for xx in 0..<outWidth {
                        let k = kk + xx * taps
                        let p = line + firsts[xx]
                        var s = half
                        for x in 0..<counts[xx] { s &+= Int32(p[x]) &* k[x] }
                        target[xx] = Resample.clip8(s)
                    }
                default:
                    for xx in 0..<outWidth {
                        let k = kk + xx * taps
                        let p = line + firsts[xx] * channels
                        for c in 0..<channels {
                            var s = half
                            for x in 0..<counts[xx] { s &+= Int32(p[x * channels + c]) &* k[x] }
                            target[xx * channels + c] = Resample.clip8(s)
                        }
                    }
                }
            }
        }}}}}
        return PixelPlane(width: outWidth, height: rows.count, channels: channels, samples: out)
    }

    /// Vertical pass over `source`, whose row 0 is input row `rowOffset` of the axis.
    private static func verticalPass(_ source: PixelPlane, rowOffset: Int, axis: Resample.Axis) -> PixelPlane {
        let rowLength = source.width * source.channels
        var out = [UInt8](repeating: 0, count: rowLength * axis.windowCount)
        var sums = [Int32](repeating: 0, count: rowLength)
        let half = Int32(1) << (Resample.precisionBits - 1)
        let taps = axis.taps
        source.samples.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
        sums.withUnsafeMutableBufferPointer { acc in
        axis.fixed.withUnsafeBufferPointer { kk in
            guard let src = input.baseAddress, let dst = output.baseAddress else { return }
            for yy in 0..<axis.windowCount {
                for i in 0..<rowLength { acc[i] = half }
                let first = axis.first[yy] - rowOffset
                for y in 0..<axis.count[yy] {
                    let w = kk[yy * taps + y]
                    let line = src + (first + y) * rowLength
                    // Integer sums are order-free, so the taps can be the outer loop (vectorises).
                    for i in 0..<rowLength { acc[i] &+= Int32(line[i]) &* w }
                }
                let target = dst + yy * rowLength
                for i in 0..<rowLength { target[i] = Resample.clip8(acc[i]) }
            }
        }}}}
        return PixelPlane(width: source.width, height: axis.windowCount, channels: source.channels, samples: out)
    }

    /// 16-bit little-endian single-channel samples ("I;16"): double sums, taps in Pillow's order.
    static func resample16(
        _ source: PixelPlane, outWidth: Int, outHeight: Int, xWindow: Range<Int>, yWindow: Range<Int>
    ) -> PixelPlane {
        let needHorizontal = outWidth != source.width
        let needVertical = outHeight != source.height
        let vertical = needVertical ? Resample.axis(inSize: source.height, outSize: outHeight, window: yWindow) : nil
        let rowRange: Range<Int>
        if let vertical, !yWindow.isEmpty {
            let last = vertical.windowCount - 1
            rowRange = vertical.first[0]..<(vertical.first[last] + vertical.count[last])
        } else {
            rowRange = yWindow
        }
        var middle: [UInt16]
        let middleWidth = xWindow.count
        let values = stride(from: 0, to: source.samples.count, by: 2).map {
            UInt16(source.samples[$0]) | UInt16(source.samples[$0 + 1]) << 8
        }
        if needHorizontal {
            let axis = Resample.axis(inSize: source.width, outSize: outWidth, window: xWindow)
            middle = [UInt16](repeating: 0, count: middleWidth * rowRange.count)
            for (row, y) in rowRange.enumerated() {
                for xx in 0..<middleWidth {
                    var sum = 0.0
                    for x in 0..<axis.count[xx] {
                        sum += Double(values[y * source.width + axis.first[xx] + x]) * axis.weights[xx * axis.taps + x]
                    }
                    middle[row * middleWidth + xx] = Resample.clip16(sum)
                }
            }
        } else {
            middle = []
            middle.reserveCapacity(middleWidth * rowRange.count)
            for y in rowRange { middle += values[(y * source.width + xWindow.lowerBound)..<(y * source.width + xWindow.upperBound)] }
        }
        var result = middle
        var resultHeight = rowRange.count
        if let vertical {
            result = [UInt16](repeating: 0, count: middleWidth * vertical.windowCount)
            for yy in 0..<vertical.windowCount {
                let first = vertical.first[yy] - rowRange.lowerBound
                for xx in 0..<middleWidth {
                    var sum = 0.0
                    for y in 0..<vertical.count[yy] {
                        sum += Double(middle[(first + y) * middleWidth + xx]) * vertical.weights[yy * vertical.taps + y]
                    }
                    result[yy * middleWidth + xx] = Resample.clip16(sum)
                }
            }
            resultHeight = vertical.windowCount
        }
        var bytes = [UInt8](repeating: 0, count: result.count * 2)
        for (i, v) in result.enumerated() {
            bytes[2 * i] = UInt8(truncatingIfNeeded: v)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        return PixelPlane(width: middleWidth, height: resultHeight, channels: 2, samples: bytes)
    }

    /// Pillow's NEAREST resize (used for modes "1" and "P"): `ImagingScaleAffine` with
    /// a = (inW / outW, inH / outH), sampling at accumulated pixel centres; positions that
    /// fall outside the source stay 0.
    static func nearest(
        _ source: PixelPlane, outWidth: Int, outHeight: Int, xWindow: Range<Int>, yWindow: Range<Int>
    ) -> PixelPlane {
        let bpp = source.channels
        let scaleX = Double(Float(source.width)) / Double(outWidth)
        let scaleY = Double(Float(source.height)) / Double(outHeight)
        // Pillow accumulates `xo += a[0]` from x = 0; the same running sum gives the same doubles.
        var columns = [Int](repeating: -1, count: xWindow.count)
        var xo = scaleX * 0.5
        for x in 0..<xWindow.upperBound {
            let index = xo < 0 ? -1 : Int(xo)
            if x >= xWindow.lowerBound, index >= 0, index < source.width { columns[x - xWindow.lowerBound] = index }
            xo += scaleX
        }
        var out = [UInt8](repeating: 0, count: xWindow.count * yWindow.count * bpp)
        var yo = scaleY * 0.5
        for y in 0..<yWindow.upperBound {
            let row = yo < 0 ? -1 : Int(yo)
            yo += scaleY
            guard y >= yWindow.lowerBound, row >= 0, row < source.height else { continue }
            let outRow = (y - yWindow.lowerBound) * xWindow.count
            for (slot, column) in columns.enumerated() where column >= 0 {
                for c in 0..<bpp { out[(outRow + slot) * bpp + c] = source.samples[(row * source.width + column) * bpp + c] }
            }
        }
        return PixelPlane(width: xWindow.count, height: yWindow.count, channels: bpp, samples: out)
    }
}
