/// A pickle reader that never executes anything: the opcode subset torch.save and
/// torch.jit.save write (protocols 2–5), producing a tree of `PickleValue`s.
///
/// A pickle is a program for Python's unpickler: GLOBAL names any importable callable and
/// REDUCE calls it. Here GLOBAL and STACK_GLOBAL resolve names against a fixed allow-list
/// (`PickleGlobal`) — the tensor and parameter rebuild functions, storage types, dtypes,
/// `collections.OrderedDict`, `torch.Size`, TorchScript's list builders and, in TorchScript
/// archives only, `__torch__.*` module classes — and REDUCE / NEWOBJ of an allowed global
/// build the value the call would produce (a tensor *reference*, a dict, a generic object),
/// without calling anything. Any other global (`os.system`, `builtins.eval`, a user's
/// class) is `WeightsError.refusedGlobal` naming it, raised when the name is read, before
/// any call. INST, OBJ, EXT*, PERSID (text) and the set opcodes are refused as well.
///
/// Every count is distrusted: lengths are checked against the bytes left, memo indices must
/// have been stored, marks must exist, integers wider than 64 bits are refused.
///
/// Values nest at most `maxNestingDepth` levels, checked as each container is built: a
/// tuple's depth is known when it is made, and a list, dict or object is *sealed* once it
/// becomes part of another value (an item, a key, a call's arguments, an object's state),
/// after which APPEND, SETITEM or BUILD on it is refused — the pickler fills a container
/// before using it, so only hand-written pickles do otherwise. Sealing makes every depth
/// final and every structure acyclic, so a hostile pickle can build neither a chain deep
/// enough to overflow the stack when its values are freed (Swift frees nested values
/// recursively) nor a cycle; it ends in a typed error instead.
struct PickleMachine {
    /// Deepest nesting of values accepted. torch.save state dicts nest 4–6 levels and
    /// TorchScript module trees about twice their module depth; freeing 256 levels needs a
    /// few tens of KB of stack on any thread.
    static let maxNestingDepth = 256

    /// Which `__torch__.*` globals may be used (TorchScript archives only).
    var allowsTorchScriptClasses = false
    /// Turns a BINPERSID id into a value (torch: `('storage', type, key, location, numel)`).
    var persistentLoad: (PickleValue) throws -> PickleValue
    let path: String

    init(path: String, allowsTorchScriptClasses: Bool = false, persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        self.path = path
        self.allowsTorchScriptClasses = allowsTorchScriptClasses
        self.persistentLoad = persistentLoad
    }

    private func corrupt(_ message: String) -> WeightsError { .corrupt(path: path, message: "pickle: \(message)") }

    /// Runs `bytes` to its STOP opcode and returns the value left on the stack.
    func load(_ bytes: [UInt8]) throws -> PickleValue {
        var reader = PickleReader(bytes: bytes, machine: self)
        return try reader.run()
    }

    /// The allowed global called `module.name`, or `refusedGlobal`.
    func resolve(module: String, name: String) throws -> PickleGlobal {
        let qualified = "\(module).\(name)"
        switch qualified {
        case "collections.OrderedDict": return .orderedDict
        case "torch._utils._rebuild_tensor_v2": return .rebuildTensorV2
        case "torch._utils._rebuild_tensor_v3": return .rebuildTensorV3
        case "torch._utils._rebuild_parameter": return .rebuildParameter
        case "torch._utils._rebuild_parameter_with_state": return .rebuildParameterWithState
        case "torch.Size": return .torchSize
        case "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_floatlist", "torch.jit._pickle.build_boollist",
             "torch.jit._pickle.build_tensorlist", "torch.jit._pickle.build_doublelist":
            return .jitListBuilder
        case "torch.jit._pickle.restore_type_tag": return .jitRestoreTypeTag
        default: break
        }
        if module == "torch" || module == "torch.storage", let dtype = TorchDType(storageTypeName: name) {
            return .storageType(dtype)
        }
        if module == "torch", let dtype = TorchDType(dtypeName: name) { return .dtype(dtype) }
        if allowsTorchScriptClasses, module == "__torch__" || module.hasPrefix("__torch__.") {
            return .torchScriptClass(qualified)
        }
        throw WeightsError.refusedGlobal(name: qualified, path: path)
    }
}

/// The globals a state dict or TorchScript module may name. Nothing here is ever called;
/// the reader builds the value the call would have produced.
enum PickleGlobal: Equatable, Sendable {
    case orderedDict
    case rebuildTensorV2, rebuildTensorV3, rebuildParameter, rebuildParameterWithState
    case torchSize
    case jitListBuilder, jitRestoreTypeTag
    case storageType(TorchDType)
    case dtype(TorchDType)
    /// `__torch__.…` class of a TorchScript module, instantiated as a `PickleObject`.
    case torchScriptClass(String)
}

/// Element types of torch storages. `untyped` is `UntypedStorage` (bytes; the tensor's dtype comes from elsewhere).
enum TorchDType: String, Sendable, Equatable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", float64 = "F64"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"
    case untyped = "U8 (untyped)"

    var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool, .untyped: return 1
        }
    }

    /// `torch.FloatStorage` etc., as torch.save names them in persistent ids.
    init?(storageTypeName name: String) {
        switch name {
        case "FloatStorage": self = .float32
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "DoubleStorage": self = .float64
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        case "UntypedStorage": self = .untyped
        default: return nil
        }
    }

    /// `torch.float32` etc. (arguments of `_rebuild_tensor_v3`).
    init?(dtypeName name: String) {
        switch name {
        case "float32", "float": self = .float32
        case "float16", "half": self = .float16
        case "bfloat16": self = .bfloat16
        case "float64", "double": self = .float64
        case "int64", "long": self = .int64
        case "int32", "int": self = .int32
        case "int16", "short": self = .int16
        case "int8": self = .int8
        case "uint8": self = .uint8
        case "bool": self = .bool
        default: return nil
        }
    }
}

/// A storage named by a persistent id: the archive entry `data/<key>`.
struct TorchStorageReference: Sendable, Equatable {
    let key: String
    let dtype: TorchDType
    /// Elements of `dtype` (bytes for `untyped`) the id claims; checked against the entry.
    let elementCount: Int
}

/// What `_rebuild_tensor_v2/v3` would build: a strided view of a storage. Not yet checked
/// against the storage's size (see `TorchCheckpoint`).
struct TorchTensorReference: Sendable, Equatable {
    let storage: TorchStorageReference
    let dtype: TorchDType
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

/// What the mutable containers share: how deep they nest and whether another value holds them.
class PickleContainer {
    /// 1 + the deepest item's depth (scalars are 0).
    fileprivate(set) var depth = 1
    /// Set once the container is part of another value; it may not change after that.
    fileprivate(set) var isSealed = false
}

final class PickleList: PickleContainer {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// Keys in insertion order; a repeated key keeps its last value, as a Python dict would.
final class PickleDict: PickleContainer {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var indexOfString: [String: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let text) = key {
            if let index = indexOfString[text] {
                values[index] = value
                return
            }
            indexOfString[text] = keys.count
        }
        keys.append(key)
        values.append(value)
    }

    subscript(key: String) -> PickleValue? { indexOfString[key].map { values[$0] } }

    var count: Int { keys.count }
}

/// An instance of a TorchScript class: its attributes arrive by BUILD as a dict.
final class PickleObject: PickleContainer {
    let className: String
    var attributes: PickleDict?
    init(className: String) { self.className = className }
}

indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)
    case object(PickleObject)

    /// A short name of the kind, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global: return "global"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .object(let object): return object.className
        }
    }

    /// The list, dict or object this value is, if it is one.
    var container: PickleContainer? {
        switch self {
        case .list(let list): return list
        case .dict(let dict): return dict
        case .object(let object): return object
        default: return nil
        }
    }
}

/// The running state of one `PickleMachine.load`.
private struct PickleReader {
    let bytes: [UInt8]
    let machine: PickleMachine
    var position = 0
    var stack: [PickleValue] = []
    /// Nesting depth of each stack value (containers keep theirs up to date themselves).
    var depths: [Int] = []
    var marks: [Int] = []
    var memo: [Int: (value: PickleValue, depth: Int)] = [:]

    init(bytes: [UInt8], machine: PickleMachine) {
        self.bytes = bytes
        self.machine = machine
    }

    private func corrupt(_ message: String) -> WeightsError {
        .corrupt(path: machine.path, message: "pickle: \(message) (at byte \(position))")
    }

    // MARK: Reading arguments

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw corrupt("truncated stream: \(count) bytes wanted, \(bytes.count - position) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw corrupt("truncated stream: no STOP opcode") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func unsigned(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (index, byte) in try take(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        return value
    }

    mutating func length(_ width: Int) throws -> Int {
        let value = try unsigned(width)
        guard value <= UInt64(bytes.count - position) else {
            throw corrupt("truncated stream: a length of \(value) with \(bytes.count - position) bytes left")
        }
        return Int(value)
    }

    mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw corrupt("truncated stream: unterminated line") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    mutating func utf8(_ count: Int) throws -> String {
        let slice = try take(count)
        guard let text = String(validating: slice, as: UTF8.self) else { throw corrupt("string is not valid UTF-8") }
        return text
    }

    // MARK: Stack

    /// A value popped off the stack with its nesting depth.
    typealias Item = (value: PickleValue, depth: Int)

    mutating func push(_ value: PickleValue, depth: Int = 0) throws {
        guard depth <= PickleMachine.maxNestingDepth else {
            throw corrupt("values nested deeper than \(PickleMachine.maxNestingDepth) levels")
        }
        stack.append(value)
        depths.append(depth)
    }

    /// Pushes a value made of `items`: one level deeper than the deepest, which are sealed.
    mutating func push(_ value: PickleValue, containing items: [Item]) throws {
        try push(value, depth: 1 + seal(items))
    }

    /// Seals the containers among `items` and returns their greatest depth (0 for none).
    func seal(_ items: [Item]) -> Int {
        var deepest = 0
        for item in items { deepest = max(deepest, seal(item)) }
        return deepest
    }

    /// Seals `item` if it is a container and returns its depth.
    func seal(_ item: Item) -> Int {
        guard let container = item.value.container else { return item.depth }
        container.isSealed = true
        return container.depth
    }

    mutating func pop() throws -> Item {
        guard let value = stack.popLast(), let depth = depths.popLast() else { throw corrupt("stack underflow") }
        if let mark = marks.last, stack.count < mark { throw corrupt("stack underflow past a mark") }
        return (value, depth)
    }

    mutating func popToMark() throws -> [Item] {
        guard let mark = marks.popLast() else { throw corrupt("no mark on the stack") }
        guard mark <= stack.count else { throw corrupt("mark past the top of the stack") }
        if mark == stack.count { return [] }
        defer {
            stack.removeSubrange(mark...)
            depths.removeSubrange(mark...)
        }
        return zip(stack[mark...], depths[mark...]).map { ($0, $1) }
    }

    mutating func top() throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw corrupt("stack underflow") }
        return value
    }

    /// The container on top of the stack, which `items` are about to be added to: it must
    /// not be sealed, nor be one of them (a cycle). Its depth grows to hold them.
    mutating func openContainer<C: PickleContainer>(_ container: C, adding items: [Item], _ opcode: StaticString) throws -> C {
        for item in items { _ = try openContainer(container, adding: item, opcode) }
        return container
    }

    /// `openContainer(_:adding:_:)` for one item.
    @discardableResult
    mutating func openContainer<C: PickleContainer>(_ container: C, adding item: Item, _ opcode: StaticString) throws -> C {
        guard !container.isSealed else {
            throw corrupt("\(opcode) on a value that is already part of another (shared or cyclic structures are not read)")
        }
        guard item.value.container !== container else { throw corrupt("\(opcode) of a value into itself") }
        let depth = 1 + seal(item)
        guard depth <= PickleMachine.maxNestingDepth else {
            throw corrupt("values nested deeper than \(PickleMachine.maxNestingDepth) levels")
        }
        container.depth = max(container.depth, depth)
        return container
    }

    mutating func remember(_ index: Int) throws {
        guard let depth = depths.last else { throw corrupt("stack underflow") }
        memo[index] = (try top(), depth)
    }

    mutating func recall(_ index: Int) throws {
        guard let entry = memo[index] else { throw corrupt("memo index \(index) was never stored") }
        try push(entry.value, depth: entry.depth)
    }

    // MARK: Run

    mutating func run() throws -> PickleValue {
        while true {
            let opcode = try byte()
            switch opcode {
            case 0x80: // PROTO
                let version = try unsigned(1)
                guard (2...5).contains(version) else {
                    throw WeightsError.unsupported(path: machine.path, message: "pickle protocol \(version); protocols 2 to 5 are read")
                }
            case 0x95: // FRAME: a length hint, frames are not needed in memory
                _ = try unsigned(8)
            case 0x2E: // STOP
                guard stack.count == 1, marks.isEmpty else { throw corrupt("STOP with \(stack.count) values and \(marks.count) marks") }
                return stack[0]
            case 0x28: marks.append(stack.count) // MARK
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popToMark() // POP_MARK
            case 0x32: // DUP
                let value = try top()
                try push(value, depth: depths[depths.count - 1])
            case 0x4E: try push(.none) // NONE
            case 0x88: try push(.bool(true)) // NEWTRUE
            case 0x89: try push(.bool(false)) // NEWFALSE
            case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try unsigned(4)))))) // BININT
            case 0x4B: try push(.int(Int(try unsigned(1)))) // BININT1
            case 0x4D: try push(.int(Int(try unsigned(2)))) // BININT2
            case 0x8A: try push(.int(try long(length(1)))) // LONG1
            case 0x8B: try push(.int(try long(length(4)))) // LONG4
            case 0x47: try push(.float(Double(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) }))) // BINFLOAT (big-endian)
            case 0x58: try push(.string(try utf8(length(4)))) // BINUNICODE
            case 0x8C: try push(.string(try utf8(length(1)))) // SHORT_BINUNICODE
            case 0x8D: try push(.string(try utf8(length(8)))) // BINUNICODE8
            case 0x42: try push(.bytes(Array(try take(length(4))))) // BINBYTES
            case 0x43: try push(.bytes(Array(try take(length(1))))) // SHORT_BINBYTES
            case 0x8E: try push(.bytes(Array(try take(length(8))))) // BINBYTES8
            case 0x55: try push(.string(String(decoding: try take(length(1)), as: UTF8.self))) // SHORT_BINSTRING (py2 str)
            case 0x54: try push(.string(String(decoding: try take(length(4)), as: UTF8.self))) // BINSTRING
            case 0x29: try push(.tuple([]), depth: 1) // EMPTY_TUPLE
            case 0x74: // TUPLE
                let items = try popToMark()
                try push(.tuple(items.map(\.value)), containing: items)
            case 0x85: // TUPLE1
                let items = [try pop()]
                try push(.tuple(items.map(\.value)), containing: items)
            case 0x86: // TUPLE2
                let second = try pop()
                let items = [try pop(), second]
                try push(.tuple(items.map(\.value)), containing: items)
            case 0x87: // TUPLE3
                let third = try pop()
                let second = try pop()
                let items = [try pop(), second, third]
                try push(.tuple(items.map(\.value)), containing: items)
            case 0x5D: try push(.list(PickleList())) // EMPTY_LIST
            case 0x6C: // LIST
                let items = try popToMark()
                let list = PickleList()
                try push(.list(try openContainer(list, adding: items, "LIST")))
                list.items = items.map(\.value)
            case 0x61: // APPEND
                let item = try pop()
                guard case .list(let list) = try top() else { throw corrupt("APPEND to a \(try top().kind)") }
                try openContainer(list, adding: item, "APPEND").items.append(item.value)
            case 0x65: // APPENDS
                let items = try popToMark()
                guard case .list(let list) = try top() else { throw corrupt("APPENDS to a \(try top().kind)") }
                try openContainer(list, adding: items, "APPENDS").items += items.map(\.value)
            case 0x7D: try push(.dict(PickleDict())) // EMPTY_DICT
            case 0x64: // DICT
                let items = try popToMark()
                let dict = PickleDict()
                try push(.dict(try openContainer(dict, adding: items, "DICT")))
                try fill(dict, items, "DICT")
            case 0x73: // SETITEM
                let value = try pop()
                let key = try pop()
                guard case .dict(let dict) = try top() else { throw corrupt("SETITEM on a \(try top().kind)") }
                try fill(try openContainer(dict, adding: [key, value], "SETITEM"), [key, value], "SETITEM")
            case 0x75: // SETITEMS
                let items = try popToMark()
                guard case .dict(let dict) = try top() else { throw corrupt("SETITEMS on a \(try top().kind)") }
                try fill(try openContainer(dict, adding: items, "SETITEMS"), items, "SETITEMS")
            case 0x71: try remember(Int(try unsigned(1))) // BINPUT
            case 0x72: try remember(Int(try unsigned(4))) // LONG_BINPUT
            case 0x94: try remember(memo.count) // MEMOIZE
            case 0x68: try recall(Int(try unsigned(1))) // BINGET
            case 0x6A: try recall(Int(try unsigned(4))) // LONG_BINGET
            case 0x63: // GLOBAL "module\nname\n"
                let module = try line()
                let name = try line()
                try push(.global(try machine.resolve(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let name = try pop().value
                let module = try pop().value
                guard case .string(let moduleName) = module, case .string(let globalName) = name else {
                    throw corrupt("STACK_GLOBAL of a \(module.kind) and a \(name.kind)")
                }
                try push(.global(try machine.resolve(module: moduleName, name: globalName)))
            case 0x52: // REDUCE
                // The result is never deeper than its arguments: a part of them, a tensor
                // reference, or an OrderedDict of their pairs (a fresh container, still open).
                let arguments = try pop()
                let callable = try pop()
                let result = try reduce(callable.value, arguments.value)
                if case .global(.orderedDict) = callable.value, case .dict(let dict) = result {
                    dict.depth = max(1, arguments.depth)
                }
                try push(result, depth: arguments.depth)
            case 0x81: // NEWOBJ
                let arguments = try pop().value
                let callable = try pop().value
                guard case .global(.torchScriptClass(let name)) = callable else {
                    throw corrupt("NEWOBJ of a \(callable.kind); only TorchScript module classes are instantiated")
                }
                guard case .tuple(let values) = arguments, values.isEmpty else { throw corrupt("NEWOBJ of \(name) with arguments") }
                try push(.object(PickleObject(className: name)))
            case 0x62: // BUILD
                let state = try pop()
                switch try top() {
                case .object(let object):
                    guard case .dict(let attributes) = state.value else { throw corrupt("BUILD of \(object.className) with a \(state.value.kind)") }
                    try openContainer(object, adding: state, "BUILD").attributes = attributes
                case .dict(let dict):
                    try openContainer(dict, adding: state, "BUILD") // OrderedDict's `_metadata` attribute: not needed
                case .tensor:
                    _ = seal(state) // tensor subclass state (e.g. parameter attributes): not needed
                case let other:
                    throw corrupt("BUILD of a \(other.kind)")
                }
            case 0x51: // BINPERSID
                let id = try pop()
                try push(try machine.persistentLoad(id.value), containing: [id])
            case 0x69: // INST "module\nname\n": instantiates a class
                let module = (try? line()) ?? "?"
                let name = (try? line()) ?? "?"
                throw WeightsError.refusedGlobal(name: "\(module).\(name) (INST opcode)", path: machine.path)
            case 0x6F: // OBJ
                throw WeightsError.refusedGlobal(name: "OBJ opcode (instantiates a class)", path: machine.path)
            case 0x92: // NEWOBJ_EX
                throw WeightsError.refusedGlobal(name: "NEWOBJ_EX opcode (instantiates a class)", path: machine.path)
            case 0x82, 0x83, 0x84: // EXT1, EXT2, EXT4: globals from the extension registry
                throw WeightsError.refusedGlobal(name: "extension-registry global (EXT opcode)", path: machine.path)
            default:
                throw WeightsError.unsupported(
                    path: machine.path,
                    message: "pickle opcode 0x\(String(opcode, radix: 16)) at byte \(position - 1) is not read (state dicts do not use it)")
            }
        }
    }

    /// Sets alternating keys and values of `items` in `dict`.
    func fill(_ dict: PickleDict, _ items: [Item], _ opcode: StaticString) throws {
        guard items.count % 2 == 0 else { throw corrupt("\(opcode) with an odd number of values") }
        for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index].value, items[index + 1].value) }
    }

    /// LONG1/LONG4: little-endian two's complement of `count` bytes, up to 64 bits.
    mutating func long(_ count: Int) throws -> Int {
        guard count <= 8 else { throw corrupt("integer of \(count) bytes is wider than 64 bits") }
        guard count > 0 else { return 0 }
        let raw = try unsigned(count)
        let shift = UInt64(64 - 8 * count)
        return Int(bitPattern: UInt(raw << shift)) >> Int(shift)
    }

    /// The value a call of an allowed global would return, built without calling anything.
    func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable else { throw corrupt("REDUCE of a \(callable.kind)") }
        guard case .tuple(let args) = arguments else { throw corrupt("REDUCE with a \(arguments.kind) of arguments") }
        switch global {
        case .orderedDict:
            let dict = PickleDict()
            if let first = args.first {
                // OrderedDict(iterable of pairs)
                let pairs: [PickleValue]
                switch first {
                case .list(let list): pairs = list.items
                case .tuple(let items): pairs = items
                default: throw corrupt("OrderedDict of a \(first.kind)")
                }
                for pair in pairs {
                    guard case .tuple(let items) = pair, items.count == 2 else { throw corrupt("OrderedDict item is not a pair") }
                    dict.set(items[0], items[1])
                }
            }
            return .dict(dict)
        case .rebuildTensorV2, .rebuildTensorV3:
            let isV3 = global == .rebuildTensorV3
            guard args.count >= (isV3 ? 7 : 6), args.count <= (isV3 ? 8 : 7) else {
                throw corrupt("tensor rebuild with \(args.count) arguments")
            }
            guard case .storage(let storage) = args[0] else { throw corrupt("tensor rebuilt from a \(args[0].kind), not a storage") }
            guard case .int(let offset) = args[1] else { throw corrupt("tensor storage offset is a \(args[1].kind)") }
            let shape = try integers(args[2], "size")
            let strides = try integers(args[3], "stride")
            var dtype = storage.dtype
            if isV3 {
                guard case .global(.dtype(let explicit)) = args[6] else { throw corrupt("tensor dtype is a \(args[6].kind)") }
                dtype = explicit
            }
            guard dtype != .untyped else { throw corrupt("tensor of an untyped storage without a dtype") }
            guard shape.count == strides.count else { throw corrupt("tensor of size \(shape) has strides \(strides)") }
            return .tensor(TorchTensorReference(storage: storage, dtype: dtype, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            guard args.count == (global == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw corrupt("parameter rebuilt from \(args.first?.kind ?? "nothing")")
            }
            return args[0]
        case .torchSize:
            guard args.count == 1, case .tuple = args[0] else { throw corrupt("torch.Size of \(args.first?.kind ?? "nothing")") }
            return args[0]
        case .jitListBuilder:
            guard args.count == 1, case .list = args[0] else { throw corrupt("TorchScript list of \(args.first?.kind ?? "nothing")") }
            return args[0]
        case .jitRestoreTypeTag:
            guard args.count == 2 else { throw corrupt("restore_type_tag with \(args.count) arguments") }
            return args[0]
        case .storageType, .dtype, .torchScriptClass:
            throw corrupt("REDUCE of a type (\(global)) that state dicts never call")
        }
    }

    func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard case .tuple(let items) = value else { throw corrupt("tensor \(what) is a \(value.kind), not a tuple") }
        return try items.map { item in
            guard case .int(let number) = item else { throw corrupt("tensor \(what) holds a \(item.kind)") }
            return number
        }
    }
}
