import Foundation
import XCTest
@testable import Probes
@testable import Results

/// `ImageStatisticsProbe` against scipy (`Fixtures/make_image_statistics_summary.py`). The t quantile
/// comes from the inverse incomplete beta, held to 1e-10 against scipy elsewhere; 1e-9 relative
/// covers its propagation through the interval half-widths.
final class ImageStatisticsProbeTests: XCTestCase {
    func load() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("image_statistics_summary.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func assertClose(_ a: Double?, _ b: Double?, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a, let b else { return XCTFail("missing \(message)", file: file, line: line) }
        XCTAssertEqual(a, b, accuracy: 1e-12 + 1e-9 * abs(b), message, file: file, line: line)
    }

    func testTQuantilesMatchScipy() throws {
        let quantiles = try XCTUnwrap(try load()["t_quantiles"] as? [[Double]])
        for row in quantiles {
            assertClose(Statistics.studentTQuantile(row[0], degreesOfFreedom: row[1]), row[2], "t(\(row[0]), \(row[1]))")
        }
    }

    func testSummaryMatchesScipy() throws {
        let cases = try XCTUnwrap(try load()["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        for (index, fixture) in cases.enumerated() {
            let referenceValues = try XCTUnwrap(fixture["reference"] as? [Double]), shiftValues = try XCTUnwrap(fixture["shift"] as? [Double])
            let reference = ImageStatisticsProbe.Sample(
                imageCount: referenceValues.count, values: [.brightness: referenceValues], grayscale: try XCTUnwrap(fixture["reference_grayscale"] as? Int))
            let shift = ImageStatisticsProbe.Sample(
                imageCount: shiftValues.count, values: [.brightness: shiftValues, .jpegQuality: [90]], grayscale: try XCTUnwrap(fixture["shift_grayscale"] as? Int))
            let summary = ImageStatisticsProbe.summarize(shift, reference: reference)
            let brightness = try XCTUnwrap(summary.mean(.brightness))
            let interval = try XCTUnwrap(fixture["shift_interval"] as? [Double])
            assertClose(brightness.mean, fixture["shift_mean"] as? Double, "case \(index) mean")
            assertClose(brightness.interval?.lower, interval[0], "case \(index) lower")
            assertClose(brightness.interval?.upper, interval[1], "case \(index) upper")
            let difference = try XCTUnwrap(fixture["difference_interval"] as? [Double])
            assertClose(brightness.difference, fixture["difference"] as? Double, "case \(index) difference")
            assertClose(brightness.differenceInterval?.lower, difference[0], "case \(index) difference lower")
            assertClose(brightness.differenceInterval?.upper, difference[1], "case \(index) difference upper")
            let share = try XCTUnwrap(fixture["shift_share_interval"] as? [Double])
            assertClose(summary.grayscale?.interval?.lower, share[0], "case \(index) share lower")
            assertClose(summary.grayscale?.interval?.upper, share[1], "case \(index) share upper")
            XCTAssertEqual(summary.grayscale?.difference,
                           Double(shift.grayscale) / Double(shift.imageCount) - Double(reference.grayscale) / Double(reference.imageCount))
            // A measure the reference lacks has a mean but no difference; one value has no interval.
            let quality = try XCTUnwrap(summary.mean(.jpegQuality))
            XCTAssertEqual(quality.mean, 90)
            XCTAssertNil(quality.interval)
            XCTAssertNil(quality.difference)
            XCTAssertNil(summary.mean(.contrast))
            let referenceSummary = ImageStatisticsProbe.summarize(reference)
            XCTAssertNil(referenceSummary.mean(.brightness)?.difference)
            assertClose(referenceSummary.mean(.brightness)?.interval?.lower, (fixture["reference_interval"] as? [Double])?[0], "case \(index) reference lower")
        }
    }

    /// Two constant samples: the difference is exact and its interval is the point.
    func testConstantSamples() {
        let a = ImageStatisticsProbe.Sample(imageCount: 3, values: [.width: [640, 640, 640]], grayscale: 0)
        let b = ImageStatisticsProbe.Sample(imageCount: 2, values: [.width: [500, 500]], grayscale: 2)
        let summary = ImageStatisticsProbe.summarize(a, reference: b)
        XCTAssertEqual(summary.mean(.width)?.differenceInterval, Interval(lower: 140, upper: 140))
        XCTAssertEqual(summary.grayscale?.difference, -1)
    }
}
