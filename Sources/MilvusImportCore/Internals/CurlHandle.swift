import CCurl
import CMilvusImport
import Glibc

/// One libcurl easy handle and its error buffer.
/// Used by one thread at a time: the pool hands each handle to one caller.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorText: UnsafeMutablePointer<CChar>
    /// The settings the handle is set up for; the same settings again (one client, one
    /// server: the usual case) keep the handle as it is, its connections included.
    private var configured: Configuration?
    /// The response of the call in progress.
    private var sink = ResponseSink(body: nil, limit: 0)
    /// The interrupt of the call in progress, asked by libcurl's progress function.
    private var interrupt: Interrupt?

    /// What a handle is set up with once, rather than per call.
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
        errorText.deallocate()
    }

    fileprivate func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        sink.receive(bytes, handle: handle)
    }

    /// Whether the call's interrupt says stop (libcurl then aborts the transfer).
    fileprivate func interrupted() -> Bool {
        interrupt?() ?? false
    }

    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        errorText[0] = 0
        let body = ByteBuffer()
        sink = ResponseSink(body: body, limit: request.maxResponseBytes)
        interrupt = request.interrupt
        defer {
            sink = ResponseSink(body: nil, limit: 0)  // the body is the caller's now
            interrupt = nil
        }

        // libcurl asks a server for "100 Continue" before a body over 1 MiB and waits up to a
        // second for it; "Expect:" turns that off (smaller bodies never wait).
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for line in request.body.count > 1 << 20 ? request.headers + ["Expect:"] : request.headers {
            guard let grown = curl_slist_append(headerList, line) else { return .failure(.noMemory) }
            headerList = grown
        }

        let wanted = Configuration(request)
        if configured != wanted {
            curl_easy_reset(handle)
            let setUp = configure(wanted)
            guard setUp == CURLE_OK else {
                configured = nil
                return .failure(curlFailure(setUp, request: request))
            }
            configured = wanted
        }

        let code: CURLcode = request.body.withUnsafeBytes { body in
            let setUp = [
                mi_curl_set_ptr(handle, CURLOPT_URL, request.url),
                mi_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMs),
                // The progress function (which asks the interrupt) runs only when there is one.
                mi_curl_set_long(handle, CURLOPT_NOPROGRESS, request.interrupt == nil ? 1 : 0),
                mi_curl_set_ptr(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList)),
                mi_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(errorText)),
            ].first { $0 != CURLE_OK }
            return setUp ?? curl_easy_perform(handle)
        }
        // The body and the header list are gone after this call: make sure libcurl forgets them.
        _ = mi_curl_set_ptr(handle, CURLOPT_POSTFIELDS, nil)
        _ = mi_curl_set_ptr(handle, CURLOPT_HTTPHEADER, nil)
        guard code == CURLE_OK else {
            configured = nil  // start the next call from a clean handle
            return .failure(curlFailure(code, request: request))
        }

        var status = 0
        _ = mi_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        _ = mi_curl_info_str(handle, CURLINFO_CONTENT_TYPE, &contentType)
        var retryAfter: curl_off_t = 0
        _ = mi_curl_info_off(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return .success(HTTPResponse(status: status, contentType: contentType.map { String(cString: $0) },
                                     retryAfterSeconds: retryAfter > 0 ? Int(retryAfter) : nil,
                                     body: body))
    }

    /// The options that stay the same for every call with these settings.
    private func configure(_ settings: Configuration) -> CURLcode {
        let results: [CURLcode] = [
            mi_curl_set_long(handle, CURLOPT_POST, 1),
            mi_curl_set_ptr(handle, CURLOPT_ACCEPT_ENCODING, ""),
            mi_curl_set_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(settings.maxResponseBytes)),
            mi_curl_set_data_fn(handle, CURLOPT_WRITEFUNCTION, receiveCallback),
            mi_curl_set_ptr(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque()),
            mi_curl_set_xferinfo_fn(handle, CURLOPT_XFERINFOFUNCTION, interruptCallback),
            mi_curl_set_ptr(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(self).toOpaque()),
            mi_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, errorText),
        ]
        return results.first { $0 != CURLE_OK }
            ?? CurlHandle.connect(handle, connectTimeoutMs: settings.connectTimeoutMs, tls: settings.tls,
                                  proxy: settings.proxy)
    }

    /// How a handle reaches a server, for Milvus and the object store alike: http and https
    /// only, no redirects, no signals, the connect timeout, the TLS settings, the proxy.
    static func connect(_ handle: UnsafeMutableRawPointer, connectTimeoutMs: Int, tls: TLSSettings,
                        proxy: ProxySetting) -> CURLcode {
        var results: [CURLcode] = [
            mi_curl_set_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            mi_curl_set_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            mi_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            mi_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
            mi_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs),
            mi_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, tls.verifyPeer ? 1 : 0),
            mi_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, tls.verifyPeer ? 2 : 0),
        ]
        if let ca = tls.caFile { results.append(mi_curl_set_ptr(handle, CURLOPT_CAINFO, ca)) }
        if let cert = tls.certFile { results.append(mi_curl_set_ptr(handle, CURLOPT_SSLCERT, cert)) }
        if let key = tls.keyFile { results.append(mi_curl_set_ptr(handle, CURLOPT_SSLKEY, key)) }
        switch proxy {
        case .environment: break
        case .none: results.append(mi_curl_set_ptr(handle, CURLOPT_PROXY, ""))
        case .url(let proxy): results.append(mi_curl_set_ptr(handle, CURLOPT_PROXY, proxy))
        }
        return results.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    /// The error of a failed transfer, in the library's kinds.
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
        return CurlErrors.error(code, detail: detail, httpStatus: status, request: request)
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

/// libcurl's progress function: called at least once a second while a transfer runs;
/// non-zero aborts it (CURLE_ABORTED_BY_CALLBACK). Its user pointer is the CurlHandle.
private let interruptCallback: mi_curl_xferinfo_fn = { user, _, _, _, _ in
    guard let user else { return 0 }
    return Unmanaged<CurlHandle>.fromOpaque(user).takeUnretainedValue().interrupted() ? 1 : 0
}
