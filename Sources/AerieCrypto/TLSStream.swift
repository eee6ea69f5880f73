// Aerie — a TLS client stream over a connected socket (OpenSSL), for SMTP
// SPDX-License-Identifier: MIT
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A TLS 1.2+ client session on an already connected socket, with the peer's certificate
/// checked against the system's trust store (plus `caFile` when given) and against `host`.
/// Used for SMTP's implicit TLS and STARTTLS. Blocking; the socket's own timeouts apply.
///
/// Confined to one thread at a time (the SMTP client that owns it); not `Sendable`.
public final class TLSStream {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private var isClosed = false

    /// Performs the handshake on `fd`.
    /// - Throws: `CryptoError` naming OpenSSL's reason (for a failed certificate check, the verify error).
    public init(fd: Int32, host: String, caFile: String? = nil) throws(CryptoError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSStream.failure("SSL_CTX_new") }
        self.context = context
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw TLSStream.failure("SSL_new")
        }
        self.ssl = ssl
        do throws(CryptoError) {
            guard aerie_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else { throw TLSStream.failure("TLS version") }
            _ = SSL_CTX_set_default_verify_paths(context)
            if let caFile, !caFile.isEmpty, SSL_CTX_load_verify_locations(context, caFile, nil) != 1 {
                throw TLSStream.failure("loading CA file \(caFile)")
            }
            SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            if TLSStream.isIPAddress(host) {
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else { throw TLSStream.failure("peer address") }
            } else {
                // SNI and the name the certificate must carry.
                _ = aerie_SSL_set_tlsext_host_name(ssl, host)
                guard SSL_set1_host(ssl, host) == 1 else { throw TLSStream.failure("peer name") }
            }
            guard SSL_set_fd(ssl, fd) == 1 else { throw TLSStream.failure("SSL_set_fd") }
            if SSL_connect(ssl) != 1 {
                let verify = SSL_get_verify_result(ssl)
                if verify != X509_V_OK {
                    let reason = String(cString: X509_verify_cert_error_string(verify))
                    ERR_clear_error()
                    throw CryptoError(operation: "TLS handshake", detail: "certificate rejected: \(reason)")
                }
                throw TLSStream.failure("TLS handshake")
            }
        } catch {
            // Every stored property is set, so deinit will run: let it free the session once.
            close()
            throw error
        }
    }

    deinit {
        if !isClosed { close() }
    }

    /// Writes every byte.
    public func write(_ bytes: [UInt8]) throws(CryptoError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32(min($0.count, Int(Int32.max)))) }
            guard n > 0 else { throw TLSStream.failure("TLS write") }
            offset += Int(n)
        }
    }

    /// Up to `max` decrypted bytes; empty at the end of the stream.
    public func read(max: Int = 16_384) throws(CryptoError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        if n > 0 { return Array(buffer[0..<Int(n)]) }
        let code = SSL_get_error(ssl, n)
        if code == SSL_ERROR_ZERO_RETURN { return [] }
        throw TLSStream.failure("TLS read")
    }

    /// Sends close_notify (best effort) and frees the session; the socket stays open.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = SSL_shutdown(ssl)
        SSL_free(ssl)
        SSL_CTX_free(context)
        ERR_clear_error()
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The oldest queued OpenSSL error as a `CryptoError` (the queue is then cleared).
    static func failure(_ operation: String) -> CryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return CryptoError(operation: operation, detail: "connection closed or failed") }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return CryptoError(operation: operation, detail: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
