import Foundation
import XCTest
@testable import CLIP
@testable import Tensor
@testable import Weights

/// Layer-by-layer agreement with open_clip fp32 on seeded random weights
/// (Fixtures/make_fixtures.py); a failure names the first layer that diverges.
final class FidelityTests: XCTestCase {
    func testTinyViTAndTextTowerMatchOpenCLIPLayerByLayer() throws {
        let report = try Fidelity.check(folder: Fixtures.folder.appendingPathComponent("vit-text"), stateDict: nil)
        print("vit-text fidelity: \(report.summary)")
        XCTAssertNil(report.firstDivergence, report.firstDivergence ?? "")
        XCTAssertEqual(report.comparedLayers, 11)
    }

    func testTinyModifiedResNetAndQuickGELUTextTowerMatchOpenCLIPLayerByLayer() throws {
        let report = try Fidelity.check(folder: Fixtures.folder.appendingPathComponent("resnet-text"), stateDict: nil)
        print("resnet-text fidelity: \(report.summary)")
        XCTAssertNil(report.firstDivergence, report.firstDivergence ?? "")
        XCTAssertEqual(report.comparedLayers, 10)
    }

    /// The comparison itself must be able to fail: a perturbed weight is caught at the
    /// first layer it feeds.
    func testPerturbedWeightIsReportedAtTheFirstLayerItAffects() throws {
        let folder = Fixtures.folder.appendingPathComponent("vit-text")
        let original = try Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors"))
        var tensors = original.tensors
        let target = try original.tensor("visual.transformer.resblocks.1.mlp.c_fc.weight")
        let copy = OwnedFloats(count: target.count)
        copy.pointer.update(from: target.pointer, count: target.count)
        copy.pointer[5] += 0.5
        tensors[target.name] = WeightTensor(name: target.name, shape: target.shape, values: copy.buffer, storage: copy)
        let report = try Fidelity.check(folder: folder, stateDict: StateDict(tensors: tensors, path: original.path))
        XCTAssertTrue(report.firstDivergence?.hasPrefix("image.resblocks.1:") == true, report.firstDivergence ?? "no divergence")
    }

    /// Opt-in: full-size ViT-B/32 (+ text tower), ViT-B/16 (GELU) and RN50 with seeded random weights. Generate with
    /// `python3 Tests/CLIPTests/Fixtures/make_fixtures.py --large`, run with
    /// `SHIFTLENS_FULL_FIDELITY=1 swift test --filter CLIPTests.FidelityTests/testFullSize`.
    func testFullSizeViTB32ViTB16AndRN50MatchOpenCLIP() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_FULL_FIDELITY"] == "1" else {
            throw XCTSkip("set SHIFTLENS_FULL_FIDELITY=1 (after make_fixtures.py --large) to run")
        }
        for name in ["vit-b-32", "vit-b-16", "rn50"] {
            let started = Date()
            let report = try Fidelity.check(folder: Fixtures.largeFolder.appendingPathComponent(name), stateDict: nil)
            print("full fidelity \(name): \(report.summary) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
            XCTAssertNil(report.firstDivergence, "\(name): \(report.firstDivergence ?? "")")
        }
    }
}

/// Runs a fixture model through both towers with tracing and compares every recorded layer.
enum Fidelity {
    struct Report {
        var comparedLayers = 0
        var firstDivergence: String?
        var lines: [String] = []
        var summary: String { lines.joined(separator: "; ") }
    }

    static func check(folder: URL, stateDict: StateDict?) throws -> Report {
        let config = try Fixtures.config(in: folder)
        let weights = try stateDict ?? Checkpoint.loadStateDict(folder.appendingPathComponent("model.safetensors"))
        let model = try CLIPModel(checkpoint: weights, config: config)
        let images = try Fixtures.npy("images", in: folder)
        var traced: [String: [Int: Tensor]] = [:]
        let imageOutput = try model.encodeImages(images) { layer, item, output in traced[layer, default: [:]][item] = output }
        traced["image.output"] = [0: imageOutput]
        var ends: [Int] = []
        if config.text != nil {
            let tokens = try Fixtures.tokens(in: folder)
            ends = tokens.map { $0.count - 1 }
            let textOutput = try model.encodeText(tokens) { layer, item, output in traced[layer, default: [:]][item] = output }
            traced["text.output"] = [0: textOutput]
        }
        var report = Report()
        for layer in try Fixtures.layers(in: folder) {
            let expected = try Fixtures.npy(layer, in: folder)
            guard let byItem = traced[layer] else {
                report.firstDivergence = report.firstDivergence ?? "\(layer): not produced"
                continue
            }
            let outputs = byItem.keys.sorted().map { byItem[$0]! }
            guard byItem.keys.sorted() == Array(0..<outputs.count), layer.hasSuffix(".output") || outputs.count == expected.shape[0] else {
                report.firstDivergence = report.firstDivergence ?? "\(layer): traced items \(byItem.keys.sorted())"
                continue
            }
            report.comparedLayers += 1
            var worstAgreement: Agreement?
            if layer.hasSuffix(".output") {
                worstAgreement = Agreement(outputs[0].scalars[...], expected.scalars[...])
            } else {
                let items = expected.shape[0]
                let perItem = expected.count / items
                for (item, output) in outputs.enumerated() {
                    let base = item * perItem
                    let reference: ArraySlice<Float>
                    if layer.hasPrefix("text.") {
                        // (context, width) per prompt: rows up to the end token, or that row alone after ln_final.
                        let width = expected.shape[2]
                        reference = layer == "text.ln_final"
                            ? expected.scalars[(base + ends[item] * width)..<(base + (ends[item] + 1) * width)]
                            : expected.scalars[base..<(base + output.count)]
                    } else {
                        reference = expected.scalars[base..<(base + perItem)]
                    }
                    guard reference.count == output.count else {
                        report.firstDivergence = report.firstDivergence ?? "\(layer): \(output.count) values, expected \(reference.count)"
                        continue
                    }
                    worstAgreement = Agreement.worse(worstAgreement, Agreement(output.scalars[...], reference))
                }
            }
            guard let agreement = worstAgreement else { continue }
            report.lines.append("\(layer): \(agreement)")
            if !agreement.isFaithful, report.firstDivergence == nil {
                report.firstDivergence = "\(layer): \(agreement)"
            }
        }
        return report
    }
}

extension Agreement {
    /// The element-wise worse of two agreements.
    static func worse(_ a: Agreement?, _ b: Agreement) -> Agreement {
        guard let a else { return b }
        return Agreement(cosine: min(a.cosine, b.cosine), maxRelativeError: max(a.maxRelativeError, b.maxRelativeError))
    }

    init(cosine: Double, maxRelativeError: Double) {
        self.cosine = cosine
        self.maxRelativeError = maxRelativeError
    }
}
