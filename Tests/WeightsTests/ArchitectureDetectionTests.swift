import Foundation
import XCTest
@testable import Weights

/// Detection and the expected-shape table on the real shapes of open_clip's models
/// (`real_shapes.json`: every float tensor of ViT-B-32, ViT-B-16, ViT-L-14, RN50, RN101 and
/// RN50x4 as open_clip builds them, and the sizes open_clip's configs give).
final class ArchitectureDetectionTests: XCTestCase {
    struct RealModel: Decodable {
        var shapes: [String: [Int]]
        var vision: [String: FlexibleNumber]
        var text: [String: Int]
    }

    func realModels() throws -> [String: RealModel] {
        try JSONDecoder().decode([String: RealModel].self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("real_shapes.json")))
    }

    func testRealModelSizesAreDetectedAndEveryTensorIsExpected() throws {
        let models = try realModels()
        XCTAssertEqual(Set(models.keys), ["ViT-B-32", "ViT-B-16", "ViT-L-14", "RN50", "RN101", "RN50x4"])
        for (name, model) in models.sorted(by: { $0.key < $1.key }) {
            let (vision, text) = try ArchitectureDetection.detect(shapes: model.shapes, path: name)
            let v = model.vision
            switch (vision, v["family"]) {
            case (.vit(let config), .string("vit")):
                XCTAssertEqual(config, ViTConfig(
                    width: v["width"]!.int!, layers: v["layers"]!.int!, heads: v["heads"]!.int!, patchSize: v["patch_size"]!.int!,
                    imageSize: v["image_size"]!.int!, outputDim: v["output_dim"]!.int!, mlpWidth: v["mlp_width"]!.int!), name)
            case (.resnet(let config), .string("resnet")):
                XCTAssertEqual(config, ModifiedResNetConfig(
                    layers: v["layers"]!.list!.map { Int($0) }, width: v["width"]!.int!, heads: v["heads"]!.int!,
                    imageSize: v["image_size"]!.int!, outputDim: v["output_dim"]!.int!), name)
            default:
                XCTFail("\(name): detected \(vision), expected family \(String(describing: v["family"]))")
            }
            let t = model.text
            XCTAssertEqual(text, TextConfig(
                contextLength: t["context_length"]!, vocabSize: t["vocab_size"]!, width: t["width"]!, heads: t["heads"]!,
                layers: t["layers"]!, outputDim: t["output_dim"]!, mlpWidth: t["mlp_width"]!), name)
            // The expected-shape table is exactly open_clip's key set.
            XCTAssertNoThrow(try OpenCLIPNames.validate(model.shapes, vision: vision, text: text, path: name), name)
            let expected = OpenCLIPNames.expectedShapes(vision: vision, text: text).required
            XCTAssertEqual(expected.count, model.shapes.count, name)
        }
    }

    func testValidationNamesWhatIsWrong() throws {
        let model = try XCTUnwrap(try realModels()["RN50"])
        let (vision, text) = try ArchitectureDetection.detect(shapes: model.shapes, path: "rn50")
        var shapes = model.shapes
        shapes["visual.layer3.0.downsample.0.weight"] = nil
        XCTAssertEqual(weightsError(try OpenCLIPNames.validate(shapes, vision: vision, text: text, path: "rn50")),
                       .missingTensor(name: "visual.layer3.0.downsample.0.weight", path: "rn50"))
        shapes = model.shapes
        shapes["visual.attnpool.q_proj.bias"] = [2048, 1]
        XCTAssertEqual(weightsError(try OpenCLIPNames.validate(shapes, vision: vision, text: text, path: "rn50")),
                       .wrongShape(name: "visual.attnpool.q_proj.bias", expected: [2048], found: [2048, 1], path: "rn50"))
        shapes = model.shapes
        shapes["visual.layer2.0.downsample.2.weight"] = [1]
        XCTAssertEqual(weightsError(try OpenCLIPNames.validate(shapes, vision: vision, text: text, path: "rn50")),
                       .unexpectedTensors(names: ["visual.layer2.0.downsample.2.weight"], path: "rn50"))
    }

    func testVisionOnlyAndPartialTextTowers() throws {
        let model = try XCTUnwrap(try realModels()["ViT-B-16"])
        let visual = model.shapes.filter { $0.key.hasPrefix("visual.") }
        let (vision, text) = try ArchitectureDetection.detect(shapes: visual)
        XCTAssertNil(text)
        XCTAssertNoThrow(try OpenCLIPNames.validate(visual, vision: vision, text: nil, path: "x"))
        var withScale = visual
        withScale["logit_scale"] = []
        XCTAssertNoThrow(try OpenCLIPNames.validate(withScale, vision: vision, text: nil, path: "x"), "logit_scale is optional without text")
        var partial = model.shapes
        partial["token_embedding.weight"] = nil
        XCTAssertEqual(weightsError(try ArchitectureDetection.detect(shapes: partial, path: "x")),
                       .missingTensor(name: "token_embedding.weight", path: "x"))
        // A missing middle block is detected as missing tensors, not as a shallower model.
        var gap = model.shapes.filter { !$0.key.hasPrefix("visual.transformer.resblocks.5.") }
        let detected = try ArchitectureDetection.detect(shapes: gap, path: "x")
        guard case .vit(let config) = detected.vision else { return XCTFail("not a ViT") }
        XCTAssertEqual(config.layers, 12)
        XCTAssertEqual(weightsError(try OpenCLIPNames.validate(gap, vision: detected.vision, text: detected.text, path: "x"))?.code,
                       "missing-tensor")
        gap["visual.positional_embedding"] = [190, 768]
        let error = weightsError(try ArchitectureDetection.detect(shapes: gap, path: "x"))
        XCTAssertEqual(error?.code, "unknown-architecture")
        XCTAssertTrue(error?.description.contains("square grid") ?? false)
    }

    func testNotCLIPAtAll() {
        let error = weightsError(try ArchitectureDetection.detect(shapes: ["encoder.weight": [3, 3], "decoder.bias": [3]], path: "m"))
        XCTAssertEqual(error?.code, "unknown-architecture")
        XCTAssertTrue(error?.description.contains("decoder.bias") ?? false)
        let both = weightsError(try ArchitectureDetection.detect(
            shapes: ["visual.class_embedding": [64], "visual.attnpool.c_proj.weight": [8, 8]], path: "m"))
        XCTAssertEqual(both?.code, "unknown-architecture")
    }
}
