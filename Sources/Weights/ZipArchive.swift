import Support

/// The entries of a ZIP archive held in a `MappedFile`, as torch.save and torch.jit.save
/// write them: the central directory (ZIP64 when the archive or an entry passes 4 GiB),
/// stored entries read in place as slices of the mapping, deflated ones inflated on request.
///
/// Only the central directory is trusted for sizes (torch sets the data-descriptor flag, so
/// local headers carry zero sizes); a local header is read only for its name and extra
/// lengths, which locate the data (torch pads the extra field so storages start on 64-byte
/// boundaries). Every offset and size is distrusted: ranges are overflow-checked and must lie
/// inside the file, entry counts are bounded by the directory's size, encrypted entries and
/// methods other than stored (0) and deflate (8) are refused.
struct ZipArchive {
    struct Entry: Sendable {
        let name: String
        /// 0 stored, 8 deflate.
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        /// Offset of the entry's local file header in the file.
        let localHeaderOffset: Int
    }

    let file: MappedFile
    let entries: [Entry]
    private let indexByName: [String: Int]

    /// Deflate's largest expansion: a 2-bit code for a 258-byte match, 1032 bytes per input byte.
    static let maxDeflateRatio = 1032

    private static let endOfCentralDirectory: UInt32 = 0x0605_4B50
    private static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4B50
    private static let zip64Locator: UInt32 = 0x0706_4B50
    private static let centralHeader: UInt32 = 0x0201_4B50
    private static let localHeader: UInt32 = 0x0403_4B50

    /// Whether `bytes` begins like a ZIP archive (a local file header or an empty archive).
    static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        let signature = read32(bytes, 0)
        return signature == localHeader || signature == endOfCentralDirectory
    }

    /// Reads the central directory of `file`.
    init(file: MappedFile) throws {
        self.file = file
        let bytes = file.bytes
        let path = file.path
        func corrupt(_ message: String) -> WeightsError { .corrupt(path: path, message: "zip archive: \(message)") }

        // End of central directory: 22 bytes plus a comment of up to 65535 bytes, found from the end.
        guard bytes.count >= 22 else { throw corrupt("file of \(bytes.count) bytes is too short for a zip archive") }
        var eocd = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while position >= lowest {
            if ZipArchive.read32(bytes, position) == ZipArchive.endOfCentralDirectory,
               position + 22 + Int(ZipArchive.read16(bytes, position + 20)) == bytes.count {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else { throw corrupt("no end-of-central-directory record") }

        var entryCount = Int(ZipArchive.read16(bytes, eocd + 10))
        var directorySize = Int(ZipArchive.read32(bytes, eocd + 12))
        var directoryOffset = Int(ZipArchive.read32(bytes, eocd + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the ZIP64 end-of-central-directory record.
            let locator = eocd - 20
            guard locator >= 0, ZipArchive.read32(bytes, locator) == ZipArchive.zip64Locator else {
                throw corrupt("ZIP64 sizes without a ZIP64 locator")
            }
            let record = try ZipArchive.checkedInt(ZipArchive.read64(bytes, locator + 8), corrupt("ZIP64 record offset"))
            guard record <= bytes.count - 56, ZipArchive.read32(bytes, record) == ZipArchive.zip64EndOfCentralDirectory else {
                throw corrupt("ZIP64 end-of-central-directory record missing at offset \(record)")
            }
            entryCount = try ZipArchive.checkedInt(ZipArchive.read64(bytes, record + 32), corrupt("ZIP64 entry count"))
            directorySize = try ZipArchive.checkedInt(ZipArchive.read64(bytes, record + 40), corrupt("ZIP64 directory size"))
            directoryOffset = try ZipArchive.checkedInt(ZipArchive.read64(bytes, record + 48), corrupt("ZIP64 directory offset"))
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw corrupt("central directory (\(directorySize) bytes at \(directoryOffset)) runs past the end of the \(bytes.count)-byte file")
        }
        guard entryCount <= directorySize / 46 else {
            throw corrupt("\(entryCount) entries cannot fit in a \(directorySize)-byte central directory")
        }

        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var indexByName: [String: Int] = [:]
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<entryCount {
            guard cursor <= directoryEnd - 46, ZipArchive.read32(bytes, cursor) == ZipArchive.centralHeader else {
                throw corrupt("bad central directory header at offset \(cursor)")
            }
            let flags = ZipArchive.read16(bytes, cursor + 8)
            let method = ZipArchive.read16(bytes, cursor + 10)
            var compressedSize = UInt64(ZipArchive.read32(bytes, cursor + 20))
            var uncompressedSize = UInt64(ZipArchive.read32(bytes, cursor + 24))
            let nameLength = Int(ZipArchive.read16(bytes, cursor + 28))
            let extraLength = Int(ZipArchive.read16(bytes, cursor + 30))
            let commentLength = Int(ZipArchive.read16(bytes, cursor + 32))
            var localOffset = UInt64(ZipArchive.read32(bytes, cursor + 42))
            let nameStart = cursor + 46
            let next = nameStart + nameLength + extraLength + commentLength
            guard next <= directoryEnd else { throw corrupt("central directory entry at offset \(cursor) runs past the directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameStart + nameLength]), as: UTF8.self)
            guard flags & 1 == 0 else {
                throw WeightsError.unsupported(path: path, message: "zip entry '\(name)' is encrypted")
            }
            // ZIP64 extended information: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = ZipArchive.read16(bytes, extra)
                let size = Int(ZipArchive.read16(bytes, extra + 2))
                guard extra + 4 + size <= extraEnd else { throw corrupt("extra field of '\(name)' runs past its entry") }
                if tag == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = field + size
                    func next64() throws -> UInt64 {
                        guard field + 8 <= fieldEnd else { throw corrupt("ZIP64 extra field of '\(name)' is too short") }
                        defer { field += 8 }
                        return ZipArchive.read64(bytes, field)
                    }
                    if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next64() }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try next64() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
                }
                extra += 4 + size
            }
            let entry = Entry(
                name: name, method: method,
                compressedSize: try ZipArchive.checkedInt(compressedSize, corrupt("size of '\(name)'")),
                uncompressedSize: try ZipArchive.checkedInt(uncompressedSize, corrupt("size of '\(name)'")),
                localHeaderOffset: try ZipArchive.checkedInt(localOffset, corrupt("offset of '\(name)'")))
            guard indexByName[name] == nil else { throw corrupt("entry '\(name)' appears twice") }
            indexByName[name] = entries.count
            entries.append(entry)
            cursor = next
        }
        self.entries = entries
        self.indexByName = indexByName
    }

    func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    /// The stored (uncompressed) bytes of `entry`, in place in the mapping.
    func storedBytes(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            throw WeightsError.unsupported(path: file.path, message: "zip entry '\(entry.name)' is compressed (method \(entry.method)), expected stored")
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw WeightsError.corrupt(path: file.path, message: "zip archive: stored entry '\(entry.name)' has two different sizes")
        }
        return try rawData(of: entry)
    }

    /// The contents of `entry`: copied when stored, inflated when deflated. An entry larger
    /// than `maxBytes` is refused before anything is allocated.
    func contents(of entry: Entry, maxBytes: Int) throws -> [UInt8] {
        guard entry.uncompressedSize <= maxBytes else {
            throw WeightsError.unsupported(
                path: file.path, message: "zip entry '\(entry.name)' holds \(entry.uncompressedSize) bytes, more than the limit of \(maxBytes) for it")
        }
        switch entry.method {
        case 0:
            return Array(try storedBytes(of: entry))
        case 8:
            return try [UInt8](unsafeUninitializedCapacity: entry.uncompressedSize) { buffer, initialized in
                try inflate(entry, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = entry.uncompressedSize
            }
        default:
            throw WeightsError.unsupported(path: file.path, message: "zip entry '\(entry.name)' uses compression method \(entry.method); only stored and deflate are read")
        }
    }

    /// Inflates the deflated `entry` into `output`, which holds exactly its uncompressed size:
    /// the stream must fill it, no more and no less.
    func inflate(_ entry: Entry, into output: UnsafeMutableRawBufferPointer) throws {
        guard entry.method == 8 else {
            throw WeightsError.unsupported(path: file.path, message: "zip entry '\(entry.name)' uses compression method \(entry.method), expected deflate")
        }
        precondition(output.count == entry.uncompressedSize, "output buffer does not match the entry's size")
        let data = try rawData(of: entry)
        guard entry.uncompressedSize / ZipArchive.maxDeflateRatio <= data.count else {
            throw WeightsError.corrupt(
                path: file.path,
                message: "zip archive: entry '\(entry.name)' claims \(entry.uncompressedSize) bytes from \(data.count); deflate cannot expand that much")
        }
        let written: Int
        do {
            written = try Inflate.raw(data, into: output)
        } catch let error as InflateError {
            throw WeightsError.corrupt(path: file.path, message: "zip entry '\(entry.name)': \(error)")
        }
        guard written == entry.uncompressedSize else {
            throw WeightsError.corrupt(path: file.path, message: "zip entry '\(entry.name)' inflates to \(written) bytes, the directory says \(entry.uncompressedSize)")
        }
    }

    /// The entry's data as it lies in the file, located through its local header.
    private func rawData(of entry: Entry) throws -> UnsafeRawBufferPointer {
        let bytes = file.bytes
        let header = entry.localHeaderOffset
        func corrupt(_ message: String) -> WeightsError { .corrupt(path: file.path, message: "zip archive: \(message)") }
        guard header <= bytes.count - 30, ZipArchive.read32(bytes, header) == ZipArchive.localHeader else {
            throw corrupt("no local header for '\(entry.name)' at offset \(header)")
        }
        let start = header + 30 + Int(ZipArchive.read16(bytes, header + 26)) + Int(ZipArchive.read16(bytes, header + 28))
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw corrupt("data of '\(entry.name)' (\(entry.compressedSize) bytes at \(start)) runs past the end of the \(bytes.count)-byte file")
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + entry.compressedSize])
    }

    // MARK: - Little-endian fields (callers check bounds)

    private static func read16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func read32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(read16(bytes, offset)) | UInt32(read16(bytes, offset + 2)) << 16
    }

    private static func read64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(read32(bytes, offset)) | UInt64(read32(bytes, offset + 4)) << 32
    }

    private static func checkedInt(_ value: UInt64, _ error: @autoclosure () -> WeightsError) throws -> Int {
        guard value <= UInt64(Int.max / 2) else { throw error() }
        return Int(value)
    }
}
