import Foundation
import ImageCodec

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
/// One background thread reads, hashes, decodes and preprocesses images into a bounded
/// queue (two batches deep) while the calling thread runs the encoder on full batches
/// (the encoder itself uses Tensor's pool). A failing image is skipped with its reason;
/// the run goes on. Each batch is appended to the table atomically, so an interrupted
/// run loses at most the batch in flight and resumes where it stopped.
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

    public struct Failure: Sendable, Equatable, Codable {
        public var path: String
        /// Terse code, e.g. `image.corrupt`, `image.unreadable`.
        public var code: String
        public var reason: String
    }

    public struct Outcome: Sendable {
        /// The store key (SHA-256 of the file's bytes) of each input, nil where it could not be read.
        public var keys: [String?]
        public var encoded: Int
        public var cached: Int
        public var failures: [Failure]
        public var interrupted: Bool
        public var elapsed: TimeInterval
    }

    /// - Parameters:
    ///   - files: the images, in the order `Outcome.keys` reports them.
    ///   - prepare: bytes → one preprocessed input (e.g. 3×S×S floats); throws for a bad image.
    ///   - encode: `count` inputs laid end to end → `count × table dimension` floats.
    public static func run(
        files: [URL], displayPaths: [String]? = nil, table: EmbeddingTable, batchSize: Int, dimension: Int,
        prepare: @escaping @Sendable ([UInt8]) throws -> [Float],
        encode: ([Float], Int) throws -> [Float],
        cancel: CancellationFlag = CancellationFlag(),
        progress: (Progress) -> Void = { _ in }
    ) throws -> Outcome {
        let started = Date()
        let names = displayPaths ?? files.map(\.path)
        var outcome = Outcome(keys: Array(repeating: nil, count: files.count), encoded: 0, cached: 0, failures: [], interrupted: false, elapsed: 0)

        // Pass 1: hash every file (cheap next to decoding) to find what is already stored.
        var todo: [(index: Int, key: String, bytes: [UInt8])] = []
        var seen: Set<String> = []
        for (index, file) in files.enumerated() {
            if cancel.isRaised { outcome.interrupted = true; break }
            guard let data = FileManager.default.contents(atPath: file.path) else {
                outcome.failures.append(Failure(path: names[index], code: "image.unreadable", reason: "cannot be read"))
                continue
            }
            let bytes = [UInt8](data)
            let key = SHA256.hex(bytes)
            outcome.keys[index] = key
            if table.contains(key) || seen.contains(key) {
                outcome.cached += 1
            } else {
                seen.insert(key)
                todo.append((index, key, bytes))
            }
        }
        let total = files.count
        progress(Progress(done: outcome.cached, total: total, cached: outcome.cached, elapsed: Date().timeIntervalSince(started), imagesPerSecond: 0, secondsRemaining: nil))
        guard !todo.isEmpty, !outcome.interrupted else {
            outcome.elapsed = Date().timeIntervalSince(started)
            return outcome
        }

        // Pass 2: decode on a background thread into a bounded queue; encode full batches here.
        let queue = BoundedQueue<Prepared>(capacity: max(2 * batchSize, 2))
        let items = todo
        let producer = Thread {
            for item in items {
                if cancel.isRaised { break }
                do {
                    queue.push(.input(index: item.index, key: item.key, values: try prepare(item.bytes)))
                } catch {
                    let code = (error as? ImageCodecError).map { "image.\($0.code)" } ?? "image.error"
                    queue.push(.failed(index: item.index, code: code, reason: "\(error)"))
                }
            }
            queue.push(.end)
        }
        producer.stackSize = 8 << 20
        producer.start()

        var batchKeys: [String] = []
        var batchValues: [Float] = []
        let encodeStarted = Date()
        func flush() throws {
            guard !batchKeys.isEmpty else { return }
            let output = try encode(batchValues, batchKeys.count)
            guard output.count == batchKeys.count * dimension else {
                throw EmbeddingsError.invalid("the encoder returned \(output.count) values for \(batchKeys.count) images of dimension \(dimension)")
            }
            try table.append(keys: batchKeys, values: output, dimension: dimension)
            outcome.encoded += batchKeys.count
            batchKeys.removeAll(keepingCapacity: true)
            batchValues.removeAll(keepingCapacity: true)
            let elapsed = Date().timeIntervalSince(encodeStarted)
            let rate = elapsed > 0 ? Double(outcome.encoded) / elapsed : 0
            let remaining = todo.count - outcome.encoded - outcome.failures.count
            progress(Progress(
                done: outcome.cached + outcome.encoded + outcome.failures.count, total: total, cached: outcome.cached,
                elapsed: Date().timeIntervalSince(started), imagesPerSecond: rate,
                secondsRemaining: rate > 0 ? Double(max(remaining, 0)) / rate : nil))
        }
        loop: while true {
            switch queue.pop() {
            case .end:
                break loop
            case .failed(let index, let code, let reason):
                outcome.failures.append(Failure(path: names[index], code: code, reason: reason))
                outcome.keys[index] = nil
            case .input(_, let key, let values):
                batchKeys.append(key)
                batchValues += values
                if batchKeys.count == batchSize {
                    try flush()
                    if cancel.isRaised { outcome.interrupted = true; break loop }
                }
            }
        }
        if !outcome.interrupted {
            try flush()
        } else {
            // Let the producer finish its current image and exit.
            while case let item = queue.pop(), item != .end {}
        }
        if cancel.isRaised { outcome.interrupted = true }
        outcome.elapsed = Date().timeIntervalSince(started)
        return outcome
    }

    enum Prepared: Equatable {
        case input(index: Int, key: String, values: [Float])
        case failed(index: Int, code: String, reason: String)
        case end
    }
}

/// A fixed-capacity blocking FIFO between one producer and one consumer.
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

    func pop() -> Element {
        condition.lock()
        while items.count == head { condition.wait() }
        let element = items[head]
        head += 1
        if head > 1024 {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        condition.unlock()
        return element
    }
}
