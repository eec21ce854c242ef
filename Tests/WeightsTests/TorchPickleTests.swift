import Foundation
import XCTest
@testable import Weights

/// The pickle reader on hand-written streams: refusals, limits, damage.
final class TorchPickleTests: XCTestCase {
    func machine(torchScript: Bool = false) -> PickleMachine {
        PickleMachine(path: "test.pkl", allowsTorchScriptClasses: torchScript) { id in
            guard case .tuple(let items) = id, items.count == 5, case .string(let key) = items[2], case .int(let count) = items[4] else {
                throw WeightsError.corrupt(path: "test.pkl", message: "bad id")
            }
            return .storage(TorchStorageReference(key: key, dtype: .float32, elementCount: count))
        }
    }

    func unicode(_ text: String) -> [UInt8] {
        let data = Array(text.utf8)
        return [0x58] + (0..<4).map { UInt8(truncatingIfNeeded: data.count >> (8 * $0)) } + data
    }

    let proto2: [UInt8] = [0x80, 0x02]
    let stop: UInt8 = 0x2E

    /// A state dict `OrderedDict({"w": _rebuild_tensor_v2(storage '0', 1, (2, 3), (1, 2), False, OrderedDict())})`.
    var stateDict: [UInt8] {
        var bytes = proto2 + Array("ccollections\nOrderedDict\nq\u{0}".utf8) + [0x29, 0x52] // GLOBAL, BINPUT 0, EMPTY_TUPLE, REDUCE
        bytes += [0x28] + unicode("w") // MARK, key
        bytes += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28] // GLOBAL, MARK
        bytes += [0x28] + unicode("storage") + Array("ctorch\nFloatStorage\n".utf8) + unicode("0") + unicode("cpu") + [0x4B, 8, 0x74, 0x51]
        bytes += [0x4B, 1] // offset 1
        bytes += [0x4B, 2, 0x4B, 3, 0x86] // size (2, 3)
        bytes += [0x4B, 1, 0x4B, 2, 0x86] // stride (1, 2)
        bytes += [0x89, 0x68, 0, 0x29, 0x52, 0x74, 0x52] // False, OrderedDict(), TUPLE, REDUCE
        bytes += [0x75, stop] // SETITEMS
        return bytes
    }

    func testAStateDictBecomesATensorReference() throws {
        guard case .dict(let dict) = try machine().load(stateDict), case .tensor(let tensor)? = dict["w"] else {
            return XCTFail("expected a dict holding a tensor")
        }
        XCTAssertEqual(tensor, TorchTensorReference(
            storage: TorchStorageReference(key: "0", dtype: .float32, elementCount: 8), dtype: .float32, offset: 1, shape: [2, 3], strides: [1, 2]))
    }

    func testEveryPrefixOfAStreamIsATypedError() {
        let bytes = stateDict
        for end in 0..<bytes.count {
            XCTAssertNotNil(weightsError(try machine().load(Array(bytes[..<end]))), "prefix of \(end) bytes")
        }
    }

    func testGlobalsOutsideTheAllowListAreRefusedByName() {
        let cases: [([UInt8], String)] = [
            (proto2 + Array("cos\nsystem\n".utf8) + unicode("true") + [0x85, 0x52, stop], "os.system"),
            (proto2 + Array("cbuiltins\ngetattr\n".utf8) + [0x29, 0x52, stop], "builtins.getattr"),
            (proto2 + Array("ctorch\nload\n".utf8) + [0x29, 0x52, stop], "torch.load"),
            (proto2 + Array("ctorch._utils\n_rebuild_tensor_v2x\n".utf8) + [stop], "torch._utils._rebuild_tensor_v2x"),
            ([0x80, 0x04] + unicode("subprocess") + unicode("run") + [0x93, stop], "subprocess.run"),
            // __torch__ classes only in TorchScript archives.
            (proto2 + Array("c__torch__\nM\n".utf8) + [0x29, 0x81, 0x7D, 0x62, stop], "__torch__.M"),
            (proto2 + [0x28] + Array("ios\nsystem\n".utf8) + [stop], "os.system"),
        ]
        for (bytes, name) in cases {
            let error = weightsError(try machine().load(bytes))
            XCTAssertEqual(error?.code, "refused-global", name)
            XCTAssertTrue(error?.message.contains(name) ?? false, "\(error?.message ?? "nil") should name \(name)")
        }
    }

    func testClassInstantiatingOpcodesAreRefused() {
        // OBJ with an allowed global, NEWOBJ_EX, EXT1.
        for bytes in [proto2 + [0x28] + Array("ccollections\nOrderedDict\n".utf8) + [0x6F, stop], [0x80, 0x04, 0x92, stop], proto2 + [0x82, 1, stop]] {
            XCTAssertEqual(weightsError(try machine().load(bytes))?.code, "refused-global")
        }
        // NEWOBJ of anything but a TorchScript class, REDUCE of a type.
        XCTAssertEqual(weightsError(try machine().load(proto2 + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x81, stop]))?.code, "corrupt")
        XCTAssertEqual(weightsError(try machine().load(proto2 + Array("ctorch\nFloatStorage\n".utf8) + [0x29, 0x52, stop]))?.code, "corrupt")
    }

    func testTorchScriptClassesBecomeInertObjects() throws {
        let bytes = proto2 + Array("c__torch__.torch.nn.modules.linear\nLinear\n".utf8) + [0x29, 0x81, 0x7D] + unicode("training") + [0x88, 0x73, 0x62, stop]
        guard case .object(let object) = try machine(torchScript: true).load(bytes) else { return XCTFail("expected an object") }
        XCTAssertEqual(object.className, "__torch__.torch.nn.modules.linear.Linear")
        guard case .bool(true)? = object.attributes?["training"] else { return XCTFail("attributes not built") }
    }

    func testMemoIndicesAreDistrusted() throws {
        // A huge index that was never stored.
        XCTAssertEqual(weightsError(try machine().load(proto2 + [0x6A, 0xFF, 0xFF, 0xFF, 0x7F, stop]))?.code, "corrupt")
        // A huge index that was stored costs nothing (the memo is sparse).
        let stored = proto2 + [0x4E, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x30, 0x6A, 0xFF, 0xFF, 0xFF, 0xFF, stop]
        guard case .none = try machine().load(stored) else { return XCTFail("expected None") }
    }

    func testLengthsAndIntegersAreDistrusted() {
        // A string claiming 4 GB, an integer of 9 bytes, an unknown protocol, an unknown opcode, a stack underflow.
        let cases: [[UInt8]] = [
            proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x41, stop],
            proto2 + [0x8A, 9] + [UInt8](repeating: 1, count: 9) + [stop],
            [0x80, 0x09, 0x4E, stop],
            proto2 + [0xFF, stop],
            proto2 + [0x52, stop],
            proto2 + [0x4E, 0x4E, stop],
            proto2 + [0x31, stop],
        ]
        for bytes in cases { XCTAssertNotNil(weightsError(try machine().load(bytes)), "\(bytes)") }
    }

    func testSignedIntegers() throws {
        guard case .int(-2) = try machine().load(proto2 + [0x8A, 1, 0xFE, stop]) else { return XCTFail("LONG1 -2") }
        guard case .int(-1) = try machine().load(proto2 + [0x4A, 0xFF, 0xFF, 0xFF, 0xFF, stop]) else { return XCTFail("BININT -1") }
        guard case .int(1 << 40) = try machine().load(proto2 + [0x8A, 6, 0, 0, 0, 0, 0, 1, stop]) else { return XCTFail("LONG1 2^40") }
    }

    func testSelfReferencingListsAreRefused() throws {
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND: a list that contains itself.
        let error = weightsError(try machine().load(proto2 + [0x5D, 0x71, 0, 0x68, 0, 0x61, stop]))
        XCTAssertTrue(error?.message.contains("APPEND of a value into itself") ?? false, error?.message ?? "")
    }

    func testContainersCannotChangeOnceInsideAnother() throws {
        // L0 = [], L1 = []; L0.append(L1); then L1.append([]): L0's depth would be stale.
        let error = weightsError(try machine().load(proto2 + [0x5D, 0x71, 0, 0x5D, 0x71, 1, 0x61, 0x68, 1, 0x5D, 0x61, stop]))
        XCTAssertTrue(error?.message.contains("APPEND on a value that is already part of another") ?? false, error?.message ?? "")
    }

    func testNestingIsLimitedWhileBuilding() throws {
        // 256 nested tuples are fine, 257 are not — checked as each is built, so nothing deep is ever freed.
        let limit = PickleMachine.maxNestingDepth
        XCTAssertNoThrow(try machine().load(proto2 + [0x29] + Array(repeating: 0x85, count: limit - 1) + [stop]))
        let error = weightsError(try machine().load(proto2 + [0x29] + Array(repeating: 0x85, count: limit) + [stop]))
        XCTAssertTrue(error?.message.contains("nested deeper than \(limit) levels") ?? false, error?.message ?? "")
        // Lists nested by APPEND count the same way.
        let lists = proto2 + Array(repeating: 0x5D, count: limit + 1) + Array(repeating: 0x61, count: limit) + [stop]
        XCTAssertTrue(weightsError(try machine().load(lists))?.message.contains("nested deeper") ?? false)
    }
}

/// Writes stored (uncompressed) ZIP archives byte by byte, for archives no torch would write.
enum ZipBuilder {
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16((value >> 16) & 0xFFFF) }

    static func archive(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in entries {
            let offset = bytes.count
            let nameBytes = Array(name.utf8)
            // Local header: signature, version, flags, method 0, time, date, crc (unchecked), sizes, name and extra lengths.
            bytes += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            bytes += le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + nameBytes + data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            central += le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            central += le32(offset) + nameBytes
        }
        let directoryOffset = bytes.count
        bytes += central
        bytes += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
        bytes += le32(central.count) + le32(directoryOffset) + le16(0)
        return bytes
    }
}

/// TorchScript trees and archive structures no writer produces.
final class TorchArchiveStructureTests: XCTestCase {
    let definition = Array("class M(Module):\n  __parameters__ = [\"w\", ]\n  __buffers__ = []\n  w : Tensor\n".utf8)

    func testASelfContainingModuleIsRefused() throws {
        // M() whose attribute `child` is itself (memo), and whose `w` is a tensor.
        let pickle: [UInt8] = [0x80, 0x02] + Array("c__torch__\nM\n".utf8) + [0x71, 0, 0x29, 0x81, 0x71, 1, 0x7D, 0x28]
            + [0x58, 5, 0, 0, 0] + Array("child".utf8) + [0x68, 1, 0x75, 0x62, 0x2E]
        let bytes = ZipBuilder.archive([("m/data.pkl", pickle), ("m/code/__torch__.py", definition), ("m/constants.pkl", [0x80, 0x02, 0x29, 0x2E])])
        let scratch = try ScratchDirectory()
        let error = weightsError(try Checkpoint.loadStateDict(try scratch.write(bytes, as: "cycle.pt")))
        XCTAssertEqual(error?.code, "corrupt")
        XCTAssertTrue(error?.message.contains("BUILD on a value that is already part of another") ?? false, error?.message ?? "")
    }

    func testStorageReferencesAreCheckedAgainstTheirEntries() throws {
        // {"w": tensor of size (2, 3), stride (3, 1) at offset `offset`} over a storage of `elements` floats.
        func archive(offset: UInt8, elements: UInt8, bytes: Int, key: String = "0") -> [UInt8] {
            var pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x58, 1, 0, 0, 0, 0x77] // EMPTY_DICT, 'w'
            pickle += Array("ctorch._utils\n_rebuild_tensor_v2\n(".utf8)
            pickle += Array("(X\u{7}\u{0}\u{0}\u{0}storagectorch\nFloatStorage\n".utf8) + [0x58, 1, 0, 0, 0] + Array("0".utf8)
            pickle += [0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, elements, 0x74, 0x51]
            pickle += [0x4B, offset, 0x4B, 2, 0x4B, 3, 0x86, 0x4B, 3, 0x4B, 1, 0x86, 0x89, 0x7D, 0x74, 0x52, 0x73, 0x2E]
            let data = (0..<bytes).map { UInt8(truncatingIfNeeded: $0) }
            return ZipBuilder.archive([("a/data.pkl", pickle), ("a/data/\(key)", data)])
        }
        let scratch = try ScratchDirectory()
        let good = try Checkpoint.loadStateDict(try scratch.write(archive(offset: 2, elements: 8, bytes: 32), as: "good.pt"))
        XCTAssertEqual(try good.tensor("w").shape, [2, 3])
        XCTAssertEqual(try good.tensor("w").values.first?.bitPattern, UInt32(littleEndian: 0x0B0A_0908))
        // The view runs past the storage; the id's element count disagrees with the entry; the entry is missing.
        for (bytes, message) in [
            (archive(offset: 3, elements: 8, bytes: 32), "reach element 8"),
            (archive(offset: 0, elements: 9, bytes: 32), "holds 32 bytes"),
            (archive(offset: 0, elements: 8, bytes: 32, key: "1"), "has no entry"),
        ] {
            let error = weightsError(try Checkpoint.loadStateDict(try scratch.write(bytes, as: "bad.pt")))
            XCTAssertEqual(error?.code, "corrupt")
            XCTAssertTrue(error?.message.contains(message) ?? false, "\(error?.message ?? "nil") should say \(message)")
        }
    }
}
