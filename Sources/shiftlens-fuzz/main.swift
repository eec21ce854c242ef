import FuzzTargets
import Foundation

// The libFuzzer harness. This target exists only when Package.swift is evaluated with
// SHIFTLENS_FUZZ=1, and links only with `-sanitize=fuzzer` (which provides LLVMFuzzerRunDriver):
//
//     SHIFTLENS_FUZZ=1 swift build -c debug --build-path .build/fuzz \
//         -Xswiftc -sanitize=fuzzer,address --product shiftlens-fuzz
//
// SHIFTLENS_FUZZ_TARGET names the target (FuzzTarget's raw values); the arguments are libFuzzer's.
// With SHIFTLENS_FUZZ_SEEDS_TO=DIR the process copies the target's seeds into DIR and exits.
// scripts/fuzz/run.sh does all of this. (SwiftPM gives an executable its own `main`, so libFuzzer
// is entered through its driver function rather than its `main`; `-sanitize=fuzzer` links libFuzzer's
// `main` object all the same, which needs LLVMFuzzerTestOneInput defined.)

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) var target = FuzzTarget.jpeg

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

let environment = ProcessInfo.processInfo.environment
guard let name = environment["SHIFTLENS_FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
    FileHandle.standardError.write(Data("set SHIFTLENS_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
    exit(2)
}
target = chosen
if let folder = environment["SHIFTLENS_FUZZ_SEEDS_TO"] {
    let seeds = chosen.seeds(root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (index, seed) in seeds.enumerated() {
        FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed.bytes))
    }
    FileHandle.standardError.write(Data("\(seeds.count) seeds of \(name) written to \(folder)\n".utf8))
    FuzzTarget.scratch.remove()
    exit(0)
}
atexit { FuzzTarget.scratch.remove() }
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
