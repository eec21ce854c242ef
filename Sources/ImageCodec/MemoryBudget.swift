import Foundation

/// Bytes that work running on several threads at once (decoding images) may hold together.
///
/// `DecodingLimits.maxMemory` bounds one decode; this bounds all of them, so that decode
/// threads do not multiply the worst case: a thread reserves what its image needs
/// (`ImageFile.layout(_:)`) before decoding and gives it back after, waiting while the
/// others hold too much. Reservations are granted in the order they were asked for, so a
/// large image is not starved by a stream of small ones. A reservation larger than the whole
/// capacity can never be granted and is `ImageCodecError.exceedsMemory` at once.
public final class MemoryBudget: @unchecked Sendable {
    public let capacity: Int
    private let condition = NSCondition()
    private var held = 0
    private var nextTicket = 0
    private var serving = 0

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Bytes reserved at the moment (for tests and diagnostics).
    var reserved: Int { condition.withLock { held } }

    /// Runs `body` while `bytes` are reserved.
    public func withReservation<Result>(_ bytes: Int, _ body: () throws -> Result) throws -> Result {
        let bytes = max(0, bytes)
        guard bytes <= capacity else { throw ImageCodecError.exceedsMemory(needed: bytes, limit: capacity) }
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        while ticket != serving || held + bytes > capacity { condition.wait() }
        held += bytes
        serving += 1
        condition.broadcast()
        condition.unlock()
        defer {
            condition.lock()
            held -= bytes
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
