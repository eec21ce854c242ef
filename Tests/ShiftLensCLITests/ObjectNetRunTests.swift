import Foundation
@testable import Results
@testable import ShiftLensCLI
@testable import Tensor
import XCTest

/// `class_subset: "objectnet"` end to end through `shiftlens run --embeddings`: a prediction of
/// another ImageNet class of the image's ObjectNet class counts as correct on the ObjectNet
/// domain, the reference is scored by exact class on the same 125 classes (issue #13 item 3).
final class ObjectNetRunTests: XCTestCase {
    func testObjectNetDomainIsScoredByClassGroup() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-objectnet-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let importFolder = scratch.appendingPathComponent("import")
        for folder in ["import", "data/reference", "data/objectnet"] {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("not a checkpoint".utf8).write(to: scratch.appendingPathComponent("weights.bin"))
        // 1000 random directions in 16 dimensions: an embedding equal to a head row is predicted as that class.
        let dimension = 16, analogClock = 409, digitalClock = 530, tench = 0
        var state: UInt64 = 7
        let head: [Float] = (0..<(1000 * dimension)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        func row(_ c: Int) -> [Float] { Array(head[(c * dimension)..<((c + 1) * dimension)]) }
        // Reference: 10 analog clocks predicted as analog clocks, 10 as digital clocks (exact: half right),
        // and 10 tench (not an ObjectNet class: left out of the 125). ObjectNet: 20 images of
        // "alarm clock" (labelled analog clock), all predicted as digital clock (group: all right).
        var csv = "path,label,domain\n", values: [Float] = []
        for i in 0..<30 {
            let (label, predicted) = i < 10 ? (analogClock, analogClock) : (i < 20 ? (analogClock, digitalClock) : (tench, tench))
            csv += "r\(i).png,\(label),reference\n"
            values += row(predicted)
        }
        for i in 0..<20 {
            csv += "o\(i).png,\(analogClock),objectnet\n"
            values += row(digitalClock).enumerated().map { $0.element + ($0.offset == 0 ? 0.001 * Float(i) : 0) }
        }
        try Data(csv.utf8).write(to: importFolder.appendingPathComponent("images.csv"))
        try Data(NPY.encode(float32: values, shape: [50, dimension])).write(to: importFolder.appendingPathComponent("m.npy"))
        try Data(NPY.encode(float32: head, shape: [1000, dimension])).write(to: importFolder.appendingPathComponent("m-head.npy"))
        let spec: [String: Any] = [
            "pilot": "objectnet", "classes": "imagenet",
            "domains": [["name": "reference", "path": "data/reference", "role": "reference"],
                        ["name": "objectnet", "path": "data/objectnet", "class_subset": "objectnet"]],
            "models": [["name": "m", "weights": "weights.bin"]],
            "probes": ["linear_probe": false],
        ]
        let specURL = scratch.appendingPathComponent("pilot.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(["run", specURL.path, "--site", scratch.appendingPathComponent("site").path,
                                     "--store", scratch.appendingPathComponent("store").path, "--embeddings", importFolder.path], console: captured.console)
        XCTAssertEqual(code, 0, captured.err)
        let index = try XCTUnwrap(captured.out.split(separator: "\n").last.map(String.init), captured.err)
        let results = try RunResults.decode(Data(contentsOf: URL(fileURLWithPath: index).deletingLastPathComponent().appendingPathComponent("results.json")))
        let objectnet = try XCTUnwrap(results.probes(model: "m", domain: "objectnet")?.zeroShot)
        XCTAssertEqual(objectnet.count, 20)
        XCTAssertEqual(objectnet.top1Correct, 20)  // exact-class scoring would give 0
        XCTAssertEqual(objectnet.perClass.count, 125)
        // The point's reference accuracy is the reference on the same 125 classes, exact class: 10 of 20.
        let point = try XCTUnwrap(results.effectiveRobustness.first?.points.first { $0.domain == "objectnet" })
        XCTAssertEqual(point.referenceAccuracy, 0.5)
        XCTAssertEqual(point.accuracy, 1)
        // The full reference (1000 classes) keeps every image: 20 of 30 exact.
        XCTAssertEqual(results.probes(model: "m", domain: "reference")?.zeroShot?.top1Correct, 20)
    }
}
