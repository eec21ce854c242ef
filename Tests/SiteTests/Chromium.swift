import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol on `--remote-debugging-pipe` (commands as
/// NUL-terminated JSON on the child's fd 3, replies and events on its fd 4), for measuring how the
/// pages lay out. The pages stay JavaScript-free: expressions are evaluated by the DevTools
/// protocol (`Runtime.evaluate`), which the pages' Content-Security-Policy does not govern.
final class Chromium {
    enum Failure: Error, CustomStringConvertible {
        case notFound
        case launch(String)
        case protocolError(String)
        case timeout(String)

        var description: String {
            switch self {
            case .notFound: return "Chromium not found (set SHIFTLENS_CHROMIUM, or apt-get install -y chromium)"
            case .launch(let message): return "cannot start Chromium: \(message)"
            case .protocolError(let message): return "DevTools protocol: \(message)"
            case .timeout(let what): return "Chromium did not answer in time: \(what)"
            }
        }
    }

    /// `SHIFTLENS_CHROMIUM`, else the first of chromium, chromium-browser, google-chrome on PATH.
    static func executable() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SHIFTLENS_CHROMIUM"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + name) { return folder + "/" + name }
        }
        return nil
    }

    private let pid: pid_t
    private let input: Int32
    private let output: Int32
    private let profile: URL
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var events: [[String: Any]] = []

    init(executable: String) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-chromium-\(UUID().uuidString)")
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure.launch("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Move the child's ends out of the way first, so that dup2 onto 3 and 4 cannot clobber one another.
        let childRead = fcntl(toChild[0], F_DUPFD, 10), childWrite = fcntl(fromChild[1], F_DUPFD, 10)
        close(toChild[0]); close(fromChild[1])
        posix_spawn_file_actions_adddup2(&actions, childRead, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrite, 4)
        posix_spawn_file_actions_addclose(&actions, toChild[1])
        posix_spawn_file_actions_addclose(&actions, fromChild[0])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "about:blank"]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(childRead); close(childWrite)
        guard status == 0 else { throw Failure.launch(String(cString: strerror(status))) }
        pid = child
        input = toChild[1]
        output = fromChild[0]
    }

    deinit {
        _ = try? send("Browser.close", timeout: 5)
        close(input)
        close(output)
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 {
            usleep(200_000)
            if waitpid(pid, &status, WNOHANG) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        }
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends one command and returns its `result`; events that arrive meanwhile are kept.
    @discardableResult
    func send(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil, timeout: TimeInterval = 60) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure.protocolError("write failed for \(method)") }
            written += count
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try receive(until: deadline, what: method)
            if reply["id"] as? Int == id {
                if let error = reply["error"] as? [String: Any] { throw Failure.protocolError("\(method): \(error["message"] ?? error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            events.append(reply)
        }
    }

    /// Waits for the event `method` of `session`.
    func wait(for method: String, session: String, timeout: TimeInterval = 60) throws {
        if let index = events.firstIndex(where: { $0["method"] as? String == method && $0["sessionId"] as? String == session }) {
            events.remove(at: index)
            return
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try receive(until: deadline, what: method)
            if message["method"] as? String == method && message["sessionId"] as? String == session { return }
        }
    }

    /// Opens `url` in a new tab `width` CSS px wide (screen or print media) and returns the value of `expression`.
    func evaluate(_ expression: String, at url: URL, width: Int, height: Int = 900, print: Bool = false) throws -> Any? {
        let target = try send("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
        let session = try send("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
        defer { _ = try? send("Target.closeTarget", ["targetId": target]) }
        try send("Page.enable", session: session)
        try send("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false], session: session)
        if print { try send("Emulation.setEmulatedMedia", ["media": "print"], session: session) }
        events.removeAll()
        try send("Page.navigate", ["url": url.absoluteString], session: session)
        try wait(for: "Page.loadEventFired", session: session)
        // The blank page's own load event may be the one that arrived: wait until the document is `url`'s.
        let ready = "document.readyState === 'complete' && location.href === \(String(decoding: try JSONSerialization.data(withJSONObject: [url.absoluteString]), as: UTF8.self)).pop()"
        let deadline = Date().addingTimeInterval(60)
        while ((try send("Runtime.evaluate", ["expression": ready, "returnByValue": true], session: session)["result"] as? [String: Any])?["value"] as? Bool) != true {
            guard Date() < deadline else { throw Failure.timeout("loading \(url.path)") }
            usleep(50_000)
        }
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
        if let exception = result["exceptionDetails"] { throw Failure.protocolError("evaluate: \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    private func receive(until deadline: Date, what: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let object = try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] else {
                    throw Failure.protocolError("a message that is not a JSON object")
                }
                return object
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure.timeout(what) }
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000))
            guard ready >= 0 else { throw Failure.protocolError("poll failed") }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure.protocolError("Chromium closed the pipe while waiting for \(what)") }
            buffer += chunk[..<count]
        }
    }
}
