import Foundation
import XCTest
@testable import Weights

final class CheckpointReadingTests: XCTestCase {
    func testOpenCLIPNamesPassThroughAndModulePrefixIsStripped() throws {
        let scratch = try ScratchDirectory()
        let plain = try scratch.write(SafetensorsBuilder.file([
            SafetensorsBuilder.float32("visual.proj", [1, 2], [1, 2]),
            SafetensorsBuilder.float32("logit_scale", [], [4.6]),
        ]), as: "plain.safetensors")
        let stateDict = try Checkpoint.loadStateDict(plain)
        XCTAssertEqual(stateDict.names, ["logit_scale", "visual.proj"])
        XCTAssertEqual(try stateDict.tensor("visual.proj", shape: [1, 2]).values.map { $0 }, [1, 2])
        XCTAssertEqual(stateDict.path, plain.path)

        let wrapped = try scratch.write(SafetensorsBuilder.file([
            SafetensorsBuilder.float32("module.visual.proj", [1, 2], [1, 2]),
            SafetensorsBuilder.float32("module.logit_scale", [], [4.6]),
        ]), as: "ddp.safetensors")
        let unwrapped = try Checkpoint.loadStateDict(wrapped)
        XCTAssertEqual(unwrapped.names, ["logit_scale", "visual.proj"])
        XCTAssertEqual(try unwrapped.tensor("visual.proj").name, "visual.proj")
    }

    func testPyTorchAndUnknownExtensionsAreRefusedClearly() throws {
        let scratch = try ScratchDirectory()
        let pt = try scratch.write([0x50, 0x4B, 3, 4], as: "model.pt")
        let error = weightsError(try Checkpoint.loadStateDict(pt))
        XCTAssertEqual(error?.code, "unsupported")
        XCTAssertTrue(error?.description.contains("PyTorch checkpoints are not supported yet") ?? false)
        XCTAssertTrue(error?.hint.contains("safetensors") ?? false)
        let other = try scratch.write([1, 2, 3], as: "model.onnx")
        XCTAssertEqual(weightsError(try Checkpoint.loadStateDict(other))?.code, "unsupported")
    }
}
