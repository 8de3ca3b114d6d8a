import CCurl
import CMilvusImport
import Glibc

/// One signed request to the object store on its own libcurl easy handle, run by an
/// `ObjectStore`'s multi handle.
final class S3Transfer {
    /// The requests an upload makes: a POST's few bytes are copied by libcurl; a PUT's body
    /// is a range of an open file, read with pread as libcurl asks for it.
    enum Method {
        case head
        case delete
        case post([UInt8])
        case put(OpenFile, offset: Int64, length: Int64)
    }

    let easy: UnsafeMutableRawPointer
    /// What a message calls the request, e.g. "upload rows.json to s3://bucket/rows.json".
    let context: String
    /// The answer's body (S3 answers are small XML documents).
    let response = ByteBuffer()
    /// libcurl's result, once the transfer is done.
    var result: CURLcode?
    private let method: Method
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorText: UnsafeMutablePointer<CChar>
    /// A read of the local file failed, or the answer passed `maxResponseBytes`.
    private var bodyFailure: ImportError?
    /// Bytes of the file given to libcurl so far.
    private var sent: Int64 = 0

    static let maxResponseBytes = 1 << 20

    init(_ method: Method, url: String, context: String, storage: StorageSettings,
         settings: ClientSettings) throws(ImportError) {
        guard curlReady, let easy = curl_easy_init() else { throw .noMemory }
        self.easy = easy
        self.method = method
        self.context = context
        errorText = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        // x-amz-content-sha256 is set here on every request: libcurl 7.88 does not sign it
        // itself for every method. A streamed body goes UNSIGNED-PAYLOAD (the file would have
        // to be read twice); a body in memory is hashed.
        var headers: [String]
        switch method {
        case .head, .delete: headers = ["x-amz-content-sha256: " + (try Digest.sha256Hex([]))]
        case .post(let bytes):
            headers = ["x-amz-content-sha256: " + (try Digest.sha256Hex(bytes)), "Content-Type: application/xml"]
        case .put: headers = ["x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        }
        headers.append("User-Agent: libmilvus_import/" + LibraryVersion.text)
        if let token = storage.sessionToken { headers.append("x-amz-security-token: " + token) }
        for line in headers {
            guard let grown = curl_slist_append(headerList, line) else { throw .noMemory }
            headerList = grown
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        var results: [CURLcode] = [
            mi_curl_set_ptr(easy, CURLOPT_URL, url),
            mi_curl_set_long(easy, CURLOPT_PATH_AS_IS, 1),  // keys are signed as written
            mi_curl_set_ptr(easy, CURLOPT_AWS_SIGV4, "aws:amz:\(storage.region):s3"),
            mi_curl_set_ptr(easy, CURLOPT_USERNAME, storage.accessKey),
            mi_curl_set_ptr(easy, CURLOPT_PASSWORD, storage.secretKey),
            mi_curl_set_ptr(easy, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList)),
            mi_curl_set_data_fn(easy, CURLOPT_WRITEFUNCTION, s3ReceiveCallback),
            mi_curl_set_ptr(easy, CURLOPT_WRITEDATA, me),
            mi_curl_set_ptr(easy, CURLOPT_ERRORBUFFER, errorText),
            CurlHandle.connect(easy, connectTimeoutMs: settings.connectTimeoutMs, tls: settings.tls,
                               proxy: settings.proxy),
        ]
        switch method {
        case .head:
            results.append(mi_curl_set_long(easy, CURLOPT_NOBODY, 1))
        case .delete:
            results.append(mi_curl_set_ptr(easy, CURLOPT_CUSTOMREQUEST, "DELETE"))
        case .put(_, _, let length):
            results += [
                mi_curl_set_long(easy, CURLOPT_UPLOAD, 1),
                mi_curl_set_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)),
                mi_curl_set_data_fn(easy, CURLOPT_READFUNCTION, s3ReadCallback),
                mi_curl_set_ptr(easy, CURLOPT_READDATA, me),
            ]
        case .post(let bytes):
            results += [
                mi_curl_set_long(easy, CURLOPT_POST, 1),
                mi_curl_set_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)),
                bytes.withUnsafeBytes { mi_curl_set_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(errorText)) },
            ]
        }
        if let failed = results.first(where: { $0 != CURLE_OK }) {
            throw CurlErrors.error(failed, detail: String(cString: curl_easy_strerror(failed)), httpStatus: 0,
                                   timeoutMs: 0, connectTimeoutMs: settings.connectTimeoutMs).prefixed(context)
        }
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorText.deallocate()
    }

    /// The HTTP status of the answer; 0 when none arrived.
    var status: Int {
        var status = 0
        _ = mi_curl_info_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    /// A header of the answer (the last one of that name), nil when absent.
    func header(_ name: String) -> String? {
        var found: UnsafeMutablePointer<curl_header>?
        guard curl_easy_header(easy, name, 0, UInt32(CURLH_HEADER), -1, &found) == CURLHE_OK,
              let value = found?.pointee.value else { return nil }
        return String(cString: value)
    }

    /// The answer's Content-Length (HEAD: the object's size); nil when absent.
    var contentLength: Int64? {
        var length: curl_off_t = -1
        guard mi_curl_info_off(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK, length >= 0 else {
            return nil
        }
        return Int64(length)
    }

    /// Bytes sent so far (the body, for a PUT).
    var bytesSent: Int64 {
        var sent: curl_off_t = 0
        _ = mi_curl_info_off(easy, CURLINFO_SIZE_UPLOAD_T, &sent)
        return Int64(sent)
    }

    /// Bytes moved either way: what the stall limit watches.
    var bytesMoved: Int64 {
        var received: curl_off_t = 0
        _ = mi_curl_info_off(easy, CURLINFO_SIZE_DOWNLOAD_T, &received)
        return bytesSent + Int64(received)
    }

    /// The transport failure of a finished transfer, nil when an HTTP answer arrived.
    func failure(settings: ClientSettings) -> ImportError? {
        guard let result, result != CURLE_OK else { return nil }
        if let bodyFailure { return bodyFailure.prefixed(context) }
        let detail = errorText[0] != 0 ? String(cString: errorText) : String(cString: curl_easy_strerror(result))
        return CurlErrors.error(result, detail: detail, httpStatus: status, timeoutMs: 0,
                                connectTimeoutMs: settings.connectTimeoutMs).prefixed(context)
    }

    fileprivate func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard response.count + bytes.count <= S3Transfer.maxResponseBytes else {
            bodyFailure = ImportError(MILVUS_ERR_TOO_LARGE, "the object store's answer passed"
                                      + " \(S3Transfer.maxResponseBytes) bytes", httpStatus: status)
            return false
        }
        guard response.append(bytes) else {
            bodyFailure = .noMemory
            return false
        }
        return true
    }

    /// The next bytes of the file for libcurl; -1 on a read error (the transfer aborts).
    fileprivate func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard case .put(let file, let offset, let length) = method else { return 0 }
        let wanted = Int(Swift.min(Int64(buffer.count), length - sent))
        guard wanted > 0 else { return 0 }
        do {
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]),
                                      at: offset + sent)
            sent += Int64(count)
            return count
        } catch {
            bodyFailure = error
            return -1
        }
    }
}

/// libcurl's write callback; its user pointer is the S3Transfer.
private let s3ReceiveCallback: mi_curl_data_fn = { data, size, count, user in
    guard let user else { return 0 }
    let transfer = Unmanaged<S3Transfer>.fromOpaque(user).takeUnretainedValue()
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
}

/// libcurl's read callback; its user pointer is the S3Transfer.
private let s3ReadCallback: mi_curl_data_fn = { data, size, count, user in
    guard let user, let data else { return Int(CURL_READFUNC_ABORT) }
    let transfer = Unmanaged<S3Transfer>.fromOpaque(user).takeUnretainedValue()
    let read = transfer.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
    return read < 0 ? Int(CURL_READFUNC_ABORT) : read
}
