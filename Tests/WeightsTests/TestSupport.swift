import Foundation
import XCTest
@testable import Weights

/// Writes safetensors files byte by byte, so that tests can build valid files of any
/// layout and corrupt ones no writer would produce.
enum SafetensorsBuilder {
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    static func float32(_ name: String, _ shape: [Int], _ values: [Float]) -> Tensor {
        Tensor(name: name, dtype: "F32", shape: shape, bytes: values.flatMap { le32($0.bitPattern) })
    }

    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    /// A file with tensors laid out in order, the header padded with spaces to a multiple of
    /// 8 bytes as the reference writer does.
    static func file(_ tensors: [Tensor], metadata: [String: String]? = nil) -> [UInt8] {
        var entries: [String] = []
        var data: [UInt8] = []
        for tensor in tensors {
            let begin = data.count
            data += tensor.bytes
            entries.append("\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":\(tensor.shape),\"data_offsets\":[\(begin),\(data.count)]}")
        }
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\"\($0)\":\"\(metadata[$0]!)\"" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = "{" + entries.joined(separator: ",") + "}"
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        return raw(header: header, data: data)
    }

    /// A file from a literal header and data region; `declaredLength` lies about the header size.
    static func raw(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        let length = declaredLength ?? UInt64(headerBytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + headerBytes + data
    }
}

/// A scratch directory removed when the test ends.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("weights-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], as name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}

/// The package root (the folder holding Package.swift), found from this file's path.
func packageRoot(file: StaticString = #filePath) -> URL {
    var url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url.deleteLastPathComponent()
    }
    fatalError("no Package.swift above \(file)")
}

let fixturesDirectory = packageRoot().appendingPathComponent("Tests/WeightsTests/Fixtures")

/// The WeightsError thrown by `body`, failing the test if it throws nothing or something else.
func weightsError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> WeightsError? {
    do {
        _ = try body()
        XCTFail("expected a WeightsError, nothing was thrown", file: file, line: line)
    } catch let error as WeightsError {
        return error
    } catch {
        XCTFail("expected a WeightsError, got \(error)", file: file, line: line)
    }
    return nil
}

/// `Fixtures/fixtures.json`, written by make_fixtures.py.
struct FixtureManifest: Decodable {
    struct ModelConfig: Decodable {
        var embed_dim: Int
        var quick_gelu: Bool
        var vision_cfg: [String: FlexibleNumber]
        var text_cfg: [String: FlexibleNumber]
    }

    var vit_cfg: ModelConfig
    var rn_cfg: ModelConfig
    var vit_preprocess_cfg: [String: FlexibleNumber]
    var hf_mean: [Float]
    var hf_std: [Float]
    var sha256: [String: String]
    var parameter_count: [String: Int]

    static func load() throws -> FixtureManifest {
        try JSONDecoder().decode(FixtureManifest.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("fixtures.json")))
    }
}

/// A JSON value that is a number, a list of numbers, a string or null.
enum FlexibleNumber: Decodable {
    case int(Int), list([Float]), string(String), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode([Float].self) { self = .list(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    var int: Int? { if case .int(let value) = self { return value }; return nil }
    var list: [Float]? { if case .list(let value) = self { return value }; return nil }
}

/// Writes `tensors` (name → (shape, values)) as an F32 safetensors file.
func writeFloat32Safetensors(_ tensors: [String: (shape: [Int], values: [Float])], to url: URL) throws {
    let entries = tensors.keys.sorted().map { name in
        SafetensorsBuilder.float32(name, tensors[name]!.shape, tensors[name]!.values)
    }
    try Data(SafetensorsBuilder.file(entries)).write(to: url)
}

extension StateDict {
    /// Name → (shape, values) copies, for writing modified files.
    var table: [String: (shape: [Int], values: [Float])] {
        tensors.mapValues { ($0.shape, Array($0.values)) }
    }
}
