import Dispatch
import Foundation
import XCTest
@testable import ImageCodec

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seeded mutation testing of the decoders: every damaged file must decode or throw an
/// `ImageCodecError` — never trap, crash or hang.
///
/// Each case is reproducible on its own: case `i` uses generator seed `MutationCase.seed(i)`.
/// When a case traps (or crashes), a signal handler prints the case before the process dies;
/// a watchdog aborts with the case when one decode runs longer than 20 s. Set
/// `SHIFTLENS_MUTATION_CASES=N` for a longer local run (e.g. under `--sanitize=address`,
/// which also catches out-of-bounds reads that `-Ounchecked` would let through silently).
final class MutationTests: XCTestCase {
    /// Small fixture files, so that 10,000+ cases take seconds.
    static func corpus() throws -> [(name: String, bytes: [UInt8])] {
        let root = PNGFixtures.packageRoot
        let folders = [
            root.appendingPathComponent("Tests/ImageCodecTests/Fixtures/jpeg-variants"),
            root.appendingPathComponent("Tests/ImageCodecTests/Fixtures/png/made"),
            root.appendingPathComponent("Tests/ImageCodecTests/Fixtures/png/encoder"),
            PNGFixtures.pngSuite,
        ]
        var files: [(String, [UInt8])] = []
        for folder in folders {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            for name in names where name.hasSuffix(".jpg") || name.hasSuffix(".png") {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
                if bytes.count <= 4096 { files.append((name, bytes)) }
            }
        }
        return files
    }

    func testDamagedFilesDecodeOrThrowTypedErrors() throws {
        let corpus = try Self.corpus()
        XCTAssertGreaterThan(corpus.filter { $0.name.hasSuffix(".jpg") }.count, 20)
        XCTAssertGreaterThan(corpus.filter { $0.name.hasSuffix(".png") }.count, 20)
        let caseCount = ProcessInfo.processInfo.environment["SHIFTLENS_MUTATION_CASES"].flatMap(Int.init) ?? 40_000
        // A small pixel cap keeps tampered headers from allocating hundreds of megabytes per case;
        // the cap check itself is part of what is exercised.
        let limits = DecodingLimits(maxPixels: 1 << 22)
        var outcomes: [String: Int] = [:]
        var kinds: [MutationCase.Kind: Int] = [:]
        let guardRail = CrashReporter()
        guardRail.install()
        defer { guardRail.uninstall() }
        let started = Date()
        for index in 0..<caseCount {
            let mutation = MutationCase(index: index, corpus: corpus)
            kinds[mutation.kind, default: 0] += 1
            guardRail.begin("mutation case \(index) (seed \(MutationCase.seed(index))): \(mutation.summary)")
            do {
                let image = try ImageFile.decode(mutation.bytes, limits: limits)
                XCTAssertEqual(image.samples.count, image.width * image.height * image.mode.bytesPerPixel, mutation.summary)
                XCTAssertLessThanOrEqual(image.width * image.height, limits.maxPixels, mutation.summary)
                XCTAssertTrue(image.palette.count <= 768 && image.palette.count % 3 == 0, mutation.summary)
                _ = image.convertedToRGB()
                outcomes["decoded", default: 0] += 1
            } catch let error as ImageCodecError {
                outcomes[error.code, default: 0] += 1
            } catch {
                XCTFail("\(mutation.summary): threw \(type(of: error)) \(error), not ImageCodecError")
            }
        }
        guardRail.end()
        let elapsed = Date().timeIntervalSince(started)
        print("MutationTests: \(caseCount) cases over \(corpus.count) files in \(String(format: "%.1f", elapsed)) s: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertGreaterThanOrEqual(caseCount, 10_000)
        XCTAssertEqual(outcomes.values.reduce(0, +), caseCount)
        XCTAssertEqual(Set(kinds.keys), Set(MutationCase.Kind.allCases), "every kind of damage was tried")
        // The mutations must reach deep code, not only the signature check.
        XCTAssertGreaterThan(outcomes["decoded", default: 0], caseCount / 50)
        XCTAssertGreaterThan(outcomes["corrupt", default: 0] + outcomes["truncated", default: 0], caseCount / 4)
    }

    /// The same seed gives the same damaged bytes (so a reported case can be replayed).
    func testCasesAreReproducible() throws {
        let corpus = try Self.corpus()
        for index in [0, 1, 77, 9_999] {
            XCTAssertEqual(MutationCase(index: index, corpus: corpus).bytes, MutationCase(index: index, corpus: corpus).bytes)
        }
        XCTAssertNotEqual(MutationCase(index: 5, corpus: corpus).bytes, MutationCase(index: 6, corpus: corpus).bytes)
    }
}

/// One damaged file, derived only from its index and the corpus.
struct MutationCase {
    enum Kind: String, CaseIterable { case bitFlips, byteOverwrites, truncation, splice, headerSize, rangeEdit }

    let kind: Kind
    let bytes: [UInt8]
    let summary: String

    static func seed(_ index: Int) -> UInt64 { 0x5EED_0F_DA_4A6E &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15 }

    init(index: Int, corpus: [(name: String, bytes: [UInt8])]) {
        var random = MutationRandom(seed: Self.seed(index))
        let source = corpus[random.below(corpus.count)]
        var bytes = source.bytes
        kind = Kind.allCases[index % Kind.allCases.count]
        var detail = ""
        switch kind {
        case .bitFlips:
            let flips = 1 + random.below(8)
            for _ in 0..<flips { bytes[random.below(bytes.count)] ^= 1 << UInt8(random.below(8)) }
            detail = "\(flips) bit flips"
        case .byteOverwrites:
            let writes = 1 + random.below(4)
            for _ in 0..<writes {
                let values: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, UInt8(truncatingIfNeeded: random.next())]
                bytes[random.below(bytes.count)] = values[random.below(values.count)]
            }
            detail = "\(writes) byte overwrites"
        case .truncation:
            let keep = random.below(bytes.count)
            bytes.removeSubrange(keep...)
            detail = "truncated to \(keep) bytes"
        case .splice:
            let other = corpus[random.below(corpus.count)]
            let cut = random.below(bytes.count)
            let from = random.below(other.bytes.count)
            bytes = Array(bytes[..<cut]) + Array(other.bytes[from...])
            detail = "first \(cut) bytes + \(other.name) from \(from)"
        case .headerSize:
            detail = Self.tamperSizes(&bytes, &random)
        case .rangeEdit:
            let start = random.below(bytes.count)
            let length = 1 + random.below(min(64, bytes.count - start))
            if random.below(2) == 0 {
                bytes.removeSubrange(start..<(start + length))
                detail = "deleted \(length) bytes at \(start)"
            } else {
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: start)
                detail = "duplicated \(length) bytes at \(start)"
            }
        }
        self.bytes = bytes
        summary = "\(kind.rawValue) of \(source.name): \(detail)"
    }

    /// Rewrites a size field the decoder trusts: PNG IHDR width/height or a chunk length;
    /// JPEG SOF height/width or a marker segment length.
    static func tamperSizes(_ bytes: inout [UInt8], _ random: inout MutationRandom) -> String {
        let interesting: [UInt32] = [0, 1, 2, 0x7FFF, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 3000, 17]
        func value() -> UInt32 {
            random.below(3) == 0 ? UInt32(truncatingIfNeeded: random.next()) : interesting[random.below(interesting.count)]
        }
        func put16(_ v: UInt32, at i: Int) { if i + 1 < bytes.count { bytes[i] = UInt8(v >> 8 & 0xFF); bytes[i + 1] = UInt8(v & 0xFF) } }
        func put32(_ v: UInt32, at i: Int) { if i + 3 < bytes.count { for k in 0..<4 { bytes[i + k] = UInt8(v >> (24 - 8 * UInt32(k)) & 0xFF) } } }
        if PNGDecoder.matches(bytes) {
            // Chunk boundaries: 8-byte signature, then (length, type, data, crc).
            var offsets: [Int] = []
            var at = 8
            while at + 8 <= bytes.count, offsets.count < 64 {
                offsets.append(at)
                let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                at += 12 + length
            }
            let v = value()
            switch random.below(3) {
            case 0: put32(v, at: 16); return "PNG IHDR width = \(v)"
            case 1: put32(v, at: 20); return "PNG IHDR height = \(v)"
            default:
                let chunk = offsets.isEmpty ? 8 : offsets[random.below(offsets.count)]
                put32(v, at: chunk)
                return "PNG chunk length at \(chunk) = \(v)"
            }
        }
        // JPEG: marker segments with lengths, up to the first SOS.
        var segments: [(marker: UInt8, at: Int)] = []
        var at = 2
        while at + 4 <= bytes.count, bytes[at] == 0xFF, segments.count < 64 {
            let marker = bytes[at + 1]
            segments.append((marker, at))
            if marker == 0xDA { break }
            at += 2 + (Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]))
        }
        let v = value() & 0xFFFF
        if let frame = segments.first(where: { (0xC0...0xCF).contains($0.marker) && ![0xC4, 0xC8, 0xCC].contains($0.marker) }),
           random.below(3) != 0 {
            // SOF: length(2) precision(1) height(2) width(2) components(1) …
            if random.below(2) == 0 { put16(v, at: frame.at + 5); return "JPEG SOF height = \(v)" }
            put16(v, at: frame.at + 7)
            return "JPEG SOF width = \(v)"
        }
        guard !segments.isEmpty else { put16(v, at: 4); return "JPEG bytes 4…5 = \(v)" }
        let segment = segments[random.below(segments.count)]
        put16(v, at: segment.at + 2)
        return String(format: "JPEG segment FF%02X length = %u", segment.marker, v)
    }
}

/// SplitMix64, the mutation cases' generator.
struct MutationRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform-enough integer in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}

/// Names the running case if the process traps or a case hangs, so a failure is reproducible.
private nonisolated(unsafe) var crashReportText = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
private nonisolated(unsafe) var crashReportProgress: UInt64 = 0

final class CrashReporter: @unchecked Sendable {
    private var previous: [Int32: sigaction] = [:]
    private var watchdog: DispatchSourceTimer?
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    func install() {
        crashReportText.initialize(repeating: 0, count: 512)
        for signal in Self.signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { signal in
                let prefix = "\nMutationTests: process died (signal \(signal)) in "
                _ = prefix.withCString { write(2, $0, strlen($0)) }
                _ = write(2, crashReportText, strlen(crashReportText))
                _ = write(2, "\n", 1)
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
            }
            #else
            action.__sigaction_u.__sa_handler = { signal in
                _ = write(2, crashReportText, strlen(crashReportText))
                Darwin.signal(signal, SIG_DFL)
                raise(signal)
            }
            #endif
            var old = sigaction()
            sigaction(signal, &action, &old)
            previous[signal] = old
        }
        // Watchdog: if the progress counter stands still for 20 s, one case hangs.
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        var lastSeen: UInt64 = .max
        var stalledSince = Date()
        timer.schedule(deadline: .now() + 5, repeating: 5)
        timer.setEventHandler {
            let now = crashReportProgress
            if now != lastSeen {
                lastSeen = now
                stalledSince = Date()
            } else if now != 0, Date().timeIntervalSince(stalledSince) > 20 {
                fatalError("MutationTests: a decode hangs (> 20 s) in " + String(cString: crashReportText))
            }
        }
        timer.resume()
        watchdog = timer
    }

    func begin(_ description: String) {
        description.withCString { text in
            let count = min(strlen(text), 511)
            crashReportText.update(from: text, count: count)
            crashReportText[count] = 0
        }
        crashReportProgress &+= 1
    }

    func end() { crashReportProgress = 0 }

    func uninstall() {
        watchdog?.cancel()
        watchdog = nil
        for (signal, var old) in previous { sigaction(signal, &old, nil) }
        previous = [:]
    }
}
