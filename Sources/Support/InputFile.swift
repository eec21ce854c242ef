import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a file a user named, with a size cap and without ever blocking on it.
///
/// `Data(contentsOf:)` reads a FIFO until its writer closes (for ever when there is none),
/// reads `/dev/zero` until memory runs out, and reports a FIFO as a permission problem.
/// Here the file is opened non-blocking, must be a regular file (a FIFO, socket, device
/// or directory is `.notRegularFile` naming its kind), and its size must be at most
/// `maxBytes` before a byte is read; a file that grows while it is read is cut at the size
/// `fstat` reported, one that shrinks is returned as it ends.
public enum InputFile {
    public enum Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        case notFound
        /// `kind` is "a FIFO", "a directory", …
        case notRegularFile(kind: String)
        case tooLarge(size: Int, limit: Int)
        /// Any other operating-system error, with its text ("Permission denied").
        case unreadable(String)

        public var description: String {
            switch self {
            case .notFound: return "no such file"
            case .notRegularFile(let kind): return "not a regular file (\(kind))"
            case .tooLarge(let size, let limit): return "file of \(size) bytes is larger than the limit of \(limit) bytes"
            case .unreadable(let message): return "cannot be read (\(message))"
            }
        }
    }

    /// The whole file at `path`, at most `maxBytes` long.
    public static func contents(of path: String, maxBytes: Int) throws(Error) -> [UInt8] {
        let descriptor = try openForReading(path)
        defer { close(descriptor) }
        let size = try regularFileSize(descriptor)
        guard size <= maxBytes else { throw .tooLarge(size: size, limit: maxBytes) }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer -> Int32? in
            guard let base = buffer.baseAddress else { return nil }
            while filled < size {
                let count = read(descriptor, base + filled, size - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if count == 0 { break }
                filled += count
            }
            return nil
        }
        if let failure { throw .unreadable(String(cString: strerror(failure))) }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    /// Opens `path` read-only without blocking (a FIFO without a writer opens at once).
    /// The caller closes the descriptor.
    public static func openForReading(_ path: String) throws(Error) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound }
            throw .unreadable(String(cString: strerror(code)))
        }
        return descriptor
    }

    /// The size of the open file `descriptor`, which must be a regular file.
    public static func regularFileSize(_ descriptor: Int32) throws(Error) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else { throw .notRegularFile(kind: kind(type)) }
        return Int(status.st_size)
    }

    private static func kind(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a file"
        }
    }
}
