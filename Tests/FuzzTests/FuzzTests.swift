import Foundation
@testable import FuzzTargets
@testable import Support
import XCTest

/// The short, deterministic form of the fuzzing (docs/security.md): every `FuzzTarget` runs its
/// seeds (test fixtures, `Fixtures/seeds`, and every input a fuzzer once crashed on,
/// `Fixtures/crashes/<target>`) and then `casesPerTarget` seeded mutations of them. Nothing may
/// trap: a crash ends the test process, and the case is reproduced with
/// `SHIFTLENS_FUZZ_VERBOSE=1 swift test --filter FuzzTests/test<Target>`, which prints every case
/// before running it. `SHIFTLENS_FUZZ_CASES=N` runs more; under `swift test --sanitize=address`
/// out-of-bounds accesses and leaks of the parsers are caught too.
final class FuzzTests: XCTestCase {
    static let root: URL = {
        var url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()
    static let casesPerTarget = ProcessInfo.processInfo.environment["SHIFTLENS_FUZZ_CASES"].flatMap(Int.init) ?? 2000
    static let verbose = ProcessInfo.processInfo.environment["SHIFTLENS_FUZZ_VERBOSE"] == "1"

    override class func tearDown() {
        FuzzTarget.scratch.remove()
    }

    func testJPEG() { fuzz(.jpeg) }
    func testPNG() { fuzz(.png) }
    func testInflate() { fuzz(.inflate) }
    func testSafetensors() { fuzz(.safetensors) }
    func testZip() { fuzz(.zip) }
    func testPickle() { fuzz(.pickle) }
    func testTorchScript() { fuzz(.torchscript) }
    func testNPY() { fuzz(.npy) }
    func testPilot() { fuzz(.pilot) }
    func testCSV() { fuzz(.csv) }

    func testEveryTargetHasATest() {
        XCTAssertEqual(FuzzTarget.allCases.count, 10, "add a test<Target> for the new target")
    }

    func testMutationsAreReproducible() {
        let seeds: [(name: String, bytes: [UInt8])] = [("a", Array(0..<200)), ("b", Array(repeating: 7, count: 50))]
        for index in [0, 1, 99, 1999] {
            XCTAssertEqual(Mutation(index: index, seeds: seeds, target: .zip).bytes, Mutation(index: index, seeds: seeds, target: .zip).bytes)
        }
        XCTAssertNotEqual(Mutation(index: 3, seeds: seeds, target: .zip).bytes, Mutation(index: 4, seeds: seeds, target: .zip).bytes)
    }

    func fuzz(_ target: FuzzTarget) {
        let seeds = target.seeds(root: Self.root)
        XCTAssertFalse(seeds.isEmpty, "\(target) has no seeds")
        guard !seeds.isEmpty else { return }
        let started = Date()
        var outcomes: [String: Int] = [:]
        var acceptedSeeds = 0
        for seed in seeds {
            if Self.verbose { print("FuzzTests \(target): seed \(seed.name)") }
            let outcome = target.run(seed.bytes)
            if Self.verbose { print("  → \(outcome.kind) \(outcome.detail)") }
            if outcome.kind == "accepted" { acceptedSeeds += 1 }
        }
        // The harness must reach the parsers' success path: some seeds are accepted all the way.
        XCTAssertGreaterThan(acceptedSeeds, 0, "\(target): no seed is accepted; the seeds or the target are broken")
        for index in 0..<Self.casesPerTarget {
            let mutation = Mutation(index: index, seeds: seeds, target: target)
            if Self.verbose { print("FuzzTests \(target): case \(index): \(mutation.summary)") }
            let outcome = target.run(mutation.bytes)
            if Self.verbose { print("  → \(outcome.kind) \(outcome.detail)") }
            outcomes[outcome.kind, default: 0] += 1
        }
        print("FuzzTests \(target): \(seeds.count) seeds and \(Self.casesPerTarget) mutations in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: "
              + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}

/// One mutated input, a function of its index, the seeds and the target only: one to three of
/// bit flips, byte overwrites with boundary values, 16/32/64-bit integers in either byte order
/// written over the data (size fields of every format here), truncation, splicing with another
/// seed, deleting or duplicating a range, inserting random bytes.
struct Mutation {
    let bytes: [UInt8]
    let summary: String

    init(index: Int, seeds: [(name: String, bytes: [UInt8])], target: FuzzTarget) {
        let targetSeed = target.rawValue.utf8.reduce(UInt64(0x5EED)) { $0 &* 31 &+ UInt64($1) }
        var random = SplitMix64(seed: targetSeed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let seed = seeds[random.index(below: seeds.count)]
        var bytes = seed.bytes
        var steps: [String] = []
        for _ in 0...random.index(below: 3) {
            guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: random.next())]; continue }
            switch random.index(below: 8) {
            case 0:
                for _ in 0...random.index(below: 8) { bytes[random.index(below: bytes.count)] ^= 1 << UInt8(random.index(below: 8)) }
                steps.append("bit flips")
            case 1:
                let values: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, UInt8(truncatingIfNeeded: random.next())]
                for _ in 0...random.index(below: 4) { bytes[random.index(below: bytes.count)] = values[random.index(below: values.count)] }
                steps.append("byte overwrites")
            case 2, 3:
                let values: [UInt64] = [0, 1, 2, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 32, 1 << 62, .max, random.next() & 0xFFFF_FFFF]
                let value = values[random.index(below: values.count)]
                let width = [2, 4, 8][random.index(below: 3)]
                let at = random.index(below: bytes.count)
                let bigEndian = random.index(below: 2) == 0
                for k in 0..<width where at + k < bytes.count {
                    let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                    bytes[at + k] = UInt8(truncatingIfNeeded: value >> shift)
                }
                steps.append("\(width * 8)-bit \(value) at \(at)")
            case 4:
                let keep = random.index(below: bytes.count)
                bytes.removeSubrange(keep...)
                steps.append("truncated to \(keep)")
            case 5:
                let other = seeds[random.index(below: seeds.count)]
                let cut = random.index(below: bytes.count)
                let from = other.bytes.isEmpty ? 0 : random.index(below: other.bytes.count)
                bytes = Array(bytes[..<cut]) + Array(other.bytes[from...])
                steps.append("spliced with \(other.name) at \(cut)")
            case 6:
                let start = random.index(below: bytes.count)
                let length = 1 + random.index(below: min(256, bytes.count - start))
                if random.index(below: 2) == 0 {
                    bytes.removeSubrange(start..<(start + length))
                    steps.append("deleted \(length) at \(start)")
                } else {
                    bytes.insert(contentsOf: bytes[start..<(start + length)], at: start)
                    steps.append("duplicated \(length) at \(start)")
                }
            default:
                let at = random.index(below: bytes.count + 1)
                let count = 1 + random.index(below: 16)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
                steps.append("inserted \(count) at \(at)")
            }
        }
        self.bytes = bytes
        summary = "\(seed.name): " + steps.joined(separator: ", ")
    }
}
