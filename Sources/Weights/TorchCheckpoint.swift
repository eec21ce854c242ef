import Foundation

/// PyTorch checkpoints read without Python: zip archives written by `torch.save` (PyTorch ≥ 1.6)
/// and TorchScript archives written by `torch.jit.save` (OpenAI's `RN50.pt`, `ViT-B-32.pt`, …).
///
/// Both are ZIP files (`ZipArchive`) with every entry under one top-level folder `<root>/`:
/// `data.pkl` (the pickled object), `data/<key>` (one raw little-endian storage per key),
/// `byteorder`, `version`. A TorchScript archive also has `constants.pkl` and `code/`, the
/// Python-like source of its classes, which says which tensor attributes of each class are
/// parameters and buffers (`__parameters__ = [...]`, `__buffers__ = [...]`).
///
/// `data.pkl` is read by `PickleMachine` (allow-listed globals only, nothing executed). For
/// torch.save files the object is a state dict, possibly wrapped as `{"state_dict": …}` or
/// `{"model": …}`; its string keys with tensor values are the tensors (a `module.` prefix is
/// removed later by the naming layer). For TorchScript files the object is the module tree:
/// every parameter and buffer is collected under its module path (`visual.conv1.weight`), which
/// is exactly the key `Module.state_dict()` gives it; other tensor attributes (OpenAI's
/// per-block `attn_mask`) are not state and are skipped. TorchScript has no notion of a
/// non-persistent buffer, so open_clip's causal mask (the buffer `attn_mask`, derived from the
/// context length, never learned) is listed among the buffers of a scripted open_clip model; it
/// is dropped (`derivedBuffers`).
///
/// Tensors are strided views of storages: every size, stride and offset is checked against the
/// storage (overflow-checked), and a view may not address more elements than its storage holds
/// (a stride-0 view of one float claiming 2^62 elements is refused, not gathered); contiguous
/// fp32 tensors on 4-byte boundaries point into the mapping (torch aligns storages to 64 bytes),
/// everything else — fp16/bf16, non-contiguous views such as a saved transpose — is converted
/// into `OwnedFloats`. Integer and bool tensors (`num_batches_tracked`, OpenAI's
/// `input_resolution`) are dropped; fp64 is refused. The pre-1.6 format (a bare pickle stream)
/// is `WeightsError.legacyTorchFormat`.
///
/// Memory is bounded by what the file can legitimately need (`Limits`): the pickle and the
/// TorchScript code are capped; deflated storages (torch.save stores them uncompressed; other
/// zip tools may not) are inflated only when a kept tensor needs them, straight into their
/// final buffer, and in all to at most a few times the file's size; the tensors converted into
/// owned floats may together hold at most twice the elements of the storages they view
/// (tied weights share a storage; a pickle naming one storage a million times does not get a
/// million copies). Every TorchScript module is visited once: a module reachable by two paths
/// (or a cycle) is refused instead of being walked exponentially often.
enum TorchCheckpoint {
    /// What was read, before naming translation.
    struct Contents {
        var tensors: [String: WeightTensor]
        /// "torch.save" or "torch.jit.save", with the wrapper key if there was one.
        var writer: String
        /// Storage dtypes of the floating-point tensors kept.
        var dtypes: Set<TorchDType>
        var warnings: [String]
    }

    /// Buffers TorchScript keeps that `state_dict()` in eager PyTorch does not (non-persistent there).
    static let derivedBuffers: Set<String> = ["attn_mask"]

    /// Deepest module nesting walked in a TorchScript tree (real models nest < 10 levels).
    static let maxModuleDepth = 64

    /// Caps on what reading a checkpoint may allocate beyond the mapping of the file.
    enum Limits {
        /// Largest `data.pkl`: a ViT-bigG state dict pickles to well under 1 MB.
        static let maxPickleBytes = 16 << 20
        /// Largest total of the TorchScript sources in `code/` (OpenAI's ViT-L/14: ~200 KB).
        static let maxCodeBytes = 16 << 20
        /// Deflated storages may inflate to at most this many bytes plus `inflateRatio` × the file's size.
        static let inflateAllowance = 64 << 20
        /// Weights compress by ~1.1:1; only hostile or all-zero data compresses past 4:1.
        static let inflateRatio = 4
        /// Owned (converted) tensors may hold this many times the elements of the storages they view.
        static let viewOverlapRatio = 2
    }

    static func read(_ url: URL) throws -> Contents {
        let file = try MappedFile(url: url)
        let path = file.path
        guard ZipArchive.looksLikeZip(file.bytes) else {
            // The legacy format starts with a pickle PROTO opcode (magic number, protocol, sys info, …);
            // PyTorch before 1.6 could also write a tar file.
            if file.bytes.first == 0x80 || isTar(file.bytes) { throw WeightsError.legacyTorchFormat(path: path) }
            throw WeightsError.corrupt(path: path, message: "neither a zip archive (torch.save ≥ 1.6, torch.jit.save) nor a legacy torch.save file")
        }
        let archive = try ZipArchive(file: file)
        let root = try rootFolder(archive)

        if let order = archive.entry(named: root + "byteorder") {
            let value = String(decoding: try archive.contents(of: order, maxBytes: 16), as: UTF8.self)
            guard value == "little" else {
                throw WeightsError.unsupported(path: path, message: "storages are stored \(value)-endian; only little-endian archives are read")
            }
        }
        let isTorchScript = archive.entry(named: root + "constants.pkl") != nil
            || archive.entries.contains { $0.name.hasPrefix(root + "code/") }
        guard let pickleEntry = archive.entry(named: root + "data.pkl") else {
            throw WeightsError.corrupt(path: path, message: "no \(root)data.pkl in the archive")
        }
        let machine = PickleMachine(path: path, allowsTorchScriptClasses: isTorchScript) { id in
            try storageReference(id, path: path)
        }
        let object = try machine.load(try archive.contents(of: pickleEntry, maxBytes: Limits.maxPickleBytes))

        var references: [String: TorchTensorReference] = [:]
        let writer: String
        if isTorchScript {
            guard case .object(let module) = object else {
                throw WeightsError.unsupported(path: path, message: "TorchScript archive whose data.pkl holds a \(object.kind), not a module")
            }
            let classes = try classDefinitions(archive, root: root)
            var visited: [ObjectIdentifier: String] = [:]
            try collect(module, prefix: "", depth: 0, classes: classes, visited: &visited, into: &references, path: path)
            writer = "torch.jit.save"
        } else {
            let (stateDict, wrapper) = try unwrap(object, path: path)
            for (key, value) in zip(stateDict.keys, stateDict.values) {
                guard case .string(let name) = key, case .tensor(let tensor) = value else { continue }
                references[name] = tensor
            }
            writer = wrapper.map { "torch.save, under '\($0)'" } ?? "torch.save"
        }
        guard !references.isEmpty else {
            throw WeightsError.unsupported(path: path, message: "the \(writer) archive holds no tensors")
        }

        var storages = StorageCache(
            archive: archive, root: root,
            inflateLimit: Limits.inflateAllowance + min(file.size, Int.max / 8) * Limits.inflateRatio)
        var tensors: [String: WeightTensor] = [:]
        var dtypes: Set<TorchDType> = []
        var warnings: [String] = []
        for name in references.keys.sorted() {
            guard let reference = references[name] else { continue }
            switch reference.dtype {
            case .int64, .int32, .int16, .int8, .uint8, .bool: continue
            case .float32, .float16, .bfloat16: break
            case .float64, .untyped:
                throw WeightsError.unsupported(
                    path: path, message: "tensor '\(name)' has dtype \(reference.dtype.rawValue); only F32, F16 and BF16 weights are supported")
            }
            let tensor = try materialize(name, reference, storages: &storages, path: path)
            let nonFinite = Widening.countNonFinite(tensor.values)
            if nonFinite > 0 { warnings.append("tensor '\(name)' holds \(nonFinite) NaN/Inf value\(nonFinite == 1 ? "" : "s")") }
            tensors[name] = tensor
            dtypes.insert(reference.dtype)
        }
        return Contents(tensors: tensors, writer: writer, dtypes: dtypes, warnings: warnings)
    }

    // MARK: - Archive layout

    private static func isTar(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 262 && Array(bytes[257..<262]) == Array("ustar".utf8)
    }

    /// `<root>/` of the one `<root>/data.pkl` (or "" when it lies at the top).
    private static func rootFolder(_ archive: ZipArchive) throws -> String {
        let roots = archive.entries.compactMap { entry -> String? in
            guard entry.name.hasSuffix("data.pkl") else { return nil }
            let folder = entry.name.dropLast("data.pkl".count)
            if folder.isEmpty { return "" }
            guard folder.hasSuffix("/"), !folder.dropLast().contains("/") else { return nil }
            return String(folder)
        }
        guard let root = roots.first else {
            throw WeightsError.unsupported(
                path: archive.file.path, message: "zip archive without a data.pkl: not written by torch.save or torch.jit.save")
        }
        guard roots.count == 1 else {
            throw WeightsError.corrupt(path: archive.file.path, message: "zip archive with several data.pkl (\(roots.sorted().joined(separator: ", ")))")
        }
        return root
    }

    /// A BINPERSID id → storage reference: `('storage', <storage type>, key, location, numel)`.
    private static func storageReference(_ id: PickleValue, path: String) throws -> PickleValue {
        guard case .tuple(let items) = id, items.count == 5, case .string("storage") = items[0],
              case .global(.storageType(let dtype)) = items[1], case .string(let key) = items[2],
              case .string = items[3], case .int(let count) = items[4]
        else {
            throw WeightsError.corrupt(path: path, message: "pickle: persistent id is not a torch storage id")
        }
        guard !key.isEmpty, !key.contains("/"), count >= 0 else {
            throw WeightsError.corrupt(path: path, message: "pickle: storage id with key '\(key)' and \(count) elements")
        }
        return .storage(TorchStorageReference(key: key, dtype: dtype, elementCount: count))
    }

    /// The state dict inside `{"state_dict": …}` or `{"model": …}`, else the object itself.
    private static func unwrap(_ object: PickleValue, path: String) throws -> (PickleDict, String?) {
        guard case .dict(let dict) = object else {
            throw WeightsError.unsupported(path: path, message: "the archive holds a \(object.kind), not a state dict")
        }
        for wrapper in ["state_dict", "model"] {
            if case .dict(let inner)? = dict[wrapper] { return (inner, wrapper) }
        }
        return (dict, nil)
    }

    /// Parameters and buffers of every TorchScript class, from the `__parameters__` and
    /// `__buffers__` lines of its definition in `code/` (`class Linear(Module):` at column 0).
    private static func classDefinitions(_ archive: ZipArchive, root: String) throws -> [String: Set<String>] {
        var classes: [String: Set<String>] = [:]
        let codeFolder = root + "code/"
        var codeLeft = Limits.maxCodeBytes
        for entry in archive.entries where entry.name.hasPrefix(codeFolder) && entry.name.hasSuffix(".py") {
            let module = entry.name.dropFirst(codeFolder.count).dropLast(3).replacingOccurrences(of: "/", with: ".")
            let bytes = try archive.contents(of: entry, maxBytes: codeLeft)
            codeLeft -= bytes.count
            let source = String(decoding: bytes, as: UTF8.self)
            var current: String?
            for line in source.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("class ") {
                    let name = line.dropFirst("class ".count).prefix { $0 != "(" && $0 != ":" }
                    let qualified = "\(module).\(name)"
                    current = qualified
                    if classes[qualified] == nil { classes[qualified] = [] }
                    continue
                }
                guard let current else { continue }
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("__parameters__ = [") || trimmed.hasPrefix("__buffers__ = [") else { continue }
                let list = trimmed.drop { $0 != "[" }
                for name in list.split(separator: "\"").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
                    classes[current, default: []].insert(String(name))
                }
            }
        }
        return classes
    }

    /// Parameters and buffers of `module` and its submodules under their module paths.
    /// `visited` maps every module walked so far to its path: a module reached twice is refused.
    private static func collect(
        _ module: PickleObject, prefix: String, depth: Int, classes: [String: Set<String>],
        visited: inout [ObjectIdentifier: String], into references: inout [String: TorchTensorReference], path: String
    ) throws {
        guard depth < maxModuleDepth else {
            throw WeightsError.corrupt(path: path, message: "TorchScript modules nested deeper than \(maxModuleDepth) levels (at '\(prefix)')")
        }
        if let earlier = visited.updateValue(prefix, forKey: ObjectIdentifier(module)) {
            func shown(_ modulePath: String) -> String { modulePath.isEmpty ? "the root" : "'\(modulePath.dropLast())'" }
            throw WeightsError.corrupt(
                path: path,
                message: "TorchScript module \(module.className) is reached both as \(shown(earlier)) and as \(shown(prefix)); shared or cyclic module trees are not read")
        }
        guard let attributes = module.attributes else {
            throw WeightsError.corrupt(path: path, message: "TorchScript module '\(prefix)' (\(module.className)) has no attributes")
        }
        guard let state = classes[module.className] else {
            throw WeightsError.corrupt(path: path, message: "TorchScript class \(module.className) has no definition in code/")
        }
        for (key, value) in zip(attributes.keys, attributes.values) {
            guard case .string(let name) = key else { continue }
            switch value {
            case .tensor(let tensor) where state.contains(name) && !derivedBuffers.contains(name):
                references[prefix + name] = tensor
            case .object(let child):
                try collect(child, prefix: prefix + name + ".", depth: depth + 1, classes: classes, visited: &visited, into: &references, path: path)
            default:
                continue
            }
        }
    }

    // MARK: - Tensors

    /// Storage bytes by key: slices of the mapping for stored entries, inflated buffers for
    /// deflated ones (at most `inflateLimit` bytes of those in all). It also keeps the
    /// converted-element budget: owned tensors may hold `Limits.viewOverlapRatio` times the
    /// elements of the storages loaded so far.
    private struct StorageCache {
        let archive: ZipArchive
        let root: String
        let inflateLimit: Int
        var inflated = 0
        var storageElements = 0
        var ownedElements = 0
        var loaded: [String: (bytes: UnsafeRawBufferPointer, owner: AnyObject)] = [:]

        init(archive: ZipArchive, root: String, inflateLimit: Int) {
            self.archive = archive
            self.root = root
            self.inflateLimit = inflateLimit
        }

        mutating func bytes(_ storage: TorchStorageReference, path: String) throws -> (bytes: UnsafeRawBufferPointer, owner: AnyObject) {
            if let cached = loaded[storage.key] { return cached }
            guard let entry = archive.entry(named: root + "data/" + storage.key) else {
                throw WeightsError.corrupt(path: path, message: "storage '\(storage.key)' has no entry \(root)data/\(storage.key)")
            }
            let result: (UnsafeRawBufferPointer, AnyObject)
            if entry.method == 0 {
                result = (try archive.storedBytes(of: entry), archive.file)
            } else {
                guard entry.uncompressedSize <= inflateLimit - inflated else {
                    throw WeightsError.unsupported(
                        path: path,
                        message: "deflated storages would inflate to more than \(inflateLimit) bytes (storage '\(storage.key)' alone is \(entry.uncompressedSize) bytes from \(entry.compressedSize)); torch.save stores storages uncompressed")
                }
                let owned = OwnedBytes(count: entry.uncompressedSize)
                try archive.inflate(entry, into: owned.buffer)
                inflated += entry.uncompressedSize
                result = (owned.bytes, owned)
            }
            storageElements += result.0.count / max(1, storage.dtype.size)
            loaded[storage.key] = result
            return result
        }

        /// Counts `count` more converted elements against the budget.
        mutating func own(_ count: Int, name: String, path: String) throws {
            let limit = storageElements.multipliedReportingOverflow(by: Limits.viewOverlapRatio)
            guard !limit.overflow, count <= limit.partialValue - ownedElements else {
                throw WeightsError.corrupt(
                    path: path,
                    message: "tensor '\(name)': the tensors view the same storages over and over (more than \(Limits.viewOverlapRatio)× their \(storageElements) elements)")
            }
            ownedElements += count
        }
    }

    /// A 64-byte-aligned buffer of `count` bytes, filled by its maker.
    private final class OwnedBytes {
        private let storage: UnsafeMutableRawBufferPointer
        let count: Int
        init(count: Int) {
            storage = .allocate(byteCount: max(count, 1), alignment: 64)
            self.count = count
        }
        deinit { storage.deallocate() }
        var buffer: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]) }
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }
    }

    /// The fp32 tensor `reference` describes, checked against its storage.
    private static func materialize(
        _ name: String, _ reference: TorchTensorReference, storages: inout StorageCache, path: String
    ) throws -> WeightTensor {
        func corrupt(_ message: String) -> WeightsError { .corrupt(path: path, message: "tensor '\(name)': \(message)") }
        let storage = reference.storage
        let (raw, owner) = try storages.bytes(storage, path: path)
        let storageElementSize = storage.dtype.size
        let (claimedBytes, claimOverflow) = storage.elementCount.multipliedReportingOverflow(by: storageElementSize)
        guard !claimOverflow, claimedBytes == raw.count else {
            throw corrupt("storage '\(storage.key)' holds \(raw.count) bytes, its id says \(storage.elementCount) × \(storageElementSize)")
        }
        let size = reference.dtype.size
        let available = raw.count / size

        var count = 1
        for dimension in reference.shape {
            guard dimension >= 0 else { throw corrupt("negative size \(reference.shape)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw corrupt("size \(reference.shape) overflows") }
            count = product
        }
        guard reference.offset >= 0, reference.strides.allSatisfy({ $0 >= 0 }) else {
            throw corrupt("negative offset \(reference.offset) or strides \(reference.strides)")
        }
        if count > 0 {
            var last = reference.offset
            for (dimension, stride) in zip(reference.shape, reference.strides) {
                let (step, overflow) = (dimension - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflow2) = last.addingReportingOverflow(step)
                guard !overflow, !overflow2 else { throw corrupt("strides \(reference.strides) overflow") }
                last = sum
            }
            guard last < available else {
                throw corrupt("size \(reference.shape), strides \(reference.strides) and offset \(reference.offset) reach element \(last) of a storage of \(available)")
            }
            // Zero or overlapping strides could make a view of a few bytes claim 2^62 elements.
            guard count <= available else {
                throw corrupt("size \(reference.shape) with strides \(reference.strides) addresses \(count) elements of a storage of \(available)")
            }
        }

        if count == 0 {
            return WeightTensor(name: name, shape: reference.shape, values: UnsafeBufferPointer(start: nil, count: 0), storage: owner)
        }
        // Row-major strides (sizes of 1 may carry any stride); partial products stay ≤ count.
        var contiguous = true
        var expected = 1
        for (dimension, stride) in zip(reference.shape, reference.strides).reversed() {
            if dimension != 1 && stride != expected { contiguous = false }
            expected *= dimension
        }
        guard let base = raw.baseAddress else { throw corrupt("empty storage '\(storage.key)'") }
        let start = base + reference.offset * size
        #if _endian(little)
        if contiguous, reference.dtype == .float32, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            let values = UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: count)
            return WeightTensor(name: name, shape: reference.shape, values: values, storage: owner)
        }
        #endif
        try storages.own(count, name: name, path: path)
        let owned = OwnedFloats(count: count)
        if contiguous {
            let slice = UnsafeRawBufferPointer(start: start, count: count * size)
            switch reference.dtype {
            case .float16: Widening.widenFloat16(slice, into: owned.pointer, count: count)
            case .bfloat16: Widening.widenBFloat16(slice, into: owned.pointer, count: count)
            default: Widening.copyFloat32(slice, into: owned.pointer, count: count)
            }
        } else {
            gather(reference, from: UnsafeRawPointer(start), into: owned.pointer, count: count)
        }
        return WeightTensor(name: name, shape: reference.shape, values: owned.buffer, storage: owned)
    }

    /// Copies a strided view element by element in row-major order (bounds checked by the caller).
    private static func gather(_ reference: TorchTensorReference, from start: UnsafeRawPointer, into output: UnsafeMutablePointer<Float>, count: Int) {
        let shape = reference.shape
        let strides = reference.strides
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        let size = reference.dtype.size
        for element in 0..<count {
            let bytes = UnsafeRawBufferPointer(start: start + source * size, count: size)
            switch reference.dtype {
            case .float16: Widening.widenFloat16(bytes, into: output + element, count: 1)
            case .bfloat16: Widening.widenBFloat16(bytes, into: output + element, count: 1)
            default: Widening.copyFloat32(bytes, into: output + element, count: 1)
            }
            // Odometer step over the multi-index, last dimension fastest.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
