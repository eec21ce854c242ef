#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-thread, grow-only scratch memory for kernels (packed GEMM panels, a convolution's
/// zero-padded input).
///
/// Kernels pack several megabytes per call (im2col patches of a 112×112 feature map);
/// allocating that fresh each call costs page faults comparable to the convolution
/// itself. Each calling thread keeps one 64-byte-aligned buffer per `Slot` that only
/// grows, so a steady stream of same-shaped calls never allocates. Thread-local rather
/// than global so that two threads calling kernels at the same time (the pool then runs
/// the second caller inline) never share a buffer.
enum Scratch {
    /// Which of a thread's buffers: a kernel that holds one while it calls the GEMM (which
    /// takes `.panels`) uses another.
    enum Slot: Int, CaseIterable {
        case panels
        case paddedInput
        /// `checkpointArgmax`'s running maxima, per participant while the caller holds `.panels`.
        case maxima
    }

    /// Owns one thread's buffer; freed when its thread exits.
    private final class Buffer {
        var pointer: UnsafeMutablePointer<Float>?
        var capacity = 0
        var inUse = false
        deinit { pointer?.deallocate() }
    }

    private static let keys: [pthread_key_t] = Slot.allCases.map { _ in
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            #if canImport(Darwin)
            Unmanaged<AnyObject>.fromOpaque(raw).release()
            #else
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
            #endif
        }
        precondition(status == 0, "pthread_key_create failed (\(status))")
        return key
    }

    /// Calls `body` with at least `count` floats of uninitialised, 64-byte-aligned
    /// memory that stays valid until `body` returns. A nested call on the same thread and
    /// slot (a kernel calling a kernel) gets a fresh temporary allocation instead.
    static func withBuffer<R>(count: Int, slot: Slot = .panels, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let key = keys[slot.rawValue]
        let buffer: Buffer
        if let raw = pthread_getspecific(key) {
            buffer = Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue()
        } else {
            buffer = Buffer()
            pthread_setspecific(key, Unmanaged.passRetained(buffer as AnyObject).toOpaque())
        }
        if buffer.inUse {
            let temporary = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: max(1, count))
            defer { temporary.deallocate() }
            return body(temporary)
        }
        if buffer.capacity < count {
            buffer.pointer?.deallocate()
            let capacity = max(count, buffer.capacity * 5 / 4)
            buffer.pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: capacity)
            buffer.capacity = capacity
        }
        buffer.inUse = true
        defer { buffer.inUse = false }
        return body(buffer.pointer!)
    }
}
