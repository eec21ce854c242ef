import Foundation

/// What the process can tell about the machine it runs on, for run manifests and benchmark
/// reports — the one place that reads /proc/cpuinfo.
public enum Machine {
    /// The CPU model (`model name` in /proc/cpuinfo), or nil where the system does not say (macOS).
    public static var cpuModel: String? {
        cpuinfo("model name").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The CPU's feature flags (`flags` in /proc/cpuinfo: `avx2`, `fma`, `avx512f`, …), or nil
    /// where the system does not say (macOS).
    public static var cpuFlags: Set<String>? {
        cpuinfo("flags").map { Set($0.split(separator: " ").map(String.init)) }
    }

    /// The value after the colon of the first /proc/cpuinfo line starting with `field`.
    private static func cpuinfo(_ field: String) -> Substring? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...]
    }
}
