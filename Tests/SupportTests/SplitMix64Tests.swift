@testable import Support
import XCTest

final class SplitMix64Tests: XCTestCase {
    /// `index(below:)` equals Lemire's plain rule (threshold computed on every draw) for small
    /// bounds, bounds near powers of two and bounds near 2⁶³, where rejections are frequent.
    func testIndexBelowEqualsThePlainRejectionRule() {
        func plain(_ generator: inout SplitMix64, _ bound: Int) -> Int {
            let b = UInt64(bound)
            while true {
                let product = generator.next().multipliedFullWidth(by: b)
                if product.low >= (0 &- b) % b { return Int(product.high) }
            }
        }
        let bounds = [1, 2, 3, 7, 1000, 10_000, 65_537, 1 << 32 + 1, Int.max / 3 * 2, Int.max - 1, Int.max]
        for (seed, bound) in bounds.enumerated() {
            var fast = SplitMix64(seed: UInt64(seed)), reference = SplitMix64(seed: UInt64(seed))
            for _ in 0..<5000 { XCTAssertEqual(fast.index(below: bound), plain(&reference, bound), "bound \(bound)") }
            XCTAssertEqual(fast.state, reference.state, "bound \(bound)")
        }
    }

    /// Counting marked draws eight lanes at a time gives the scalar loop's count and final
    /// state — including blocks redone one draw at a time (seeds placed so that draw 3, 8 or 9
    /// mixes to 0, whose low word 0 is below the bound; for 7 and 10,000 the draw is rejected).
    func testCountMarkedEqualsTheScalarDraws() {
        let increment: UInt64 = 0x9E37_79B9_7F4A_7C15
        let seeds: [UInt64] = [0 &- 3 &* increment, 0 &- 8 &* increment, 0 &- 9 &* increment, 42]
        var source = SplitMix64(seed: 5)
        for bound in [1, 2, 7, 10_000, 20_001] {
            let marked = (0..<bound).map { _ in source.index(below: 3) == 0 }
            let count = marked.count
            for seed in seeds {
                for draws in [0, 5, 8, 17, 1000] {
                    var fast = SplitMix64(seed: seed), reference = SplitMix64(seed: seed)
                    var expected = 0
                    for _ in 0..<draws where marked[reference.index(below: count)] { expected += 1 }
                    XCTAssertEqual(fast.countMarked(marked, draws: draws), expected, "bound \(count), seed \(seed), \(draws) draws")
                    XCTAssertEqual(fast.state, reference.state, "bound \(count), seed \(seed), \(draws) draws")
                }
            }
        }
    }
}
