import Foundation
import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes.
///
/// Readers of every container (safetensors, torch zip archives) hand out pointers into
/// `bytes` and keep this object as the `WeightTensor.storage` of tensors that point into
/// it. The mapping is private and read-only: the file must not be truncated while in use
/// (a page past the new end would fault), which is why ShiftLens never rewrites weights in place.
/// An empty file is not mapped (`mmap` refuses length 0); its `bytes` is empty.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The whole file.
    let bytes: UnsafeRawBufferPointer

    /// Opens and maps the regular file at `url`; `WeightsError.unreadable` when it cannot (a FIFO,
    /// socket or device is refused as "not a regular file" without blocking on it).
    init(url: URL) throws {
        let path = url.path
        self.path = path
        let descriptor: Int32
        let size: Int
        do {
            descriptor = try InputFile.openForReading(path)
        } catch {
            throw WeightsError.unreadable(path: path, message: "\(error)")
        }
        defer { close(descriptor) }
        do {
            size = try InputFile.regularFileSize(descriptor)
        } catch {
            throw WeightsError.unreadable(path: path, message: "\(error)")
        }
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw WeightsError.unreadable(path: path, message: "cannot map the file: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(address), count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    var size: Int { bytes.count }
}
