import XCTest
@testable import ImageCodec
@testable import Support

/// The SIMD IDCT against its line-by-line jidctint.c twin.
final class JPEGIDCTTests: XCTestCase {
    /// Random blocks — dense, sparse, DC-only, and saturating — give identical samples.
    func testSIMDMatchesReferenceOnRandomBlocks() {
        var generator = SplitMix64(seed: 0x1DC7)
        var coefficients = [Int16](repeating: 0, count: 64)
        var quant = [Int16](repeating: 1, count: 64)
        var fast = [UInt8](repeating: 0, count: 8 * 11)
        var reference = [UInt8](repeating: 0, count: 8 * 11)
        for trial in 0..<20_000 {
            let density = [64, 16, 4, 1][trial % 4]
            // Real dequantised coefficients stay within about ±2^11; test up to ±2^12.
            let bound = trial % 3 == 0 ? 4096 : 1024
            for k in 0..<64 {
                quant[k] = Int16(1 + generator.next() % 64)
                coefficients[k] = 0
                if k == 0 || generator.next() % 64 < UInt64(density) {
                    let magnitude = Int(generator.next() % UInt64(bound)) / Int(quant[k])
                    coefficients[k] = Int16(generator.next() % 2 == 0 ? magnitude : -magnitude)
                }
            }
            coefficients.withUnsafeBufferPointer { c in
                quant.withUnsafeBufferPointer { q in
                    fast.withUnsafeMutableBufferPointer { f in
                        JPEGIDCT.islow(coefficients: c.baseAddress!, quant: q.baseAddress!, output: f.baseAddress! + 1, stride: 11)
                    }
                    reference.withUnsafeMutableBufferPointer { r in
                        JPEGIDCT.islowReference(coefficients: c.baseAddress!, quant: q.baseAddress!, output: r.baseAddress! + 1, stride: 11)
                    }
                }
            }
            if fast != reference {
                return XCTFail("trial \(trial): coefficients \(coefficients) quant \(quant)")
            }
        }
    }

    /// A DC-only block is flat at DC·q/8 + 128 (rounded), clamped — a hand-checkable case.
    func testDCOnlyBlockIsFlat() {
        for (dc, expected) in [(0, 128), (8, 129), (-1024, 0), (1016, 255), (100, 141)] as [(Int16, UInt8)] {
            var coefficients = [Int16](repeating: 0, count: 64)
            coefficients[0] = dc
            let quant = [Int16](repeating: 1, count: 64)
            var output = [UInt8](repeating: 7, count: 64)
            coefficients.withUnsafeBufferPointer { c in
                quant.withUnsafeBufferPointer { q in
                    output.withUnsafeMutableBufferPointer { o in
                        JPEGIDCT.islow(coefficients: c.baseAddress!, quant: q.baseAddress!, output: o.baseAddress!, stride: 8)
                    }
                }
            }
            XCTAssertEqual(output, [UInt8](repeating: expected, count: 64), "DC \(dc)")
        }
    }

    /// The DC-only shortcut writes exactly what the full transform writes.
    func testDCOnlyShortcutMatchesReference() {
        var generator = SplitMix64(seed: 0xDC)
        var coefficients = [Int16](repeating: 0, count: 64)
        let quant = [Int16](repeating: 1, count: 64)
        for trial in 0..<5_000 {
            let q = Int16(1 + generator.next() % 255)
            let dc = Int16(truncatingIfNeeded: Int(generator.next() % 8192) - 4096) / q
            coefficients[0] = dc
            var quantTable = quant
            quantTable[0] = q
            var shortcut = [UInt8](repeating: 0, count: 64)
            var reference = [UInt8](repeating: 0, count: 64)
            shortcut.withUnsafeMutableBufferPointer { JPEGIDCT.dcOnly(dc: dc, quant: q, output: $0.baseAddress!, stride: 8) }
            coefficients.withUnsafeBufferPointer { c in
                quantTable.withUnsafeBufferPointer { t in
                    reference.withUnsafeMutableBufferPointer {
                        JPEGIDCT.islowReference(coefficients: c.baseAddress!, quant: t.baseAddress!, output: $0.baseAddress!, stride: 8)
                    }
                }
            }
            if shortcut != reference { return XCTFail("trial \(trial): dc \(dc) q \(q)") }
        }
    }
}
