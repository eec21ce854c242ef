import Foundation
import ImageCodec
import Pilot
import Results
import Site
import Support

/// A seeded sample of each image set as small PNG thumbnails, for the shift pages and the
/// packet: what the images of a shift look like beside the reference.
///
/// Which images: `count` of the domain's images in scan order (sorted by path), chosen by
/// `SplitMix64.subsample` seeded with `SplitMix64.derive(seed, index:)` of the domain's position
/// in the pilot, so a run with the same images and seed shows the same thumbnails whatever the
/// batch size, the decoders or a resume. A thumbnail is a pure function of the image's bytes:
/// the decoded image (as the encoder decodes it) reduced by a box filter — each output pixel
/// the rounded mean of the source pixels it covers — to fit `maxSide`, then PNG-encoded by our
/// own encoder. Images that do not decode are left out (the run reports them as skipped).
enum Thumbnails {
    static let count = 12
    static let maxSide = 96

    static func sample(_ domain: ScannedDomain, position: Int, seed: UInt64, count: Int = count) -> [DatasetItem] {
        var generator = SplitMix64(seed: SplitMix64.derive(seed, index: position))
        let items = domain.items
        return generator.subsample(count, of: items.count).map { items[$0] }
    }

    /// The thumbnails of every usable domain, in pilot order.
    static func make(_ scanned: [ScannedDomain], seed: UInt64, limits: DecodingLimits) -> [SiteThumbnail] {
        var thumbnails: [SiteThumbnail] = []
        for (position, domain) in scanned.enumerated() where domain.problem == nil {
            for item in sample(domain, position: position, seed: seed) {
                guard let png = thumbnail(of: item.url, limits: limits) else { continue }
                thumbnails.append(SiteThumbnail(domain: domain.spec.name, source: item.relativePath, png: png))
            }
        }
        return thumbnails
    }

    /// Thumbnails of the images the probes name as confident mistakes (`ZeroShotResult.confidentMistakes`),
    /// each image once, in the order of `probes` then of each list; made as `make` makes them.
    static func mistakes(_ probes: [ModelDomainProbes], scanned: [ScannedDomain], limits: DecodingLimits) -> [SiteThumbnail] {
        let items = Dictionary(scanned.map { domain in (domain.spec.name, Dictionary(domain.items.map { ($0.relativePath, $0.url) }, uniquingKeysWith: { a, _ in a })) },
                               uniquingKeysWith: { a, _ in a })
        var seen: Set<[String]> = []
        var thumbnails: [SiteThumbnail] = []
        for entry in probes {
            for mistake in entry.results.zeroShot?.confidentMistakes ?? [] where seen.insert([entry.domain, mistake.path]).inserted {
                guard let url = items[entry.domain]?[mistake.path], let png = thumbnail(of: url, limits: limits) else { continue }
                thumbnails.append(SiteThumbnail(domain: entry.domain, source: mistake.path, png: png, isMistake: true))
            }
        }
        return thumbnails
    }

    /// The PNG thumbnail of one image file; nil when it cannot be read or decoded.
    static func thumbnail(of url: URL, limits: DecodingLimits) -> [UInt8]? {
        guard let bytes = try? InputFile.contents(of: url.path, maxBytes: limits.maxFileBytes),
              let image = try? ImageFile.decode(bytes, limits: limits) else { return nil }
        return try? PNGEncoder.encode(shrink(image.convertedToRGB(), maxSide: maxSide))
    }

    /// `image` reduced to fit `maxSide` × `maxSide` (aspect ratio kept, never enlarged): output
    /// pixel (x, y) is the rounded mean of source columns `⌊x·W/w⌋ ..< ⌊(x+1)·W/w⌋` and the same rows.
    static func shrink(_ image: RGBImage, maxSide: Int) -> RGBImage {
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height, 1)))
        let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
        if width == image.width && height == image.height { return image }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let rows = (y * image.height / height)..<max((y + 1) * image.height / height, y * image.height / height + 1)
            for x in 0..<width {
                let columns = (x * image.width / width)..<max((x + 1) * image.width / width, x * image.width / width + 1)
                var sums = (0, 0, 0)
                for row in rows {
                    for column in columns {
                        let index = (row * image.width + column) * 3
                        sums.0 += Int(image.pixels[index]); sums.1 += Int(image.pixels[index + 1]); sums.2 += Int(image.pixels[index + 2])
                    }
                }
                let area = rows.count * columns.count
                let out = (y * width + x) * 3
                pixels[out] = UInt8((sums.0 * 2 + area) / (2 * area))
                pixels[out + 1] = UInt8((sums.1 * 2 + area) / (2 * area))
                pixels[out + 2] = UInt8((sums.2 * 2 + area) / (2 * area))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
