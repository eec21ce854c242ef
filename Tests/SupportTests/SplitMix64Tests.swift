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
}
