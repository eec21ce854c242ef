import Foundation
import XCTest
@testable import ImageCodec
@testable import Support

/// Throughput of inflate, deflate and PNG decode/encode. Skipped unless SHIFTLENS_BENCH=1
/// (timings are not assertions); prints min / median / max over runs, in thread CPU time.
final class CodecBenchmarkTests: XCTestCase {
    /// Thread CPU time, so that other processes on a shared machine distort less than wall time does.
    private func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private func measure(_ label: String, bytes: Int, runs: Int = 7, _ body: () throws -> Void) rethrows {
        var seconds = [Double]()
        for _ in 0..<runs {
            let start = cpuSeconds()
            try body()
            seconds.append(cpuSeconds() - start)
        }
        seconds.sort()
        let rate = { (s: Double) in String(format: "%.0f", Double(bytes) / s / 1e6) }
        print("bench \(label): MB/s of thread CPU time min \(rate(seconds.last!)) / median \(rate(seconds[runs / 2]))"
              + " / max \(rate(seconds.first!)) (\(bytes) bytes, \(runs) runs)")
    }

    func testThroughput() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_BENCH"] == "1" else { throw XCTSkip("set SHIFTLENS_BENCH=1") }
        let gz = try PNGFixtures.bytes(PNGFixtures.packageRoot.appendingPathComponent("assets/clip/bpe_simple_vocab_16e6.txt.gz"))
        let vocabulary = try Inflate.gzip(gz)
        try measure("inflate gzip BPE vocabulary (output bytes)", bytes: vocabulary.count) { _ = try Inflate.gzip(gz) }
        measure("CRC-32 (bytes)", bytes: vocabulary.count) { _ = CRC32.checksum(vocabulary) }
        measure("Adler-32 (bytes)", bytes: vocabulary.count) { _ = Adler32.checksum(vocabulary) }
        let zlibStream = Deflate.zlib(vocabulary, level: 6)
        try measure("inflate zlib of our deflate output (output bytes)", bytes: vocabulary.count) { _ = try Inflate.zlib(zlibStream) }
        print("bench BPE vocabulary: zlib level 6 output \(Deflate.zlib(vocabulary).count) bytes for \(vocabulary.count)")
        measure("deflate level 6 BPE vocabulary (input bytes)", bytes: vocabulary.count, runs: 3) { _ = Deflate.gzip(vocabulary) }

        var generator = SplitMix64(seed: 5)
        let (width, height) = (1024, 768)
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let noise = Int(generator.next() % 9) - 4
                pixels.append(UInt8(clamping: 128 + Int(90 * sin(Double(x) / 40) * cos(Double(y) / 31)) + noise))
                pixels.append(UInt8(clamping: (x + y) / 7 + noise))
                pixels.append(UInt8(clamping: 200 - y / 4 + noise))
            }
        }
        let image = RGBImage(width: width, height: height, pixels: pixels)
        let png = try PNGEncoder.encode(image)
        print("bench PNG 1024×768 RGB encoded to \(png.count) bytes")
        try measure("PNG decode 1024×768 RGB (pixel bytes)", bytes: pixels.count) { _ = try PNGDecoder.decode(png) }
        try measure("PNG encode 1024×768 RGB (pixel bytes)", bytes: pixels.count, runs: 3) { _ = try PNGEncoder.encode(image) }
    }
}
