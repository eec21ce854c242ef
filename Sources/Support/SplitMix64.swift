/// SplitMix64 (Steele, Lea & Flood 2014; the seeder of xoshiro): a 64-bit counter
/// stepped by the golden-ratio increment and scrambled by two multiply–xorshift rounds.
///
/// Chosen because it is tiny, fully specified, passes BigCrush and is seedable with any
/// 64-bit value — Swift's own generators are not seedable. The same seed gives the same
/// stream on every platform; every probe that draws random numbers takes one and records it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The counter; `next()` and `index(below:)` are inlinable (bootstraps draw tens of
    /// millions of indices), so the stored counter is visible to inlined code.
    @usableFromInline var counter: UInt64

    var state: UInt64 { counter }

    public init(seed: UInt64) { counter = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        counter &+= 0x9E37_79B9_7F4A_7C15
        var z = counter
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, unbiased).
    ///
    /// The rejection threshold `2⁶⁴ mod bound` is below `bound`, so a low word ≥ `bound` is
    /// accepted without computing it (Lemire 2019): the division runs only on the rare draws
    /// whose low word is below `bound`, and the results are those of the plain rule.
    @inlinable
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= b || product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Fisher–Yates shuffle of `0..<count` driven by this generator.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = index(below: i + 1)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// `count` distinct indices of `0..<total` in increasing order (the first `count` of a shuffle).
    public mutating func subsample(_ count: Int, of total: Int) -> [Int] {
        if count >= total { return Array(0..<total) }
        return permutation(total).prefix(count).sorted()
    }

    /// Independent sub-streams of one base seed.
    public enum Stream: UInt64, Sendable {
        case bootstrap = 1, distance = 2, linearProbe = 3, effectiveRobustness = 4
        case labelFree = 11, calibration = 12, concepts = 13, fewShot = 14, prompts = 15, names = 16
    }

    /// The seed of `stream` derived from `base`: the first output of SplitMix64 seeded with
    /// `base ^ (stream · 0xD1B54A32D192ED03)`, so probes never share a sequence.
    public static func derive(_ base: UInt64, stream: Stream) -> UInt64 {
        var generator = SplitMix64(seed: base ^ (stream.rawValue &* 0xD1B5_4A32_D192_ED03))
        return generator.next()
    }

    /// A further seed for item `index` of a stream (e.g. one per domain).
    public static func derive(_ seed: UInt64, index: Int) -> UInt64 {
        var generator = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
        return generator.next()
    }
}
