import Foundation
import XCTest
@testable import CLIP
@testable import Tensor
@testable import Weights

/// Locations and loaders for the fixtures written by `Fixtures/make_fixtures.py`.
enum Fixtures {
    /// The folder holding Package.swift, found by walking up from this file.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static let folder = packageRoot.appendingPathComponent("Tests/CLIPTests/Fixtures")
    static let largeFolder = packageRoot.appendingPathComponent("fixtures-large/clip")
    static let sharedData = packageRoot.appendingPathComponent("../shared/data").standardized

    /// The model folder's config.json as a `CLIPConfig`.
    static func config(in folder: URL) throws -> CLIPConfig {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as! [String: Any]
        let embed = json["embed_dim"] as! Int
        let v = json["vision"] as! [String: Any]
        let vision: VisionConfig
        if json["kind"] as! String == "vit" {
            let width = v["width"] as! Int
            vision = .vit(ViTConfig(
                width: width, layers: v["layers"] as! Int, heads: width / (v["head_width"] as! Int),
                patchSize: v["patch_size"] as! Int, imageSize: v["image_size"] as! Int, outputDim: embed))
        } else {
            let width = v["width"] as! Int
            vision = .resnet(ModifiedResNetConfig(
                layers: v["layers"] as! [Int], width: width, heads: width * 32 / (v["head_width"] as! Int),
                imageSize: v["image_size"] as! Int, outputDim: embed))
        }
        var text: TextConfig?
        if let t = json["text"] as? [String: Any], FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokens.npy").path) {
            text = TextConfig(
                contextLength: t["context_length"] as! Int, vocabSize: t["vocab_size"] as! Int, width: t["width"] as! Int,
                heads: t["heads"] as! Int, layers: t["layers"] as! Int, outputDim: embed)
        }
        let activation = Activation(rawValue: json["activation"] as! String)!
        return CLIPConfig(vision: vision, text: text, activation: activation, activationSource: "fixture config.json")
    }

    static func npy(_ name: String, in folder: URL) throws -> Tensor {
        try NPY.readTensor(at: folder.appendingPathComponent(name + ".npy"))
    }

    static func layers(in folder: URL) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("layers.json")))
    }

    /// Token rows from tokens.npy, trimmed of the zero padding after the end-of-text id.
    static func tokens(in folder: URL) throws -> [[Int32]] {
        let array = try NPY.decode(Array(Data(contentsOf: folder.appendingPathComponent("tokens.npy"))))
        let values = array.floats().map { Int32($0) }
        let width = array.shape[1]
        return (0..<array.shape[0]).map { row in
            let full = Array(values[(row * width)..<((row + 1) * width)])
            let end = full.indices.max(by: { full[$0] < full[$1] || (full[$0] == full[$1] && $0 > $1) })!
            return Array(full[...end])
        }
    }
}

/// How closely two arrays agree: cosine similarity and the largest absolute difference
/// relative to the reference's largest magnitude (element-wise relative error is
/// meaningless for values near zero).
struct Agreement: CustomStringConvertible {
    let cosine: Double
    let maxRelativeError: Double

    init(_ actual: ArraySlice<Float>, _ expected: ArraySlice<Float>) {
        precondition(actual.count == expected.count, "compared arrays differ in length")
        var dot = 0.0, aa = 0.0, bb = 0.0, maxDiff = 0.0, maxRef = 0.0
        for (a, b) in zip(actual, expected) {
            let a = Double(a), b = Double(b)
            dot += a * b
            aa += a * a
            bb += b * b
            maxDiff = max(maxDiff, abs(a - b))
            maxRef = max(maxRef, abs(b))
        }
        cosine = aa == 0 && bb == 0 ? 1 : dot / (aa.squareRoot() * bb.squareRoot())
        maxRelativeError = maxRef == 0 ? maxDiff : maxDiff / maxRef
    }

    /// The design's fidelity contract: cosine ≥ 0.99999 and max relative error ≤ 1e-4.
    var isFaithful: Bool { cosine >= 0.99999 && maxRelativeError <= 1e-4 && cosine.isFinite }

    var description: String {
        "1−cosine \(String(format: "%.1e", 1 - cosine)), max rel err \(String(format: "%.2e", maxRelativeError))"
    }
}
