/// Huffman tables and the entropy-coded bit reader of the JPEG decoder.
///
/// Tables are canonical Huffman codes (ITU T.81 Annex C) checked the way libjpeg checks
/// them (at most 256 symbols, no over-full code space, the all-ones code unused, DC
/// symbols ≤ 15). Decoding looks up the next `lookaheadBits` bits in one table; longer
/// codes fall back to the `maxCode` walk of T.81 F.2.2.3.

/// One decoding table (DC or AC), built from a DHT segment when a scan starts.
final class JPEGHuffmanTable {
    /// Codes up to this many bits are decoded with a single table lookup.
    static let lookaheadBits = 9

    /// `(length << 8) | symbol` for every 9-bit prefix whose code is ≤ 9 bits; 0 otherwise.
    let lookup: UnsafeMutablePointer<UInt16>
    /// Largest code of each length 1…16 (index = length), -1 when there is none.
    let maxCode: UnsafeMutablePointer<Int32>
    /// `symbolIndex = code + valueOffset[length]`.
    let valueOffset: UnsafeMutablePointer<Int32>
    /// Symbols in code order; 256 entries, the unused tail is zero.
    let symbols: UnsafeMutablePointer<UInt8>

    /// Builds a table from the 16 code-length counts and the symbols of a DHT entry.
    /// - Throws: `.corrupt("bad Huffman table")` for an over-full code space, more than
    ///   256 codes, or (when `isDC`) a DC symbol above 15.
    init(counts: [UInt8], symbolList: [UInt8], isDC: Bool) throws {
        lookup = .allocate(capacity: 1 << Self.lookaheadBits)
        lookup.initialize(repeating: 0, count: 1 << Self.lookaheadBits)
        maxCode = .allocate(capacity: 18)
        maxCode.initialize(repeating: -1, count: 18)
        valueOffset = .allocate(capacity: 18)
        valueOffset.initialize(repeating: 0, count: 18)
        symbols = .allocate(capacity: 256)
        symbols.initialize(repeating: 0, count: 256)

        guard counts.count == 16, symbolList.count <= 256,
              counts.reduce(0, { $0 + Int($1) }) == symbolList.count
        else { throw ImageCodecError.corrupt("bad Huffman table") }
        if isDC, symbolList.contains(where: { $0 > 15 }) {
            throw ImageCodecError.corrupt("bad Huffman table: DC symbol above 15")
        }
        for (index, symbol) in symbolList.enumerated() { symbols[index] = symbol }

        var code: Int32 = 0
        var index: Int32 = 0
        for length in 1...16 {
            let count = Int32(counts[length - 1])
            // libjpeg rejects a code space that is over-full or uses the all-ones code.
            if code + count >= (Int32(1) << length) { throw ImageCodecError.corrupt("bad Huffman table") }
            if count > 0 {
                valueOffset[length] = index - code
                // Fill the lookahead entries of every code short enough for it.
                if length <= Self.lookaheadBits {
                    let spread = Self.lookaheadBits - length
                    for n in 0..<count {
                        let symbol = UInt16(symbolList[Int(index + n)])
                        let first = Int(code + n) << spread
                        for entry in first..<(first + (1 << spread)) {
                            lookup[entry] = UInt16(length) << 8 | symbol
                        }
                    }
                }
                code += count
                index += count
                maxCode[length] = code - 1
            }
            code <<= 1
        }
        maxCode[17] = Int32.max
    }

    deinit {
        lookup.deallocate()
        maxCode.deallocate()
        valueOffset.deallocate()
        symbols.deallocate()
    }
}

/// Reads the bits of one entropy-coded segment, MSB first, removing stuffed zero bytes.
///
/// It never reads past a marker: when the segment ends (a marker or the end of the
/// data), zero bits are supplied as libjpeg does, and counted in `padding`. A decoder
/// that consumed any of those bits has run past the data: `isOverrun` turns true and the
/// scan decoders report `.truncated` (Pillow raises "image file is truncated" there).
struct JPEGBitReader {
    let data: UnsafePointer<UInt8>
    let end: Int
    /// Next byte to read.
    private(set) var position: Int
    /// Bits not yet consumed, left-aligned.
    private var buffer: UInt64 = 0
    /// Valid bits in `buffer` (real and padding).
    private var count: Int = 0
    /// How many of the last `count` bits are zero padding past the segment's end.
    private var padding: Int = 0
    /// The reader stopped at a marker (or at the end of the data).
    private(set) var atMarker = false

    init(data: UnsafePointer<UInt8>, end: Int, position: Int) {
        self.data = data
        self.end = end
        self.position = position
    }

    /// True when more bits were consumed than the segment held.
    var isOverrun: Bool { count < padding }

    /// Tops the buffer up to at least 57 bits.
    @inline(__always)
    mutating func refill() {
        // Fast path: eight bytes without 0xFF.
        if !atMarker, position &+ 8 <= end, count <= 56 {
            while count <= 56 {
                let byte = data[position]
                if byte == 0xFF { break }
                buffer |= UInt64(byte) << UInt64(56 &- count)
                position &+= 1
                count &+= 8
            }
            if count > 56 { return }
        }
        while count <= 56 {
            var byte: UInt64 = 0
            if !atMarker, position < end {
                let value = data[position]
                if value == 0xFF {
                    if position &+ 1 < end, data[position &+ 1] == 0 {
                        position &+= 2
                        byte = 0xFF
                    } else {
                        atMarker = true
                        padding &+= 8
                    }
                } else {
                    position &+= 1
                    byte = UInt64(value)
                }
            } else {
                padding &+= 8
            }
            buffer |= byte << UInt64(56 &- count)
            count &+= 8
        }
    }

    /// The next `bits` bits (1…16) as an unsigned value.
    @inline(__always)
    mutating func readBits(_ bits: Int) -> Int32 {
        if count < bits { refill() }
        let value = Int32(truncatingIfNeeded: buffer >> UInt64(64 &- bits))
        buffer <<= UInt64(bits)
        count &-= bits
        return value
    }

    /// One bit.
    @inline(__always)
    mutating func readBit() -> Int32 {
        if count < 1 { refill() }
        let value = Int32(truncatingIfNeeded: buffer >> 63)
        buffer <<= 1
        count &-= 1
        return value
    }

    /// Reads `bits` (1…16) bits and sign-extends them as T.81 F.2.2.1 EXTEND does.
    @inline(__always)
    mutating func receiveExtend(_ bits: Int) -> Int32 {
        let value = readBits(bits)
        return value < (Int32(1) << Int32(bits &- 1)) ? value &- (Int32(1) << Int32(bits)) &+ 1 : value
    }

    /// Decodes one Huffman symbol.
    /// - Throws: `.corrupt("bad Huffman code")` for a bit pattern that is no code of `table`.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanTable) throws -> Int {
        if count < 32 { refill() }
        let entry = table.lookup[Int(truncatingIfNeeded: buffer >> UInt64(64 - JPEGHuffmanTable.lookaheadBits))]
        if entry != 0 {
            let length = Int(entry >> 8)
            buffer <<= UInt64(length)
            count &-= length
            return Int(entry & 0xFF)
        }
        let peek = Int32(truncatingIfNeeded: buffer >> 48)
        var length = JPEGHuffmanTable.lookaheadBits + 1
        while length <= 16 {
            let code = peek >> Int32(16 - length)
            if code <= table.maxCode[length] {
                buffer <<= UInt64(length)
                count &-= length
                return Int(table.symbols[Int(code &+ table.valueOffset[length])])
            }
            length += 1
        }
        throw ImageCodecError.corrupt("bad Huffman code")
    }

    /// Drops the buffered bits and moves past the RSTn marker expected at this point.
    /// - Throws: `.truncated` if bits past the segment were used; `.corrupt` if the next
    ///   marker is not `RST(expected)`.
    mutating func restart(expected: Int) throws {
        if isOverrun { throw ImageCodecError.truncated("entropy-coded data ended early") }
        buffer = 0
        count = 0
        padding = 0
        atMarker = false
        // Bytes left before the marker are discarded, as libjpeg does (with a warning).
        guard let marker = JPEGMarkerScanner.nextMarker(data, end: end, from: &position) else {
            throw ImageCodecError.truncated("missing restart marker")
        }
        guard marker == 0xD0 + expected else {
            throw ImageCodecError.corrupt("expected RST\(expected) marker, found 0x\(String(marker, radix: 16, uppercase: true))")
        }
    }
}

/// Finds markers between segments.
enum JPEGMarkerScanner {
    /// Skips to the next marker at or after `position`, leaves `position` just past it and
    /// returns its code (the byte after 0xFF); nil at the end of the data. Fill bytes
    /// (0xFF 0xFF…) and stuffed zeros (0xFF 0x00) are skipped, like libjpeg's next_marker.
    static func nextMarker(_ data: UnsafePointer<UInt8>, end: Int, from position: inout Int) -> Int? {
        var index = position
        while index < end {
            if data[index] != 0xFF { index += 1; continue }
            var next = index + 1
            while next < end, data[next] == 0xFF { next += 1 }
            guard next < end else { break }
            let code = data[next]
            if code == 0 {
                index = next + 1
                continue
            }
            position = next + 1
            return Int(code)
        }
        position = end
        return nil
    }
}
