/// A canonical Huffman code of deflate (RFC 1951 §3.2.2) ready for decoding.
///
/// Codes of up to `primaryBits` bits resolve with one lookup of the next bits of the
/// (LSB-first) bit buffer; longer codes — rare in practice — fall back to walking the
/// canonical code length by length (`counts` / `symbols`, as in zlib's puff.c). The
/// storage is allocated once per inflater and rebuilt for every block, so decoding
/// allocates nothing per block or symbol.
final class HuffmanDecodingTable {
    static let primaryBits = 10
    static let primaryMask: UInt64 = (1 << 10) - 1
    static let maxCodeLength = 15

    /// What `build` accepts besides a complete code (zlib's rules).
    enum Kind {
        /// The code-length code: must be complete.
        case codeLengths
        /// Literal/length: complete, or a single code of length 1.
        case literalLength
        /// Distance: complete, a single code of length 1, or no codes at all
        /// (a block of literals only); using a missing code is an error when decoding.
        case distance
    }

    /// `(length << 9) | symbol` per primary index; 0 where the code is longer than
    /// `primaryBits` or not assigned.
    let primary: UnsafeMutablePointer<UInt16>
    /// Number of codes of each length 0...15.
    let counts: UnsafeMutablePointer<Int32>
    /// Symbols ordered by code.
    let symbols: UnsafeMutablePointer<UInt16>
    let capacity: Int

    init(maxSymbols: Int) {
        capacity = maxSymbols
        primary = .allocate(capacity: 1 << HuffmanDecodingTable.primaryBits)
        counts = .allocate(capacity: HuffmanDecodingTable.maxCodeLength + 1)
        symbols = .allocate(capacity: maxSymbols)
        primary.initialize(repeating: 0, count: 1 << HuffmanDecodingTable.primaryBits)
        counts.initialize(repeating: 0, count: HuffmanDecodingTable.maxCodeLength + 1)
        symbols.initialize(repeating: 0, count: maxSymbols)
    }

    deinit {
        primary.deallocate()
        counts.deallocate()
        symbols.deallocate()
    }

    /// Rebuilds the table from per-symbol code lengths (0 = symbol unused).
    func build(lengths: UnsafePointer<UInt8>, count: Int, kind: Kind, name: String) throws {
        precondition(count <= capacity)
        let maxLength = HuffmanDecodingTable.maxCodeLength
        for length in 0...maxLength { counts[length] = 0 }
        for symbol in 0..<count { counts[Int(lengths[symbol])] += 1 }
        counts[0] = 0

        var left: Int32 = 1
        for length in 1...maxLength {
            left <<= 1
            left -= counts[length]
            if left < 0 { throw InflateError.corrupt("inflate: over-subscribed \(name) code") }
        }
        if left > 0 {
            let used = (1...maxLength).reduce(Int32(0)) { $0 + counts[$1] }
            let single = used == 1 && counts[1] == 1
            switch kind {
            case .codeLengths:
                throw InflateError.corrupt("inflate: incomplete \(name) code")
            case .literalLength:
                if !single { throw InflateError.corrupt("inflate: incomplete \(name) code") }
            case .distance:
                if !(single || used == 0) { throw InflateError.corrupt("inflate: incomplete \(name) code") }
            }
        }

        // Symbols sorted by (length, symbol) = canonical code order.
        var offsets = [Int32](repeating: 0, count: maxLength + 2)
        for length in 1...maxLength { offsets[length + 1] = offsets[length] + counts[length] }
        var nextCode = [UInt32](repeating: 0, count: maxLength + 1)
        var code: UInt32 = 0
        for length in 1...maxLength {
            code = (code + UInt32(counts[length - 1])) << 1  // counts[0] == 0
            nextCode[length] = code
        }

        let primarySize = 1 << HuffmanDecodingTable.primaryBits
        primary.update(repeating: 0, count: primarySize)
        for symbol in 0..<count {
            let length = Int(lengths[symbol])
            guard length > 0 else { continue }
            symbols[Int(offsets[length])] = UInt16(symbol)
            offsets[length] += 1
            let assigned = nextCode[length]
            nextCode[length] += 1
            guard length <= HuffmanDecodingTable.primaryBits else { continue }
            // Deflate sends Huffman codes most-significant bit first into an LSB-first
            // stream, so the lookup index is the bit-reversed code.
            var reversed = 0
            for bit in 0..<length where assigned & (1 << UInt32(bit)) != 0 {
                reversed |= 1 << (length - 1 - bit)
            }
            let entry = UInt16(length << 9 | symbol)
            var index = reversed
            while index < primarySize {
                primary[index] = entry
                index += 1 << length
            }
        }
    }

    /// Decodes a code longer than the primary table covers (or an invalid one) from
    /// `bits` (at least 15 valid bits, next bit lowest); returns (symbol, code length).
    func decodeSlow(_ bits: UInt64) throws -> (symbol: Int, length: Int) {
        var code: Int32 = 0
        var first: Int32 = 0
        var index: Int32 = 0
        for length in 1...HuffmanDecodingTable.maxCodeLength {
            code |= Int32((bits >> UInt64(length - 1)) & 1)
            let count = counts[length]
            if code - count < first {
                return (Int(symbols[Int(index + code - first)]), length)
            }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw InflateError.corrupt("inflate: invalid Huffman code")
    }
}
