import Foundation
import XCTest
@testable import Pilot

/// The shipped ObjectNet mapping (assets/imagenet/objectnet) read as the ImageNet testbed reads it.
final class ObjectNetClassesTests: XCTestCase {
    static let assets: Assets = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return Assets(root: url.appendingPathComponent("assets"))
    }()

    /// Numbers from the files with Python: 113 overlapping classes, one folder each, 125
    /// ImageNet classes; "Bicycle" → mountain bike 671 and tandem 444; "Chair" → 423, 559, 765.
    func testMappingHas113ClassesOver125ImageNetClasses() throws {
        let mapping = try ObjectNetClasses.load(assets: Self.assets)
        XCTAssertEqual(mapping.names.count, 113)
        XCTAssertEqual(mapping.folders.count, 113)
        XCTAssertEqual(mapping.headClasses.count, 125)
        XCTAssertEqual(mapping.headClasses, mapping.headClasses.sorted())
        let bicycle = try XCTUnwrap(mapping.names.firstIndex(of: "Bicycle"))
        XCTAssertEqual(mapping.imagenetClasses[bicycle], [444, 671])
        let chair = try XCTUnwrap(mapping.names.firstIndex(of: "Chair"))
        XCTAssertEqual(mapping.imagenetClasses[chair], [423, 559, 765])
        // Head rows of one ObjectNet class share a group; others do not.
        let groups = mapping.groups
        let row = { (imagenet: Int) in mapping.headClasses.firstIndex(of: imagenet)! }
        XCTAssertEqual(groups[row(444)], groups[row(671)])
        XCTAssertEqual(groups[row(423)], groups[row(765)])
        XCTAssertNotEqual(groups[row(444)], groups[row(423)])
        XCTAssertEqual(Set(groups).count, 113)
    }

    func testFolderAndClassNamesGiveTheFirstImageNetClass() throws {
        let mapping = try ObjectNetClasses.load(assets: Self.assets)
        XCTAssertEqual(mapping.label(for: "alarm_clock"), 409)  // analog clock; digital clock 530 is in its group
        XCTAssertEqual(mapping.label(for: "Alarm clock"), 409)
        XCTAssertEqual(mapping.label(for: "BICYCLE"), 444)
        XCTAssertNil(mapping.label(for: "squeegee"))  // an ObjectNet class without an ImageNet match
        XCTAssertNil(mapping.label(for: "analog clock"))
    }

    func testObjectNetFoldersAreClassFolders() throws {
        let scratch = try ScratchFolder()
        try scratch.write("objectnet/alarm_clock/a.png")
        try scratch.write("objectnet/bicycle/b.png")
        try scratch.write("objectnet/squeegee/c.png")
        let classes = try ClassList.imagenet(assets: Self.assets)
        let domain = PilotSpec.Domain(name: "objectnet", path: scratch.url.appendingPathComponent("objectnet"), role: .shift, labels: .auto, classSubset: nil)
        let mapping = try ObjectNetClasses.load(assets: Self.assets)
        let scan = try DatasetScanner.scan(domain, classes: classes, objectNet: mapping)
        XCTAssertEqual(scan.layout, .objectNetFolders)
        XCTAssertEqual(scan.items.map(\.label), [409, 444])
        XCTAssertEqual(scan.unknownLabels, ["squeegee": 1])
        // Without the mapping ObjectNet's folder names are not ImageNet classes.
        XCTAssertEqual(try DatasetScanner.scan(domain, classes: classes).items.compactMap(\.label), [])
        // A manifest may name ObjectNet classes too.
        try scratch.write("objectnet.csv", "path,label\nobjectnet/alarm_clock/a.png,Alarm clock\nobjectnet/bicycle/b.png,bicycle\n")
        let manifest = PilotSpec.Domain(name: "objectnet", path: scratch.url.appendingPathComponent("objectnet.csv"), role: .shift, labels: .auto, classSubset: nil)
        XCTAssertEqual(try DatasetScanner.scan(manifest, classes: classes, objectNet: mapping).items.map(\.label), [409, 444])
    }
}
