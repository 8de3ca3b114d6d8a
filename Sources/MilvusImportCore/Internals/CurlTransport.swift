import CCurl
import CMilvusImport
import Glibc
import Synchronization

private let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// HTTP by libcurl: a pool of easy handles, each keeping its own connections alive, so
/// calls reuse connections. The pool's lock is held only to take or return a handle.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    /// The process-wide transport behind the stateless functions.
    public static let shared = CurlTransport()

    /// Idle handles, and the process they were opened in (its fork generation: a counter
    /// bumped in every child by a pthread_atfork handler, so no getpid() system call per call).
    private let idle = Mutex<(generation: UInt, handles: [CurlHandle])>((mi_fork_generation(), []))
    private let maxIdle: Int

    public init(maxIdle: Int = 16) {
        self.maxIdle = maxIdle
    }

    public func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        guard curlReady else { return .failure(ImportError(MILVUS_ERR_TRANSPORT, "libcurl failed to initialise")) }
        let generation = mi_fork_generation()
        let pooled = idle.withLock { pool -> CurlHandle? in
            if pool.generation != generation {  // after fork(): the connections belong to the parent
                CurlHandle.abandon(pool.handles)
                pool = (generation, [])
            }
            return pool.handles.popLast()
        }
        guard let handle = pooled ?? CurlHandle() else { return .failure(.noMemory) }
        let result = handle.perform(request)
        let maxIdle = self.maxIdle
        idle.withLock { pool in
            if pool.generation == generation && pool.handles.count < maxIdle { pool.handles.append(handle) }
        }
        return result
    }
}

/// Where a response body goes while libcurl receives it.
private final class ResponseSink {
    let body = ByteBuffer()
    let limit: Int64
    let handle: UnsafeMutableRawPointer
    var tooLarge = false
    var outOfMemory = false
    var sized = false

    init(limit: Int64, handle: UnsafeMutableRawPointer) {
        self.limit = limit
        self.handle = handle
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !sized {
            sized = true
            // Size the buffer once from Content-Length (compressed bodies grow as they come).
            var length: curl_off_t = -1
            if mi_curl_info_off(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK,
               length > 0, length <= limit {
                body.reserve(Int(length))
            }
        }
        if Int64(body.count) + Int64(bytes.count) > limit {
            tooLarge = true
            return false
        }
        if !body.append(bytes) {
            outOfMemory = true
            return false
        }
        return true
    }
}

private let receiveCallback: mi_curl_data_fn = { data, size, count, user in
    guard let user else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
    let total = size * count
    return sink.receive(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// One libcurl easy handle and its error buffer.
/// Used by one thread at a time: the pool hands each handle to one caller.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorText: UnsafeMutablePointer<CChar>
    /// The settings the handle was last configured with; the same settings again (the
    /// usual case: one client, one server) skip curl_easy_reset and the full set-up.
    private var configured: Configuration?
    /// The URL last set on the handle (libcurl copies it; setting it again costs a copy).
    private var configuredURL: String?
    /// The header lines of the last call and their libcurl list, kept while they repeat.
    private var headerLines: [String] = []
    /// Whether the list ends with "Expect:" (see `perform`).
    private var headerListRefusesExpect = false
    private var headerList: UnsafeMutablePointer<curl_slist>?

    private struct Configuration: Equatable {
        var connectTimeoutMs: Int
        var tls: TLSSettings
        var proxy: ProxySetting
        var maxResponseBytes: Int64

        init(_ request: HTTPRequest) {
            connectTimeoutMs = request.connectTimeoutMs
            tls = request.tls
            proxy = request.proxy
            maxResponseBytes = request.maxResponseBytes
        }
    }

    init?() {
        guard curlReady, let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorText = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorText.deallocate()
    }

    /// Handles inherited through fork(): their sockets (and TLS sessions) are the parent's,
    /// so they are neither used nor cleaned up (cleanup could send on the parent's
    /// connections); they stay referenced here, unused.
    static func abandon(_ handles: [CurlHandle]) {
        abandoned.withLock { $0.append(contentsOf: handles) }
    }
    private static let abandoned = Mutex<[CurlHandle]>([])

    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        errorText[0] = 0
        let sink = ResponseSink(limit: request.maxResponseBytes, handle: handle)

        // libcurl asks a server for "100 Continue" before a body over 1 MiB and waits up to a
        // second for it; "Expect:" turns that off (smaller bodies never wait).
        let refuseExpect = request.body.count > 1 << 20
        if headerList == nil || headerLines != request.headers || headerListRefusesExpect != refuseExpect {
            curl_slist_free_all(headerList)
            headerList = nil
            headerLines = []
            var list: UnsafeMutablePointer<curl_slist>?
            for line in refuseExpect ? request.headers + ["Expect:"] : request.headers {
                guard let grown = curl_slist_append(list, line) else {
                    curl_slist_free_all(list)
                    return .failure(.noMemory)
                }
                list = grown
            }
            headerList = list
            headerLines = request.headers
            headerListRefusesExpect = refuseExpect
        }

        let wanted = Configuration(request)
        let setUp: CURLcode
        if configured == wanted {
            // Same settings as last time: only what changes per call.
            var result = CURLE_OK
            if configuredURL != request.url {
                result = mi_curl_set_ptr(handle, CURLOPT_URL, request.url)
                configuredURL = result == CURLE_OK ? request.url : nil
            }
            setUp = [
                result,
                mi_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMs),  // a wait shortens it
                mi_curl_set_ptr(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList)),
                mi_curl_set_ptr(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()),
            ].first { $0 != CURLE_OK } ?? CURLE_OK
        } else {
            curl_easy_reset(handle)
            configured = nil
            setUp = configure(request, headers: headerList, sink: sink)
            if setUp == CURLE_OK {
                configured = wanted
                configuredURL = request.url
            }
        }
        guard setUp == CURLE_OK else {
            configured = nil
            return .failure(curlFailure(setUp, sink: sink, request: request))
        }

        let code: CURLcode = withExtendedLifetime(sink) {
            request.body.withUnsafeBytes { body in
                _ = mi_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(errorText))
                return curl_easy_perform(handle)
            }
        }
        // The body pointer is gone after the closure: make sure libcurl forgets it.
        _ = mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, nil)
        guard code == CURLE_OK else {
            configured = nil  // start the next call from a clean handle
            return .failure(curlFailure(code, sink: sink, request: request))
        }

        var status = 0
        _ = mi_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        _ = mi_curl_info_str(handle, CURLINFO_CONTENT_TYPE, &contentType)
        var retryAfter: curl_off_t = 0
        _ = mi_curl_info_off(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return .success(HTTPResponse(status: status,
                                     contentType: contentType.map { String(cString: $0) },
                                     retryAfterSeconds: retryAfter > 0 ? Int(retryAfter) : nil,
                                     body: sink.body))
    }

    private func configure(_ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?,
                           sink: ResponseSink) -> CURLcode {
        var results: [CURLcode] = [
            mi_curl_set_ptr(handle, CURLOPT_URL, request.url),
            mi_curl_set_long(handle, CURLOPT_POST, 1),
            mi_curl_set_ptr(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headers)),
            mi_curl_set_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            mi_curl_set_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            mi_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            mi_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
            mi_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMs),
            mi_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs),
            mi_curl_set_ptr(handle, CURLOPT_ACCEPT_ENCODING, ""),
            mi_curl_set_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes)),
            mi_curl_set_data_fn(handle, CURLOPT_WRITEFUNCTION, receiveCallback),
            mi_curl_set_ptr(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()),
            mi_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, errorText),
            mi_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, request.tls.verifyPeer ? 1 : 0),
            mi_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, request.tls.verifyPeer ? 2 : 0),
        ]
        if let ca = request.tls.caFile { results.append(mi_curl_set_ptr(handle, CURLOPT_CAINFO, ca)) }
        if let cert = request.tls.certFile { results.append(mi_curl_set_ptr(handle, CURLOPT_SSLCERT, cert)) }
        if let key = request.tls.keyFile { results.append(mi_curl_set_ptr(handle, CURLOPT_SSLKEY, key)) }
        switch request.proxy {
        case .environment: break
        case .none: results.append(mi_curl_set_ptr(handle, CURLOPT_PROXY, ""))
        case .url(let proxy): results.append(mi_curl_set_ptr(handle, CURLOPT_PROXY, proxy))
        }
        return results.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    private func curlFailure(_ code: CURLcode, sink: ResponseSink, request: HTTPRequest) -> ImportError {
        var status = 0
        _ = mi_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let detail = errorText[0] != 0 ? String(cString: errorText) : String(cString: curl_easy_strerror(code))
        if sink.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return ImportError(MILVUS_ERR_TOO_LARGE,
                               "the response is larger than the limit of \(request.maxResponseBytes) bytes",
                               httpStatus: status)
        }
        if sink.outOfMemory { return .noMemory }
        if code == CURLE_OUT_OF_MEMORY {
            // libcurl also answers "out of memory" for a response header line over its 100 KiB
            // limit (the request head is checked before, in ImportClient.call).
            return ImportError(MILVUS_ERR_TRANSPORT,
                               "transport failed: the response could not be received (a response header"
                               + " line over libcurl's 100 KiB limit, or libcurl ran out of memory)")
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return ImportError(MILVUS_ERR_TIMEOUT,
                               "timed out (timeout \(request.timeoutMs) ms, connect timeout "
                               + "\(request.connectTimeoutMs) ms): \(detail)")
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
                               httpStatus: status)
        case CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN:
            return .invalidArgument("a setting was refused by libcurl: \(detail)")
        default:
            return ImportError(MILVUS_ERR_TRANSPORT, "transport failed: \(detail)")
        }
    }
}
