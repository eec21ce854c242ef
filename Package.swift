// swift-tools-version:6.0
//
// ShiftLens — no package dependencies: standard library, Foundation, Dispatch,
// XCTest / Swift Testing only.
//
// Build flags. The SIMD kernels need the CPU's vector features at compile time
// (a SIMD16<Float> kernel runs at ~0.7 GFLOP/s without them and ~95 with them), so
// every target is compiled with `-march=native` unless SHIFTLENS_PORTABLE=1 is set
// in the environment of `swift build` (for binaries that must run on other CPUs).
// The compute-heavy modules are optimised even in debug builds so that the test
// suite (bit-exact decoding of hundreds of images, mutation tests, small models)
// stays fast; their `@testable` imports still work because SwiftPM keeps
// `-enable-testing` on.
import PackageDescription
import Foundation

let portable = ProcessInfo.processInfo.environment["SHIFTLENS_PORTABLE"].map { $0 != "0" && !$0.isEmpty } ?? false
let native: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-Xcc", "-march=native"])]
let hot: [SwiftSetting] = native + [.unsafeFlags(["-Ounchecked"])]
let plain: [SwiftSetting] = native

let package = Package(
    name: "ShiftLens",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "shiftlens", targets: ["shiftlens"]),
    ],
    targets: [
        .target(name: "Support", swiftSettings: hot),
        .target(name: "ImageCodec", dependencies: ["Support"], swiftSettings: hot),
        .target(name: "Tensor", dependencies: ["Support"], swiftSettings: hot + [.unsafeFlags(["-cross-module-optimization"])]),
        .target(name: "Weights", dependencies: ["Support", "Tensor"], swiftSettings: hot),
        .target(name: "CLIP", dependencies: ["Support", "ImageCodec", "Tensor", "Weights"], swiftSettings: hot),
        .target(name: "Pilot", dependencies: ["ImageCodec"], swiftSettings: plain),
        .target(name: "Embeddings", dependencies: ["Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot"], swiftSettings: plain),
        .target(name: "Results", dependencies: ["Support"], swiftSettings: plain),
        .target(name: "Probes", dependencies: ["Support", "Tensor", "Results"], swiftSettings: hot),
        .target(name: "Site", dependencies: ["Results", "Probes"], swiftSettings: plain),
        .target(
            name: "Pipeline",
            dependencies: ["Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot", "Embeddings", "Results", "Probes", "Site"],
            swiftSettings: hot),
        .target(name: "ShiftLensBenchmarks", dependencies: ["Support", "Tensor", "Weights", "Probes"], swiftSettings: hot),
        .target(
            name: "ShiftLensCLI",
            dependencies: ["Support", "ImageCodec", "Tensor", "Weights", "CLIP", "Pilot", "Embeddings", "Results", "Probes", "Site", "Pipeline", "ShiftLensBenchmarks"],
            swiftSettings: hot),
        .executableTarget(name: "shiftlens", dependencies: ["ShiftLensCLI"], swiftSettings: plain),

        .testTarget(name: "SupportTests", dependencies: ["Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "ImageCodecTests", dependencies: ["ImageCodec", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings"], swiftSettings: plain),
        .testTarget(name: "PilotTests", dependencies: ["Pilot"], swiftSettings: plain),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "WeightsTests", dependencies: ["Weights", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "ImageCodec", "Support", "Tensor", "Weights"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "SiteTests", dependencies: ["Site", "Results", "Probes", "Support", "Tensor"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "Results", "Support", "Tensor"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "CLIP", "Embeddings", "ImageCodec", "Pilot", "Support", "Tensor", "Weights"], swiftSettings: plain),
        .testTarget(name: "ShiftLensCLITests", dependencies: ["ShiftLensCLI", "shiftlens", "Pipeline", "Results", "ShiftLensBenchmarks", "Support"], exclude: ["Fixtures"], swiftSettings: plain),
    ]
)
