/// The deflate decoding engine behind `Inflate` (RFC 1951).
///
/// Reads an LSB-first bit stream through a 64-bit buffer that is refilled eight bytes
/// at a time while at least eight input bytes remain; near the end it pads with zero
/// bytes and counts them, and consuming a padded bit is reported as truncation. One
/// refill covers a whole length/distance pair (at most 15 + 5 + 15 + 13 = 48 bits).
/// Output goes to one growing buffer; `maxOutputSize` is checked before every write.
final class Inflater {
    private let input: UnsafeBufferPointer<UInt8>
    /// Index of the next input byte to load into the bit buffer (may pass the end by the padding).
    private var position: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount: Int = 0
    private var paddedBits: Int = 0

    private(set) var output: UnsafeMutablePointer<UInt8>
    private(set) var outputCount = 0
    private var outputCapacity: Int
    private let maxOutputSize: Int
    /// False when the caller lent `output` (`init(input:output:)`): it is never grown or freed here.
    private let ownsOutput: Bool
    /// Where the current deflate stream's output starts (distances may not reach before it).
    private var streamStart = 0

    private let literalTable = HuffmanDecodingTable(maxSymbols: 288)
    private let distanceTable = HuffmanDecodingTable(maxSymbols: 32)
    private let codeLengthTable = HuffmanDecodingTable(maxSymbols: 19)
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 288 + 32)

    init(input: UnsafeBufferPointer<UInt8>, maxOutputSize: Int, expectedSize: Int? = nil) {
        self.input = input
        self.position = 0
        self.maxOutputSize = max(0, maxOutputSize)
        let guess = expectedSize ?? (input.count &* 4)
        outputCapacity = max(256, min(self.maxOutputSize, max(guess, 0)))
        output = .allocate(capacity: outputCapacity)
        ownsOutput = true
        lengths.initialize(repeating: 0, count: 288 + 32)
    }

    /// Decodes into the caller's `output`; more output than it holds is the size-limit error.
    init(input: UnsafeBufferPointer<UInt8>, output: UnsafeMutableBufferPointer<UInt8>) {
        self.input = input
        self.position = 0
        maxOutputSize = output.count
        if let base = output.baseAddress {
            self.output = base
            outputCapacity = output.count
            ownsOutput = false
        } else {
            // An empty buffer may have no address: a byte of our own, never written to.
            self.output = .allocate(capacity: 1)
            outputCapacity = 0
            ownsOutput = true
        }
        lengths.initialize(repeating: 0, count: 288 + 32)
    }

    deinit {
        if ownsOutput { output.deallocate() }
        lengths.deallocate()
    }

    /// The output so far as an array.
    func takeOutput() -> [UInt8] {
        Array(UnsafeBufferPointer(start: output, count: outputCount))
    }

    /// Decodes one raw deflate stream starting at input byte `start`; returns the offset
    /// of the first byte after it (the stream's last partial byte included).
    func inflateStream(from start: Int) throws -> Int {
        do {
            return try inflateBlocks(from: start)
        } catch InflateError.corrupt(let message) {
            // Zero padding past the end decodes as garbage; an error it caused is truncation.
            if paddedBits > bitCount { throw truncated() }
            throw InflateError.corrupt(message)
        }
    }

    private func inflateBlocks(from start: Int) throws -> Int {
        position = start
        bitBuffer = 0
        bitCount = 0
        paddedBits = 0
        streamStart = outputCount
        var isFinal = false
        while !isFinal {
            try refill()
            isFinal = bits(1) == 1
            let type = bits(2)
            switch type {
            case 0: try copyStoredBlock()
            case 1:
                try buildFixedTables()
                try decodeCompressedBlock()
            case 2:
                try readDynamicTables()
                try decodeCompressedBlock()
            default:
                throw InflateError.corrupt("inflate: invalid block type 3")
            }
        }
        // Drop the partial byte; give back whole bytes still in the buffer.
        consume(bitCount & 7)
        if paddedBits > bitCount { throw truncated() }
        return position - bitCount / 8
    }

    // MARK: Bits

    @inline(__always)
    private func refill() throws {
        if bitCount > 56 { return }
        if position &+ 8 <= input.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(input.baseAddress! + position).loadUnaligned(as: UInt64.self))
            bitBuffer |= word << UInt64(bitCount)
            let taken = (63 - bitCount) >> 3
            position += taken
            bitCount += taken << 3
        } else {
            try refillSlow()
        }
    }

    private func refillSlow() throws {
        while bitCount <= 56 {
            if position < input.count {
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            } else {
                paddedBits += 8
            }
            position += 1
            bitCount += 8
        }
        // Padding sits above the real bits; if some of it has been consumed already the
        // stream ended early. (A stream that ends normally never consumes padding.)
        if paddedBits > bitCount { throw truncated() }
    }

    @inline(__always)
    private func bits(_ count: Int) -> Int {
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(count)) &- 1))
        consume(count)
        return value
    }

    @inline(__always)
    private func consume(_ count: Int) {
        bitBuffer >>= UInt64(count)
        bitCount -= count
    }

    @inline(__always)
    private func decodeSymbol(_ table: HuffmanDecodingTable) throws -> Int {
        let entry = table.primary[Int(truncatingIfNeeded: bitBuffer & HuffmanDecodingTable.primaryMask)]
        if entry != 0 {
            consume(Int(entry >> 9))
            return Int(entry & 0x1FF)
        }
        let (symbol, length) = try table.decodeSlow(bitBuffer)
        consume(length)
        return symbol
    }

    private func truncated() -> InflateError {
        .truncated("deflate stream ends before its final block does")
    }

    // MARK: Output

    @inline(__always)
    private func reserve(_ count: Int) throws {
        let needed = outputCount &+ count
        if needed > outputCapacity { try grow(to: needed) }
    }

    private func grow(to needed: Int) throws {
        guard needed <= maxOutputSize, ownsOutput else {
            throw InflateError.corrupt("inflate: decompressed data exceeds the limit of \(maxOutputSize) bytes")
        }
        var capacity = outputCapacity
        while capacity < needed { capacity = capacity > maxOutputSize / 2 ? maxOutputSize : capacity * 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: output, count: outputCount)
        output.deallocate()
        output = grown
        outputCapacity = capacity
    }

    // MARK: Blocks

    private func copyStoredBlock() throws {
        consume(bitCount & 7)
        // Hand the whole bytes still buffered back to the input and copy directly.
        if paddedBits > bitCount { throw truncated() }
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
        paddedBits = 0
        guard position + 4 <= input.count else { throw truncated() }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == complement ^ 0xFFFF else {
            throw InflateError.corrupt("inflate: stored block length does not match its complement")
        }
        position += 4
        guard position + length <= input.count else { throw truncated() }
        try reserve(length)
        (output + outputCount).update(from: input.baseAddress! + position, count: length)
        outputCount += length
        position += length
    }

    private func buildFixedTables() throws {
        for symbol in 0..<144 { lengths[symbol] = 8 }
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        for symbol in 280..<288 { lengths[symbol] = 8 }
        try literalTable.build(lengths: lengths, count: 288, kind: .literalLength, name: "fixed literal/length")
        for symbol in 0..<30 { lengths[symbol] = 5 }
        // 30 symbols of length 5 leave the code incomplete by design (RFC 1951 §3.2.6:
        // codes 30 and 31 exist but never occur); build with 32 so the code is complete
        // and reject 30/31 when decoding.
        lengths[30] = 5
        lengths[31] = 5
        try distanceTable.build(lengths: lengths, count: 32, kind: .distance, name: "fixed distance")
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private func readDynamicTables() throws {
        try refill()
        let literalCount = bits(5) + 257
        let distanceCount = bits(5) + 1
        let codeLengthCount = bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw InflateError.corrupt("inflate: too many length or distance symbols")
        }
        for index in 0..<19 { lengths[index] = 0 }
        try refill()
        for index in 0..<codeLengthCount {
            if index == 16 { try refill() }
            lengths[Inflater.codeLengthOrder[index]] = UInt8(bits(3))
        }
        try codeLengthTable.build(lengths: lengths, count: 19, kind: .codeLengths, name: "code-length")

        let total = literalCount + distanceCount
        var index = 0
        while index < total {
            try refill()
            let symbol = try decodeSymbol(codeLengthTable)
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            let value: UInt8
            let repeatCount: Int
            switch symbol {
            case 16:
                guard index > 0 else { throw InflateError.corrupt("inflate: repeated code length with no previous length") }
                value = lengths[index - 1]
                repeatCount = 3 + bits(2)
            case 17:
                value = 0
                repeatCount = 3 + bits(3)
            default:
                value = 0
                repeatCount = 11 + bits(7)
            }
            guard index + repeatCount <= total else {
                throw InflateError.corrupt("inflate: code lengths repeat past the end of the table")
            }
            for offset in 0..<repeatCount { lengths[index + offset] = value }
            index += repeatCount
        }
        guard lengths[256] != 0 else { throw InflateError.corrupt("inflate: missing end-of-block code") }
        try literalTable.build(lengths: lengths, count: literalCount, kind: .literalLength, name: "literal/length")
        try distanceTable.build(lengths: lengths + literalCount, count: distanceCount, kind: .distance, name: "distance")
    }

    private static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtra: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private func decodeCompressedBlock() throws {
        try Inflater.lengthBase.withUnsafeBufferPointer { lengthBase in
            try Inflater.lengthExtra.withUnsafeBufferPointer { lengthExtra in
                try Inflater.distanceBase.withUnsafeBufferPointer { distanceBase in
                    try Inflater.distanceExtra.withUnsafeBufferPointer { distanceExtra in
                        try decodeSymbols(lengthBase, lengthExtra, distanceBase, distanceExtra)
                    }
                }
            }
        }
    }

    private func decodeSymbols(
        _ lengthBase: UnsafeBufferPointer<UInt16>, _ lengthExtra: UnsafeBufferPointer<UInt8>,
        _ distanceBase: UnsafeBufferPointer<UInt16>, _ distanceExtra: UnsafeBufferPointer<UInt8>
    ) throws {
        while true {
            if try decodeSymbolsFast(lengthBase, lengthExtra, distanceBase, distanceExtra) { return }
            if try decodeOneSymbol(lengthBase, lengthExtra, distanceBase, distanceExtra) { return }
        }
    }

    /// The hot loop: runs while at least 8 input bytes and 258 bytes of output room
    /// remain, on local copies of the state (class properties would cost an exclusivity
    /// check per access). Returns true at the end of the block, false when it stops
    /// short of it (the caller then decodes one symbol the careful way).
    private func decodeSymbolsFast(
        _ lengthBase: UnsafeBufferPointer<UInt16>, _ lengthExtra: UnsafeBufferPointer<UInt8>,
        _ distanceBase: UnsafeBufferPointer<UInt16>, _ distanceExtra: UnsafeBufferPointer<UInt8>
    ) throws -> Bool {
        guard let source = input.baseAddress, position + 8 <= input.count, outputCount + 258 <= outputCapacity else {
            return false
        }
        let inputEnd = input.count - 8
        let outputEnd = outputCapacity - 258
        let out = output
        let window = streamStart
        let literals = literalTable, distances = distanceTable
        let literalPrimary = literals.primary, distancePrimary = distances.primary
        let mask = HuffmanDecodingTable.primaryMask
        var bits = bitBuffer, count = bitCount, next = position, written = outputCount
        defer {
            bitBuffer = bits
            bitCount = count
            position = next
            outputCount = written
        }
        while next <= inputEnd, written <= outputEnd {
            if count <= 56 {
                bits |= UInt64(littleEndian: UnsafeRawPointer(source + next).loadUnaligned(as: UInt64.self)) << UInt64(count)
                let taken = (63 - count) >> 3
                next += taken
                count += taken << 3
            }
            var symbol: Int
            let entry = literalPrimary[Int(truncatingIfNeeded: bits & mask)]
            if entry != 0 {
                let length = Int(entry >> 9)
                bits >>= UInt64(length)
                count -= length
                symbol = Int(entry & 0x1FF)
            } else {
                let (slowSymbol, length) = try literals.decodeSlow(bits)
                bits >>= UInt64(length)
                count -= length
                symbol = slowSymbol
            }
            if symbol < 256 {
                out[written] = UInt8(truncatingIfNeeded: symbol)
                written += 1
                continue
            }
            if symbol == 256 { return true }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw InflateError.corrupt("inflate: invalid length symbol \(symbol)") }
            let lengthBits = Int(lengthExtra[lengthIndex])
            let length = Int(lengthBase[lengthIndex]) + Int(truncatingIfNeeded: bits & ((1 << UInt64(lengthBits)) &- 1))
            bits >>= UInt64(lengthBits)
            count -= lengthBits
            let distanceEntry = distancePrimary[Int(truncatingIfNeeded: bits & mask)]
            let distanceSymbol: Int
            if distanceEntry != 0 {
                let codeLength = Int(distanceEntry >> 9)
                bits >>= UInt64(codeLength)
                count -= codeLength
                distanceSymbol = Int(distanceEntry & 0x1FF)
            } else {
                let (slowSymbol, codeLength) = try distances.decodeSlow(bits)
                bits >>= UInt64(codeLength)
                count -= codeLength
                distanceSymbol = slowSymbol
            }
            guard distanceSymbol < 30 else { throw InflateError.corrupt("inflate: invalid distance symbol \(distanceSymbol)") }
            let distanceBits = Int(distanceExtra[distanceSymbol])
            let distance = Int(distanceBase[distanceSymbol]) + Int(truncatingIfNeeded: bits & ((1 << UInt64(distanceBits)) &- 1))
            bits >>= UInt64(distanceBits)
            count -= distanceBits
            guard distance <= written - window else {
                throw InflateError.corrupt("inflate: distance \(distance) reaches before the start of the data")
            }
            let destination = out + written
            let from = destination - distance
            if distance >= length {
                destination.update(from: from, count: length)
            } else {
                for offset in 0..<length { destination[offset] = from[offset] }
            }
            written += length
        }
        return false
    }

    /// Decodes one symbol with full checks (refill near the end of the input, output
    /// growth). Returns true at the end of the block.
    private func decodeOneSymbol(
        _ lengthBase: UnsafeBufferPointer<UInt16>, _ lengthExtra: UnsafeBufferPointer<UInt8>,
        _ distanceBase: UnsafeBufferPointer<UInt16>, _ distanceExtra: UnsafeBufferPointer<UInt8>
    ) throws -> Bool {
        try refill()
        let symbol = try decodeSymbol(literalTable)
        if symbol < 256 {
            if outputCount == outputCapacity { try grow(to: outputCount + 1) }
            output[outputCount] = UInt8(truncatingIfNeeded: symbol)
            outputCount += 1
            return false
        }
        if symbol == 256 { return true }
        let lengthIndex = symbol - 257
        guard lengthIndex < 29 else { throw InflateError.corrupt("inflate: invalid length symbol \(symbol)") }
        let length = Int(lengthBase[lengthIndex]) + bits(Int(lengthExtra[lengthIndex]))
        let distanceSymbol = try decodeSymbol(distanceTable)
        guard distanceSymbol < 30 else {
            throw InflateError.corrupt("inflate: invalid distance symbol \(distanceSymbol)")
        }
        let distance = Int(distanceBase[distanceSymbol]) + bits(Int(distanceExtra[distanceSymbol]))
        guard distance <= outputCount - streamStart else {
            throw InflateError.corrupt("inflate: distance \(distance) reaches before the start of the data")
        }
        try reserve(length)
        let destination = output + outputCount
        let source = destination - distance
        if distance >= length {
            destination.update(from: source, count: length)
        } else {
            // Overlapping copy repeats the last `distance` bytes; must go byte by byte.
            for offset in 0..<length { destination[offset] = source[offset] }
        }
        outputCount += length
        return false
    }
}
