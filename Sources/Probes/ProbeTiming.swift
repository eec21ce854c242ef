import Foundation
import Support

/// Thread CPU seconds spent in each section of the probe suite, for `shiftlens probe --bench`:
/// put one in `ProbeOptions.timing`, run the suite, read `sections`. Without one (the
/// default) nothing is measured.
///
/// Sections nest: a "(total)" section includes the sections named after it with the same
/// prefix (e.g. "distance (total)" holds "distance: Fréchet").
///
/// Sections may run on several threads at once (domains are probed concurrently); each
/// thread's own CPU clock is read, so the totals add up to the process's CPU time spent
/// inside the sections, not to wall time.
package final class ProbeTiming: @unchecked Sendable {
    // @unchecked Sendable: `totals` is read and written only while `lock` is held.
    private let lock = NSLock()
    private var totals: [String: Double] = [:]

    package init() {}

    /// CPU seconds per section so far, largest first.
    package var sections: [(section: String, seconds: Double)] {
        lock.withLock {
            totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    func add(_ seconds: Double, to section: String) {
        lock.withLock { totals[section, default: 0] += seconds }
    }
}

extension ProbeTiming: Equatable {
    /// The same sink (options compare equal when they report to the same place).
    package static func == (a: ProbeTiming, b: ProbeTiming) -> Bool { a === b }
}

extension Optional where Wrapped == ProbeTiming {
    /// Runs `body`, adding its thread CPU time to `section` when there is a timing.
    @inline(__always)
    func measure<T>(_ section: String, _ body: () throws -> T) rethrows -> T {
        guard let timing = self else { return try body() }
        let start = CPUTime.thread
        defer { timing.add(CPUTime.thread - start, to: section) }
        return try body()
    }
}
