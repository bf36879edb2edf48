import COpenSSL
import IOLoop

/// A TLS client connection over a `TCPSocket` of the project's own, driven by its `IOLoop`:
/// OpenSSL reads and writes the non-blocking descriptor through a BIO of dbbench's
/// (`dbbench_transport`), and when it wants to read or write more (`SSL_ERROR_WANT_READ`/
/// `WANT_WRITE`) the task waits for the socket on the loop. The BIO notes when a read emptied the
/// socket, so that, as for plain TCP, a read waits for the next edge instead of trying `recv` again.
///
/// Thread confinement: use it only from a task running on the socket's loop (it is not `Sendable`).
public final class TLSSocket {
    public let socket: TCPSocket
    private let ssl: OpaquePointer
    /// What OpenSSL's BIO reads and writes through; says when a read emptied the socket.
    private let transport: UnsafeMutablePointer<dbbench_transport>

    private init(socket: TCPSocket, ssl: OpaquePointer) {
        self.socket = socket
        self.ssl = ssl
        transport = .allocate(capacity: 1)
        transport.initialize(to: dbbench_transport(fd: socket.descriptor, drained: 0))
    }

    deinit {
        SSL_free(ssl)
        transport.deallocate()
    }

    /// After OpenSSL read: when its last recv emptied the socket, the next read waits for an edge.
    @inline(__always)
    private func noteDrained() {
        if transport.pointee.drained != 0 {
            transport.pointee.drained = 0
            socket.markDrained()
        }
    }

    /// Runs the handshake on `socket` within `timeout`: the server's certificate is checked against
    /// `host` (a name, or an IP address) unless the context skips verification.
    nonisolated(nonsending)
        public static func handshake(
            over socket: TCPSocket,
            context: TLSContext,
            host: String,
            timeout: Duration
        ) async throws(TLSError) -> TLSSocket
    {
        guard let ssl = SSL_new(context.context) else {
            throw .handshake("cannot create a TLS connection: \(TLSError.queuedReason())")
        }
        let connection = TLSSocket(socket: socket, ssl: ssl)
        guard dbbench_ssl_use_transport(ssl, context.transportMethod, connection.transport) == 1 else {
            throw .handshake("cannot create a TLS transport: \(TLSError.queuedReason())")
        }
        let configuration = context.configuration
        let name = configuration.serverName ?? host
        let isAddress = SocketAddress.isNumeric(name)
        if !isAddress { _ = dbbench_ssl_set_sni(ssl, name) }
        if configuration.verifiesServer {
            let parameters = SSL_get0_param(ssl)
            if isAddress {
                X509_VERIFY_PARAM_set1_ip_asc(parameters, name)
            } else {
                SSL_set1_host(ssl, name)
            }
        }
        let deadline = monotonicNanoseconds() &+ timeout.nanoseconds
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            connection.noteDrained()
            if result == 1 { return connection }
            let now = monotonicNanoseconds()
            guard now < deadline else { throw .handshake("timed out after \(timeout)") }
            let wanted = SSL_get_error(ssl, result)
            guard wanted == SSL_ERROR_WANT_READ || wanted == SSL_ERROR_WANT_WRITE else {
                throw connection.handshakeFailure()
            }
            do {
                try await connection.waitForSocket(wanted, timeoutNanoseconds: deadline - now)
            } catch {
                throw .handshake(error.kind == .timedOut ? "timed out after \(timeout)" : error.reason)
            }
        }
    }

    /// Why the handshake failed, in words: the certificate check's verdict when it failed.
    private func handshakeFailure() -> TLSError {
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            let reason = X509_verify_cert_error_string(verdict).map { String(cString: $0) } ?? "code \(verdict)"
            return .handshake("certificate verify failed (\(reason))")
        }
        return Self.failure(TLSError.queuedReason(), handshake: true)
    }

    /// A reason as the right error: an alert about the client's certificate is a rejection.
    private static func failure(_ reason: String, handshake: Bool) -> TLSError {
        if reason.contains("certificate required") || reason.contains("bad certificate")
            || reason.contains("unknown ca") || reason.contains("certificate unknown")
        {
            return .clientCertificateRejected(reason)
        }
        return handshake ? .handshake(reason) : .connection(reason)
    }

    /// Writes all of `bytes`; a write OpenSSL could not finish is retried with the same bytes.
    nonisolated(nonsending)
        public func write(_ bytes: UnsafeRawBufferPointer) async throws(TLSError)
    {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let written = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
            if written > 0 {
                offset += Int(written)
                continue
            }
            try await wait(after: written, operation: "write")
        }
    }

    /// Reads at least one byte into `buffer`: what OpenSSL has already decrypted first, then from
    /// the socket, waiting until a record arrives. Throws `.connection` at the end of the stream.
    nonisolated(nonsending)
        public func read(into buffer: UnsafeMutableRawBufferPointer) async throws(TLSError) -> Int
    {
        while true {
            if SSL_has_pending(ssl) == 0 && !socket.mayBeReadable {
                do {
                    try await socket.waitUntilReadableAgain(timeoutNanoseconds: socket.timeoutNanoseconds)
                } catch {
                    throw .connection(error.reason)
                }
            }
            ERR_clear_error()
            let count = SSL_read(ssl, buffer.baseAddress!, Int32(min(buffer.count, Int(Int32.max))))
            noteDrained()
            if count > 0 { return Int(count) }
            try await wait(after: count, operation: "read")
        }
    }

    /// After a read or write that returned `result` (≤ 0): waits for the socket when OpenSSL
    /// wants it, otherwise throws what went wrong.
    nonisolated(nonsending)
        private func wait(after result: Int32, operation: String) async throws(TLSError)
    {
        let code = SSL_get_error(ssl, result)
        let closed = code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        if closed {
            // A server that refused us may have sent an alert saying why before it closed.
            throw queuedAlert() ?? .connection(IOError(.closedByPeer, operation: operation).reason)
        }
        guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE else {
            throw Self.failure(TLSError.queuedReason(), handshake: false)
        }
        do {
            try await waitForSocket(code, timeoutNanoseconds: socket.timeoutNanoseconds)
        } catch {
            throw .connection(error.reason)
        }
    }

    /// Waits for what OpenSSL said it wants: `SSL_ERROR_WANT_READ` (bytes to read) or
    /// `SSL_ERROR_WANT_WRITE` (room to write).
    nonisolated(nonsending)
        private func waitForSocket(_ wanted: Int32, timeoutNanoseconds: UInt64) async throws(IOError)
    {
        if wanted == SSL_ERROR_WANT_READ {
            try await socket.waitUntilReadableAgain(timeoutNanoseconds: timeoutNanoseconds)
        } else {
            try await socket.waitUntilWritableAgain(timeoutNanoseconds: timeoutNanoseconds)
        }
    }

    /// The reason in an alert the server sent before closing, read without waiting, if any.
    private func queuedAlert() -> TLSError? {
        var scratch = [UInt8](repeating: 0, count: 512)
        ERR_clear_error()
        let result = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress!, Int32($0.count)) }
        noteDrained()
        guard result <= 0, SSL_get_error(ssl, result) == SSL_ERROR_SSL else { return nil }
        return Self.failure(TLSError.queuedReason(), handshake: false)
    }

    /// Closes the connection (without a close_notify: the benchmark is done with it).
    public func close() { socket.close() }
}
