import COpenSSL

/// What a TLS client connection verifies and presents: the flags `--tls`, `--cacert`,
/// `--cacertdir`, `--cert`, `--key`, `--sni` and `--insecure`.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM file of the certificate authorities to trust; with `caDirectory` nil too, the system's.
    public var caFile: String?
    /// Directory of hashed CA certificates (`c_rehash`).
    public var caDirectory: String?
    /// Client certificate (PEM, the chain after it) and its private key.
    public var certificate: String?
    public var key: String?
    /// The name sent as SNI and checked against the certificate instead of the host.
    public var serverName: String?
    /// False with `--insecure`: the server's certificate is not checked at all.
    public var verifiesServer: Bool

    public init(
        caFile: String? = nil,
        caDirectory: String? = nil,
        certificate: String? = nil,
        key: String? = nil,
        serverName: String? = nil,
        verifiesServer: Bool = true
    ) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.certificate = certificate
        self.key = key
        self.serverName = serverName
        self.verifiesServer = verifiesServer
    }
}

/// An OpenSSL client context built from a `TLSConfiguration`: the trusted authorities and the
/// client certificate are loaded once, and every connection of the run is made from it.
///
/// `@unchecked Sendable`: the `SSL_CTX` is configured in `init` and never changed afterwards, and
/// OpenSSL allows creating connections (`SSL_new`) from one context on any thread.
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    /// The BIO method of every connection's transport (`dbbench_transport`).
    let transportMethod: OpaquePointer
    public let configuration: TLSConfiguration

    public init(_ configuration: TLSConfiguration) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .configuration("cannot create a TLS context: \(TLSError.queuedReason())")
        }
        guard let method = dbbench_bio_method() else {
            SSL_CTX_free(context)
            throw .configuration("cannot create a TLS transport: \(TLSError.queuedReason())")
        }
        self.context = context
        self.transportMethod = method
        self.configuration = configuration
        _ = dbbench_ssl_ctx_set_min_tls12(context)
        // Read whole records and what follows them in one recv: the transport sees a short read
        // as the socket drained.
        _ = dbbench_ssl_ctx_set_read_ahead(context)
        _ = dbbench_ssl_ctx_set_mode(context, dbbench_ssl_mode_partial_writes())
        if configuration.verifiesServer {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if configuration.caFile != nil || configuration.caDirectory != nil {
                guard SSL_CTX_load_verify_locations(context, configuration.caFile, configuration.caDirectory) == 1
                else {
                    throw .configuration(
                        "cannot load the CA certificates of \(configuration.caFile ?? configuration.caDirectory ?? ""): "
                            + TLSError.queuedReason()
                    )
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw .configuration("cannot load the system's CA certificates: \(TLSError.queuedReason())")
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if let certificate = configuration.certificate {
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw .configuration("cannot load the client certificate \(certificate): \(TLSError.queuedReason())")
            }
            let key = configuration.key ?? certificate
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw .configuration("cannot load the private key \(key): \(TLSError.queuedReason())")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw .configuration("the private key \(key) does not belong to the certificate \(certificate)")
            }
        }
    }

    deinit {
        SSL_CTX_free(context)
        BIO_meth_free(transportMethod)
    }
}

/// Why TLS failed.
public enum TLSError: Error, Sendable, CustomStringConvertible {
    /// A file of `--cacert`, `--cacertdir`, `--cert` or `--key` could not be used.
    case configuration(String)
    /// The handshake failed: the server's certificate was not trusted or not for this host, or
    /// the server spoke no TLS.
    case handshake(String)
    /// The server refused the client certificate (or requires one and none was given).
    case clientCertificateRejected(String)
    /// OpenSSL failed on an established connection.
    case connection(String)

    public var description: String {
        switch self {
        case .configuration(let reason): return reason
        case .handshake(let reason): return "TLS handshake failed: \(reason)"
        case .clientCertificateRejected(let reason): return "the server rejected the client certificate: \(reason)"
        case .connection(let reason): return "TLS: \(reason)"
        }
    }

    /// The reasons OpenSSL queued on this thread, oldest first (the queue is emptied).
    static func queuedReason() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) { reasons.append(String(cString: reason)) }
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }
}
