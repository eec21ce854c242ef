/// Scan decoding of the JPEG decoder: sequential Huffman MCUs (T.81 F.2.2) and the four
/// progressive passes (G.1.2: DC first/refine, AC first/refine with end-of-band runs),
/// following libjpeg's jdhuff.c / jdphuff.c, including its treatment of out-of-range run
/// lengths (positions past 63 land on coefficient 63 via a padded zig-zag table) and its
/// 16-bit coefficient wrap-around.

/// Zig-zag tables and scan constants.
enum JPEGScan {
    /// Zig-zag index → natural (row-major) index, padded with 16 extra 63s as libjpeg's
    /// jpeg_natural_order is, so corrupt run lengths stay inside the block.
    static let naturalOrder: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ]

    /// `naturalOrder` as a pointer for the MCU loops (allocated once, never freed).
    nonisolated(unsafe) static let naturalOrderTable: UnsafePointer<Int> = {
        let table = UnsafeMutablePointer<Int>.allocate(capacity: naturalOrder.count)
        table.initialize(from: naturalOrder, count: naturalOrder.count)
        return UnsafePointer(table)
    }()

    /// Most blocks libjpeg accepts in one MCU (D_MAX_BLOCKS_IN_MCU).
    static let maxBlocksPerMCU = 10
}

/// One component of a scan with the tables it uses.
struct JPEGScanComponent {
    let component: JPEGComponent
    let dcTable: JPEGHuffmanTable?
    let acTable: JPEGHuffmanTable?
    /// Views of the tables (the `JPEGHuffmanTable`s above keep them alive).
    var dc: JPEGHuffmanView { dcTable!.view }
    var ac: JPEGHuffmanView { acTable!.view }
}

extension JPEGDecoding {
    /// Parses an SOS segment and decodes the entropy-coded data after it, leaving
    /// `position` where the data ended. Returns true when the image is complete (a
    /// sequential scan holding every component, decoded straight into the planes).
    func readScan(_ start: Int, _ end: Int, position: inout Int) throws -> Bool {
        guard !components.isEmpty else { throw ImageCodecError.corrupt("SOS before SOF") }
        guard end - start >= 1 else { throw ImageCodecError.corrupt("bad SOS segment") }
        let count = Int(data[start])
        guard (1...4).contains(count), end - start == 4 + 2 * count else { throw ImageCodecError.corrupt("bad SOS segment length") }
        var scanComponents: [JPEGScanComponent] = []
        var selections: [(JPEGComponent, Int, Int)] = []
        for index in 0..<count {
            let id = Int(data[start + 1 + 2 * index])
            let tables = data[start + 2 + 2 * index]
            guard let component = components.first(where: { $0.id == id }),
                  !selections.contains(where: { $0.0 === component })
            else { throw ImageCodecError.corrupt("bad component id \(id) in SOS") }
            selections.append((component, Int(tables >> 4), Int(tables & 0x0F)))
        }
        let spectralStart = Int(data[start + 1 + 2 * count])
        let spectralEnd = Int(data[start + 2 + 2 * count])
        let approximationHigh = Int(data[start + 3 + 2 * count] >> 4)
        let approximationLow = Int(data[start + 3 + 2 * count] & 0x0F)

        if count > 1 {
            let blocks = selections.reduce(0) { $0 + $1.0.horizontal * $1.0.vertical }
            guard blocks <= JPEGScan.maxBlocksPerMCU else { throw ImageCodecError.corrupt("too many blocks in an MCU") }
        }
        if progressive {
            let isDC = spectralStart == 0
            var bad = false
            if isDC {
                if spectralEnd != 0 { bad = true }
            } else if spectralStart > spectralEnd || spectralEnd > 63 || count != 1 {
                bad = true
            }
            if approximationHigh != 0, approximationLow != approximationHigh - 1 { bad = true }
            if approximationLow > 13 { bad = true }
            if bad {
                throw ImageCodecError.corrupt(
                    "bad progression parameters Ss=\(spectralStart) Se=\(spectralEnd) Ah=\(approximationHigh) Al=\(approximationLow)")
            }
        }

        // First scan: colour space and storage, once the file is known to be able to fill it.
        let direct = scanCount == 0 && !progressive && count == components.count
        let totalBlocks = components.reduce(0) { $0 + $1.codedBlocks }
        if scanCount == 0 {
            let dataLeft = self.end - end
            guard totalBlocks / 8 <= dataLeft else {
                throw ImageCodecError.truncated(
                    "\(dataLeft) bytes of entropy-coded data cannot code the \(totalBlocks) blocks of a \(width)×\(height) image")
            }
            let needed = memoryNeeded(direct: direct)
            guard needed <= limits.maxMemory else { throw ImageCodecError.exceedsMemory(needed: needed, limit: limits.maxMemory) }
            colorSpace = guessColorSpace()
            for component in components {
                if direct { component.allocatePlane() } else { component.allocateCoefficients() }
            }
        }
        scanCount += 1
        scanBlocks += count == 1
            ? selections[0].0.codedBlocks
            : mcusPerLine * mcusPerColumn * selections.reduce(0) { $0 + $1.0.horizontal * $1.0.vertical }
        guard scanBlocks <= JPEGDecoding.maxScanPasses * totalBlocks else {
            throw ImageCodecError.unsupported(
                "unsupported JPEG variant: scans passing over the image more than \(JPEGDecoding.maxScanPasses) times")
        }

        // Latch quantisation tables (libjpeg keeps the table current at a component's first scan).
        for (component, _, _) in selections where !component.quantLatched {
            guard let table = quantTables[component.quantSelector] else {
                throw ImageCodecError.corrupt("missing DQT table \(component.quantSelector)")
            }
            for k in 0..<64 { component.quant[k] = table[k] }
            component.quantLatched = true
        }

        // Huffman tables the scan uses.
        let needsDC = !progressive || (spectralStart == 0 && approximationHigh == 0)
        let needsAC = !progressive || spectralStart != 0
        for (component, dcIndex, acIndex) in selections {
            var dcTable: JPEGHuffmanTable?
            var acTable: JPEGHuffmanTable?
            if needsDC {
                guard dcIndex < 4, let spec = dcSpecs[dcIndex] else { throw ImageCodecError.corrupt("missing DC Huffman table") }
                dcTable = try JPEGHuffmanTable(counts: spec.0, symbolList: spec.1, isDC: true)
            }
            if needsAC {
                guard acIndex < 4, let spec = acSpecs[acIndex] else { throw ImageCodecError.corrupt("missing AC Huffman table") }
                acTable = try JPEGHuffmanTable(counts: spec.0, symbolList: spec.1, isDC: false)
            }
            scanComponents.append(JPEGScanComponent(component: component, dcTable: dcTable, acTable: acTable))
        }

        // Record the successive-approximation state for the block-smoothing decision.
        if progressive {
            for (component, _, _) in selections {
                for k in spectralStart...min(spectralEnd, 63) where k < 10 {
                    component.coefficientBits[k] = approximationLow
                }
            }
        }

        var reader = JPEGBitReader(data: data, end: self.end, position: end)
        if direct {
            try decodeSequentialDirect(scanComponents, &reader)
        } else if !progressive {
            try decodeSequentialCoefficients(scanComponents, &reader)
        } else if spectralStart == 0 {
            if approximationHigh == 0 {
                try decodeDCFirst(scanComponents, &reader, shift: approximationLow)
            } else {
                try decodeDCRefine(scanComponents, &reader, shift: approximationLow)
            }
        } else if approximationHigh == 0 {
            try decodeACFirst(scanComponents[0], &reader, start: spectralStart, end: spectralEnd, shift: approximationLow)
        } else {
            try decodeACRefine(scanComponents[0], &reader, start: spectralStart, end: spectralEnd, shift: approximationLow)
        }
        position = reader.position
        return direct
    }

    /// Visits every block of a scan in MCU order, handling restart markers, and checks
    /// after each MCU that the data did not run out. `body` gets the reader, the scan
    /// component's index, and the block's column and row in the component.
    @inline(__always)
    private func forEachBlock(
        _ scan: [JPEGScanComponent], _ reader: inout JPEGBitReader,
        onRestart: () -> Void,
        _ body: (inout JPEGBitReader, Int, Int, Int) throws -> Void
    ) throws {
        let single = scan.count == 1
        let mcuColumns = single ? scan[0].component.blocksPerLine : mcusPerLine
        let mcuRows = single ? scan[0].component.blocksPerColumn : mcusPerColumn
        let interval = restartInterval
        var untilRestart = interval
        var nextRestart = 0
        for mcuRow in 0..<mcuRows {
            for mcuColumn in 0..<mcuColumns {
                if interval > 0 {
                    if untilRestart == 0 {
                        try reader.restart(expected: nextRestart)
                        nextRestart = (nextRestart + 1) & 7
                        untilRestart = interval
                        onRestart()
                    }
                    untilRestart -= 1
                }
                if single {
                    try body(&reader, 0, mcuColumn, mcuRow)
                } else {
                    for index in 0..<scan.count {
                        let component = scan[index].component
                        for v in 0..<component.vertical {
                            for h in 0..<component.horizontal {
                                try body(&reader, index, mcuColumn * component.horizontal + h, mcuRow * component.vertical + v)
                            }
                        }
                    }
                }
                if reader.isOverrun { throw ImageCodecError.truncated("entropy-coded data ended early") }
            }
        }
    }

    /// Decodes one sequential block (DC difference + AC run/size codes) into `block`,
    /// which must be zero on entry. Returns false when no AC coefficient was coded.
    @discardableResult
    @inline(__always)
    private func decodeSequentialBlock(
        _ reader: inout JPEGBitReader, dc: JPEGHuffmanView, ac: JPEGHuffmanView,
        predictor: inout Int32, block: UnsafeMutablePointer<Int16>, order: UnsafePointer<Int>
    ) throws -> Bool {
        var hasAC = false
        let size = try reader.symbol(dc)
        let difference = size == 0 ? 0 : reader.receiveExtend(size)
        predictor = predictor &+ difference
        block[0] = Int16(truncatingIfNeeded: predictor)
        var k = 1
        while k < 64 {
            reader.ensure32()
            let fast = ac.fastAC[reader.peek9]
            if fast != 0 {
                // Code and value bits in one lookup.
                reader.consume(Int(fast & 0xFF))
                k &+= Int((fast &>> 8) & 0xFF)
                block[order[k]] = Int16(truncatingIfNeeded: fast &>> 16)
                hasAC = true
                k &+= 1
                continue
            }
            let symbol = try reader.symbol(ac)
            let run = symbol &>> 4
            let bits = symbol & 15
            if bits != 0 {
                k &+= run
                block[order[k]] = Int16(truncatingIfNeeded: reader.receiveExtend(bits))
                hasAC = true
            } else {
                if run != 15 { break }
                k &+= 15
            }
            k &+= 1
        }
        return hasAC
    }

    /// A sequential scan with every component: each block goes through the IDCT at once.
    private func decodeSequentialDirect(_ scan: [JPEGScanComponent], _ reader: inout JPEGBitReader) throws {
        // One entry per block of an MCU: which scan component, and the block's offset in it.
        struct BlockSlot {
            let slot: Int
            let dx: Int
            let dy: Int
            let dc: JPEGHuffmanView
            let ac: JPEGHuffmanView
            let quant: UnsafePointer<Int16>
            let plane: UnsafeMutablePointer<UInt8>
            let stride: Int
            let mcuWidth: Int   // blocks per MCU horizontally
            let mcuHeight: Int
        }
        let block = UnsafeMutablePointer<Int16>.allocate(capacity: 64)
        block.initialize(repeating: 0, count: 64)
        defer { block.deallocate() }
        let predictors = UnsafeMutablePointer<Int32>.allocate(capacity: scan.count)
        predictors.initialize(repeating: 0, count: scan.count)
        defer { predictors.deallocate() }
        let order = JPEGScan.naturalOrderTable

        let single = scan.count == 1
        var slots: [BlockSlot] = []
        for (index, entry) in scan.enumerated() {
            let component = entry.component
            guard let plane = component.plane else { throw ImageCodecError.corrupt("component without storage") }
            let width = single ? 1 : component.horizontal
            let height = single ? 1 : component.vertical
            for dy in 0..<height {
                for dx in 0..<width {
                    slots.append(BlockSlot(slot: index, dx: dx, dy: dy, dc: entry.dc, ac: entry.ac,
                                           quant: UnsafePointer(component.quant), plane: plane,
                                           stride: component.planeStride, mcuWidth: width, mcuHeight: height))
                }
            }
        }
        let mcuColumns = single ? scan[0].component.blocksPerLine : mcusPerLine
        let mcuRows = single ? scan[0].component.blocksPerColumn : mcusPerColumn
        let interval = restartInterval
        var untilRestart = interval
        var nextRestart = 0
        try slots.withUnsafeBufferPointer { slots in
            for mcuRow in 0..<mcuRows {
                for mcuColumn in 0..<mcuColumns {
                    if interval > 0 {
                        if untilRestart == 0 {
                            try reader.restart(expected: nextRestart)
                            nextRestart = (nextRestart + 1) & 7
                            untilRestart = interval
                            predictors.update(repeating: 0, count: scan.count)
                        }
                        untilRestart -= 1
                    }
                    for entry in slots {
                        let hasAC = try decodeSequentialBlock(&reader, dc: entry.dc, ac: entry.ac,
                                                              predictor: &predictors[entry.slot], block: block, order: order)
                        let column = mcuColumn &* entry.mcuWidth &+ entry.dx
                        let row = mcuRow &* entry.mcuHeight &+ entry.dy
                        let offset: Int = row &* 8 &* entry.stride &+ column &* 8
                        if hasAC {
                            JPEGIDCT.islow(coefficients: block, quant: entry.quant, output: entry.plane + offset, stride: entry.stride)
                            block.update(repeating: 0, count: 64)
                        } else {
                            JPEGIDCT.dcOnly(dc: block[0], quant: entry.quant[0], output: entry.plane + offset, stride: entry.stride)
                            block[0] = 0
                        }
                    }
                    if reader.isOverrun { throw ImageCodecError.truncated("entropy-coded data ended early") }
                }
            }
        }
    }

    /// A sequential scan of some components: coefficients are kept until EOI.
    private func decodeSequentialCoefficients(_ scan: [JPEGScanComponent], _ reader: inout JPEGBitReader) throws {
        var predictors = [Int32](repeating: 0, count: scan.count)
        let storage = scan.map { $0.component.coefficients! }
        let lines = scan.map { $0.component.allocatedBlocksPerLine }
        let dcTables = scan.map(\.dc)
        let acTables = scan.map(\.ac)
        let order = JPEGScan.naturalOrderTable
        try forEachBlock(scan, &reader, onRestart: { for i in predictors.indices { predictors[i] = 0 } }) { reader, index, column, row in
            let block = storage[index] + (row * lines[index] + column) * 64
            // A later scan of the same component overwrites it (libjpeg does the same).
            block.update(repeating: 0, count: 64)
            try decodeSequentialBlock(&reader, dc: dcTables[index], ac: acTables[index], predictor: &predictors[index],
                                      block: block, order: order)
        }
    }

    /// Progressive DC, first pass: DC differences scaled by 2^Al.
    private func decodeDCFirst(_ scan: [JPEGScanComponent], _ reader: inout JPEGBitReader, shift: Int) throws {
        var predictors = [Int32](repeating: 0, count: scan.count)
        let storage = scan.map { $0.component.coefficients! }
        let lines = scan.map { $0.component.allocatedBlocksPerLine }
        let dcTables = scan.map(\.dc)
        try forEachBlock(scan, &reader, onRestart: { for i in predictors.indices { predictors[i] = 0 } }) { reader, index, column, row in
            let block = storage[index] + (row * lines[index] + column) * 64
            let size = try reader.symbol(dcTables[index])
            let difference = size == 0 ? 0 : reader.receiveExtend(size)
            predictors[index] = predictors[index] &+ difference
            block[0] = Int16(truncatingIfNeeded: predictors[index] &<< Int32(shift))
        }
    }

    /// Progressive DC refinement: one more bit of each DC coefficient.
    private func decodeDCRefine(_ scan: [JPEGScanComponent], _ reader: inout JPEGBitReader, shift: Int) throws {
        let storage = scan.map { $0.component.coefficients! }
        let lines = scan.map { $0.component.allocatedBlocksPerLine }
        let bit = Int16(truncatingIfNeeded: 1 << shift)
        try forEachBlock(scan, &reader, onRestart: {}) { reader, index, column, row in
            if reader.readBit() != 0 {
                storage[index][(row * lines[index] + column) * 64] |= bit
            }
        }
    }

    /// Progressive AC, first pass over band `start…end` of one component, with end-of-band runs.
    private func decodeACFirst(_ scan: JPEGScanComponent, _ reader: inout JPEGBitReader, start: Int, end: Int, shift: Int) throws {
        let storage = scan.component.coefficients!
        let line = scan.component.allocatedBlocksPerLine
        let table = scan.ac
        eobRun = 0
        try JPEGScan.naturalOrder.withUnsafeBufferPointer { order in
            try forEachBlock([scan], &reader, onRestart: { eobRun = 0 }) { reader, _, column, row in
                if eobRun > 0 {
                    eobRun -= 1
                    return
                }
                let block = storage + (row * line + column) * 64
                var k = start
                while k <= end {
                    let symbol = try reader.symbol(table)
                    let run = symbol >> 4
                    let bits = symbol & 15
                    if bits != 0 {
                        k += run
                        let value = reader.receiveExtend(bits)
                        block[order[k]] = Int16(truncatingIfNeeded: value &<< Int32(shift))
                    } else if run == 15 {
                        k += 15
                    } else {
                        eobRun = 1 << run
                        if run != 0 { eobRun += Int(reader.readBits(run)) }
                        eobRun -= 1
                        break
                    }
                    k += 1
                }
            }
        }
    }

    /// Progressive AC refinement: one more bit of known coefficients, new ±2^Al ones.
    private func decodeACRefine(_ scan: JPEGScanComponent, _ reader: inout JPEGBitReader, start: Int, end: Int, shift: Int) throws {
        let storage = scan.component.coefficients!
        let line = scan.component.allocatedBlocksPerLine
        let table = scan.ac
        let plusOne = Int16(truncatingIfNeeded: 1 << shift)
        let minusOne = Int16(truncatingIfNeeded: -1 << shift)
        eobRun = 0
        try JPEGScan.naturalOrder.withUnsafeBufferPointer { order in
            try forEachBlock([scan], &reader, onRestart: { eobRun = 0 }) { reader, _, column, row in
                let block = storage + (row * line + column) * 64
                @inline(__always) func refine(_ position: Int, _ reader: inout JPEGBitReader) {
                    let coefficient = block[position]
                    if reader.readBit() != 0, coefficient & plusOne == 0 {
                        block[position] = coefficient >= 0 ? coefficient &+ plusOne : coefficient &+ minusOne
                    }
                }
                var k = start
                if eobRun == 0 {
                    while k <= end {
                        let symbol = try reader.symbol(table)
                        var run = symbol >> 4
                        let bits = symbol & 15
                        var value: Int16 = 0
                        if bits != 0 {
                            // A size other than 1 is invalid; libjpeg warns and carries on.
                            value = reader.readBit() != 0 ? plusOne : minusOne
                        } else if run != 15 {
                            eobRun = 1 << run
                            if run != 0 { eobRun += Int(reader.readBits(run)) }
                            break
                        }
                        // Skip `run` zero coefficients, refining the non-zero ones passed.
                        repeat {
                            let position = order[k]
                            if block[position] != 0 {
                                refine(position, &reader)
                            } else {
                                run -= 1
                                if run < 0 { break }
                            }
                            k += 1
                        } while k <= end
                        if value != 0 {
                            block[order[k]] = value
                        }
                        k += 1
                    }
                }
                if eobRun > 0 {
                    while k <= end {
                        let position = order[k]
                        if block[position] != 0 { refine(position, &reader) }
                        k += 1
                    }
                    eobRun -= 1
                }
            }
        }
    }
}
