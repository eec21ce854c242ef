import Foundation
import XCTest
@testable import Tensor

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexIsCoveredExactlyOnce() {
        for threads in [1, 2, 3, 5] {
            let pool = ThreadPool(threadCount: threads)
            for count in [0, 1, 2, 3, 7, 64, 1001] {
                let hits = Hits(count)
                pool.parallelFor(count: count) { range in
                    for i in range { hits.add(i) }
                }
                XCTAssertEqual(hits.values, [Int](repeating: 1, count: count), "threads \(threads) count \(count)")
            }
        }
    }

    func testRunGivesEachParticipantItsIndex() {
        let pool = ThreadPool(threadCount: 3)
        let hits = Hits(3)
        let counts = Hits(4)
        for _ in 0..<50 {
            pool.run { index, count in
                hits.add(index)
                counts.add(count)
            }
        }
        XCTAssertEqual(hits.values, [50, 50, 50])
        XCTAssertEqual(counts.values[3], 150)
        pool.setThreadCount(1)
        XCTAssertEqual(pool.threadCount, 1)
        pool.run { index, count in counts.add(count) }
        XCTAssertEqual(counts.values[1], 1)
    }

    func testNestedCallsRunInlineAndComplete() {
        let pool = ThreadPool(threadCount: 2)
        let hits = Hits(40 * 30)
        pool.parallelFor(count: 40) { outer in
            for i in outer {
                pool.parallelFor(count: 30) { inner in
                    for j in inner { hits.add(i * 30 + j) }
                }
            }
        }
        XCTAssertEqual(hits.values, [Int](repeating: 1, count: 40 * 30))
    }

    func testConcurrentSubmittersAllComplete() {
        let pool = ThreadPool(threadCount: 2)
        let hits = Hits(8 * 500)
        DispatchQueue.concurrentPerform(iterations: 8) { submitter in
            for round in 0..<5 {
                pool.parallelFor(count: 100) { range in
                    for i in range { hits.add(submitter * 500 + round * 100 + i) }
                }
            }
        }
        XCTAssertEqual(hits.values, [Int](repeating: 1, count: 8 * 500))
    }

    /// Changing the thread count from inside a job must not deadlock; the running job
    /// keeps its count.
    func testSetThreadCountInsideAJob() {
        let pool = ThreadPool(threadCount: 2)
        let counts = Hits(3)
        pool.run { index, count in
            if index == 0 { pool.setThreadCount(1) }
            counts.add(count)
        }
        XCTAssertEqual(counts.values[2], 2)
        pool.run { _, count in counts.add(count) }
        XCTAssertEqual(counts.values[1], 1)
    }

    func testShareSplitsEvenly() {
        XCTAssertEqual((0..<3).map { ThreadPool.share(of: 10, index: $0, count: 3) }, [0..<4, 4..<7, 7..<10])
        XCTAssertEqual((0..<4).map { ThreadPool.share(of: 2, index: $0, count: 4) }, [0..<1, 1..<2, 2..<2, 2..<2])
    }
}

/// A lock-protected hit counter per index.
private final class Hits: @unchecked Sendable {
    // @unchecked Sendable: `counts` is only touched while `lock` is held.
    private let lock = NSLock()
    private var counts: [Int]
    init(_ count: Int) { counts = [Int](repeating: 0, count: count) }
    func add(_ index: Int) {
        lock.lock()
        counts[index] += 1
        lock.unlock()
    }
    var values: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }
}

final class WorkQueueTests: XCTestCase {
    /// Every index is handed out exactly once, however many threads ask at the same time.
    func testEveryIndexIsTakenExactlyOnce() {
        let pool = ThreadPool(threadCount: 3)
        for count in [0, 1, 7, 257] {
            let queue = ThreadPool.WorkQueue(count: count)
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            seen.initialize(repeating: 0, count: max(count, 1))
            defer { seen.deallocate() }
            pool.run { _, _ in
                while let index = queue.take() { seen[index] += 1 }
            }
            XCTAssertEqual((0..<count).map { seen[$0] }, [Int](repeating: 1, count: count), "count \(count)")
            XCTAssertNil(queue.take())
        }
    }
}
