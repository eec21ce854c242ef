import Foundation
import XCTest
@testable import Pilot

final class DatasetScannerTests: XCTestCase {
    let classes = ClassList(names: ["screw", "gear", "hex nut"], wnids: ["n00000001", "n00000002", "n00000003"], templates: ["a {c}."])

    func domain(_ url: URL, labels: PilotSpec.LabelSource = .auto) -> PilotSpec.Domain {
        PilotSpec.Domain(name: "d", path: url, role: .reference, labels: labels, classSubset: nil)
    }

    func testClassNameFoldersWithAnyExtensionCaseSkippingHiddenAndNonImages() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/screw/a.JPEG")
        try scratch.write("data/screw/b.jpg")
        try scratch.write("data/hex_nut/c.PNG")
        try scratch.write("data/gear/notes.txt")
        try scratch.write("data/gear/.DS_Store")
        try scratch.write("data/.hidden/d.png")
        let scan = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("data")), classes: classes)
        XCTAssertEqual(scan.layout, .classNameFolders)
        XCTAssertEqual(scan.items.map(\.relativePath), ["hex_nut/c.PNG", "screw/a.JPEG", "screw/b.jpg"])
        XCTAssertEqual(scan.items.map(\.label), [2, 0, 0])
        XCTAssertEqual(scan.hiddenSkipped, 2)
        XCTAssertEqual(scan.nonImagesSkipped, 1)
        XCTAssertTrue(scan.isLabeled)
    }

    func testWordNetAndNumericFolders() throws {
        let scratch = try ScratchFolder()
        try scratch.write("wn/n00000002/a.png")
        try scratch.write("wn/n00000003/b.png")
        try scratch.write("v2/0/a.jpeg")
        try scratch.write("v2/2/b.jpeg")
        try scratch.write("v2/7/c.jpeg")
        let wordnet = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("wn")), classes: classes)
        XCTAssertEqual(wordnet.layout, .wordNetFolders)
        XCTAssertEqual(wordnet.items.map(\.label), [1, 2])
        let numeric = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("v2")), classes: classes)
        XCTAssertEqual(numeric.layout, .indexFolders)
        XCTAssertEqual(numeric.items.map(\.label), [0, 2])
        XCTAssertEqual(numeric.unknownLabels, ["7": 1])
    }

    func testUnknownFoldersAreCountedNotFatal() throws {
        let scratch = try ScratchFolder()
        try scratch.write("d/screw/a.png")
        try scratch.write("d/bolt/b.png")
        try scratch.write("d/bolt/c.png")
        let scan = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("d")), classes: classes)
        XCTAssertEqual(scan.items.count, 1)
        XCTAssertEqual(scan.unknownLabels, ["bolt": 2])
    }

    func testFlatFolderAndLabelsNoneAreUnlabeled() throws {
        let scratch = try ScratchFolder()
        try scratch.write("flat/1.png")
        try scratch.write("flat/2.jpg")
        let flat = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("flat")), classes: classes)
        XCTAssertEqual(flat.layout, .unlabeled)
        XCTAssertEqual(flat.items.map(\.label), [nil, nil])
        XCTAssertFalse(flat.isLabeled)
        try scratch.write("tree/screw/a.png")
        let ignored = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("tree"), labels: .none), classes: classes)
        XCTAssertEqual(ignored.layout, .unlabeled)
        XCTAssertEqual(ignored.items.map(\.label), [nil])
    }

    func testManifestWithQuotesSpacesAndNonASCIIPaths() throws {
        let scratch = try ScratchFolder()
        try scratch.write("imgs/ネジ 1.png")
        try scratch.write("imgs/gear, big.jpg")
        try scratch.write("imgs/x.png")
        try scratch.write("manifest.csv", "path,label\n\"imgs/ネジ 1.png\",screw\n\"imgs/gear, big.jpg\",n00000002\nimgs/x.png,\nimgs/gone.png,gear\nimgs/x.png,bolt\n")
        let scan = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("manifest.csv")), classes: classes)
        XCTAssertEqual(scan.layout, .manifest)
        XCTAssertEqual(scan.items.map(\.relativePath), ["imgs/ネジ 1.png", "imgs/gear, big.jpg", "imgs/x.png"])
        XCTAssertEqual(scan.items.map(\.label), [0, 1, nil])
        XCTAssertEqual(scan.missingFiles, ["imgs/gone.png"])
        XCTAssertEqual(scan.unknownLabels, ["bolt": 1])
    }

    func testSymlinkedFoldersAreFollowed() throws {
        let scratch = try ScratchFolder()
        try scratch.write("real/a.png")
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("d"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.url.appendingPathComponent("d/gear"), withDestinationURL: scratch.url.appendingPathComponent("real"))
        let scan = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("d")), classes: classes)
        XCTAssertEqual(scan.items.map(\.label), [1])
    }

    func testSymlinkLoopsVisitEachRealFolderOnce() throws {
        // Three links to "." in a class folder made the scan endless (3^16 paths); one link
        // alone counted each image 16 times. A link to the domain root from a class folder too.
        let scratch = try ScratchFolder()
        try scratch.write("d/screw/a.png")
        try scratch.write("d/screw/sub/b.png")
        for name in ["x", "y", "z"] {
            try FileManager.default.createSymbolicLink(atPath: scratch.url.appendingPathComponent("d/screw/\(name)").path, withDestinationPath: ".")
        }
        try FileManager.default.createSymbolicLink(atPath: scratch.url.appendingPathComponent("d/screw/sub/up").path, withDestinationPath: "../..")
        let started = Date()
        let scan = try DatasetScanner.scan(domain(scratch.url.appendingPathComponent("d")), classes: classes)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(scan.items.map(\.relativePath), ["screw/a.png", "screw/sub/b.png"])
        XCTAssertEqual(scan.items.map(\.label), [0, 0])
    }
}
