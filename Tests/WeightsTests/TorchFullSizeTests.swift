import Foundation
import XCTest
@testable import Weights
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opt-in (`SHIFTLENS_FULL_TORCH=1`): full-size ViT-B/32 from seeded weights, written by
/// `make_torch_fixtures.py --large` into `fixtures-large/torch/` (git-ignored; generated here
/// when missing, which needs Python with torch and open_clip): torch.save in F32, torch.jit.save
/// of the F16 scripted model (as OpenAI ships ViT-B-32.pt), and the F32 state dict as safetensors.
/// Times the reader (`Checkpoint.loadStateDict`) and the full `Checkpoint.load` (adds detection,
/// validation and the file's SHA-256), wall-clock and this thread's CPU time, min/median/max of 5.
final class TorchFullSizeTests: XCTestCase {
    let folder = packageRoot().appendingPathComponent("fixtures-large/torch")

    func testFullSizeViTB32ArchivesLoadFromTheMapping() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_FULL_TORCH"] == "1" else {
            throw XCTSkip("set SHIFTLENS_FULL_TORCH=1 to generate and time full-size torch checkpoints")
        }
        let files = ["vit-b-32.pt", "vit-b-32-scripted.pt", "vit-b-32.safetensors"].map { folder.appendingPathComponent($0) }
        if !files.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", torchFixtures.appendingPathComponent("make_torch_fixtures.py").path, "--large"]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "make_torch_fixtures.py --large failed")
        }

        // The F32 torch.save archive holds the safetensors file's tensors exactly.
        let reference = try Checkpoint.loadStateDict(files[2])
        let saved = try Checkpoint.loadStateDict(files[0])
        XCTAssertEqual(saved.names, reference.names)
        for name in reference.names {
            let (a, b) = (try saved.tensor(name), try reference.tensor(name))
            XCTAssertEqual(a.shape, b.shape, name)
            XCTAssertEqual(memcmp(a.pointer, b.pointer, 4 * a.count), 0, "\(name) differs")
        }
        let scripted = try Checkpoint.loadStateDict(files[1])
        XCTAssertEqual(scripted.names, reference.names)
        XCTAssertEqual(scripted.tensors.mapValues(\.shape), reference.tensors.mapValues(\.shape))

        let machine = "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.hostName)"
        for file in files.prefix(2) {
            let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            let reader = try measure(5) { _ = try Checkpoint.loadStateDict(file) }
            let full = try measure(5) { _ = try Checkpoint.load(file, overrides: ConfigOverrides(activation: .gelu)) }
            print("""
                \(file.lastPathComponent) (\(size / 1_000_000) MB) on \(machine), debug build of the tests (Weights -Ounchecked):
                  reader      wall \(summary(reader.wall))   cpu \(summary(reader.cpu))
                  load+sha256 wall \(summary(full.wall))   cpu \(summary(full.cpu))
                """)
            XCTAssertLessThan(reader.cpu.sorted()[2], 2.0, "\(file.lastPathComponent): reading takes more than 2 s of CPU")
        }
    }

    private func measure(_ runs: Int, _ body: () throws -> Void) throws -> (wall: [Double], cpu: [Double]) {
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<runs {
            let (wall0, cpu0) = (now(CLOCK_MONOTONIC), now(CLOCK_THREAD_CPUTIME_ID))
            try body()
            wall.append(now(CLOCK_MONOTONIC) - wall0)
            cpu.append(now(CLOCK_THREAD_CPUTIME_ID) - cpu0)
        }
        return (wall, cpu)
    }

    private func now(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private func summary(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "min %.3f s  median %.3f s  max %.3f s", sorted[0], sorted[sorted.count / 2], sorted[sorted.count - 1])
    }
}
