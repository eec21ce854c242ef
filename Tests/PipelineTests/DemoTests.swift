import Foundation
import ImageCodec
import Pilot
import XCTest
@testable import Pipeline

final class DemoTests: XCTestCase {
    func testDatasetIsDeterministicAndCoversEveryClassAndDomain() {
        XCTAssertGreaterThanOrEqual(DemoRenderer.classes.count, 10)
        XCTAssertEqual(DemoDataset.domains.map(\.name), ["reference", "low-light", "new-camera", "sketch", "clutter"])
        let first = DemoDataset.evaluationSamples(domain: 0)
        let again = DemoDataset.evaluationSamples(domain: 0)
        // A smaller set is a prefix of each class's images, so tests can use a few.
        XCTAssertEqual(DemoDataset.evaluationSamples(domain: 0, perClass: 1).first?.pixels, first.first?.pixels)
        XCTAssertEqual(first.map(\.pixels), again.map(\.pixels))
        XCTAssertEqual(first.count, DemoRenderer.classes.count * DemoDataset.evaluationImagesPerClass)
        XCTAssertEqual(Set(first.map(\.label)), Set(DemoRenderer.classes.indices))
        XCTAssertTrue(first.allSatisfy { $0.pixels.count == DemoDataset.imageSize * DemoDataset.imageSize * 3 })
        // Images within a domain differ (random pose), and the shifts really change the pictures.
        XCTAssertNotEqual(first[0].pixels, first[1].pixels)
        func meanBrightness(_ samples: [DemoDataset.Sample]) -> Double {
            Double(samples.reduce(0) { $0 + $1.pixels.reduce(0) { $0 + Int($1) } }) / Double(samples.count * samples[0].pixels.count)
        }
        let lowLight = DemoDataset.evaluationSamples(domain: 1, perClass: 2)
        XCTAssertLessThan(meanBrightness(lowLight), 0.5 * meanBrightness(first))
    }

    func testTrainingSetsUseOtherSeedsThanTheEvaluationImages() {
        let evaluation = Set(DemoDataset.evaluationSamples(domain: 0).map(\.pixels))
        let training = DemoDataset.trainingSamples(diverse: false, perClass: 3)
        XCTAssertEqual(training.count, 3 * DemoRenderer.classes.count)
        XCTAssertTrue(training.allSatisfy { !evaluation.contains($0.pixels) })
        XCTAssertTrue(training.allSatisfy { $0.caption.hasPrefix("a photo of a ") })
    }

    func testDataOnlyWritesAPilotWhosePNGsDecodeToTheRenderedPixels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let assets = Assets(root: packageRootForDemo.appendingPathComponent("assets"))
        let specURL = try DemoPilot.write(to: folder, assets: assets, perClass: 2)
        let spec = try PilotSpec.load(from: specURL)
        XCTAssertEqual(spec.domains.count, 5)
        XCTAssertEqual(spec.referenceDomain.name, "reference")
        XCTAssertEqual(spec.models.count, 2)
        let classes = try ClassList.load(spec.classes, assets: assets)
        let scan = try DatasetScanner.scan(spec.domains[3], classes: classes)
        XCTAssertEqual(scan.items.count, DemoRenderer.classes.count * 2)
        XCTAssertEqual(scan.layout, .classNameFolders)
        let sample = DemoDataset.evaluationSamples(domain: 3, perClass: 2)[0]
        let url = folder.appendingPathComponent("data/sketch/\(DemoRenderer.classes[sample.label])/001.png")
        let decoded = try ImageFile.decode(Array(try Data(contentsOf: url)))
        XCTAssertEqual(decoded.convertedToRGB().pixels, sample.pixels)
        // Writing again changes nothing (the embedding store's cache stays valid).
        let before = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        try DemoPilot.write(to: folder, assets: assets, perClass: 2)
        let after = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after)
    }
}

let packageRootForDemo: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder.deleteLastPathComponent()
    }
    return folder
}()
