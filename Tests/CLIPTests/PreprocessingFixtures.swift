import Foundation
@testable import ImageCodec
@testable import Tensor
import XCTest
@testable import Support

/// Locations of the package, its shared data and the preprocessing fixtures.
enum PreprocessingPaths {
    /// The folder holding Package.swift, found by walking up from this file.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    static let fixtures = packageRoot.appendingPathComponent("Tests/CLIPTests/Fixtures/preprocessing")
    static let sharedImages = packageRoot.appendingPathComponent("../shared/data/images").standardizedFileURL
}

/// Knuth's MMIX LCG, the generator `make_fixtures.py` uses for its synthetic images.
struct LCG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}

/// The synthetic image of `make_fixtures.py`'s `synthetic(mode, w, h, seed)`, pixel for pixel.
func syntheticImage(mode: DecodedImage.Mode, width: Int, height: Int, seed: UInt64) -> DecodedImage {
    var rng = LCG(state: seed)
    let channels: Int
    switch mode {
    case .bilevel, .gray, .palette, .gray16: channels = 1
    case .grayAlpha: channels = 2
    case .rgb: channels = 3
    case .rgba, .cmyk: channels = 4
    }
    let hasAlpha = mode == .grayAlpha || mode == .rgba
    var samples: [UInt8] = []
    samples.reserveCapacity(width * height * mode.bytesPerPixel)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                let r = Int(rng.next())
                switch mode {
                case .bilevel:
                    samples.append(((x * 3 + y * 5 + (r & 63)) & 255) >= 128 ? 255 : 0)
                case .palette:
                    samples.append(UInt8((x + 2 * y + (r & 7)) % 110))
                case .gray16:
                    let value = [r & 255, (x * 5 + y * 3 + (r & 63)) & 511, r & 65535][y % 3]
                    samples.append(UInt8(value & 255))
                    samples.append(UInt8(value >> 8))
                default:
                    if hasAlpha && c == channels - 1 {
                        samples.append(UInt8([0, 255, r & 255][(x / 3 + y / 5) % 3]))
                    } else {
                        samples.append(UInt8((x * 3 + y * 5 + c * 70 + (r & 63)) & 255))
                    }
                }
            }
        }
    }
    var palette: [UInt8] = []
    if mode == .palette { palette = (0..<300).map { _ in UInt8(rng.next() & 255) } }
    return DecodedImage(width: width, height: height, mode: mode, samples: samples, palette: palette)
}

func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hex(bytes) }

/// SHA-256 of the float32 values as little-endian bytes (numpy's `tobytes()` of a `<f4` array).
func sha256Hex(_ floats: [Float]) -> String {
    precondition(UInt16(1).littleEndian == 1, "the fixtures hash little-endian floats")
    return floats.withUnsafeBytes { SHA256.hex($0) }
}

func loadJSON<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: PreprocessingPaths.fixtures.appendingPathComponent(name)))
}

struct SyntheticFixtures: Decodable {
    struct Case: Decodable {
        let name: String
        let mode: String
        let width: Int
        let height: Int
        let size: Int
        let seed: UInt64
        let crop_sha256: String
        let float_sha256: String
        let floats: String?
    }
    let cases: [Case]
}

struct ImageFixtures: Decodable {
    struct Image: Decodable {
        let file: String
        let mode: String
        let width: Int
        let height: Int
        let rgb_sha256: String
        let crop224_sha256: String
        let float224_sha256: String
        let crop32_sha256: String?
        let float32_sha256: String?
    }
    let folder: String
    let images: [Image]
}

struct ResizeFixtures: Decodable {
    struct Case: Decodable {
        let mode: String
        let width: Int
        let height: Int
        let out_width: Int
        let out_height: Int
        let seed: UInt64
        let sha256: String
    }
    let cases: [Case]
}
