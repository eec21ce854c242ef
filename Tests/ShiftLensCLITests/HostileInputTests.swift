import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// No input file may crash, hang or exhaust the machine (issue #14; docs/security.md).
///
/// Every file of `Fixtures/hostile` (written by its make_hostile.py, listed with the command,
/// the expected message and a peak-memory bound in `hostile.json`) and every case built here at
/// run time (FIFOs, device links, sparse files, an 8 MiB JSON header, symlink loops) runs the
/// built `shiftlens` binary as a child process and requires: exit code 1 (no signal), an error
/// naming the file and the problem, an end within `timeLimit` (generous: a hang is the failure,
/// not speed), and a peak resident set under the case's bound.
///
/// The peak is measured by GNU time (`/usr/bin/time -f %M`), not by this process's `wait4`: a
/// child started with `posix_spawn` shares this process's memory until it calls `exec`, and
/// Linux then carries this process's own peak (well over 100 MiB once other tests have run)
/// into the child's `ru_maxrss`. GNU time forks a copy of its own small process before `exec`,
/// so its figure is the binary's alone. Without GNU time the bounds are not checked (a note is
/// printed); `.ci/run` installs it and sets SHIFTLENS_REQUIRE_GNU_TIME=1 so CI fails instead.
final class HostileInputTests: XCTestCase {
    static let root = EmbedTests.root
    static let corpus = root.appendingPathComponent("Tests/ShiftLensCLITests/Fixtures/hostile")
    /// Longest a case may run: hangs were endless, the slowest refusal takes a few seconds.
    static let timeLimit: Double = 20

    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    struct Manifest: Decodable {
        struct Case: Decodable {
            var command: [String]
            /// Text the error must contain; nil for a legitimate file that must decode (exit 0).
            var expect: String?
            var max_rss_mib: Int
            var copy: [String: String]?
            var why: String
        }
        var cases: [String: Case]
    }

    func testEveryCorpusFileIsRefusedCleanly() throws {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.corpus.appendingPathComponent("hostile.json")))
        XCTAssertGreaterThanOrEqual(manifest.cases.count, 25)
        for (name, entry) in manifest.cases.sorted(by: { $0.key < $1.key }) {
            let file = Self.corpus.appendingPathComponent(name)
            let folder = scratch.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if let copies = entry.copy {
                try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent))
                for (target, source) in copies {
                    try FileManager.default.copyItem(at: Self.root.appendingPathComponent(source), to: folder.appendingPathComponent(target))
                }
            }
            let arguments = entry.command.map {
                $0.replacingOccurrences(of: "{file}", with: file.path)
                    .replacingOccurrences(of: "{out}", with: folder.appendingPathComponent("out").path)
                    .replacingOccurrences(of: "{dir}", with: folder.path)
            }
            let named = entry.copy == nil && entry.expect != nil ? file.lastPathComponent : nil
            check(name, arguments, expect: entry.expect, naming: named, maxRSSMiB: entry.max_rss_mib)
        }
    }

    // MARK: Files that cannot be committed

    func testPipesAndDevicesAreNotRegularFiles() throws {
        let fifo = scratch.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        // The same FIFO under the names each command expects; nobody ever writes to it.
        for (name, command) in [("image.png", ["decode", "{}", "--out", scratch.appendingPathComponent("x.npy").path]),
                                ("model.safetensors", ["inspect", "{}"]), ("model.pt", ["inspect", "{}"]),
                                ("pilot.json", ["run", "{}"]), ("array.npy", ["probe", "--embeddings", "{}", "--head", "{}"])] {
            let link = scratch.appendingPathComponent(name)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: fifo)
            check(name, command.map { $0 == "{}" ? link.path : $0 }, expect: "not a regular file", naming: name, maxRSSMiB: 128)
        }
        let zero = scratch.appendingPathComponent("zero.png")
        try FileManager.default.createSymbolicLink(at: zero, withDestinationURL: URL(fileURLWithPath: "/dev/zero"))
        check("/dev/zero", ["decode", zero.path, "--out", scratch.appendingPathComponent("y.npy").path],
              expect: "not a regular file (a character device)", naming: "zero.png", maxRSSMiB: 128)
    }

    func testImageFilesAboveTheSizeLimitAreNotRead() throws {
        // 300 MB of holes: no disk space, and reading it would cost 300 MB of memory.
        let huge = scratch.appendingPathComponent("huge.png")
        XCTAssertTrue(FileManager.default.createFile(atPath: huge.path, contents: Data(PNGSignature.bytes)))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        check("sparse 300 MB", ["decode", huge.path, "--out", scratch.appendingPathComponent("z.npy").path],
              expect: "larger than the limit of 268435456 bytes", naming: "huge.png", maxRSSMiB: 128)
    }

    func testLargestAcceptedSafetensorsHeaderStaysBounded() throws {
        // An 8 MiB header (the limit) of four million shape entries: the costliest JSON a header can hold.
        let count = (8 << 20) / 2 - 64
        var header = Array(#"{"w":{"dtype":"F32","shape":["#.utf8)
        header.reserveCapacity(8 << 20)
        for index in 0..<count { header += index == 0 ? [0x31] : [0x2C, 0x31] }
        header += Array(#"],"data_offsets":[0,4]}}"#.utf8)
        XCTAssertLessThanOrEqual(header.count, 8 << 20)
        let length = UInt64(header.count)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + [0, 0, 0, 0]
        let file = scratch.appendingPathComponent("big-header.safetensors")
        try Data(bytes).write(to: file)
        check("8 MiB header", ["inspect", file.path], expect: "cannot tell the architecture", naming: "big-header.safetensors", maxRSSMiB: 512)
    }

    func testSymlinkLoopsInAnImageFolderAreWalkedOnce() throws {
        let folder = scratch.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent("png-too-many-pixels.png"), to: folder.appendingPathComponent("a.png"))
        for index in 0..<3 {
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("loop\(index)").path, withDestinationPath: ".")
        }
        let model = EmbedTests.fixtures.appendingPathComponent("model.safetensors").path
        let result = check("symlink loops", ["embed", "--model", model, "--images", folder.path, "--out", scratch.appendingPathComponent("e.npy").path],
                           expect: "exceeds the limit of 100000000 pixels", naming: "a.png", maxRSSMiB: 512)
        // The one image is seen (and skipped) once, not once per path through the loops.
        XCTAssertEqual(result.err.components(separatedBy: "warning: skipped").count - 1, 1, result.err)
    }

    func testPilotImageSizeMustBeTheModelsOwn() throws {
        // image_size 4096 would have queued 200 MB crops before the tower refused the first batch.
        let folder = scratch.appendingPathComponent("pilot")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data/ref/part"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("../shared/data/images/pngsuite-subset/basn2c08.png").standardized,
                                         to: folder.appendingPathComponent("data/ref/part/a.png"))
        try Data("part\n".utf8).write(to: folder.appendingPathComponent("classes.txt"))
        try Data("a {c}.\n".utf8).write(to: folder.appendingPathComponent("templates.txt"))
        let weights = Self.root.appendingPathComponent("assets/demo-models/demo-diverse/open_clip_model.safetensors").path
        let spec = #"{"pilot": "s", "classes": {"names": "classes.txt", "templates": "templates.txt"}, "domains": [{"name": "ref", "path": "data/ref", "role": "reference"}], "models": [{"name": "m", "weights": "\#(weights)", "image_size": 4096}]}"#
        try Data(spec.utf8).write(to: folder.appendingPathComponent("pilot.json"))
        check("image_size 4096", ["run", folder.appendingPathComponent("pilot.json").path, "--site", folder.appendingPathComponent("site").path],
              expect: "image_size 4096 in the pilot does not match the model's input size 64", naming: "open_clip_model.safetensors", maxRSSMiB: 256)
    }

    func testDecodeMemoryLimitComesFromTheEnvironment() throws {
        let image = Self.corpus.appendingPathComponent("png-rgb8-100mp.png")
        let out = scratch.appendingPathComponent("p.npy").path
        check("100 MP with 256 MiB", ["preprocess", image.path, "--out", out], expect: "more than the limit of 256 MiB",
              naming: "png-rgb8-100mp.png", maxRSSMiB: 128, environment: ["SHIFTLENS_MAX_DECODE_MEMORY": "\(256 << 20)"])
        check("bad setting", ["preprocess", image.path, "--out", out], expect: "SHIFTLENS_MAX_IMAGE_PIXELS must be a positive whole number",
              naming: nil, maxRSSMiB: 128, environment: ["SHIFTLENS_MAX_IMAGE_PIXELS": "lots"])
    }

    // MARK: Running the binary

    struct ChildResult {
        var status: Int32?
        var signal: Int32?
        var seconds: Double
        /// Peak resident set of the binary, nil without GNU time.
        var maxRSSMiB: Double?
        var out: String
        var err: String
    }

    /// Runs `shiftlens` with `arguments` and checks the outcome; `expect` nil means the run must succeed.
    @discardableResult
    func check(_ label: String, _ arguments: [String], expect: String?, naming name: String?, maxRSSMiB: Int,
               environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) -> ChildResult {
        let result = runChild(arguments, environment: environment)
        let context = "\(label): \(arguments.joined(separator: " "))\n\(result.err)"
        XCTAssertNil(result.signal, "killed by signal \(result.signal ?? 0) — \(context)", file: file, line: line)
        XCTAssertLessThan(result.seconds, Self.timeLimit, "took \(result.seconds) s — \(context)", file: file, line: line)
        if let peak = result.maxRSSMiB {
            XCTAssertLessThan(peak, Double(maxRSSMiB), "peak RSS \(Int(peak)) MiB — \(context)", file: file, line: line)
        } else if ProcessInfo.processInfo.environment["SHIFTLENS_REQUIRE_GNU_TIME"] == "1" {
            XCTFail("peak RSS not measured: \(Self.gnuTime) (GNU time) is missing — \(context)", file: file, line: line)
        } else if !Self.notedMissingGNUTime {
            Self.notedMissingGNUTime = true
            print("note: peak-memory bounds not checked: \(Self.gnuTime) (GNU time, package `time`) is missing")
        }
        if let expect {
            XCTAssertEqual(result.status, 1, context, file: file, line: line)
            XCTAssertTrue(result.err.contains(expect), "expected '\(expect)' — \(context)", file: file, line: line)
        } else {
            XCTAssertEqual(result.status, 0, context, file: file, line: line)
        }
        if let name { XCTAssertTrue(result.err.contains(name) || result.out.contains(name), "the message does not name \(name) — \(context)", file: file, line: line) }
        return result
    }

    static let gnuTime = "/usr/bin/time"
    nonisolated(unsafe) static var notedMissingGNUTime = false

    /// Spawns the binary (under GNU time when it exists, to measure its peak memory) in a process
    /// group of its own, and kills the group after `timeLimit` + 10 s.
    func runChild(_ arguments: [String], environment extra: [String: String]) -> ChildResult {
        let binary = productsDirectory.appendingPathComponent("shiftlens").path
        let outPath = scratch.appendingPathComponent("stdout-\(UUID().uuidString)").path
        let errPath = scratch.appendingPathComponent("stderr-\(UUID().uuidString)").path
        let rssPath = scratch.appendingPathComponent("rss-\(UUID().uuidString)").path
        var environment = ProcessInfo.processInfo.environment
        environment["SHIFTLENS_CACHE"] = scratch.appendingPathComponent("cache").path
        for (key, value) in extra { environment[key] = value }
        let timed = FileManager.default.isExecutableFile(atPath: Self.gnuTime)
        let command = timed ? [Self.gnuTime, "-f", "%M", "-o", rssPath, binary] + arguments : [binary] + arguments

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        let started = Date()
        var pid: pid_t = 0
        guard posix_spawn(&pid, command[0], &actions, &attributes, argv, envp) == 0 else {
            XCTFail("cannot start \(command[0])")
            return ChildResult(status: nil, signal: nil, seconds: 0, maxRSSMiB: nil, out: "", err: "")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date().timeIntervalSince(started) > Self.timeLimit + 10 {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(5000)
        }
        let seconds = Date().timeIntervalSince(started)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var exitStatus: Int32? = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : nil
        var signal: Int32? = (status & 0x7F) == 0 ? nil : status & 0x7F
        var peak: Double?
        if timed {
            // GNU time writes "Command terminated by signal N" (and exits 128 + N) when the
            // binary was killed, "Command exited with non-zero status N" when it failed, then
            // the peak in KiB on the last line.
            let lines = read(rssPath).split(separator: "\n")
            if let last = lines.last, let kib = Double(last) { peak = kib / 1024 }
            if let first = lines.first, first.hasPrefix("Command terminated by signal "),
               let number = Int32(first.dropFirst("Command terminated by signal ".count)) {
                signal = number
                exitStatus = nil
            }
        }
        return ChildResult(status: exitStatus, signal: signal, seconds: seconds, maxRSSMiB: peak,
                           out: read(outPath), err: read(errPath))
    }
}

private enum PNGSignature {
    static let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
}
