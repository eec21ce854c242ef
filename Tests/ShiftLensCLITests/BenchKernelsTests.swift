import XCTest
@testable import ShiftLensCLI

final class BenchKernelsTests: XCTestCase {
    private func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    /// One cheap case, one iteration per thread count: the report names the machine, the
    /// case, each thread count and three rates (min / median / max) plus the per-CPU rate.
    func testPrintsMinMedianMaxPerThreadCount() {
        let result = run(["bench-kernels", "--filter", "layerNorm", "--iterations", "2", "--threads", "1,2"])
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertTrue(result.out.contains("machine: "))
        let rows = result.out.split(separator: "\n").filter { $0.hasPrefix("layerNorm 400×768") }
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[0].contains("threads 1"))
        XCTAssertTrue(rows[1].contains("threads 2"))
        for row in rows {
            XCTAssertEqual(row.components(separatedBy: " / ").count, 3, String(row))
            XCTAssertTrue(row.hasSuffix("Gelem/s"), String(row))
        }
    }

    func testRejectsBadOptions() {
        XCTAssertEqual(run(["bench-kernels", "--threads", "0"]).code, 2)
        XCTAssertEqual(run(["bench-kernels", "--threads", "two"]).code, 2)
        XCTAssertEqual(run(["bench-kernels", "--iterations", "0"]).code, 2)
        let none = run(["bench-kernels", "--filter", "no such kernel"])
        XCTAssertEqual(none.code, 2)
        XCTAssertTrue(none.err.contains("no benchmark case matches"))
    }
}
