import Foundation
import ImageCodec
import Support
import Tensor

/// A flag that Ctrl-C (or a test) raises to stop a pipeline after the batch in flight.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    public var isRaised: Bool { lock.withLock { raised } }

    public func raise() { lock.withLock { raised = true } }
}

/// Encodes the images of one domain into an `EmbeddingTable`, skipping every image whose
/// bytes are already there.
///
/// `decoders` background threads read, hash, decode and preprocess images into a bounded
/// queue (two batches deep) while the calling thread runs the encoder on full batches
/// (the encoder itself uses Tensor's pool). When a batch is not full and nothing decoded
/// is waiting, the pool's threads (`helpers`) decode the missing images themselves instead
/// of idling, so a model whose encoder is faster than one decoder is limited by decoding
/// on every core, not by one decoder thread. Only the images in the queue and the batch
/// are held in memory, so a domain of any size streams through. A failing image is
/// skipped with its reason; the run goes on. Each batch is appended to the table
/// atomically, so an interrupted run loses at most the batch in flight and resumes where
/// it stopped.
///
/// With more than one decoding thread the batches are filled in completion order, so which images
/// share a batch varies from run to run; the stored rows do not, because the encoder must be
/// batch-invariant (a row depends only on its own image) — the sharding tests check this.
public enum EncodingPipeline {
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var cached: Int
        public var elapsed: TimeInterval
        /// Encoded images per second so far (cached images excluded).
        public var imagesPerSecond: Double
        public var secondsRemaining: Double?
    }

    public struct Failure: Sendable, Equatable {
        /// Why an image could not be used (Results' `SkippedImage.Code` names each case).
        public enum Cause: Sendable, Equatable {
            /// The file could not be read.
            case unreadable
            /// The decoder rejected it; nil for any other error of decoding or preprocessing.
            case undecodable(ImageCodecError?)
        }

        public var path: String
        public var cause: Cause
        public var reason: String
    }

    public struct Outcome: Sendable {
        /// The store key (SHA-256 of the file's bytes) of each input, nil where it could not be used.
        public var keys: [String?]
        public var encoded: Int
        public var cached: Int
        /// In input order.
        public var failures: [Failure]
        public var interrupted: Bool
        public var elapsed: TimeInterval
        /// Seconds the calling thread spent inside `encode` (the pure-encode share of `elapsed`).
        public var encodeSeconds: TimeInterval
        /// Seconds the calling thread waited for the decoders with a batch not yet full.
        var waitSeconds: TimeInterval
        /// Seconds the compute threads spent decoding because no decoded image was waiting.
        var helpSeconds: TimeInterval
    }

    /// - Parameters:
    ///   - files: the images, in the order `Outcome.keys` reports them.
    ///   - maxFileBytes: larger files are failures (`.unreadable`), never read (`InputFile`).
    ///   - prepare: bytes → one preprocessed input (e.g. 3×S×S floats); throws for a bad image.
    ///   - encode: `count` inputs laid end to end → `count × table dimension` floats.
    ///   - isCached: rows found here (e.g. a shared base store) count as cached and are not encoded.
    ///   - decoders: background decode threads (at least 1).
    ///   - helpers: the pool the encoder runs on; its threads decode while the encoder would
    ///     otherwise wait for a batch (nil: only the decoders decode).
    public static func run(
        files: [URL], displayPaths: [String]? = nil, table: EmbeddingTable, batchSize: Int, dimension: Int,
        maxFileBytes: Int = DecodingLimits.default.maxFileBytes,
        prepare: @escaping @Sendable ([UInt8]) throws -> [Float],
        encode: ([Float], Int) throws -> [Float],
        isCached: @escaping @Sendable (String) -> Bool = { _ in false },
        decoders: Int = 1,
        helpers: ThreadPool? = nil,
        cancel: CancellationFlag = CancellationFlag(),
        progress: (Progress) -> Void = { _ in }
    ) throws -> Outcome {
        try run(
            files: files, displayPaths: displayPaths, table: table, batchSize: batchSize, dimension: dimension, maxFileBytes: maxFileBytes,
            prepareImage: { Input(values: try prepare($0), statistics: nil) }, statistics: nil, encode: encode, isCached: isCached,
            decoders: decoders, helpers: helpers, cancel: cancel, progress: progress)
    }

    /// One image ready for the encoder, with the per-image rows measured from the same decode.
    public struct Input: Sendable {
        public var values: [Float]
        /// The image's row of the statistics table (`Statistics`), nil when none is kept.
        var statistics: [Float]?

        public init(values: [Float], statistics: [Float]?) {
            self.values = values
            self.statistics = statistics
        }
    }

    /// Per-image rows kept beside the embeddings (image statistics): measured while decoding,
    /// stored under the same key (the SHA-256 of the file's bytes) in their own table.
    public struct Statistics: Sendable {
        public var table: EmbeddingTable
        public var dimension: Int
        /// Rows found here (a shard's shared base store) are not measured again.
        public var base: EmbeddingTable?
        /// Decodes `bytes` for its row alone: for images whose embedding is cached but whose row is
        /// not (stores written before statistics were kept).
        public var measure: @Sendable ([UInt8]) throws -> [Float]

        public init(table: EmbeddingTable, dimension: Int, base: EmbeddingTable? = nil, measure: @escaping @Sendable ([UInt8]) throws -> [Float]) {
            self.table = table
            self.dimension = dimension
            self.base = base
            self.measure = measure
        }

        func has(_ key: String) -> Bool { table.contains(key) || (base?.contains(key) ?? false) }
    }

    /// As `run(…prepare:…)`, and with `statistics`, each image's row of that table, from `prepareImage`
    /// for images it encodes and from `statistics.measure` for images whose embedding is cached but
    /// whose row is missing. Rows are appended with each batch and at the end (also when interrupted);
    /// like embeddings, they depend only on the file's bytes, so batches and shards do not change them.
    public static func run(
        files: [URL], displayPaths: [String]? = nil, table: EmbeddingTable, batchSize: Int, dimension: Int,
        maxFileBytes: Int = DecodingLimits.default.maxFileBytes,
        prepareImage prepare: @escaping @Sendable ([UInt8]) throws -> Input,
        statistics: Statistics?,
        encode: ([Float], Int) throws -> [Float],
        isCached: @escaping @Sendable (String) -> Bool = { _ in false },
        decoders: Int = 1,
        helpers: ThreadPool? = nil,
        cancel: CancellationFlag = CancellationFlag(),
        progress: (Progress) -> Void = { _ in }
    ) throws -> Outcome {
        let started = Date()
        let names = displayPaths ?? files.map(\.path)
        var outcome = Outcome(keys: Array(repeating: nil, count: files.count), encoded: 0, cached: 0, failures: [], interrupted: false,
                              elapsed: 0, encodeSeconds: 0, waitSeconds: 0, helpSeconds: 0)
        let total = files.count
        guard total > 0 else { return outcome }

        // Decoders (and helpers) take the next file index from a shared counter; a key seen
        // twice in this run (identical files) is encoded once.
        let queue = BoundedQueue<Prepared>(capacity: max(2 * batchSize, 2))
        let claims = Claims()
        let load: @Sendable (Int) -> Prepared = { index in
            let bytes: [UInt8]
            do throws(InputFile.Error) {
                bytes = try InputFile.contents(of: files[index].path, maxBytes: maxFileBytes)
            } catch {
                return .failed(index: index, key: nil, cause: .unreadable, reason: error.description)
            }
            let key = SHA256.hex(bytes)
            let measures = statistics.map { !$0.has(key) && claims.claimStatisticsKey(key) } ?? false
            if table.contains(key) || isCached(key) || !claims.claimKey(key) {
                var row: [Float]?
                if measures, let statistics { row = try? statistics.measure(bytes) }
                return .cached(index: index, key: key, statistics: row)
            }
            do {
                let input = try prepare(bytes)
                return .input(index: index, key: key, values: input.values, statistics: measures ? input.statistics : nil)
            } catch {
                return .failed(index: index, key: key, cause: .undecodable(error as? ImageCodecError), reason: "\(error)")
            }
        }
        let threadCount = max(1, min(decoders, total))
        for number in 0..<threadCount {
            let thread = Thread {
                // Named from inside: on Linux, Foundation applies a name set before `start()` to
                // nothing, and the kernel keeps at most 15 bytes of it.
                Thread.current.name = "\(decoderThreadPrefix)\(number)"
                while !cancel.isRaised, let index = claims.next(below: total) { queue.push(load(index)) }
                queue.push(.end)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        var batchKeys: [String] = []
        var batchValues: [Float] = []
        var statisticsKeys: [String] = []
        var statisticsValues: [Float] = []
        func flushStatistics() throws {
            guard let statistics, !statisticsKeys.isEmpty else { return }
            try statistics.table.append(keys: statisticsKeys, values: statisticsValues, dimension: statistics.dimension)
            statisticsKeys.removeAll(keepingCapacity: true)
            statisticsValues.removeAll(keepingCapacity: true)
        }
        func keepStatistics(_ key: String, _ row: [Float]?) throws {
            guard let statistics, let row, row.count == statistics.dimension else { return }
            statisticsKeys.append(key)
            statisticsValues += row
            if statisticsKeys.count >= batchSize { try flushStatistics() }
        }
        var failures: [(index: Int, failure: Failure)] = []
        // Keys whose image failed to decode: an identical copy elsewhere was counted as cached.
        var failedKeys: [String: (cause: Failure.Cause, reason: String)] = [:]
        var finished = 0
        func report() {
            let elapsed = Date().timeIntervalSince(started)
            let rate = elapsed > 0 ? Double(outcome.encoded) / elapsed : 0
            let done = outcome.cached + outcome.encoded + failures.count
            progress(Progress(
                done: done, total: total, cached: outcome.cached, elapsed: Date().timeIntervalSince(started), imagesPerSecond: rate,
                secondsRemaining: rate > 0 ? Double(max(total - done, 0)) / rate : nil))
        }
        func flush() throws {
            guard !batchKeys.isEmpty else { return }
            let encodeStarted = Date()
            let output = try encode(batchValues, batchKeys.count)
            outcome.encodeSeconds += Date().timeIntervalSince(encodeStarted)
            guard output.count == batchKeys.count * dimension else {
                throw EmbeddingsError.invalid("the encoder returned \(output.count) values for \(batchKeys.count) images of dimension \(dimension)")
            }
            try table.append(keys: batchKeys, values: output, dimension: dimension)
            try flushStatistics()
            outcome.encoded += batchKeys.count
            batchKeys.removeAll(keepingCapacity: true)
            batchValues.removeAll(keepingCapacity: true)
            report()
        }
        var lastReport = Date()
        /// Takes one prepared image; true when the run must stop (cancelled after a batch).
        func accept(_ item: Prepared) throws -> Bool {
            switch item {
            case .end:
                finished += 1
            case .failed(let index, let key, let cause, let reason):
                failures.append((index, Failure(path: names[index], cause: cause, reason: reason)))
                if let key { failedKeys[key] = (cause, reason) }
            case .cached(let index, let key, let row):
                outcome.keys[index] = key
                try keepStatistics(key, row)
                outcome.cached += 1
                if Date().timeIntervalSince(lastReport) > 0.2 { report(); lastReport = Date() }
            case .input(let index, let key, let values, let row):
                outcome.keys[index] = key
                try keepStatistics(key, row)
                batchKeys.append(key)
                batchValues += values
                if batchKeys.count == batchSize {
                    try flush()
                    if cancel.isRaised { return true }
                }
            }
            return false
        }
        do {
            loop: while finished < threadCount {
                if let item = queue.tryPop() {
                    if try accept(item) { outcome.interrupted = true; break loop }
                    continue
                }
                // Nothing decoded is waiting: rather than idle, the compute threads decode
                // the next images of this batch themselves.
                if let helpers, !cancel.isRaised, claims.hasNext(below: total) {
                    let helpStarted = Date()
                    let helped = Self.help(on: helpers, wanted: batchSize - batchKeys.count, claims: claims, total: total, cancel: cancel, load: load)
                    outcome.helpSeconds += Date().timeIntervalSince(helpStarted)
                    for item in helped where try accept(item) { outcome.interrupted = true; break loop }
                    continue
                }
                let waitStarted = Date()
                let item = queue.pop()
                outcome.waitSeconds += Date().timeIntervalSince(waitStarted)
                if try accept(item) { outcome.interrupted = true; break loop }
            }
            if !outcome.interrupted && !cancel.isRaised { try flush() }
            // Rows of images whose embedding was not stored yet are valid too: they depend only on the bytes.
            try flushStatistics()
        } catch {
            cancel.raise()
            drain(queue, remaining: threadCount - finished)
            throw error
        }
        if cancel.isRaised {
            outcome.interrupted = true
            drain(queue, remaining: threadCount - finished)
        }
        if !failedKeys.isEmpty {
            let reported = Set(failures.map { $0.index })
            for (index, key) in outcome.keys.enumerated() {
                guard let key, let failure = failedKeys[key], !reported.contains(index) else { continue }
                failures.append((index, Failure(path: names[index], cause: failure.cause, reason: failure.reason)))
                outcome.cached -= 1
            }
        }
        failures.sort { $0.index < $1.index }
        for (index, _) in failures { outcome.keys[index] = nil }
        outcome.failures = failures.map { $0.failure }
        outcome.elapsed = Date().timeIntervalSince(started)
        report()
        return outcome
    }

    /// Names of the background decode threads (`sl-decoder-0`, …, as `top -H` and `perf` show
    /// them): short enough for the kernel's 15-byte thread names.
    static let decoderThreadPrefix = "sl-decoder-"

    /// One job on `pool`: every participant loads the next unclaimed images until `wanted`
    /// inputs for the encoder are ready (participants may overshoot by one image each) or
    /// none are left. The results skip the bounded queue: the consumer is the one running
    /// this job, so waiting for room in the queue here would deadlock.
    private static func help(
        on pool: ThreadPool, wanted: Int, claims: Claims, total: Int, cancel: CancellationFlag, load: (Int) -> Prepared
    ) -> [Prepared] {
        let collected = Collected()
        pool.run { _, _ in
            while !cancel.isRaised, collected.inputs < wanted, let index = claims.next(below: total) {
                collected.add(load(index))
            }
        }
        return collected.items
    }

    /// Lets the decoders finish their current image and exit.
    private static func drain(_ queue: BoundedQueue<Prepared>, remaining: Int) {
        var left = remaining
        while left > 0 { if case .end = queue.pop() { left -= 1 } }
    }

    enum Prepared {
        case input(index: Int, key: String, values: [Float], statistics: [Float]?)
        case cached(index: Int, key: String, statistics: [Float]?)
        case failed(index: Int, key: String?, cause: Failure.Cause, reason: String)
        case end
    }

    /// The decoders' shared work counter and the keys already taken in this run.
    private final class Claims: @unchecked Sendable {
        private let lock = NSLock()
        private var position = 0
        private var keys: Set<String> = []
        private var statisticsKeys: Set<String> = []

        func next(below count: Int) -> Int? {
            lock.withLock {
                guard position < count else { return nil }
                defer { position += 1 }
                return position
            }
        }

        /// Whether an index below `count` is still unclaimed.
        func hasNext(below count: Int) -> Bool { lock.withLock { position < count } }

        /// True the first time `key` is claimed.
        func claimKey(_ key: String) -> Bool { lock.withLock { keys.insert(key).inserted } }

        /// True the first time `key` is claimed for its statistics row.
        func claimStatisticsKey(_ key: String) -> Bool { lock.withLock { statisticsKeys.insert(key).inserted } }
    }
}

/// What the compute threads loaded in one `help` job.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [EncodingPipeline.Prepared] = []
    private var inputCount = 0

    /// Images ready for the encoder so far (cached and failed ones excluded).
    var inputs: Int { lock.withLock { inputCount } }

    func add(_ item: EncodingPipeline.Prepared) {
        lock.withLock {
            items.append(item)
            if case .input = item { inputCount += 1 }
        }
    }
}

/// A fixed-capacity blocking FIFO between producers and one consumer.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func push(_ element: Element) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(element)
        condition.broadcast()
        condition.unlock()
    }

    /// The first element if one is waiting, without blocking.
    func tryPop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        return items.count > head ? takeFirst() : nil
    }

    func pop() -> Element {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head { condition.wait() }
        return takeFirst()
    }

    /// Removes the first element; the lock is held and the queue is not empty.
    private func takeFirst() -> Element {
        let element = items[head]
        head += 1
        if head > 1024 {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return element
    }
}
