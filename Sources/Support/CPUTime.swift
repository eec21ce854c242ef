#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time — on a machine shared with other jobs, the fairer clock for "how much work was
/// this": wall time stretches when another process holds a core, CPU time does not.
public enum CPUTime {
    /// User + system CPU seconds of the whole process so far, all threads (`getrusage(RUSAGE_SELF)`).
    public static var process: Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU seconds the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`): the work
    /// of one section of code even while other threads run.
    public static var thread: Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
