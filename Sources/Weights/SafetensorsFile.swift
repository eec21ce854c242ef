import Foundation

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON
/// header naming every tensor (`dtype`, `shape`, `data_offsets` relative to the data
/// region) and the raw data region.
///
/// Every number in the header is distrusted: the header length must be at most
/// `maxHeaderLength` (8 MiB) and fit in the file; every entry's byte range must match
/// `shape × dtype size` (overflow-checked), lie inside the data region, and the ranges
/// sorted by offset must tile the data region exactly — no holes, no overlaps, nothing
/// after the last tensor (the format's own rule). Violations throw `WeightsError.corrupt`
/// naming the tensor.
///
/// The mapping lives as long as this object; `WeightTensor`s made by `weightTensors()`
/// hold it as their `storage`, so fp32 tensors can point straight into the file. The mapping
/// is private and read-only: the file must not be truncated while in use (reading a page
/// past the new end would fault), which is why ShiftLens never rewrites weights in place.
package final class SafetensorsFile: @unchecked Sendable {
    /// Element types of the safetensors format. Only `f32`, `f16`, `bf16` (weights) and
    /// `i64` (buffers such as `num_batches_tracked`, dropped) are usable; the others are
    /// recognised so that the error can say what the file holds.
    package enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64"
        case f64 = "F64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", u16 = "U16", u32 = "U32", u64 = "U64"
        case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        /// Bytes per element.
        package var size: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
            }
        }
    }

    /// One tensor as the header describes it; `byteRange` is relative to the data region.
    package struct Entry: Sendable, Equatable {
        package let name: String
        package let dtype: DType
        package let shape: [Int]
        let byteRange: Range<Int>

        package var count: Int { shape.reduce(1, *) }
    }

    /// Largest header accepted. The reference implementation allows 100 MB, but parsing JSON
    /// costs up to ~60 bytes of memory per header byte (a 34 MB header took 2 GB); CLIP
    /// checkpoints' headers are below 200 KB (ViT-bigG-14: ~900 tensors).
    static let maxHeaderLength = 8 << 20

    package let path: String
    /// Entries sorted by their offset in the data region.
    package let entries: [Entry]
    /// The optional `__metadata__` string map.
    let metadata: [String: String]
    /// Size of the whole file in bytes.
    let fileSize: Int

    /// Owns the mapping that `mapping` points into.
    private let file: MappedFile
    private let mapping: UnsafeRawPointer
    private let dataOffset: Int

    /// Maps the file at `url` and validates its header.
    package init(url: URL) throws {
        let file = try MappedFile(url: url)
        path = file.path
        let size = file.size
        guard size >= 8, let base = file.bytes.baseAddress else {
            throw WeightsError.corrupt(path: path, message: "file of \(size) bytes is too short for a safetensors header")
        }
        let parsed = try SafetensorsFile.parseHeader(base: base, fileSize: size, path: path)
        entries = parsed.entries
        metadata = parsed.metadata
        dataOffset = parsed.dataOffset
        self.file = file
        mapping = base
        fileSize = size
    }

    /// The raw bytes of `entry` inside the mapping.
    package func bytes(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping + dataOffset + entry.byteRange.lowerBound, count: entry.byteRange.count)
    }

    /// Every floating-point tensor as fp32 under its name in the file.
    ///
    /// F32 tensors point into the mapping when 4-byte aligned (copied otherwise); F16 and
    /// BF16 are widened into `OwnedFloats`; I64 tensors (`num_batches_tracked`, position-id
    /// buffers) are dropped. Any other dtype is `WeightsError.unsupported` naming the tensor.
    /// Tensors holding NaN or ±Inf are kept and reported in `warnings`.
    func weightTensors() throws -> (tensors: [String: WeightTensor], warnings: [String]) {
        var tensors: [String: WeightTensor] = [:]
        var warnings: [String] = []
        for entry in entries {
            let raw = bytes(of: entry)
            let values: UnsafeBufferPointer<Float>
            let storage: AnyObject
            switch entry.dtype {
            case .i64:
                continue
            case .f32:
                #if _endian(little)
                if Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0 || entry.count == 0 {
                    values = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Float.self), count: entry.count)
                    storage = self
                    break
                }
                #endif
                let owned = OwnedFloats(count: entry.count)
                Widening.copyFloat32(raw, into: owned.pointer, count: entry.count)
                values = owned.buffer
                storage = owned
            case .f16:
                let owned = OwnedFloats(count: entry.count)
                Widening.widenFloat16(raw, into: owned.pointer, count: entry.count)
                values = owned.buffer
                storage = owned
            case .bf16:
                let owned = OwnedFloats(count: entry.count)
                Widening.widenBFloat16(raw, into: owned.pointer, count: entry.count)
                values = owned.buffer
                storage = owned
            default:
                throw WeightsError.unsupported(
                    path: path,
                    message: "tensor '\(entry.name)' has dtype \(entry.dtype.rawValue); only F32, F16 and BF16 weights are supported")
            }
            let nonFinite = Widening.countNonFinite(values)
            if nonFinite > 0 {
                warnings.append("tensor '\(entry.name)' holds \(nonFinite) NaN/Inf value\(nonFinite == 1 ? "" : "s")")
            }
            tensors[entry.name] = WeightTensor(name: entry.name, shape: entry.shape, values: values, storage: storage)
        }
        return (tensors, warnings)
    }

    // MARK: - Header

    private static func parseHeader(base: UnsafeRawPointer, fileSize: Int, path: String) throws
        -> (entries: [Entry], metadata: [String: String], dataOffset: Int)
    {
        func corrupt(_ message: String) -> WeightsError { .corrupt(path: path, message: message) }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << (8 * UInt64(index)) }
        guard length <= UInt64(maxHeaderLength) else {
            throw corrupt("header length \(length) exceeds the limit of \(maxHeaderLength) bytes")
        }
        let headerLength = Int(length)
        guard headerLength <= fileSize - 8 else {
            throw corrupt("header length \(headerLength) runs past the end of the \(fileSize)-byte file")
        }
        guard headerLength >= 2 else { throw corrupt("header of \(headerLength) bytes cannot hold a JSON object") }
        let headerBytes = Data(bytes: base + 8, count: headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw corrupt("header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw corrupt("header is not a JSON object") }

        let dataOffset = 8 + headerLength
        let dataLength = fileSize - dataOffset
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(object.count)
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw corrupt("__metadata__ is not an object") }
                for (key, item) in map {
                    guard let text = item as? String else { throw corrupt("__metadata__ value '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw corrupt("entry '\(name)' is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw corrupt("tensor '\(name)' has no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw WeightsError.unsupported(path: path, message: "tensor '\(name)' has unknown dtype '\(dtypeName)'")
            }
            guard let shapeValues = fields["shape"] as? [Any], let shape = integers(shapeValues) else {
                throw corrupt("tensor '\(name)' has no valid shape")
            }
            guard let offsetValues = fields["data_offsets"] as? [Any], let offsets = integers(offsetValues), offsets.count == 2 else {
                throw corrupt("tensor '\(name)' has no valid data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else { throw corrupt("tensor '\(name)' ends (\(end)) before it begins (\(begin))") }
            guard end <= dataLength else {
                throw corrupt("tensor '\(name)' ends at byte \(end) of a \(dataLength)-byte data region")
            }
            var bytes = dtype.size
            for dimension in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataLength else {
                    throw corrupt("tensor '\(name)' of shape \(shape) is larger than the file")
                }
                bytes = product
            }
            guard bytes == end - begin else {
                throw corrupt("tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(bytes) bytes, its offsets span \(end - begin)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        var position = 0
        var previous = "the header"
        for entry in entries {
            if entry.byteRange.lowerBound < position {
                throw corrupt("tensor '\(entry.name)' overlaps '\(previous)'")
            }
            if entry.byteRange.lowerBound > position {
                throw corrupt("bytes \(position)..<\(entry.byteRange.lowerBound) of the data region before '\(entry.name)' belong to no tensor")
            }
            position = entry.byteRange.upperBound
            previous = entry.name
        }
        guard position == dataLength else {
            throw corrupt("\(dataLength - position) bytes after the last tensor belong to no tensor")
        }
        return (entries, metadata, dataOffset)
    }

    /// Non-negative whole numbers from JSON, or nil.
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let number = value as? NSNumber else { return nil }
            // JSONSerialization yields NSNumber for integers and doubles alike; accept exact whole numbers only.
            let double = number.doubleValue
            guard double >= 0, double <= 9.0e15, double == double.rounded(.towardZero) else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}
