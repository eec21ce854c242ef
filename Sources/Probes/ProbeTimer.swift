import Foundation
import Support

/// Thread CPU seconds spent in each probe, collected only while enabled (by
/// `shiftlens probe --bench`), so the benchmark can say where the time goes.
///
/// Sections nest: a "(total)" section includes the sections named after it with the same
/// prefix (e.g. "distance (total)" holds "distance: Fréchet").
///
/// Sections may run on several threads at once (domains are probed concurrently); each
/// thread's own CPU clock is read, so the totals add up to the process's CPU time spent
/// inside the sections, not to wall time.
public final class ProbeTimer: @unchecked Sendable {
    public static let shared = ProbeTimer()

    private let lock = NSLock()
    private var enabled = false
    private var totals: [String: Double] = [:]

    /// Starts collecting from zero.
    public func start() {
        lock.withLock {
            enabled = true
            totals = [:]
        }
    }

    /// Stops collecting and returns CPU seconds per section, largest first.
    public func stop() -> [(section: String, seconds: Double)] {
        lock.withLock {
            enabled = false
            return totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Runs `body`, adding its thread CPU time to `section` when collecting.
    @inline(__always)
    func measure<T>(_ section: String, _ body: () throws -> T) rethrows -> T {
        guard lock.withLock({ enabled }) else { return try body() }
        let start = CPUTime.thread
        defer {
            let spent = CPUTime.thread - start
            lock.withLock { totals[section, default: 0] += spent }
        }
        return try body()
    }
}
