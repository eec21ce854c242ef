/// CRC-32 as used by PNG chunks, gzip and zip (reflected polynomial 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF), table-driven with slicing-by-4.
///
/// Streaming: `update` any number of times, read `value` at any point.
public struct CRC32: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The CRC of everything passed to `update` so far.
    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done = bytes.withContiguousStorageIfAvailable { buffer -> Bool in
            update(buffer)
            return true
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { update($0) }
        }
    }

    public mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        CRC32.tables.withUnsafeBufferPointer { table in
            var crc = state
            var index = 0
            let count = buffer.count
            while index + 4 <= count {
                crc ^= UInt32(base[index]) | UInt32(base[index + 1]) << 8
                    | UInt32(base[index + 2]) << 16 | UInt32(base[index + 3]) << 24
                crc = table[768 + Int(crc & 0xFF)] ^ table[512 + Int((crc >> 8) & 0xFF)]
                    ^ table[256 + Int((crc >> 16) & 0xFF)] ^ table[Int(crc >> 24)]
                index += 4
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(base[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
            state = crc
        }
    }

    /// CRC-32 of `bytes` in one call.
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Four 256-entry tables: table k advances a byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 1024)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[n] = c
        }
        for n in 0..<256 {
            for k in 1..<4 {
                let previous = table[(k - 1) * 256 + n]
                table[k * 256 + n] = table[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return table
    }()
}
