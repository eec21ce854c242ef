extension SplitMix64 {
    /// How many of `draws` successive `index(below: marked.count)` draws land on a `true` of
    /// `marked`, leaving the generator where those draws leave it — a bootstrap resample of
    /// 0/1 outcomes, counted.
    ///
    /// SplitMix64's output is a function of its counter alone, so eight draws are computed at
    /// once in vector lanes (Lemire's product `x · bound` split into 32-bit halves, for bounds
    /// below 2³²). A block in which some lane's low word is below the bound — where
    /// `index(below:)` may reject a draw, about once in 2⁶⁴ / bound draws — is redone one draw
    /// at a time with `index(below:)`, so the draws are exactly those of the scalar loop.
    package mutating func countMarked(_ marked: [Bool], draws: Int) -> Int {
        let bound = marked.count
        precondition(bound > 0, "bound must be positive")
        var hits = 0
        guard bound < 1 << 32 else {
            for _ in 0..<draws where marked[index(below: bound)] { hits += 1 }
            return hits
        }
        typealias Lanes = SIMD8<UInt64>
        let increment: UInt64 = 0x9E37_79B9_7F4A_7C15
        let offsets = Lanes(1, 2, 3, 4, 5, 6, 7, 8) &* increment
        let b = Lanes(repeating: UInt64(bound)), lowHalf = Lanes(repeating: 0xFFFF_FFFF)
        marked.withUnsafeBufferPointer { m in
            var done = 0
            while done + Lanes.scalarCount <= draws {
                var z = Lanes(repeating: counter) &+ offsets
                z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
                z = z ^ (z &>> 31)
                let productLow = (z & lowHalf) &* b, productHigh = (z &>> 32) &* b
                if any(((productHigh &<< 32) &+ productLow) .< b) {
                    for _ in 0..<Lanes.scalarCount where m[index(below: bound)] { hits += 1 }
                } else {
                    let indices = (productHigh &+ (productLow &>> 32)) &>> 32
                    counter &+= UInt64(Lanes.scalarCount) &* increment
                    for lane in 0..<Lanes.scalarCount where m[Int(truncatingIfNeeded: indices[lane])] { hits += 1 }
                }
                done += Lanes.scalarCount
            }
            for _ in done..<draws where m[index(below: bound)] { hits += 1 }
        }
        return hits
    }
}
