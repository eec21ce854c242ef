import Foundation
import XCTest
@testable import Weights

let torchFixtures = fixturesDirectory.appendingPathComponent("torch")

/// `Fixtures/torch/torch_fixtures.json`, written by make_torch_fixtures.py.
struct TorchFixtureManifest: Decodable {
    var hostile_globals: [String: String]
    var sha256: [String: String]

    static func load() throws -> TorchFixtureManifest {
        try JSONDecoder().decode(
            TorchFixtureManifest.self, from: Data(contentsOf: torchFixtures.appendingPathComponent("torch_fixtures.json")))
    }
}

/// Asserts that `got` holds exactly the tensors of `want`: same names, shapes and bit patterns.
func assertBitIdentical(_ got: StateDict, _ want: StateDict, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.names, want.names, "\(label): names", file: file, line: line)
    for name in want.names {
        guard let a = got.tensors[name], let b = want.tensors[name] else { continue }
        XCTAssertEqual(a.shape, b.shape, "\(label): \(name) shape", file: file, line: line)
        XCTAssertEqual(a.name, name, file: file, line: line)
        XCTAssertTrue(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(label): \(name) values differ", file: file, line: line)
    }
}

/// PyTorch zip and TorchScript archives against the same weights exported as safetensors.
final class TorchCheckpointTests: XCTestCase {
    let vit = torchFixtures.appendingPathComponent("vit")

    func testEveryPyTorchVariantHoldsTheSafetensorsWeightsBitForBit() throws {
        let reference = try Checkpoint.loadStateDict(vit.appendingPathComponent("reference.safetensors"))
        XCTAssertGreaterThan(reference.tensors.count, 20)
        for name in ["plain.pt", "wrapped-state-dict.pt", "wrapped-model.bin", "half.pth", "strided.pt", "zip64-deflated.pt", "scripted.pt"] {
            let loaded = try Checkpoint.loadStateDict(vit.appendingPathComponent(name))
            assertBitIdentical(loaded, reference, name)
        }
    }

    func testResNetInBFloat16DropsIntegerBuffers() throws {
        let reference = try Checkpoint.loadStateDict(torchFixtures.appendingPathComponent("rn/reference.safetensors"))
        let url = torchFixtures.appendingPathComponent("rn/bf16.pt")
        let loaded = try Checkpoint.loadStateDict(url)
        assertBitIdentical(loaded, reference, "rn/bf16.pt")
        XCTAssertFalse(loaded.names.contains { $0.hasSuffix("num_batches_tracked") })
        XCTAssertTrue(loaded.names.contains("visual.bn1.running_var"))
        XCTAssertEqual(try Checkpoint.readCanonical(url).dtype, "BF16")
    }

    func testLoadDetectsConfiguresAndReportsTheContainer() throws {
        let manifest = try TorchFixtureManifest.load()
        let reference = try Checkpoint.load(vit.appendingPathComponent("reference.safetensors"))
        let cases: [(file: String, format: String, dtype: String)] = [
            ("plain.pt", "PyTorch zip archive (torch.save; open_clip naming)", "F32"),
            ("wrapped-state-dict.pt", "PyTorch zip archive (torch.save, under 'state_dict'; open_clip naming)", "F32"),
            ("wrapped-model.bin", "PyTorch zip archive (torch.save, under 'model'; open_clip naming)", "F32"),
            ("half.pth", "PyTorch zip archive (torch.save; open_clip naming)", "F16"),
            ("scripted.pt", "TorchScript archive (torch.jit.save; open_clip naming)", "F32"),
        ]
        for (file, format, dtype) in cases {
            let loaded = try Checkpoint.load(vit.appendingPathComponent(file))
            XCTAssertEqual(loaded.format, format, file)
            XCTAssertEqual(loaded.dtype, dtype, file)
            XCTAssertEqual(loaded.config, reference.config, file)
            XCTAssertEqual(loaded.parameterCount, reference.parameterCount, file)
            XCTAssertEqual(loaded.sha256, manifest.sha256["vit/\(file)"], file)
            XCTAssertEqual(loaded.warnings, [], file)
        }
    }

    func testAlignedFloat32TensorsPointIntoTheMappingAndViewsAreCopied() throws {
        let plain = try Checkpoint.loadStateDict(vit.appendingPathComponent("plain.pt"))
        XCTAssertTrue(plain.tensors.values.allSatisfy { $0.storage is MappedFile }, "torch aligns storages to 64 bytes")
        let strided = try Checkpoint.loadStateDict(vit.appendingPathComponent("strided.pt"))
        XCTAssertTrue(try strided.tensor("visual.proj").storage is OwnedFloats, "a transposed view is gathered")
        XCTAssertTrue(try strided.tensor("positional_embedding").storage is OwnedFloats)
        XCTAssertTrue(try strided.tensor("text_projection").storage is MappedFile, "a contiguous slice at an offset stays mapped")
    }

    func testScriptedModuleDropsTheDerivedCausalMask() throws {
        let file = try MappedFile(url: vit.appendingPathComponent("scripted.pt"))
        let archive = try ZipArchive(file: file)
        let code = try archive.entries.filter { $0.name.hasSuffix(".py") }.map { String(decoding: try archive.contents(of: $0, maxBytes: 1 << 20), as: UTF8.self) }
        XCTAssertTrue(code.contains { $0.contains("__buffers__ = [\"attn_mask\"") }, "the fixture should list attn_mask as a buffer")
        let loaded = try Checkpoint.loadStateDict(vit.appendingPathComponent("scripted.pt"))
        XCTAssertFalse(loaded.contains("attn_mask"))
    }

    func testTorchScriptStateIsItsParametersAndBuffersOnly() throws {
        // OpenAI-style tree: parameters, buffers, an int64 buffer (dropped), ModuleList and Sequential
        // children (some classes name-mangled), and plain tensor attributes that are not state.
        let folder = torchFixtures.appendingPathComponent("attributes")
        let reference = try Checkpoint.loadStateDict(folder.appendingPathComponent("reference.safetensors"))
        let loaded = try Checkpoint.loadStateDict(folder.appendingPathComponent("scripted.pt"))
        assertBitIdentical(loaded, reference, "attributes/scripted.pt")
        XCTAssertTrue(loaded.contains("resblocks.1.mlp.2.weight"))
        XCTAssertTrue(loaded.contains("running_scale"))
        XCTAssertFalse(loaded.names.contains { $0.hasSuffix("attn_mask") || $0 == "scratch" || $0 == "input_resolution" })
    }

    func testLegacyFormatIsRefusedWithAHint() throws {
        let error = weightsError(try Checkpoint.loadStateDict(torchFixtures.appendingPathComponent("legacy.pt")))
        XCTAssertEqual(error?.code, "legacy-torch-format")
        XCTAssertTrue(error?.hint.contains("re-save") ?? false)
        XCTAssertTrue(error?.hint.contains("safetensors") ?? false)
    }

    func testAPickledModuleIsRefusedNamingItsClass() throws {
        let error = weightsError(try Checkpoint.loadStateDict(torchFixtures.appendingPathComponent("whole-module.pt")))
        XCTAssertEqual(error, .refusedGlobal(name: "open_clip.model.CLIP", path: torchFixtures.appendingPathComponent("whole-module.pt").path))
    }

    func testHostilePicklesAreRefusedNamingTheGlobalAndNothingRuns() throws {
        let marker = "/tmp/shiftlens-pickle-was-executed"
        try? FileManager.default.removeItem(atPath: marker)
        let manifest = try TorchFixtureManifest.load()
        XCTAssertGreaterThanOrEqual(manifest.hostile_globals.count, 6)
        for (name, global) in manifest.hostile_globals {
            let url = torchFixtures.appendingPathComponent("hostile/\(name).pt")
            let error = weightsError(try Checkpoint.loadStateDict(url))
            XCTAssertEqual(error?.code, "refused-global", name)
            XCTAssertTrue(error?.message.contains(global) ?? false, "\(name): \(error?.message ?? "nil") should name \(global)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a pickle was executed")
    }

    func testDamagedArchivesGiveTypedErrors() throws {
        let bytes = [UInt8](try Data(contentsOf: vit.appendingPathComponent("plain.pt")))
        let scratch = try ScratchDirectory()
        // Truncations everywhere (the end of central directory goes first), then single-byte damage
        // across the zip structures and the pickle: each either loads or throws a WeightsError.
        var cuts = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)))
        cuts += [bytes.count - 1, bytes.count - 22, bytes.count - 23]
        for cut in cuts {
            let url = try scratch.write(Array(bytes[..<cut]), as: "cut.pt")
            XCTAssertNotNil(weightsError(try Checkpoint.loadStateDict(url)), "cut at \(cut)")
        }
        var random = SplitMix(seed: 5)
        var failures = 0
        for _ in 0..<150 {
            var damaged = bytes
            let position = Int(random.next() % UInt64(bytes.count))
            damaged[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            let url = try scratch.write(damaged, as: "damaged.pt")
            do {
                _ = try Checkpoint.loadStateDict(url)
            } catch is WeightsError {
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 0)
    }
}

/// A small deterministic generator for damage positions.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
