import Foundation
@testable import ImageCodec
@testable import Pilot
import XCTest
@testable import Pipeline

/// The demo's generated data and its pilot (the story its site tells is in ShiftLensCLITests/DemoStoryTests).
final class DemoTests: XCTestCase {
    // MARK: The generated data

    func testDatasetIsDeterministicAndCoversEveryClassAndDomain() {
        XCTAssertGreaterThanOrEqual(DemoRenderer.classes.count, 10)
        XCTAssertEqual(DemoDataset.domains.map(\.name), ["reference", "low-light", "new-camera", "sketch", "clutter", "second-line", "site-photos"])
        XCTAssertEqual(DemoDataset.domains.filter { !$0.labelled }.map(\.name), ["site-photos"])
        let first = DemoDataset.evaluationSamples(domain: 0)
        let again = DemoDataset.evaluationSamples(domain: 0)
        // A smaller set starts like the full one, so tests can use a few images.
        XCTAssertEqual(DemoDataset.evaluationSamples(domain: 0, perClass: 1).first?.pixels, first.first?.pixels)
        XCTAssertEqual(first.map(\.pixels), again.map(\.pixels))
        XCTAssertEqual(first.count, DemoRenderer.classes.count * DemoDataset.evaluationImagesPerClass)
        XCTAssertEqual(Set(first.map(\.label)), Set(DemoRenderer.classes.indices))
        XCTAssertTrue(first.allSatisfy { $0.pixels.count == DemoDataset.imageSize * DemoDataset.imageSize * 3 })
        // Images within a domain differ (random pose), and the shifts really change the pictures:
        // the night shift is much darker, the second line only a little.
        XCTAssertNotEqual(first[0].pixels, first[1].pixels)
        func meanBrightness(_ samples: [DemoDataset.Sample]) -> Double {
            Double(samples.reduce(0) { $0 + $1.pixels.reduce(0) { $0 + Int($1) } }) / Double(samples.count * samples[0].pixels.count)
        }
        let reference = meanBrightness(DemoDataset.evaluationSamples(domain: 0, perClass: 4))
        XCTAssertLessThan(meanBrightness(DemoDataset.evaluationSamples(domain: 1, perClass: 4)), 0.5 * reference)
        let secondLine = meanBrightness(DemoDataset.evaluationSamples(domain: 5, perClass: 4))
        XCTAssertLessThan(secondLine, 0.95 * reference)
        XCTAssertGreaterThan(secondLine, 0.7 * reference)
    }

    func testAddingDomainsLeftTheEarlierDomainsPixelsAlone() {
        // Each domain draws from its own seed: the images of domain k do not depend on where it sits in the list.
        let seeds = DemoDataset.domains.map(\.seed)
        XCTAssertEqual(Set(seeds).count, seeds.count)
        XCTAssertEqual(Array(seeds.prefix(5)), [0, 1, 2, 3, 4])
    }

    func testTheUnlabelledShiftIsShuffledSoFileOrderDoesNotGiveTheClassAway() throws {
        let index = try XCTUnwrap(DemoDataset.domains.firstIndex { !$0.labelled })
        let samples = DemoDataset.evaluationSamples(domain: index, perClass: 6)
        XCTAssertEqual(samples.count, 6 * DemoRenderer.classes.count)
        // Every class is there, equally often, but not in runs of one class.
        XCTAssertEqual(Dictionary(grouping: samples, by: \.label).mapValues(\.count), Dictionary(uniqueKeysWithValues: DemoRenderer.classes.indices.map { ($0, 6) }))
        let runs = zip(samples, samples.dropFirst()).filter { $0.label == $1.label }.count
        XCTAssertLessThan(runs, samples.count / 3)
        XCTAssertEqual(samples.map(\.pixels), DemoDataset.evaluationSamples(domain: index, perClass: 6).map(\.pixels))
    }

    func testTrainingSetsUseOtherSeedsThanTheEvaluationImages() {
        var evaluation = Set<[UInt8]>()
        for index in DemoDataset.domains.indices {
            evaluation.formUnion(DemoDataset.evaluationSamples(domain: index, perClass: 3).map(\.pixels))
        }
        let narrow = DemoDataset.trainingSamples(diverse: false, perClass: 3)
        let diverse = DemoDataset.trainingSamples(diverse: true, perClass: 3)
        XCTAssertEqual(narrow.count, 3 * DemoRenderer.classes.count)
        XCTAssertTrue((narrow + diverse).allSatisfy { !evaluation.contains($0.pixels) })
        XCTAssertTrue(narrow.allSatisfy { $0.caption.hasPrefix("a photo of a ") })
    }

    func testDataOnlyWritesAPilotWhosePNGsDecodeToTheRenderedPixels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let assets = Assets(root: packageRootForDemo.appendingPathComponent("assets"))
        let specURL = try DemoPilot.write(to: folder, assets: assets, perClass: 2)
        let spec = try PilotSpec.load(from: specURL)
        XCTAssertEqual(spec.domains.map(\.name), DemoDataset.domains.map(\.name))
        XCTAssertEqual(spec.referenceDomain.name, "reference")
        let classes = try ClassList.load(spec.classes, assets: assets)
        let scan = try DatasetScanner.scan(spec.domains[3], classes: classes)
        XCTAssertEqual(scan.items.count, DemoRenderer.classes.count * 2)
        XCTAssertEqual(scan.layout, .classNameFolders)
        let sample = DemoDataset.evaluationSamples(domain: 3, perClass: 2)[0]
        let url = folder.appendingPathComponent("data/sketch/\(DemoRenderer.classes[sample.label])/001.png")
        let decoded = try ImageFile.decode(Array(try Data(contentsOf: url)))
        XCTAssertEqual(decoded.convertedToRGB().pixels, sample.pixels)
        // The unlabelled shift is a flat folder of numbered photos, in the generator's shuffled order.
        let index = try XCTUnwrap(DemoDataset.domains.firstIndex { !$0.labelled })
        XCTAssertEqual(spec.domains[index].labels, .none)
        let unlabelled = try DatasetScanner.scan(spec.domains[index], classes: classes)
        XCTAssertEqual(unlabelled.layout, .unlabeled)
        XCTAssertEqual(unlabelled.items.map(\.relativePath).first, "photo-0001.png")
        let photos = DemoDataset.evaluationSamples(domain: index, perClass: 2)
        XCTAssertEqual(unlabelled.items.count, photos.count)
        let third = try ImageFile.decode(Array(try Data(contentsOf: unlabelled.items[2].url)))
        XCTAssertEqual(third.convertedToRGB().pixels, photos[2].pixels)
        // Writing again changes nothing (the embedding store's cache stays valid).
        let before = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        try DemoPilot.write(to: folder, assets: assets, perClass: 2)
        let after = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after)
    }

    // MARK: The pilot

    func testThePilotNamesCandidatesAndBaselinesAndEveryBundledModelExists() throws {
        let assets = Assets(root: packageRootForDemo.appendingPathComponent("assets"))
        for language in PilotSpec.Language.allCases {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-demo-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let spec = try PilotSpec.load(from: DemoPilot.write(to: folder, assets: assets, language: language, perClass: 1))
            XCTAssertEqual(spec.language, language)
            XCTAssertEqual(spec.models.map(\.name), DemoPilot.models.map(\.name))
            XCTAssertEqual(spec.models.filter(\.baseline).map(\.name), DemoPilot.models.filter(\.baseline).map(\.name))
            XCTAssertGreaterThanOrEqual(spec.models.filter(\.baseline).count, 3)
            XCTAssertGreaterThanOrEqual(spec.models.filter { !$0.baseline }.count, 4)
            XCTAssertEqual(spec.criteria, DemoPilot.criteria)
            XCTAssertEqual(spec.stages, DemoPilot.stages(language))
            for model in spec.models {
                XCTAssertTrue(FileManager.default.fileExists(atPath: model.weights.path), model.weights.path)
            }
        }
        // The size budget: each checkpoint at most 10 MB, all of assets/demo-models/ at most 40 MB.
        let root = assets.url("demo-models")
        var total = 0
        for case let path as String in try XCTUnwrap(FileManager.default.enumerator(atPath: root.path)) {
            let size = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)[.size] as? Int ?? 0
            if path.hasSuffix(".safetensors") { XCTAssertLessThanOrEqual(size, 10_000_000, path) }
            total += size
        }
        XCTAssertLessThanOrEqual(total, 40_000_000)
    }
}

let packageRootForDemo: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder.deleteLastPathComponent()
    }
    return folder
}()
