import CLinux
import Glibc

/// A resolved IPv4 or IPv6 TCP endpoint, or a Unix socket.
public struct SocketAddress: Sendable, CustomStringConvertible {
    /// The raw `sockaddr_in`/`sockaddr_in6` bytes.
    let storage: [UInt8]
    let family: Int32
    /// "host:port" as the user wrote it, for messages.
    public let description: String

    /// The numeric address ("127.0.0.1", "::1"), e.g. for libpq's `hostaddr`.
    public var numericHost: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        storage.withUnsafeBytes { raw in
            if family == AF_INET6 {
                let address = raw.load(as: sockaddr_in6.self)
                withUnsafePointer(to: address.sin6_addr) { _ = inet_ntop(AF_INET6, $0, &text, socklen_t(text.count)) }
            } else {
                let address = raw.load(as: sockaddr_in.self)
                withUnsafePointer(to: address.sin_addr) { _ = inet_ntop(AF_INET, $0, &text, socklen_t(text.count)) }
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The Unix socket at `path` (at most 107 bytes).
    public static func unix(path: String) throws(ResolveError) -> SocketAddress {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw ResolveError(host: path, port: 0, reason: "a Unix socket path must have 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let storage = withUnsafeBytes(of: &address) { [UInt8]($0) }
        return SocketAddress(storage: storage, family: AF_UNIX, description: path)
    }

    /// True for an IPv4 or IPv6 address written as numbers ("127.0.0.1", "::1"), not a name.
    public static func isNumeric(_ host: String) -> Bool {
        var scratch = in6_addr()
        return inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1
    }

    /// Resolves `host` once (numeric addresses without a lookup), every address in the resolver's
    /// order; an IPv6 address may be written in brackets ("[::1]"). Resolution may block briefly
    /// on DNS, so call it during setup, never per operation.
    public static func resolve(host written: String, port: Int) throws(ResolveError) -> [SocketAddress] {
        let host =
            written.hasPrefix("[") && written.hasSuffix("]") && written.count > 2
            ? String(written.dropFirst().dropLast()) : written
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ResolveError(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var result: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        let label = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        while let current = node {
            let info = current.pointee
            if let address = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                let bytes = [UInt8](UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
                result.append(SocketAddress(storage: bytes, family: info.ai_family, description: label))
            }
            node = info.ai_next
        }
        guard !result.isEmpty else {
            throw ResolveError(host: host, port: port, reason: "no IPv4 or IPv6 address")
        }
        return result
    }
}

/// A host name that did not resolve.
public struct ResolveError: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let reason: String
    public var description: String { "cannot resolve \(host):\(port): \(reason)" }
}
