import CHiredis
import IOLoop

/// Where and how to connect to a Redis server.
public struct RedisEndpoint: Sendable {
    public var address: SocketAddress
    /// Sent with AUTH when set; never printed.
    public var password: String?
    public var database: Int
    public var connectTimeout: Duration
    /// How long one read or write may wait on an open connection.
    public var ioTimeout: Duration

    public init(
        address: SocketAddress,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(5),
        ioTimeout: Duration = .seconds(30)
    ) {
        self.address = address
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
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
    private let socket: TCPSocket
    private let reader: UnsafeMutablePointer<redisReader>
    private let readBuffer: UnsafeMutableRawBufferPointer

    private init(socket: TCPSocket, endpoint: RedisEndpoint, reader: UnsafeMutablePointer<redisReader>) {
        self.socket = socket
        self.endpoint = endpoint
        self.reader = reader
        self.readBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        redisReaderFree(reader)
        readBuffer.deallocate()
    }

    /// Connects on `loop` (the calling task must run on it), then authenticates and selects the
    /// database when the endpoint asks for it.
    public static func connect(to endpoint: RedisEndpoint, on loop: IOLoop) async throws(RedisError) -> RedisConnection
    {
        let socket: TCPSocket
        do {
            socket = try await TCPSocket.connect(
                to: endpoint.address,
                on: loop,
                timeout: endpoint.connectTimeout,
                ioTimeout: endpoint.ioTimeout
            )
        } catch {
            throw .connect(address: endpoint.address.description, error)
        }
        guard let reader = redisReaderCreate() else { throw .protocolError("cannot allocate a reply reader") }
        let connection = RedisConnection(socket: socket, endpoint: endpoint, reader: reader)
        try await connection.handshake()
        return connection
    }

    nonisolated(nonsending)
        private func handshake() async throws(RedisError)
    {
        var expected = 0
        if let password = endpoint.password, !password.isEmpty {
            output.command(["AUTH", password])
            expected += 1
        }
        if endpoint.database != 0 {
            output.command(["SELECT", String(endpoint.database)])
            expected += 1
        }
        guard expected > 0 else { return }
        try await flush()
        for index in 0..<expected {
            if case .error(let message) = try await readReply() {
                let isAuth = index == 0 && endpoint.password?.isEmpty == false
                if isAuth { throw .authentication(address: endpoint.address.description, message: message) }
                throw .server(command: "SELECT", message: message)
            }
        }
    }

    /// Sends everything in `output`.
    nonisolated(nonsending)
        public func flush() async throws(RedisError)
    {
        guard !output.isEmpty else { return }
        do {
            try await socket.write(output.bytes)
        } catch {
            throw .io(error)
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
    public func close() { socket.close() }

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
            do {
                count = try await socket.read(into: readBuffer)
            } catch {
                throw .io(error)
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
