import Foundation

/// What the process can tell about the machine it runs on, for run manifests and benchmark
/// reports — the one place that reads /proc/cpuinfo.
public enum Machine {
    /// The CPU model (`model name` in /proc/cpuinfo), or nil where the system does not say (macOS).
    public static var cpuModel: String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
