// swift-tools-version:6.0
//
// ShiftLens — no package dependencies: standard library, Foundation, Dispatch,
// XCTest / Swift Testing only. Each target's dependencies are exactly the modules its
// files import (docs/architecture.md draws the graph).
//
// Build settings, and why:
// - `targetCPU` (`-Xcc -march=<cpu>`, every target): the SIMD kernels need the CPU's vector
//   features at compile time (a SIMD16<Float> kernel runs at ~0.7 GFLOP/s without them and
//   ~95 with them). `<cpu>` comes from SHIFTLENS_CPU in the environment of `swift build`:
//   `native` (the default: the build machine's CPU), an x86-64 level such as `x86-64-v3`
//   (AVX2 + FMA) or `x86-64-v4` (AVX-512) for binaries and images that run on other machines
//   (docs/running.md, "Building for a cluster"), or `portable` for no -march at all.
//   SHIFTLENS_PORTABLE=1 is the older spelling of SHIFTLENS_CPU=portable.
// - Runtime checks stay on everywhere (no `-Ounchecked`): ShiftLens reads files downloaded
//   from the internet, and a check that fails must trap, not become undefined behaviour.
//   What that costs was measured (docs/architecture.md, "Build settings"): encoder images per
//   CPU-second 1.01× (ViT-B/32), 0.96× (RN50), 1.02× (demo model) of the -Ounchecked build;
//   JPEG decode + preprocess 0.92×, still 1.84× Pillow + open_clip.
// - `optimisedInDebug` (`-O` in debug builds) for the compute modules: the test suite decodes
//   hundreds of images bit-exactly, runs mutation tests and small models, and would take many
//   times as long unoptimised. `@testable` imports still work: SwiftPM keeps `-enable-testing`.
// - `crossModule` (`-cross-module-optimization`) for Tensor: Matrix and LinearAlgebra are
//   generic, and Probes calls them; without their bodies visible to the caller every matrix
//   access in the probes ran unspecialised (5× the CPU time of the suite).
import PackageDescription
import Foundation

let environment = ProcessInfo.processInfo.environment
let portable = environment["SHIFTLENS_PORTABLE"].map { $0 != "0" && !$0.isEmpty } ?? false
let cpu = environment["SHIFTLENS_CPU"].flatMap { $0.isEmpty ? nil : $0 } ?? (portable ? "portable" : "native")
// A CPU name is letters, digits, '-', '_' and '.' (what -march takes); anything else would end up as compiler flags.
precondition(cpu.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "SHIFTLENS_CPU=\(cpu) is not a CPU name")
let targetCPU: [SwiftSetting] = cpu == "portable" ? [] : [.unsafeFlags(["-Xcc", "-march=\(cpu)"])]
/// `shiftlens --version` says which CPU the build was compiled for (`SHIFTLENS_CPU_x86_64_v3`, …).
let cpuDefine: [SwiftSetting] = [.define("SHIFTLENS_CPU_" + cpu.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined())]
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"])]
/// Compute-heavy modules: the target CPU, optimised in debug builds too.
let compute = targetCPU + optimisedInDebug
/// Everything else: the target CPU only (debug builds unoptimised).
let plain = targetCPU

// `SHIFTLENS_FUZZ=1` adds the libFuzzer harness `shiftlens-fuzz` (docs/security.md, scripts/fuzz/run.sh):
// it links only with `-Xswiftc -sanitize=fuzzer`, so it is left out of ordinary builds.
let fuzzing = ProcessInfo.processInfo.environment["SHIFTLENS_FUZZ"] == "1"

let package = Package(
    name: "ShiftLens",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "shiftlens", targets: ["shiftlens"]),
    ],
    targets: [
        .target(name: "Support", swiftSettings: compute),
        .target(name: "ImageCodec", dependencies: ["Support"], swiftSettings: compute),
        // The AVX512_BF16 micro-kernel (C: Swift has no type for `__m512bh`); optimised in
        // debug builds too, like the Swift kernels, and chosen at run time by CPUID.
        .target(name: "BF16Kernel", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "Tensor", dependencies: ["BF16Kernel"], swiftSettings: compute + crossModule),
        .target(name: "Weights", dependencies: ["Support"], swiftSettings: compute),
        .target(name: "CLIP", dependencies: ["Support", "ImageCodec", "Tensor", "Weights"], swiftSettings: compute),
        .target(name: "Pilot", dependencies: ["Support"], swiftSettings: plain),
        .target(name: "Embeddings", dependencies: ["Support", "ImageCodec", "Tensor"], swiftSettings: compute),
        .target(name: "Results", dependencies: ["Support"], swiftSettings: plain),
        .target(name: "Probes", dependencies: ["Support", "Tensor", "Results"], swiftSettings: compute),
        .target(name: "Site", dependencies: ["Results"], swiftSettings: plain),
        .target(
            name: "Pipeline",
            dependencies: ["Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot", "Embeddings", "Results", "Probes", "Site"],
            swiftSettings: compute),
        .target(name: "ShiftLensBenchmarks", dependencies: ["Support", "Tensor", "Weights", "CLIP", "Probes"], swiftSettings: compute),
        .target(
            name: "ShiftLensCLI",
            dependencies: [
                "Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot", "Embeddings", "Results", "Probes", "Site", "Pipeline",
                "ShiftLensBenchmarks",
            ],
            swiftSettings: compute + cpuDefine),
        .executableTarget(name: "shiftlens", dependencies: ["ShiftLensCLI"], swiftSettings: plain),

        .testTarget(name: "SupportTests", dependencies: ["Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "ImageCodecTests", dependencies: ["ImageCodec", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "Support", "Tensor"], swiftSettings: plain),
        .testTarget(name: "PilotTests", dependencies: ["Pilot"], swiftSettings: plain),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Support", "BF16Kernel"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "WeightsTests", dependencies: ["Weights", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "ImageCodec", "Support", "Tensor", "Weights"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "SiteTests", dependencies: ["Site", "Results", "Probes", "Support", "Tensor"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "Results", "Support", "Tensor"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "CLIP", "Embeddings", "ImageCodec", "Pilot", "Results", "Tensor", "Weights"],
            swiftSettings: plain),
        .testTarget(
            name: "ShiftLensCLITests",
            dependencies: [
                "ShiftLensCLI", "shiftlens", "CLIP", "Embeddings", "ImageCodec", "Pilot", "Pipeline", "Probes", "Results",
                "ShiftLensBenchmarks", "Site", "Support", "Tensor", "Weights",
            ],
            exclude: ["Fixtures"], swiftSettings: plain),

        .target(
            name: "FuzzTargets", dependencies: ["Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot", "Probes"],
            swiftSettings: plain),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
    ]
)

if fuzzing {
    package.products.append(.executable(name: "shiftlens-fuzz", targets: ["shiftlens-fuzz"]))
    package.targets.append(.executableTarget(name: "shiftlens-fuzz", dependencies: ["FuzzTargets"], swiftSettings: plain))
}
