import CHiredis
import IOLoop
import TLS

/// Where and how to connect to a Redis server.
public struct RedisEndpoint: Sendable {
    /// Tried in order until one connects (every address a name resolved to, or a Unix socket).
    public var addresses: [SocketAddress]
    /// The host as given: what a TLS certificate is checked against (unless `--sni` names another).
    public var host: String
    /// The ACL user AUTH names; the default user when nil.
    public var username: String?
    /// Sent with AUTH when set; never printed.
    public var password: String?
    public var database: Int
    public var connectTimeout: Duration
    /// How long one read or write may wait on an open connection.
    public var ioTimeout: Duration
    /// TLS for every connection, when set.
    public var tls: TLSContext?

    public init(
        addresses: [SocketAddress],
        host: String? = nil,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(5),
        ioTimeout: Duration = .seconds(30),
        tls: TLSContext? = nil
    ) {
        precondition(!addresses.isEmpty, "a Redis endpoint needs an address")
        self.addresses = addresses
        self.host = host ?? addresses[0].description
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.tls = tls
    }

    /// The first address, as the report names the server.
    public var address: SocketAddress { addresses[0] }

    /// The same credentials, database, timeouts and TLS at another server (a cluster node), its
    /// host resolved now.
    public func at(host: String, port: Int) throws(ResolveError) -> RedisEndpoint {
        var endpoint = self
        endpoint.addresses = try SocketAddress.resolve(host: host, port: port)
        endpoint.host = host
        return endpoint
    }
}

/// The byte stream under a connection: plain, or TLS over the same kind of socket.
enum RedisStream {
    case plain(TCPSocket)
    case tls(TLSSocket)

    var socket: TCPSocket {
        switch self {
        case .plain(let socket): return socket
        case .tls(let tls): return tls.socket
        }
    }
}

/// One Redis connection on an `IOLoop`: requests are appended to `output` and sent with `flush()`,
/// replies are parsed in order by hiredis' reader.
///
/// Thread confinement: use it only from a task running on its loop (it is not `Sendable`).
public final class RedisConnection {
    public let endpoint: RedisEndpoint
    /// Requests appended but not yet sent.
    public var output = RESPWriter()
    private let stream: RedisStream
    private let reader: UnsafeMutablePointer<redisReader>
    private let readBuffer: UnsafeMutableRawBufferPointer

    private init(stream: RedisStream, endpoint: RedisEndpoint, reader: UnsafeMutablePointer<redisReader>) {
        self.stream = stream
        self.endpoint = endpoint
        self.reader = reader
        self.readBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        redisReaderFree(reader)
        readBuffer.deallocate()
    }

    /// Connects on `loop` (the calling task must run on it) to the first of the endpoint's
    /// addresses that accepts, runs the TLS handshake when the endpoint asks for TLS, then
    /// authenticates and selects the database when it asks for them.
    public static func connect(to endpoint: RedisEndpoint, on loop: IOLoop) async throws(RedisError) -> RedisConnection
    {
        var socket: TCPSocket?
        var failure = IOError(.closed, operation: "connect")
        for address in endpoint.addresses {
            do {
                socket = try await TCPSocket.connect(
                    to: address,
                    on: loop,
                    timeout: endpoint.connectTimeout,
                    ioTimeout: endpoint.ioTimeout
                )
                break
            } catch {
                failure = error
            }
        }
        guard let socket else { throw .connect(address: endpoint.address.description, failure) }
        let stream: RedisStream
        if let context = endpoint.tls {
            do {
                stream = .tls(
                    try await TLSSocket.handshake(
                        over: socket,
                        context: context,
                        host: endpoint.host,
                        timeout: endpoint.connectTimeout
                    )
                )
            } catch {
                throw .tls(address: socket.address.description, error)
            }
        } else {
            stream = .plain(socket)
        }
        guard let reader = redisReaderCreate() else { throw .protocolError("cannot allocate a reply reader") }
        let connection = RedisConnection(stream: stream, endpoint: endpoint, reader: reader)
        try await connection.handshake()
        return connection
    }

    nonisolated(nonsending)
        private func handshake() async throws(RedisError)
    {
        var expected = 0
        if let password = endpoint.password, !password.isEmpty {
            output.command(["AUTH"] + (endpoint.username.map { [$0] } ?? []) + [password])
            expected += 1
        }
        if endpoint.database != 0 {
            output.command(["SELECT", String(endpoint.database)])
            expected += 1
        }
        // Over TLS 1.3 a server that refuses the client certificate says so only after the
        // handshake: one PING makes that a connect failure rather than the first operation's.
        if case .tls = stream, expected == 0 {
            output.command(["PING"])
            expected += 1
        }
        guard expected > 0 else { return }
        try await flush()
        for index in 0..<expected {
            if case .error(let message) = try await readReply() {
                let isAuth = index == 0 && endpoint.password?.isEmpty == false
                if isAuth { throw .authentication(address: endpoint.address.description, message: message) }
                throw .server(command: endpoint.database != 0 ? "SELECT" : "PING", message: message)
            }
        }
    }

    /// Sends everything in `output`.
    nonisolated(nonsending)
        public func flush() async throws(RedisError)
    {
        guard !output.isEmpty else { return }
        switch stream {
        case .plain(let socket):
            do {
                try await socket.write(output.bytes)
            } catch {
                throw .io(error)
            }
        case .tls(let tls):
            do {
                try await tls.write(output.bytes)
            } catch {
                throw .tls(address: tls.socket.address.description, error)
            }
        }
        output.removeAll()
    }

    /// The next reply, decoded in full.
    nonisolated(nonsending)
        public func readReply() async throws(RedisError) -> RedisReply
    {
        try await nextReply { RedisReply($0) }
    }

    /// The next reply's kind, without copying its payload: the hot-path read.
    nonisolated(nonsending)
        public func readReplySummary() async throws(RedisError) -> RedisReplySummary
    {
        try await nextReply { RedisReplySummary($0) }
    }

    /// The next reply if it has already been read from the socket, without waiting; `nil` when more
    /// bytes are needed (or the stream is broken, which the next `readReplySummary()` reports).
    public func bufferedReplySummary() -> RedisReplySummary? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK, let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReplySummary(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends one command and returns its reply; error replies are returned, not thrown.
    nonisolated(nonsending)
        public func send(_ arguments: [String]) async throws(RedisError) -> RedisReply
    {
        output.command(arguments)
        try await flush()
        return try await readReply()
    }

    /// Sends one command and throws `.server` on an error reply.
    @discardableResult
    nonisolated(nonsending)
        public func execute(_ arguments: [String]) async throws(RedisError) -> RedisReply
    {
        let reply = try await send(arguments)
        if case .error(let message) = reply {
            throw .server(command: arguments.first ?? "", message: message)
        }
        return reply
    }

    /// Closes the socket; later calls fail with a closed-connection error.
    public func close() { stream.socket.close() }

    nonisolated(nonsending)
        private func nextReply<T>(_ transform: (UnsafePointer<redisReply>) -> T) async throws(RedisError) -> T
    {
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                throw .protocolError(readerError())
            }
            if let raw {
                defer { freeReplyObject(raw) }
                return transform(raw.assumingMemoryBound(to: redisReply.self))
            }
            let count: Int
            switch stream {
            case .plain(let socket):
                do {
                    count = try await socket.read(into: readBuffer)
                } catch {
                    throw .io(error)
                }
            case .tls(let tls):
                do {
                    count = try await tls.read(into: readBuffer)
                } catch {
                    throw .tls(address: tls.socket.address.description, error)
                }
            }
            guard
                redisReaderFeed(reader, readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), count) == REDIS_OK
            else {
                throw .protocolError(readerError())
            }
            // The reader keeps an incomplete reply whole, however long its announced length;
            // hiredis 0.14 sets no limit of its own.
            guard reader.pointee.len - reader.pointee.pos <= Self.longestReply else {
                throw .protocolError(
                    "a reply of over 512 MB, Redis' own limit for a value (proto-max-bulk-len): not a Redis server's"
                )
            }
        }
    }

    /// The most bytes of one incomplete reply kept: Redis' largest value (512 MB) plus its framing,
    /// and a read's worth of the replies after it.
    static let longestReply = 512 * 1024 * 1024 + 64 * 1024

    private func readerError() -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
