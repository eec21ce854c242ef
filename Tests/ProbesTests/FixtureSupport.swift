import Foundation
import XCTest
@testable import Probes
@testable import Results
@testable import Tensor

/// Loads the arrays and reference values written by Fixtures/make_fixtures.py.
enum Fixture {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Tests/ProbesTests/Fixtures")
    }()

    static func matrix(_ name: String) throws -> Matrix<Float> {
        let tensor = try NPY.readTensor(at: directory.appendingPathComponent(name))
        return try Matrix(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.scalars)
    }

    static func labels(_ name: String) throws -> [Int] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).map { Int($0)! }
    }

    nonisolated(unsafe) static let json: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("probes.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func object(_ path: String) -> Any {
        var current: Any = json
        for key in path.split(separator: ".") { current = (current as! [String: Any])[String(key)]! }
        return current
    }

    static func double(_ path: String) -> Double { (object(path) as! NSNumber).doubleValue }
    static func int(_ path: String) -> Int { (object(path) as! NSNumber).intValue }
    static func doubles(_ path: String) -> [Double] { (object(path) as! [NSNumber]).map(\.doubleValue) }
    static func ints(_ path: String) -> [Int] { (object(path) as! [NSNumber]).map(\.intValue) }
}

/// |a − b| ≤ tolerance · max(|b|, floor).
func assertClose(
    _ a: Double?, _ b: Double, relative tolerance: Double = 1e-5, floor: Double = 1e-12, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard let a else { return XCTFail("nil, expected \(b) \(message)", file: file, line: line) }
    XCTAssertLessThanOrEqual(abs(a - b), tolerance * max(abs(b), floor), "\(a) vs \(b) \(message)", file: file, line: line)
}

func assertClose(
    _ a: [Double], _ b: [Double], relative tolerance: Double = 1e-5, floor: Double = 1e-12, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "length \(message)", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() {
        assertClose(x, y, relative: tolerance, floor: floor, "[\(i)] \(message)", file: file, line: line)
    }
}

extension ProbeResults {
    /// A labelled domain's results with only zero-shot top-1: `correct` of `n` right, with its
    /// Clopper–Pearson interval (the verdict, stage, drift and next-step tests' input).
    static func labelled(top1 correct: Int, of n: Int) -> ProbeResults {
        let ci = Statistics.clopperPearson(successes: correct, trials: n)!
        return ProbeResults(zeroShot: ZeroShotResult(
            count: n, top1Correct: correct, top1: Double(correct) / Double(n), top1CI: ci, top5Correct: n, top5: 1, top5CI: ci, perClass: []))
    }
}

/// An accuracy object as the fixture scripts write it (`fixture_stats.accuracy`).
struct GoldenAccuracy: Decodable {
    let correct: Int
    let count: Int
    let accuracy: Double
    let ci: [Double]
}

/// `actual` against a fixture's accuracy: counts exact, the fraction to rounding, the
/// Clopper–Pearson bounds to 1e-9 (scipy's beta quantiles against ours).
func assertAccuracy(_ actual: PromptAccuracy, _ expected: GoldenAccuracy, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.correct, expected.correct, what, file: file, line: line)
    XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
    XCTAssertEqual(actual.accuracy, expected.accuracy, accuracy: 1e-15, what, file: file, line: line)
    XCTAssertEqual(actual.ci.lower, expected.ci[0], accuracy: 1e-9, what, file: file, line: line)
    XCTAssertEqual(actual.ci.upper, expected.ci[1], accuracy: 1e-9, what, file: file, line: line)
}
