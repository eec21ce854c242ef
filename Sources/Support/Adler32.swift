/// Adler-32 (RFC 1950), the checksum of zlib streams. Streaming like `CRC32`.
///
/// Sums are reduced modulo 65521 only every 5552 bytes, the largest run for which
/// the 32-bit sums cannot overflow (zlib's NMAX).
public struct Adler32: Sendable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    public init() {}

    public var value: UInt32 { b << 16 | a }

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
        let modulus: UInt32 = 65521
        let runLength = 5552
        var a = self.a
        var b = self.b
        var index = 0
        while index < buffer.count {
            let end = min(buffer.count, index + runLength)
            while index < end {
                a &+= UInt32(base[index])
                b &+= a
                index += 1
            }
            a %= modulus
            b %= modulus
        }
        self.a = a
        self.b = b
    }

    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}
