import Foundation
import Pilot
import Pipeline
import Support

/// What `shiftlens --version` (and `shiftlens version`) prints: the version, the commit the
/// installed copy was built from, the CPU level it was compiled for and what this CPU offers.
enum BuildInfo {
    /// The `SHIFTLENS_CPU` the binary was compiled for (Package.swift defines `SHIFTLENS_CPU_<name>`).
    static var targetCPU: String {
        #if SHIFTLENS_CPU_native
        return "native (-march=native: the CPU of the build machine)"
        #elseif SHIFTLENS_CPU_x86_64_v3
        return "x86-64-v3 (AVX2, FMA)"
        #elseif SHIFTLENS_CPU_x86_64_v4
        return "x86-64-v4 (AVX-512)"
        #elseif SHIFTLENS_CPU_portable
        return "portable (no -march; slow kernels)"
        #else
        return "the SHIFTLENS_CPU given at build time"
        #endif
    }

    /// The vector features the kernels can use, as /proc/cpuinfo names them.
    static let relevantFeatures = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16"]

    /// `commit` from `share/shiftlens/build-info` beside the assets, written by scripts/install.sh;
    /// nil for a binary that was not installed that way (a checkout build, a tarball without git).
    static func commit(assets: Assets?) -> String? {
        guard let assets,
              let text = try? String(contentsOf: assets.root.deletingLastPathComponent().appendingPathComponent("build-info"), encoding: .utf8)
        else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("commit=") }.map { String($0.dropFirst("commit=".count)) }
    }

    static func text() -> String {
        let assets = try? Assets.locate()
        var lines = ["shiftlens \(ShiftLensCLI.version)"]
        lines.append("commit: \(commit(assets: assets) ?? "unknown (not installed by scripts/install.sh)")")
        lines.append("compiled for: \(targetCPU)")
        let model = Machine.cpuModel ?? "unknown CPU"
        if let flags = Machine.cpuFlags {
            lines.append("this CPU: \(model); \(relevantFeatures.filter(flags.contains).joined(separator: " "))")
        } else {
            lines.append("this CPU: \(model)")
        }
        lines.append("assets: \(assets?.root.path ?? "not found")")
        return lines.joined(separator: "\n")
    }
}
