import Foundation
import Synchronization

/// Debian's `chromium`, headless, for opening the HTML report the way a person would: from
/// `file://`, with every HTTP(S) request sent to a recording proxy of the test's own, and the
/// page's console messages read from Chromium's log.
public enum HeadlessChromium {
    public static let path = "/usr/bin/chromium"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Hosts Chromium itself calls (updates, sign-in, time) whatever page it shows; any other host
    /// the proxy sees was asked for by the page.
    static let ownHosts = ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]

    /// What opening a page gave.
    public struct Visit: Sendable {
        /// The document after Chromium parsed it (`--dump-dom`).
        public let dom: String
        /// The page's console messages (errors, warnings, Content-Security-Policy refusals, logs).
        public let console: [String]
        /// Requests for hosts other than Chromium's own, as their first line.
        public let pageRequests: [String]
    }

    /// Opens `file` and returns its DOM, console and requests; with `screenshot`, also saves a PNG of
    /// the page at 1280 px wide.
    public static func open(_ file: String, screenshot: String? = nil) throws -> Visit {
        let proxy = try RecordingProxy()
        defer { proxy.stop() }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-chromium-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
            "--proxy-server=127.0.0.1:\(proxy.port)", "--proxy-bypass-list=<-loopback>", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-extensions",
            "--disable-sync", "--enable-logging=stderr", "--v=0",
        ]
        let url = "file://" + file
        let dumped = try CommandRunner.run(path, common + ["--dump-dom", url], timeout: 120)
        if let screenshot {
            try FileManager.default.createDirectory(
                atPath: (screenshot as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            let shot = try CommandRunner.run(
                path,
                common + ["--window-size=1280,2400", "--screenshot=\(screenshot)", url],
                timeout: 120
            )
            guard FileManager.default.fileExists(atPath: screenshot) else {
                throw ChromiumFailed(message: "no screenshot: \(shot.stderr.suffix(2_000))")
            }
        }
        guard dumped.exitCode == 0, dumped.stdout.contains("</html>") else {
            throw ChromiumFailed(message: "exit \(dumped.exitCode): \(dumped.stderr.suffix(2_000))")
        }
        let console = dumped.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        let requests = proxy.requests.filter { line in
            !ownHosts.contains { host in line.contains(host + ":") || line.contains(host + "/") }
        }
        return Visit(dom: dumped.stdout, console: console, pageRequests: requests)
    }
}

public struct ChromiumFailed: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "chromium: \(message)" }
}

/// A TCP listener on loopback that records the first line of every request made to it as an HTTP
/// proxy, and answers nothing.
final class RecordingProxy: Sendable {
    let port: Int
    private let socket: Int32
    private let lines = Mutex<[String]>([])

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 64) == 0 else { throw ChromiumFailed(message: "proxy: cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.socket = socket
        let thread = Thread { [self] in
            while true {
                let client = accept(socket, nil, nil)
                if client < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = read(client, &buffer, buffer.count)
                if count > 0 {
                    let text = String(decoding: buffer[0..<count], as: UTF8.self)
                    self.lines.withLock { $0.append(String(text.prefix { $0 != "\r" && $0 != "\n" })) }
                }
                close(client)
            }
        }
        thread.start()
    }

    var requests: [String] { lines.withLock { $0 } }

    /// Stops listening; the accepting thread ends with the socket.
    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
