/// The engine behind `Deflate`: match finding and block encoding.
struct Deflater {
    private let input: [UInt8]
    private let maxChain: Int
    private let niceLength: Int
    private let lazy: Bool
    /// Matches at least this long are taken without a lazy look at the next byte.
    private let maxLazyLength: Int
    /// When the current match is at least this long, the lazy search walks a quarter of the chain.
    private let goodLength: Int

    static let windowSize = 1 << 15
    static let minMatch = 3
    static let maxMatch = 258
    static let blockSymbols = 1 << 14

    init(input: [UInt8], level: Int) {
        self.input = input
        let level = min(max(level, 0), 9)
        let chains = [0, 4, 8, 16, 32, 64, 128, 256, 1024, 4096]
        let nice = [0, 16, 32, 64, 128, 128, 258, 258, 258, 258]
        maxChain = chains[level]
        niceLength = nice[level]
        lazy = level >= 4
        // zlib's deflate_slow configuration table, levels 4–9 (max_lazy, good_length).
        maxLazyLength = [0, 0, 0, 0, 16, 16, 16, 32, 128, 258][level]
        goodLength = [0, 0, 0, 0, 4, 8, 8, 8, 32, 32][level]
    }

    /// A match is stored as `1 << 31 | length << 16 | distance`; a literal as its byte.
    private static let matchFlag: UInt32 = 1 << 31

    func compress(into writer: inout DeflateBitWriter) {
        if maxChain == 0 || input.count < Deflater.minMatch {
            writeStored(from: 0, to: input.count, final: true, into: &writer)
            return
        }
        input.withUnsafeBufferPointer { data in
            let count = data.count
            let hashSize = 1 << 15
            let mask = Deflater.windowSize - 1
            // Raw buffers: arrays captured by the nested functions below would be boxed and
            // pay a dynamic exclusivity check on every access.
            let head = UnsafeMutablePointer<Int32>.allocate(capacity: hashSize)
            let previous = UnsafeMutablePointer<Int32>.allocate(capacity: Deflater.windowSize)
            head.initialize(repeating: -1, count: hashSize)
            previous.initialize(repeating: -1, count: Deflater.windowSize)
            defer {
                head.deallocate()
                previous.deallocate()
            }
            var symbols = [UInt32]()
            symbols.reserveCapacity(Deflater.blockSymbols + 2)
            var blockStart = 0

            @inline(__always) func hash(_ position: Int) -> Int {
                (Int(data[position]) << 10 ^ Int(data[position + 1]) << 5 ^ Int(data[position + 2])) & (hashSize - 1)
            }
            @inline(__always) func insert(_ position: Int) -> Int32 {
                let h = hash(position)
                let candidate = head[h]
                previous[position & mask] = candidate
                head[h] = Int32(position)
                return candidate
            }
            /// Longest match for `position` longer than `minimum`, walking the hash chain from
            /// `first`; (0, 0) if there is none.
            func longestMatch(_ position: Int, _ first: Int32, atLeast minimum: Int) -> (Int, Int) {
                let limit = min(Deflater.maxMatch, count - position)
                guard limit > minimum else { return (0, 0) }
                var best = minimum
                var bestDistance = 0
                var candidate = Int(first)
                var chain = minimum >= goodLength ? maxChain >> 2 : maxChain
                while candidate >= 0, position - candidate <= Deflater.windowSize, chain > 0 {
                    // Only a candidate that agrees at index `best` can be longer than `best`.
                    if data[candidate + best] == data[position + best] {
                        var length = 0
                        while length < limit, data[candidate + length] == data[position + length] { length += 1 }
                        if length > best {
                            best = length
                            bestDistance = position - candidate
                            if length >= niceLength || length == limit { break }
                        }
                    }
                    let next = Int(previous[candidate & mask])
                    if next >= candidate { break }  // slot reused by a newer position: chain ends
                    candidate = next
                    chain -= 1
                }
                return bestDistance == 0 ? (0, 0) : (best, bestDistance)
            }

            var position = 0
            while position < count {
                if position + Deflater.minMatch > count {
                    symbols.append(UInt32(data[position]))
                    position += 1
                } else {
                    let first = insert(position)
                    var (length, distance) = longestMatch(position, first, atLeast: Deflater.minMatch - 1)
                    if length >= Deflater.minMatch, lazy, length < maxLazyLength, position + 1 + Deflater.minMatch <= count {
                        // One-step lazy evaluation: prefer a longer match starting at the next byte.
                        let nextFirst = insert(position + 1)
                        let (nextLength, nextDistance) = longestMatch(position + 1, nextFirst, atLeast: length)
                        if nextLength > length {
                            symbols.append(UInt32(data[position]))
                            position += 1
                            (length, distance) = (nextLength, nextDistance)
                            symbols.append(Deflater.matchFlag | UInt32(length) << 16 | UInt32(distance))
                            for p in (position + 1)..<(position + length) where p + Deflater.minMatch <= count { _ = insert(p) }
                            position += length
                        } else {
                            symbols.append(Deflater.matchFlag | UInt32(length) << 16 | UInt32(distance))
                            // position + 1 is already in the chains.
                            for p in (position + 2)..<(position + length) where p + Deflater.minMatch <= count { _ = insert(p) }
                            position += length
                        }
                    } else if length >= Deflater.minMatch {
                        symbols.append(Deflater.matchFlag | UInt32(length) << 16 | UInt32(distance))
                        for p in (position + 1)..<(position + length) where p + Deflater.minMatch <= count { _ = insert(p) }
                        position += length
                    } else {
                        symbols.append(UInt32(data[position]))
                        position += 1
                    }
                }
                if symbols.count >= Deflater.blockSymbols {
                    writeBlock(symbols, from: blockStart, to: position, final: position >= count, into: &writer)
                    symbols.removeAll(keepingCapacity: true)
                    blockStart = position
                }
            }
            if !symbols.isEmpty || blockStart == 0 {
                writeBlock(symbols, from: blockStart, to: count, final: true, into: &writer)
            }
        }
    }

    // MARK: Blocks

    private func writeStored(from start: Int, to end: Int, final: Bool, into writer: inout DeflateBitWriter) {
        var offset = start
        repeat {
            let length = min(0xFFFF, end - offset)
            let last = offset + length == end
            writer.write(final && last ? 1 : 0, bits: 1)
            writer.write(0, bits: 2)
            writer.alignToByte()
            writer.append(bytes: [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)])
            writer.append(bytes: input[offset..<(offset + length)])
            offset += length
        } while offset < end
    }

    private func writeBlock(_ symbols: [UInt32], from start: Int, to end: Int, final: Bool, into writer: inout DeflateBitWriter) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        var extraBits = 0
        for symbol in symbols {
            if symbol & Deflater.matchFlag == 0 {
                literalFrequencies[Int(symbol)] += 1
            } else {
                let lengthCode = DeflateTables.lengthCode[Int((symbol >> 16) & 0x1FF)]
                let distanceCode = DeflateTables.distanceCode[Int(symbol & 0xFFFF)]
                literalFrequencies[257 + Int(lengthCode)] += 1
                distanceFrequencies[Int(distanceCode)] += 1
                extraBits += Int(DeflateTables.lengthExtra[Int(lengthCode)]) + Int(DeflateTables.distanceExtra[Int(distanceCode)])
            }
        }
        literalFrequencies[256] = 1

        // Dynamic code: keep at least two used symbols per code so both are complete.
        var literalWeights = literalFrequencies
        var distanceWeights = distanceFrequencies
        if literalWeights.filter({ $0 > 0 }).count < 2 { literalWeights[literalWeights[0] > 0 ? 1 : 0] = 1 }
        while distanceWeights.filter({ $0 > 0 }).count < 2 { distanceWeights[distanceWeights.firstIndex(of: 0)!] = 1 }
        let literalLengths = HuffmanCodeBuilder.lengths(for: literalWeights, limit: 15)
        let distanceLengths = HuffmanCodeBuilder.lengths(for: distanceWeights, limit: 15)
        let header = DynamicHeader(literalLengths: literalLengths, distanceLengths: distanceLengths)

        var dynamicBits = 3 + header.bitCount + extraBits
        var fixedBits = 3 + extraBits
        for symbol in 0..<286 {
            dynamicBits += literalFrequencies[symbol] * Int(literalLengths[symbol])
            fixedBits += literalFrequencies[symbol] * Int(DeflateTables.fixedLiteralLengths[symbol])
        }
        for symbol in 0..<30 {
            dynamicBits += distanceFrequencies[symbol] * Int(distanceLengths[symbol])
            fixedBits += distanceFrequencies[symbol] * 5
        }
        let storedBits = (end - start) * 8 + ((end - start) / 0xFFFF + 1) * 48

        if storedBits <= min(dynamicBits, fixedBits) {
            writeStored(from: start, to: end, final: final, into: &writer)
        } else if fixedBits <= dynamicBits {
            writer.write(final ? 1 : 0, bits: 1)
            writer.write(1, bits: 2)
            writeSymbols(symbols, literalLengths: DeflateTables.fixedLiteralLengths, literalCodes: DeflateTables.fixedLiteralCodes,
                         distanceLengths: DeflateTables.fixedDistanceLengths, distanceCodes: DeflateTables.fixedDistanceCodes,
                         into: &writer)
        } else {
            writer.write(final ? 1 : 0, bits: 1)
            writer.write(2, bits: 2)
            header.write(into: &writer)
            writeSymbols(symbols, literalLengths: literalLengths, literalCodes: HuffmanCodeBuilder.reversedCodes(for: literalLengths),
                         distanceLengths: distanceLengths, distanceCodes: HuffmanCodeBuilder.reversedCodes(for: distanceLengths),
                         into: &writer)
        }
    }

    private func writeSymbols(_ symbols: [UInt32], literalLengths: [UInt8], literalCodes: [UInt16],
                              distanceLengths: [UInt8], distanceCodes: [UInt16], into writer: inout DeflateBitWriter) {
        for symbol in symbols {
            if symbol & Deflater.matchFlag == 0 {
                writer.write(Int(literalCodes[Int(symbol)]), bits: Int(literalLengths[Int(symbol)]))
                continue
            }
            let length = Int((symbol >> 16) & 0x1FF)
            let distance = Int(symbol & 0xFFFF)
            let lengthCode = Int(DeflateTables.lengthCode[length])
            writer.write(Int(literalCodes[257 + lengthCode]), bits: Int(literalLengths[257 + lengthCode]))
            writer.write(length - Int(DeflateTables.lengthBase[lengthCode]), bits: Int(DeflateTables.lengthExtra[lengthCode]))
            let distanceCode = Int(DeflateTables.distanceCode[distance])
            writer.write(Int(distanceCodes[distanceCode]), bits: Int(distanceLengths[distanceCode]))
            writer.write(distance - Int(DeflateTables.distanceBase[distanceCode]), bits: Int(DeflateTables.distanceExtra[distanceCode]))
        }
        writer.write(Int(literalCodes[256]), bits: Int(literalLengths[256]))
    }
}

/// The header of a dynamic block: HLIT, HDIST, HCLEN, the code-length code and the
/// run-length encoded code lengths (symbols 16/17/18 for repeats).
private struct DynamicHeader {
    let literalCount: Int
    let distanceCount: Int
    /// (code-length symbol, extra-bit value)
    let runs: [(UInt8, Int)]
    let codeLengthLengths: [UInt8]
    let codeLengthCount: Int

    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    init(literalLengths: [UInt8], distanceLengths: [UInt8]) {
        literalCount = max(257, (literalLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        distanceCount = max(1, (distanceLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        let lengths = Array(literalLengths[..<literalCount]) + Array(distanceLengths[..<distanceCount])
        var runs: [(UInt8, Int)] = []
        var index = 0
        while index < lengths.count {
            let value = lengths[index]
            var run = 1
            while index + run < lengths.count, lengths[index + run] == value { run += 1 }
            index += run
            if value == 0 {
                while run >= 11 { let take = min(run, 138); runs.append((18, take - 11)); run -= take }
                if run >= 3 { runs.append((17, run - 3)); run = 0 }
                while run > 0 { runs.append((0, 0)); run -= 1 }
            } else {
                runs.append((value, 0))
                run -= 1
                while run >= 3 { let take = min(run, 6); runs.append((16, take - 3)); run -= take }
                while run > 0 { runs.append((value, 0)); run -= 1 }
            }
        }
        self.runs = runs
        var frequencies = [Int](repeating: 0, count: 19)
        for (symbol, _) in runs { frequencies[Int(symbol)] += 1 }
        if frequencies.filter({ $0 > 0 }).count < 2 { frequencies[frequencies[0] > 0 ? 1 : 0] += 1 }
        codeLengthLengths = HuffmanCodeBuilder.lengths(for: frequencies, limit: 7)
        var count = 19
        while count > 4, codeLengthLengths[DynamicHeader.order[count - 1]] == 0 { count -= 1 }
        codeLengthCount = count
    }

    var bitCount: Int {
        var bits = 14 + 3 * codeLengthCount
        for (symbol, _) in runs {
            bits += Int(codeLengthLengths[Int(symbol)])
            bits += symbol == 16 ? 2 : symbol == 17 ? 3 : symbol == 18 ? 7 : 0
        }
        return bits
    }

    func write(into writer: inout DeflateBitWriter) {
        writer.write(literalCount - 257, bits: 5)
        writer.write(distanceCount - 1, bits: 5)
        writer.write(codeLengthCount - 4, bits: 4)
        for index in 0..<codeLengthCount { writer.write(Int(codeLengthLengths[DynamicHeader.order[index]]), bits: 3) }
        let codes = HuffmanCodeBuilder.reversedCodes(for: codeLengthLengths)
        for (symbol, extra) in runs {
            writer.write(Int(codes[Int(symbol)]), bits: Int(codeLengthLengths[Int(symbol)]))
            switch symbol {
            case 16: writer.write(extra, bits: 2)
            case 17: writer.write(extra, bits: 3)
            case 18: writer.write(extra, bits: 7)
            default: break
            }
        }
    }
}

/// Static tables of RFC 1951 §3.2.5 for the encoder.
enum DeflateTables {
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Length code (0...28) of every match length 0...258 (entries below 3 unused).
    static let lengthCode: [UInt8] = (0...258).map { length in
        UInt8(max(0, (lengthBase.lastIndex { Int($0) <= length } ?? 0)))
    }
    /// Distance code (0...29) of every distance 0...32768 (entry 0 unused).
    static let distanceCode: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 32769)
        var code = 0
        for distance in 1...32768 {
            while code + 1 < distanceBase.count, Int(distanceBase[code + 1]) <= distance { code += 1 }
            table[distance] = UInt8(code)
        }
        return table
    }()

    static let fixedLiteralLengths: [UInt8] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    static let fixedLiteralCodes = HuffmanCodeBuilder.reversedCodes(for: fixedLiteralLengths)
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)
    static let fixedDistanceCodes = HuffmanCodeBuilder.reversedCodes(for: [UInt8](repeating: 5, count: 32)).prefix(30).map { $0 }
}
