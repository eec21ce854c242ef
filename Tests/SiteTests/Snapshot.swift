import Foundation
import XCTest

/// Compares `actual` with the golden file `Fixtures/<name>`; with `SHIFTLENS_RECORD=1` in the
/// environment it (re)writes the golden file instead and fails, so that re-recording is always
/// an explicit, reviewed step.
func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = SiteFixture.fixtures.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["SHIFTLENS_RECORD"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(actual.utf8).write(to: url)
        XCTFail("recorded \(name); unset SHIFTLENS_RECORD and run again", file: file, line: line)
        return
    }
    guard let data = FileManager.default.contents(atPath: url.path), let expected = String(data: data, encoding: .utf8) else {
        XCTFail("no golden file \(name); run with SHIFTLENS_RECORD=1 to create it", file: file, line: line)
        return
    }
    if expected != actual {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
        let show = { (lines: [Substring]) in first < lines.count ? String(lines[first]) : "<end>" }
        XCTFail("\(name) differs from its golden file at line \(first + 1):\n  expected: \(show(expectedLines))\n  actual:   \(show(actualLines))\n(re-record with SHIFTLENS_RECORD=1 if the change is intended)",
                file: file, line: line)
    }
}
