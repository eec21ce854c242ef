import Foundation
@testable import Pilot
@testable import Pipeline
import XCTest

/// `class_subset: "objectnet"` in a pilot: the testbed's protocol reaches the scan, the head and
/// the preprocessing (issue #13 item 3).
final class ObjectNetPipelineTests: XCTestCase {
    func testObjectNetSubsetScansFoldersKeeps125ClassesAndCropsTheBorder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-objectnet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for path in ["reference/n01440764/a.png", "objectnet/alarm_clock/b.png", "objectnet/bicycle/c.png", "objectnet/squeegee/d.png", "m.safetensors"] {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        let specURL = folder.appendingPathComponent("pilot.json")
        try Data("""
            {"pilot": "on", "classes": "imagenet",
             "domains": [{"name": "reference", "path": "reference", "role": "reference"},
                         {"name": "objectnet", "path": "objectnet", "class_subset": "objectnet"}],
             "models": [{"name": "m", "weights": "m.safetensors"}]}
            """.utf8).write(to: specURL)
        let spec = try PilotSpec.load(from: specURL)
        XCTAssertEqual(spec.domains.map(\.borderCrop), [0, 2])
        let assets = Assets(root: PipelineFixtures.root.appendingPathComponent("assets"))
        let classes = try ClassList.load(spec.classes, assets: assets)
        let mapping = try ObjectNetClasses.load(assets: assets)
        let kept = try ClassList.subsetIndices(.objectnet, of: classes, assets: assets)
        XCTAssertEqual(kept.count, 125)
        XCTAssertEqual(kept, mapping.headClasses)
        let scanned = PilotEncoding.scan(spec, classes: classes, assets: assets)
        let objectnet = try XCTUnwrap(scanned.first { $0.spec.name == "objectnet" }?.scan)
        XCTAssertEqual(objectnet.layout, .objectNetFolders)
        XCTAssertEqual(objectnet.items.map(\.label), [409, 444])  // alarm clock, bicycle (mountain bike); squeegee is not in ImageNet
        XCTAssertEqual(objectnet.unknownLabels, ["squeegee": 1])
    }
}
