import Foundation
import XCTest
@testable import Weights

final class SafetensorsFileTests: XCTestCase {
    func testReadsFloat32InPlaceAndWidensHalfFormats() throws {
        let scratch = try ScratchDirectory()
        // 1.0, -2.0, 65504 (largest half), smallest subnormal half 2^-24, +Inf in fp16; bf16 of 1.5 and -0.
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        let bfloat: [UInt16] = [0x3FC0, 0x8000]
        let bytes = SafetensorsBuilder.file([
            SafetensorsBuilder.float32("a", [2, 2], [1, 2, 3, 4]),
            .init(name: "h", dtype: "F16", shape: [4], bytes: half.flatMap(SafetensorsBuilder.le16)),
            .init(name: "b", dtype: "BF16", shape: [2], bytes: bfloat.flatMap(SafetensorsBuilder.le16)),
            .init(name: "n", dtype: "I64", shape: [], bytes: [7, 0, 0, 0, 0, 0, 0, 0]),
        ], metadata: ["format": "pt"])
        let url = try scratch.write(bytes, as: "x.safetensors")
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.entries.map(\.name), ["a", "h", "b", "n"])
        let (tensors, warnings) = try file.weightTensors()
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(Set(tensors.keys), ["a", "h", "b"], "I64 buffers are dropped")
        let a = try XCTUnwrap(tensors["a"])
        XCTAssertEqual(Array(a.values), [1, 2, 3, 4])
        XCTAssertEqual(a.shape, [2, 2])
        XCTAssertTrue(a.storage === file, "aligned fp32 points into the mapping")
        XCTAssertEqual(Array(try XCTUnwrap(tensors["h"]).values), [1, -2, 65504, 0x1p-24])
        let b = Array(try XCTUnwrap(tensors["b"]).values)
        XCTAssertEqual(b[0], 1.5)
        XCTAssertEqual(b[1].bitPattern, Float(-0.0).bitPattern)
    }

    func testEveryHalfWidensLikeFloat16() throws {
        // Swift's own Float16 conversion as the oracle for all 65536 bit patterns.
        #if arch(x86_64) || arch(arm64)
        let halves = (0...UInt16.max).map { $0 }
        var raw = [UInt8]()
        for half in halves { raw += SafetensorsBuilder.le16(half) }
        var output = [Float](repeating: 0, count: halves.count)
        raw.withUnsafeBytes { bytes in
            output.withUnsafeMutableBufferPointer { Widening.widenFloat16(bytes, into: $0.baseAddress!, count: halves.count) }
        }
        for (half, value) in zip(halves, output) {
            let expected = Float(Float16(bitPattern: half))
            if expected.isNaN {
                XCTAssertTrue(value.isNaN, "\(half)")
            } else {
                XCTAssertEqual(value.bitPattern, expected.bitPattern, "half 0x\(String(half, radix: 16))")
            }
        }
        #endif
    }

    func testUnalignedFloat32IsCopied() throws {
        let scratch = try ScratchDirectory()
        // A 2-byte F16 tensor first leaves the F32 tensor at an odd-by-2 offset.
        let bytes = SafetensorsBuilder.file([
            .init(name: "h", dtype: "F16", shape: [1], bytes: SafetensorsBuilder.le16(0x3C00)),
            SafetensorsBuilder.float32("f", [3], [0.5, -1, 7]),
        ])
        let file = try SafetensorsFile(url: try scratch.write(bytes, as: "u.safetensors"))
        let tensors = try file.weightTensors().tensors
        let f = try XCTUnwrap(tensors["f"])
        XCTAssertEqual(Array(f.values), [0.5, -1, 7])
        XCTAssertEqual(Int(bitPattern: f.values.baseAddress) % 4, 0)
    }

    func testNaNAndInfinityAreWarningsNamingTheTensor() throws {
        let scratch = try ScratchDirectory()
        let bytes = SafetensorsBuilder.file([
            SafetensorsBuilder.float32("good", [2], [1, 2]),
            SafetensorsBuilder.float32("bad", [3], [.nan, 1, -.infinity]),
            .init(name: "half", dtype: "F16", shape: [1], bytes: SafetensorsBuilder.le16(0x7C00)),
        ])
        let file = try SafetensorsFile(url: try scratch.write(bytes, as: "n.safetensors"))
        let warnings = try file.weightTensors().warnings
        XCTAssertEqual(warnings.count, 2)
        XCTAssertTrue(warnings.contains { $0.contains("'bad'") && $0.contains("2 NaN/Inf") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("'half'") }, "\(warnings)")
    }

    func testCorruptHeadersAreTypedErrors() throws {
        let scratch = try ScratchDirectory()
        let eight = [UInt8](repeating: 0, count: 8)
        func header(_ entries: String) -> String { "{\(entries)}" }
        let cases: [(String, [UInt8], String)] = [
            ("short", [1, 2, 3], "too short"),
            ("huge-length", SafetensorsBuilder.raw(header: "{}", data: [], declaredLength: 200_000_000), "exceeds the limit"),
            ("length-past-end", SafetensorsBuilder.raw(header: "{}", data: [], declaredLength: 64), "past the end"),
            ("not-json", SafetensorsBuilder.raw(header: "{nope", data: []), "not valid JSON"),
            ("not-object", SafetensorsBuilder.raw(header: "[1,2]", data: []), "not a JSON object"),
            ("lying-offsets", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}"#), data: eight + [0, 0, 0, 0]), "needs 8 bytes"),
            ("past-data", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#), data: eight), "ends at byte 16"),
            ("overlap", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}"#),
                data: eight), "overlaps"),
            ("hole", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}"#), data: eight), "belong to no tensor"),
            ("trailing", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#), data: eight), "after the last tensor"),
            ("negative", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#), data: [0, 0, 0, 0]), "no valid shape"),
            ("reversed", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}"#), data: eight), "before it begins"),
            ("overflow", SafetensorsBuilder.raw(
                header: header(#""a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}"#), data: eight),
                "larger than the file"),
            ("no-dtype", SafetensorsBuilder.raw(header: header(#""a":{"shape":[2],"data_offsets":[0,8]}"#), data: eight), "no dtype"),
        ]
        for (name, bytes, message) in cases {
            let url = try scratch.write(bytes, as: "\(name).safetensors")
            guard let error = weightsError(try SafetensorsFile(url: url)) else { continue }
            XCTAssertEqual(error.code, "corrupt", "\(name): \(error)")
            XCTAssertTrue(error.description.contains(message), "\(name): \(error)")
            XCTAssertTrue(error.description.contains(url.path), "\(name): \(error)")
        }
        // A real file cut short: the header promises more data than is there.
        let whole = SafetensorsBuilder.file([SafetensorsBuilder.float32("w", [4], [1, 2, 3, 4])])
        let truncated = try scratch.write(Array(whole.dropLast(3)), as: "truncated.safetensors")
        XCTAssertEqual(weightsError(try SafetensorsFile(url: truncated))?.code, "corrupt")
    }

    func testUnsupportedDtypesAreNamed() throws {
        let scratch = try ScratchDirectory()
        let int8 = try scratch.write(SafetensorsBuilder.file([.init(name: "q", dtype: "I8", shape: [2], bytes: [1, 2])]), as: "i8.safetensors")
        let file = try SafetensorsFile(url: int8)
        let error = weightsError(try file.weightTensors())
        XCTAssertEqual(error?.code, "unsupported")
        XCTAssertTrue(error?.description.contains("'q' has dtype I8") ?? false, "\(String(describing: error))")
        let unknown = try scratch.write(
            SafetensorsBuilder.raw(header: #"{"a":{"dtype":"F128","shape":[],"data_offsets":[0,0]}}"#, data: []), as: "f128.safetensors")
        XCTAssertEqual(weightsError(try SafetensorsFile(url: unknown))?.code, "unsupported")
        let missing = scratch.url.appendingPathComponent("absent.safetensors")
        XCTAssertEqual(weightsError(try SafetensorsFile(url: missing))?.code, "unreadable")
    }

    func testTensorsOutliveTheirFileObject() throws {
        let scratch = try ScratchDirectory()
        let url = try scratch.write(SafetensorsBuilder.file([SafetensorsBuilder.float32("w", [3], [9, 8, 7])]), as: "keep.safetensors")
        let tensor = try XCTUnwrap(try SafetensorsFile(url: url).weightTensors().tensors["w"])
        XCTAssertEqual(Array(tensor.values), [9, 8, 7], "the tensor keeps the mapping alive")
    }

    func testEdgeCasesOfValidFilesAndPaths() throws {
        let scratch = try ScratchDirectory()
        let empty = try scratch.write(SafetensorsBuilder.file([
            SafetensorsBuilder.float32("none", [0, 3], []),
            SafetensorsBuilder.float32("one", [1], [5]),
        ]), as: "zero.safetensors")
        let tensors = try SafetensorsFile(url: empty).weightTensors().tensors
        XCTAssertEqual(tensors["none"]?.shape, [0, 3])
        XCTAssertEqual(tensors["none"]?.count, 0)
        XCTAssertEqual(tensors["one"].map { Array($0.values) }, [5])
        XCTAssertEqual(weightsError(try SafetensorsFile(url: scratch.url))?.code, "unreadable", "a directory")
        let badMetadata = try scratch.write(SafetensorsBuilder.raw(header: #"{"__metadata__":{"n":1}}"#, data: []), as: "m.safetensors")
        XCTAssertEqual(weightsError(try SafetensorsFile(url: badMetadata))?.code, "corrupt")
    }
}
