import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place ShiftLens's compute threads live.
///
/// A fixed set of worker threads is created once (lazily, on first use) and parked on a
/// condition variable between jobs. A job is split ggml-style: every participant gets
/// `(index, count)` and computes its own share; the calling thread is participant 0, so
/// a pool of `n` threads owns `n − 1` workers. Kernels call `parallelFor`; they never
/// spawn threads.
///
/// Waking parked workers costs a few microseconds per job (futex wake-up). Kernels run
/// ~100 jobs per encoded batch of several hundred milliseconds, so the pool does not
/// spin: on this machine two cores are shared by many processes and spinning would
/// steal them.
///
/// Re-entrancy: a job submitted while the pool is busy — from inside a running job
/// (nested) or from another thread at the same time (concurrent) — runs entirely on the
/// submitting thread as a single participant. It is never queued, so it cannot
/// deadlock, and the results are the same because every kernel's output is independent
/// of how its work is split.
public final class ThreadPool: @unchecked Sendable {
    // @unchecked Sendable: every mutable stored property below is read and written only
    // while `mutex` is held, except `jobBody`, which is written before `generation`
    // is bumped under the lock and read by workers after they observe the new
    // generation under the same lock (happens-before through the mutex).

    /// The process-wide pool, sized to the active processor count (or the
    /// `SHIFTLENS_THREADS` environment variable when it is a positive integer).
    public static let shared = ThreadPool(threadCount: ThreadPool.defaultThreadCount)

    /// `SHIFTLENS_THREADS` when set to a positive integer, else the active processor count.
    public static var defaultThreadCount: Int {
        if let text = ProcessInfo.processInfo.environment["SHIFTLENS_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let workDone = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Serialises submitters; `pthread_mutex_trylock` failing means "busy → run inline".
    private let submission = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    private var participants: Int
    private var workers = 0
    private var generation = 0
    private var pending = 0
    private var jobBody: ((Int, Int) -> Void)?
    private var jobParticipants = 0

    /// A pool whose jobs run on `threadCount` threads (the caller plus `threadCount − 1`
    /// workers). Workers are started on the first job that needs them.
    public init(threadCount: Int) {
        participants = max(1, threadCount)
        pthread_mutex_init(mutex, nil)
        pthread_mutex_init(submission, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(workDone, nil)
    }

    // Workers hold a strong reference to the pool, so a pool with started workers lives
    // for the whole process (like `shared`); pools used in tests are small and few.

    /// How many threads a job runs on (including the caller).
    public var threadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return participants
    }

    /// Sets how many threads later jobs run on (at least 1). A job already running keeps
    /// the count it started with. Threads already started stay parked when the count
    /// shrinks and are reused when it grows again.
    public func setThreadCount(_ count: Int) {
        pthread_mutex_lock(mutex)
        participants = max(1, count)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `body(index, count)` once for every `index` in `0..<count`, concurrently, where
    /// `count` is the number of participating threads; returns when all have finished.
    ///
    /// `body` runs on several threads at once: it must only write data that belongs to
    /// its own `index` (the kernels partition output rows). It is not `@Sendable` because
    /// kernels capture raw pointers; like `DispatchQueue.concurrentPerform`, the pool
    /// guarantees that `body` does not outlive this call.
    public func run(_ body: (_ index: Int, _ count: Int) -> Void) {
        guard pthread_mutex_trylock(submission) == 0 else {
            body(0, 1)
            return
        }
        defer { pthread_mutex_unlock(submission) }
        pthread_mutex_lock(mutex)
        let count = participants
        if count == 1 {
            pthread_mutex_unlock(mutex)
            body(0, 1)
            return
        }
        startWorkers(upTo: count - 1)
        withoutActuallyEscaping(body) { escapable in
            jobBody = escapable
            jobParticipants = count
            pending = count - 1
            generation &+= 1
            pthread_cond_broadcast(workAvailable)
            pthread_mutex_unlock(mutex)

            escapable(0, count)

            pthread_mutex_lock(mutex)
            while pending > 0 { pthread_cond_wait(workDone, mutex) }
            jobBody = nil
            pthread_mutex_unlock(mutex)
        }
    }

    /// Splits `0..<count` into one contiguous range per participating thread (sizes
    /// differ by at most one; empty ranges are skipped) and runs `body` on each range.
    /// With `count` smaller than the thread count only `count` threads get work.
    public func parallelFor(count: Int, _ body: (_ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        if count == 1 {
            body(0..<1)
            return
        }
        run { index, participants in
            let range = ThreadPool.share(of: count, index: index, count: participants)
            if !range.isEmpty { body(range) }
        }
    }

    /// Hands out `0..<count` one index at a time to whichever participant asks next.
    ///
    /// For work items of uneven cost, or on a machine where one thread may be descheduled
    /// for a while: a static split would leave the others waiting for the slowest share.
    /// Which thread computes an item never changes the item's result.
    public final class WorkQueue: @unchecked Sendable {
        private var next = 0
        private let count: Int
        private let lock = NSLock()

        public init(count: Int) {
            self.count = count
        }

        /// The next unclaimed index, or nil when every index has been handed out.
        public func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    /// Participant `index`'s share of `0..<total` split into `count` nearly equal
    /// contiguous ranges.
    public static func share(of total: Int, index: Int, count: Int) -> Range<Int> {
        let base = total / count, extra = total % count
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// Must be called with `mutex` held.
    private func startWorkers(upTo needed: Int) {
        while workers < needed {
            workers += 1
            let index = workers
            let seen = generation
            let thread = Thread { [self] in self.workerLoop(index: index, seenGeneration: seen) }
            thread.name = "shiftlens-compute-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func workerLoop(index: Int, seenGeneration: Int) {
        var seen = seenGeneration
        pthread_mutex_lock(mutex)
        while true {
            while generation == seen { pthread_cond_wait(workAvailable, mutex) }
            seen = generation
            let body = jobBody
            let count = jobParticipants
            guard index < count, let body else { continue }
            pthread_mutex_unlock(mutex)
            body(index, count)
            pthread_mutex_lock(mutex)
            pending -= 1
            if pending == 0 { pthread_cond_signal(workDone) }
        }
    }
}
