import CCurl
import CMilvusImport

/// libcurl's result codes in the library's error kinds.
enum CurlErrors {
    /// `detail`: libcurl's own message for the failure; `httpStatus`: the response's, if any.
    static func error(_ code: CURLcode, detail: String, httpStatus: Int, request: HTTPRequest) -> ImportError {
        error(code, detail: detail, httpStatus: httpStatus, timeoutMs: request.timeoutMs,
              connectTimeoutMs: request.connectTimeoutMs)
    }

    /// The same for a transfer with these limits (`timeoutMs` 0: none).
    static func error(_ code: CURLcode, detail: String, httpStatus: Int, timeoutMs: Int,
                      connectTimeoutMs: Int) -> ImportError {
        switch code {
        case CURLE_OUT_OF_MEMORY:
            // libcurl also answers "out of memory" for a response header line over its 100 KiB
            // limit (the request head is checked before, in ImportClient.call).
            return ImportError(MILVUS_ERR_TRANSPORT,
                               "transport failed: the response could not be received (a response header"
                               + " line over libcurl's 100 KiB limit, or libcurl ran out of memory)")
        case CURLE_OPERATION_TIMEDOUT:
            let limits = (timeoutMs > 0 ? "timeout \(timeoutMs) ms, " : "") + "connect timeout \(connectTimeoutMs) ms"
            return ImportError(MILVUS_ERR_TIMEOUT, "timed out (\(limits)): \(detail)")
        case CURLE_ABORTED_BY_CALLBACK:
            // The progress function stopped the transfer: the call's interrupt said stop.
            return ImportError(MILVUS_ERR_CANCELLED, "interrupted")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
             CURLE_USE_SSL_FAILED, CURLE_SSL_SHUTDOWN_FAILED:
            return ImportError(MILVUS_ERR_TLS, "TLS failed: \(detail)")
        case CURLE_SEND_ERROR where detail.contains("SSL") || detail.contains("alert"),
             CURLE_RECV_ERROR where detail.contains("SSL") || detail.contains("alert"):
            // A TLS 1.3 server that refuses the client (no or a bad client certificate) says
            // so with an alert on the first read after the handshake.
            return ImportError(MILVUS_ERR_TLS, "TLS failed: \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY:
            // The URL was checked before: here the peer did not answer with HTTP.
            return ImportError(MILVUS_ERR_TRANSPORT, "the server did not answer with HTTP: \(detail)")
        case CURLE_URL_MALFORMAT:
            return .invalidArgument("the URL cannot be used: \(detail)")
        case CURLE_BAD_CONTENT_ENCODING:
            return ImportError(MILVUS_ERR_MALFORMED_RESPONSE, "the response body cannot be decoded: \(detail)",
                               httpStatus: httpStatus)
        case CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN:
            return .invalidArgument("a setting was refused by libcurl: \(detail)")
        default:
            return ImportError(MILVUS_ERR_TRANSPORT, "transport failed: \(detail)")
        }
    }
}
