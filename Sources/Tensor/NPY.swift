import Foundation

/// numpy's `.npy` format (version 1.0, little-endian, C order) — the interchange
/// format for embeddings, decoded images and preprocessed tensors.
///
/// Headers are written exactly as `numpy.save` writes them (dict text padded with
/// spaces to a 64-byte boundary, ending in a newline), so files are byte-identical to
/// numpy's for the same array.
public enum NPY {
    public enum DType: String, Sendable, Equatable {
        case float32 = "<f4"
        case float16 = "<f2"
        case float64 = "<f8"
        case uint8 = "|u1"
        case int64 = "<i8"
        case int32 = "<i4"

        public var size: Int {
            switch self {
            case .uint8: return 1
            case .float16: return 2
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }
    }

    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case notNPY
        case unsupported(String)
        case corrupt(String)

        public var description: String {
            switch self {
            case .notNPY: return "not a .npy file (bad magic)"
            case .unsupported(let what): return "unsupported .npy file: \(what)"
            case .corrupt(let what): return "corrupt .npy file: \(what)"
            }
        }
    }

    /// A parsed array: its dtype, shape and raw little-endian payload.
    public struct Array: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        public var payload: [UInt8]

        public init(dtype: DType, shape: [Int], payload: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.payload = payload
        }

        /// The values as fp32 (float16/float64/integers are converted).
        public func floats() -> [Float] {
            let n = shape.reduce(1, *)
            var out = [Float](repeating: 0, count: n)
            payload.withUnsafeBytes { raw in
                for i in 0..<n {
                    switch dtype {
                    case .float32: out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    case .float16: out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
                    case .float64: out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
                    case .uint8: out[i] = Float(raw[i])
                    case .int32: out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                    case .int64: out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                    }
                }
            }
            return out
        }
    }

    // MARK: Writing

    /// The bytes of a `.npy` file holding `payload` (already little-endian) with this dtype and shape.
    public static func encode(dtype: DType, shape: [Int], payload: [UInt8]) -> [UInt8] {
        precondition(payload.count == shape.reduce(1, *) * dtype.size, "payload does not match shape")
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // magic (6) + version (2) + length (2) + header + "\n", padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Swift.Array(header.utf8)
        out += payload
        return out
    }

    public static func encode(float32 values: [Float], shape: [Int]) -> [UInt8] {
        let payload = values.withUnsafeBufferPointer { Swift.Array(UnsafeRawBufferPointer($0)) }
        return encode(dtype: .float32, shape: shape, payload: payload)
    }

    public static func encode(_ tensor: Tensor) -> [UInt8] {
        encode(float32: tensor.scalars, shape: tensor.shape)
    }

    public static func encode(uint8 values: [UInt8], shape: [Int]) -> [UInt8] {
        encode(dtype: .uint8, shape: shape, payload: values)
    }

    // MARK: Reading

    public static func decode(_ bytes: [UInt8]) throws -> Array {
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1..<6]) == Swift.Array("NUMPY".utf8) else { throw Error.notNPY }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw Error.corrupt("header length cut off") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw Error.unsupported("format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw Error.corrupt("header longer than file") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw Error.corrupt("header is not text")
        }
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) else {
            throw Error.corrupt("no descr in header")
        }
        guard let dtype = DType(rawValue: descr == "<u1" ? "|u1" : descr) else { throw Error.unsupported("dtype \(descr)") }
        guard let fortran = value(of: "fortran_order", in: header), fortran == "False" else {
            throw Error.unsupported("Fortran-ordered arrays (save with np.ascontiguousarray)")
        }
        guard let shapeText = value(of: "shape", in: header) else { throw Error.corrupt("no shape in header") }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let n = Int(trimmed), n >= 0 else { throw Error.corrupt("bad shape \(shapeText)") }
            shape.append(n)
        }
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw Error.corrupt("shape \(shape) overflows") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        let start = headerStart + headerLength
        guard !overflow, bytes.count - start >= byteCount else {
            throw Error.corrupt("payload of \(bytes.count - start) bytes is shorter than shape \(shape) needs")
        }
        // numpy.save writes nothing after the payload; bytes there mean a wrong shape or a damaged file.
        guard bytes.count - start == byteCount else {
            throw Error.corrupt("\(bytes.count - start - byteCount) bytes after the \(byteCount)-byte payload of shape \(shape)")
        }
        return Array(dtype: dtype, shape: shape, payload: Swift.Array(bytes[start..<(start + byteCount)]))
    }

    /// Reads a float array file as a `Tensor`. Only a regular file is read (a FIFO would block,
    /// a device never end).
    public static func readTensor(at url: URL) throws -> Tensor {
        var status = stat()
        if stat(url.path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw Error.unsupported("\(url.path) is not a regular file")
        }
        let array = try decode(Swift.Array(try Data(contentsOf: url)))
        return Tensor(shape: array.shape, scalars: array.floats())
    }

    /// Writes atomically (temporary file + rename).
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// The text of `key`'s value in a Python dict literal (`'shape': (2, 3)` → `(2, 3)`).
    private static func value(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }
}
