import Foundation
@testable import Pipeline
@testable import Pilot
@testable import Results
import XCTest

/// ImageNet-R/-A domains are probed with a 200-class head; their per-class results must still
/// name the classes of the full list (the pages and per_class.csv look names up there).
final class ClassSubsetTests: XCTestCase {
    func testPerClassResultsOfASubsetUseThePilotClassIndices() throws {
        let assets = Assets(root: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("assets"))
        let classes = try ClassList.imagenet(assets: assets)
        let kept = try ClassList.subsetIndices(.imagenetR, of: classes, assets: assets)
        XCTAssertEqual(kept.count, 200)
        // Subset positions 0, 1 and 199 as the probes report them for an ImageNet-R shift.
        let perClass = [0, 1, 199].map { ClassAccuracy(classIndex: $0, count: 10, correct: 5, accuracy: 0.5, ci: nil) }
        let zeroShot = ZeroShotResult(count: 30, top1Correct: 15, top1: 0.5, top1CI: Interval(lower: 0.3, upper: 0.7), top5Correct: 30, top5: 1,
                                      top5CI: Interval(lower: 0.9, upper: 1), perClass: perClass,
                                      confusions: [Confusion(trueClass: 1, predictedClass: 0, count: 3)])
        let probes = [ModelDomainProbes(model: "m", domain: "renditions", results: ProbeResults(zeroShot: zeroShot)),
                      ModelDomainProbes(model: "m", domain: "unlabelled", results: ProbeResults())]
        let mapped = ProbeRunner.withPilotClassIndices(probes, kept: kept)
        let indices = try XCTUnwrap(mapped[0].results.zeroShot?.perClass.map(\.classIndex))
        XCTAssertEqual(indices, [kept[0], kept[1], kept[199]])
        // ImageNet-R's first classes are goldfish (n01443537) and great white shark (n01484850);
        // subset position 1 is not the full list's class 1.
        XCTAssertEqual(indices.prefix(2).map { classes.names[$0] }, ["goldfish", "great white shark"])
        XCTAssertEqual(classes.wnids[indices[2]], "n12267677")
        XCTAssertEqual(mapped[0].results.zeroShot?.perClass.map(\.count), [10, 10, 10])
        XCTAssertNil(mapped[1].results.zeroShot)
        XCTAssertEqual(mapped[0].results.zeroShot?.confusions, [Confusion(trueClass: kept[1], predictedClass: kept[0], count: 3)])
    }
}
