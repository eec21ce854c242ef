#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Renders the demo's industrial parts: each class is a signed-distance shape in object
/// space (about [-1, 1]²), drawn anti-aliased (3×3 supersampling) at a random pose, then
/// put through the domain's "camera" (lighting, noise, blur, colour cast, clutter, or a
/// line drawing instead of a photo).
struct DemoRenderer {
    static let classes = [
        "hex nut", "washer", "gear", "screw", "L-bracket", "spring", "ball bearing", "chain link", "wing nut", "rivet",
    ]

    /// How a domain looks. The reference is a clean, evenly lit photo.
    struct Style: Sendable {
        var brightness: Double = 1
        var noise: Double = 0.008
        var blur: Double = 0
        var cast: (Double, Double, Double) = (1, 1, 1)
        var scale: ClosedRange<Double> = 0.72...0.9
        var offset: Double = 0.08
        var sketch = false
        var clutter = 0
        var occlusion = false
        var vignette = 0.0
    }

    let size: Int

    // MARK: Shapes

    /// Signed distance (negative inside) of class `label` at object-space point (x, y).
    static func distance(_ label: Int, _ x: Double, _ y: Double) -> Double {
        func circle(_ x: Double, _ y: Double, _ r: Double) -> Double { (x * x + y * y).squareRoot() - r }
        func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> Double {
            let dx = abs(x) - w, dy = abs(y) - h
            return (max(dx, 0) * max(dx, 0) + max(dy, 0) * max(dy, 0)).squareRoot() + min(max(dx, dy), 0)
        }
        func segment(_ x: Double, _ y: Double, _ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Double {
            let px = x - ax, py = y - ay, vx = bx - ax, vy = by - ay
            let t = max(0, min(1, (px * vx + py * vy) / (vx * vx + vy * vy)))
            let dx = px - vx * t, dy = py - vy * t
            return (dx * dx + dy * dy).squareRoot()
        }
        func hexagon(_ x: Double, _ y: Double, _ r: Double) -> Double {
            var d = -Double.infinity
            for k in 0..<6 {
                let angle = Double(k) * Double.pi / 3
                d = max(d, x * cos(angle) + y * sin(angle) - r * 0.866)
            }
            return d
        }
        switch label {
        case 0:  // hex nut
            return max(hexagon(x, y, 0.95), -circle(x, y, 0.38))
        case 1:  // washer
            return max(circle(x, y, 0.85), -circle(x, y, 0.42))
        case 2:  // gear: a disc with 10 teeth (each point is folded into its tooth's sector)
            let sector = 2 * Double.pi / 10
            let angle = (atan2(y, x) / sector).rounded() * sector
            let (u, v) = (x * cos(angle) + y * sin(angle), -x * sin(angle) + y * cos(angle))
            let body = min(circle(x, y, 0.7), box(u - 0.78, v, 0.14, 0.1))
            return max(body, -circle(x, y, 0.24))
        case 3:  // screw: head and threaded shaft
            let head = box(x, y + 0.72, 0.42, 0.16)
            let thread = 0.035 * (1 + sin(y * 28))
            let shaft = box(x, y - 0.12, 0.13 + thread, 0.7)
            return min(head, shaft)
        case 4:  // L-bracket with two holes
            let l = min(box(x + 0.45, y, 0.18, 0.85), box(x, y + 0.67, 0.63, 0.18))
            return max(max(l, -circle(x + 0.45, y - 0.45, 0.09)), -circle(x - 0.3, y + 0.67, 0.09))
        case 5:  // spring: a zig-zag coil
            var d = Double.infinity
            let turns = 6
            for k in 0..<turns {
                let y0 = -0.85 + 1.7 * Double(k) / Double(turns)
                let y1 = -0.85 + 1.7 * (Double(k) + 0.5) / Double(turns)
                let y2 = -0.85 + 1.7 * Double(k + 1) / Double(turns)
                d = min(d, segment(x, y, -0.42, y0, 0.42, y1), segment(x, y, 0.42, y1, -0.42, y2))
            }
            return d - 0.07
        case 6:  // ball bearing: two races and balls
            let outer = max(circle(x, y, 0.95), -circle(x, y, 0.8))
            let inner = max(circle(x, y, 0.42), -circle(x, y, 0.26))
            var balls = Double.infinity
            for k in 0..<8 {
                let angle = Double(k) * Double.pi / 4
                balls = min(balls, circle(x - 0.61 * cos(angle), y - 0.61 * sin(angle), 0.14))
            }
            return min(outer, inner, balls)
        case 7:  // chain link: a stadium-shaped ring
            let d = segment(x, y, 0, -0.5, 0, 0.5)
            return abs(d - 0.33) - 0.11
        case 8:  // wing nut: small ring and two wings
            let hub = max(circle(x, y, 0.3), -circle(x, y, 0.13))
            let wings = min(circle((x - 0.55) / 1.0, (y + 0.2) / 1.6, 0.3), circle((x + 0.55) / 1.0, (y + 0.2) / 1.6, 0.3))
            return min(hub, max(wings, -circle(x, y, 0.13)))
        default:  // rivet: a domed head on a stem
            let dome = max(circle(x, y + 0.25, 0.62), y + 0.25)
            let stem = box(x, y - 0.3, 0.17, 0.55)
            return min(dome, stem)
        }
    }

    // MARK: Images

    /// One RGB image, values 0…1, row-major, 3 per pixel.
    func render(label: Int, style: Style, random: inout DemoRandom) -> [Double] {
        let n = size
        var image = [Double](repeating: 0, count: n * n * 3)

        // Background: a soft vertical gradient with a per-image tint; white paper for sketches.
        let tint = (random.uniform(0.78, 0.9), random.uniform(0.8, 0.9), random.uniform(0.82, 0.94))
        for y in 0..<n {
            let g = 1 - 0.12 * Double(y) / Double(n)
            for x in 0..<n {
                let i = (y * n + x) * 3
                if style.sketch {
                    image[i] = 0.97; image[i + 1] = 0.97; image[i + 2] = 0.95
                } else {
                    image[i] = tint.0 * g; image[i + 1] = tint.1 * g; image[i + 2] = tint.2 * g
                }
            }
        }

        // Clutter: other parts' silhouettes and blocks behind the object.
        for _ in 0..<style.clutter {
            let other = random.integer(0..<Self.classes.count)
            let colour = (random.uniform(0.2, 0.8), random.uniform(0.2, 0.8), random.uniform(0.2, 0.8))
            let pose = Pose(random: &random, size: n, scale: 0.3...0.5, offset: 0.8)
            draw(into: &image) { x, y in
                let (u, v) = pose.objectPoint(x, y)
                return Self.distance(other, u, v) * pose.scale
            } colour: { _, _, _ in colour }
        }

        // The part itself: metal (steel or brass) shaded by a light from the upper left.
        let pose = Pose(random: &random, size: n, scale: style.scale, offset: style.offset)
        let brass = random.unit() < 0.3
        let base = brass ? (0.72, 0.6, 0.3) : (0.55, 0.57, 0.62)
        if style.sketch {
            let wobble = (random.uniform(0, 6.28), random.uniform(3, 6))
            let stroke = random.uniform(0.7, 1.2)
            drawStroke(into: &image, width: stroke) { x, y in
                let (u, v) = pose.objectPoint(x, y)
                return Self.distance(label, u + 0.03 * sin(v * wobble.1 + wobble.0), v) * pose.scale
            }
        } else {
            draw(into: &image) { x, y in
                let (u, v) = pose.objectPoint(x, y)
                return Self.distance(label, u, v) * pose.scale
            } colour: { x, y, depth in
                let (u, v) = pose.objectPoint(x, y)
                let light = 0.78 + 0.28 * (-0.6 * u - 0.8 * v) / 1.2
                let edge = depth < 1.2 ? 0.7 : 1
                return (base.0 * light * edge, base.1 * light * edge, base.2 * light * edge)
            }
        }

        // Occlusion: a grey block over part of the object.
        if style.occlusion {
            let w = random.uniform(0.22, 0.38) * Double(n), h = random.uniform(0.22, 0.38) * Double(n)
            let cx = pose.centerX + random.uniform(-0.15, 0.15) * Double(n), cy = pose.centerY + random.uniform(-0.15, 0.15) * Double(n)
            let shade = random.uniform(0.25, 0.55)
            for y in 0..<n {
                for x in 0..<n where abs(Double(x) - cx) < w / 2 && abs(Double(y) - cy) < h / 2 {
                    let i = (y * n + x) * 3
                    image[i] = shade; image[i + 1] = shade * 0.95; image[i + 2] = shade * 0.9
                }
            }
        }

        if style.blur > 0 { image = gaussianBlur(image, sigma: style.blur) }

        // Camera: exposure, colour cast, vignette, sensor noise.
        let half = Double(n) / 2
        for y in 0..<n {
            for x in 0..<n {
                let r2 = ((Double(x) - half) * (Double(x) - half) + (Double(y) - half) * (Double(y) - half)) / (half * half)
                let falloff = 1 - style.vignette * r2
                let i = (y * n + x) * 3
                let cast = [style.cast.0, style.cast.1, style.cast.2]
                for c in 0..<3 {
                    var value = image[i + c] * style.brightness * cast[c] * falloff
                    value += style.noise * random.gaussian()
                    image[i + c] = min(max(value, 0), 1)
                }
            }
        }
        return image
    }

    /// A similarity transform from pixel to object coordinates.
    struct Pose {
        var centerX: Double, centerY: Double, scale: Double, cosine: Double, sine: Double

        init(random: inout DemoRandom, size: Int, scale range: ClosedRange<Double>, offset: Double) {
            let half = Double(size) / 2
            scale = random.uniform(range.lowerBound, range.upperBound) * half
            centerX = half + random.uniform(-offset, offset) * half
            centerY = half + random.uniform(-offset, offset) * half
            let angle = random.uniform(0, 2 * Double.pi)
            cosine = cos(angle)
            sine = sin(angle)
        }

        func objectPoint(_ x: Double, _ y: Double) -> (Double, Double) {
            let dx = (x - centerX) / scale, dy = (y - centerY) / scale
            return (cosine * dx + sine * dy, -sine * dx + cosine * dy)
        }
    }

    /// Fills a shape given its distance in object units (scaled to pixels by the caller): 3×3 supersampled coverage.
    private func draw(into image: inout [Double], distance: (Double, Double) -> Double, colour: (Double, Double, Double) -> (Double, Double, Double)) {
        let n = size
        for y in 0..<n {
            for x in 0..<n {
                let cx = Double(x) + 0.5, cy = Double(y) + 0.5
                let centre = distance(cx, cy) * 1
                if centre > 2 { continue }
                var inside = 0
                for sy in 0..<3 {
                    for sx in 0..<3 where distance(Double(x) + (Double(sx) + 0.5) / 3, Double(y) + (Double(sy) + 0.5) / 3) < 0 {
                        inside += 1
                    }
                }
                guard inside > 0 else { continue }
                let coverage = Double(inside) / 9
                let paint = colour(cx, cy, -centre)
                let i = (y * n + x) * 3
                image[i] += (paint.0 - image[i]) * coverage
                image[i + 1] += (paint.1 - image[i + 1]) * coverage
                image[i + 2] += (paint.2 - image[i + 2]) * coverage
            }
        }
    }

    /// Draws the outline of a shape as a dark pen stroke `width` pixels wide.
    private func drawStroke(into image: inout [Double], width: Double, distance: (Double, Double) -> Double) {
        let n = size
        for y in 0..<n {
            for x in 0..<n {
                var inside = 0
                for sy in 0..<3 {
                    for sx in 0..<3 where abs(distance(Double(x) + (Double(sx) + 0.5) / 3, Double(y) + (Double(sy) + 0.5) / 3)) < width / 2 {
                        inside += 1
                    }
                }
                guard inside > 0 else { continue }
                let coverage = Double(inside) / 9
                let i = (y * n + x) * 3
                for c in 0..<3 { image[i + c] += (0.08 - image[i + c]) * coverage }
            }
        }
    }

    private func gaussianBlur(_ image: [Double], sigma: Double) -> [Double] {
        let radius = Int((3 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        let n = size
        var horizontal = image
        for y in 0..<n {
            for x in 0..<n {
                for c in 0..<3 {
                    var acc = 0.0
                    for k in -radius...radius {
                        let xx = min(max(x + k, 0), n - 1)
                        acc += kernel[k + radius] * image[(y * n + xx) * 3 + c]
                    }
                    horizontal[(y * n + x) * 3 + c] = acc
                }
            }
        }
        var output = horizontal
        for y in 0..<n {
            for x in 0..<n {
                for c in 0..<3 {
                    var acc = 0.0
                    for k in -radius...radius {
                        let yy = min(max(y + k, 0), n - 1)
                        acc += kernel[k + radius] * horizontal[(yy * n + x) * 3 + c]
                    }
                    output[(y * n + x) * 3 + c] = acc
                }
            }
        }
        return output
    }
}
