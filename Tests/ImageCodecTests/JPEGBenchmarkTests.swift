import Foundation
import XCTest
@testable import ImageCodec

/// JPEG decoding throughput on the 200 ImageNet sample images. Skipped unless
/// SHIFTLENS_BENCH=1 (timings are not assertions). Run it on a release build:
///
///     SHIFTLENS_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter JPEGBenchmarkTests
///
/// Prints megapixels per second of thread CPU time (min / median / max of 5 runs, one
/// thread). Pillow's figure for the same files, measured the same way:
///
///     python3 Tests/ImageCodecTests/Fixtures/bench_pillow_jpeg.py
final class JPEGBenchmarkTests: XCTestCase {
    private func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    func testDecodeThroughput() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_BENCH"] == "1" else { throw XCTSkip("set SHIFTLENS_BENCH=1") }
        let folder = JPEGTestData.imagenet
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let blobs = try files.map { try JPEGTestData.bytes(folder.appendingPathComponent($0)) }
        var pixels = 0
        for blob in blobs {
            let image = try JPEGDecoder.decode(blob)
            pixels += image.width * image.height
        }
        var rates = [Double]()
        for _ in 0..<5 {
            let start = cpuSeconds()
            for blob in blobs { _ = try JPEGDecoder.decode(blob) }
            rates.append(Double(pixels) / (cpuSeconds() - start) / 1e6)
        }
        rates.sort()
        print(String(format: "bench JPEG decode, %d images, %.1f MP: MP/s of thread CPU time min %.1f / median %.1f / max %.1f",
                     blobs.count, Double(pixels) / 1e6, rates[0], rates[2], rates[4]))
    }
}
