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

/// Where a response body goes while libcurl receives it: one per call, kept by the handle.
private struct ResponseSink {
    /// nil between calls: the handle keeps no body once the caller has it.
    let body: ByteBuffer?
    let limit: Int64
    var tooLarge = false
    var outOfMemory = false
    var sized = false

    init(body: ByteBuffer?, limit: Int64) {
        self.body = body
        self.limit = limit
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer, handle: UnsafeMutableRawPointer) -> Bool {
        guard let body else { return false }
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

/// libcurl's write callback; its user pointer is the CurlHandle (CURLOPT_WRITEDATA).
private let receiveCallback: mi_curl_data_fn = { data, size, count, user in
    guard let user else { return 0 }
    let handle = Unmanaged<CurlHandle>.fromOpaque(user).takeUnretainedValue()
    let total = size * count
    return handle.receive(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// One libcurl easy handle and its error buffer.
/// Used by one thread at a time: the pool hands each handle to one caller.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorText: UnsafeMutablePointer<CChar>
    /// The settings the handle was last configured with; the same settings again (the
    /// usual case: one client, one server) skip curl_easy_reset and the full set-up.
    private var configured: Configuration?
    /// `HTTPRequest.settingsKey` of the settings in `configured` (0: none known).
    private var configuredKey: UInt64 = 0
    /// The URL the handle was last pointed at (setting it again would parse it again).
    private var configuredURL: String?
    /// That URL parsed by libcurl, given to the handle as CURLOPT_CURLU: a URL given as
    /// text (CURLOPT_URL) is parsed and written out again by every transfer, about 14,000
    /// instructions of an 85,000-instruction call on a kept-alive connection.
    private var parsedURL: OpaquePointer?
    /// The header lines of the last call and their libcurl list, kept while they repeat.
    private var headerLines: [String] = []
    /// Whether the list ends with "Expect:" (see `perform`).
    private var headerListRefusesExpect = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The response of the call in progress.
    private var sink = ResponseSink(body: nil, limit: 0)

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

    fileprivate func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        sink.receive(bytes, handle: handle)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_url_cleanup(parsedURL)
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
        let body = ByteBuffer()
        sink = ResponseSink(body: body, limit: request.maxResponseBytes)
        defer { sink = ResponseSink(body: nil, limit: 0) }  // the body is the caller's now

        // libcurl asks a server for "100 Continue" before a body over 1 MiB and waits up to a
        // second for it; "Expect:" turns that off (smaller bodies never wait).
        let refuseExpect = request.body.count > 1 << 20
        if headerList == nil || !headerLines.hasSameBytes(as: request.headers) || headerListRefusesExpect != refuseExpect {
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

        var setUp = CURLE_OK
        if request.settingsKey != 0 && request.settingsKey == configuredKey {
            setUp = setPerCall(request)  // the same client's settings, unchanged
        } else {
            let wanted = Configuration(request)
            if configured == wanted {
                setUp = setPerCall(request)  // same settings as last time
            } else {
                curl_easy_reset(handle)
                configured = nil
                setUp = configure(request, headers: headerList)
                if setUp == CURLE_OK {
                    configured = wanted
                    configuredURL = request.url
                }
            }
            configuredKey = setUp == CURLE_OK ? request.settingsKey : 0
        }
        guard setUp == CURLE_OK else {
            configured = nil
            configuredKey = 0
            return .failure(curlFailure(setUp, request: request))
        }

        let code: CURLcode = request.body.withUnsafeBytes { body in
            _ = mi_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(errorText))
            return curl_easy_perform(handle)
        }
        // The body pointer is gone after the closure: make sure libcurl forgets it.
        _ = mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, nil)
        guard code == CURLE_OK else {
            configured = nil  // start the next call from a clean handle
            configuredKey = 0
            return .failure(curlFailure(code, request: request))
        }

        var status = 0
        _ = mi_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        _ = mi_curl_info_str(handle, CURLINFO_CONTENT_TYPE, &contentType)
        var retryAfter: curl_off_t = 0
        _ = mi_curl_info_off(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return .success(HTTPResponse(status: status,
                                     contentType: contentType.map(CurlHandle.contentType),
                                     retryAfterSeconds: retryAfter > 0 ? Int(retryAfter) : nil,
                                     body: body))
    }

    /// What changes from call to call on a handle set up for the request's settings.
    private func setPerCall(_ request: HTTPRequest) -> CURLcode {
        if !(configuredURL?.hasSameBytes(as: request.url) ?? false) {
            let result = setURL(request.url)
            configuredURL = result == CURLE_OK ? request.url : nil
            guard result == CURLE_OK else { return result }
        }
        let timeout = mi_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMs)  // a wait shortens it
        guard timeout == CURLE_OK else { return timeout }
        return mi_curl_set_ptr(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList))
    }

    /// Points the handle at `url`, parsed here once. A URL libcurl's parser refuses goes to
    /// the handle as text, so the transfer reports the problem in libcurl's own words (the
    /// client checked the URL before: this does not happen).
    private func setURL(_ url: String) -> CURLcode {
        if parsedURL == nil { parsedURL = curl_url() }
        if let parsedURL, curl_url_set(parsedURL, CURLUPART_URL, url, 0) == CURLUE_OK {
            return mi_curl_set_ptr(handle, CURLOPT_CURLU, UnsafeRawPointer(parsedURL))
        }
        let unset = mi_curl_set_ptr(handle, CURLOPT_CURLU, nil)
        return unset == CURLE_OK ? mi_curl_set_ptr(handle, CURLOPT_URL, url) : unset
    }

    /// The Content-Type of a response as a String; the usual JSON ones without a copy.
    private static func contentType(_ text: UnsafeMutablePointer<CChar>) -> String {
        if strcmp(text, "application/json") == 0 { return jsonType }
        if strcmp(text, "application/json; charset=utf-8") == 0 { return jsonUTF8Type }
        return String(cString: text)
    }
    private static let jsonType = "application/json"
    private static let jsonUTF8Type = "application/json; charset=utf-8"

    private func configure(_ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?) -> CURLcode {
        var results: [CURLcode] = [
            setURL(request.url),
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
            mi_curl_set_ptr(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque()),
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

    private func curlFailure(_ code: CURLcode, request: HTTPRequest) -> ImportError {
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
