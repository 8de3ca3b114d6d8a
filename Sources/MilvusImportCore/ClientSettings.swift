/// Asked during a call whether to stop it: true stops it (MILVUS_ERR_CANCELLED).
public typealias Interrupt = @Sendable () -> Bool

/// A client's settings. Each call takes a copy when it starts and keeps it to the end.
public struct ClientSettings: Sendable {
    public var token: String?
    public var database: String?
    /// The longest a whole call may take: every attempt and every pause between them.
    public var timeoutMs = 20_000
    /// The longest one HTTP attempt may take; 0: no limit of its own (what is left of `timeoutMs`).
    public var attemptTimeoutMs = 0
    public var connectTimeoutMs = 10_000
    public var tls = TLSSettings()
    public var proxy = ProxySetting.environment
    /// Secrets inside the proxy URL.
    var proxySecrets: [String] = []
    /// Extra headers, names as given; compared without case.
    public var headers: [(name: String, value: String)] = []
    public var maxRetries = 2
    public var retryBackoffMs = 250
    public var maxResponseBytes: Int64 = 256 << 20
    /// The object store of the upload calls; nil until set.
    public var storage: StorageSettings?
    /// The size of each part of a multipart upload (S3: 5 MiB to 5 GiB).
    public var uploadPartSize: Int64 = 64 << 20
    /// An upload fails when no byte moves for this long.
    public var uploadStallTimeoutMs = 60_000
    /// Asked during transfers and pauses of every call; nil: calls are never interrupted.
    public var interrupt: Interrupt?

    public init() {}

    var hasIdempotencyKey: Bool { header(named: "Idempotency-Key") != nil }

    func header(named name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The header lines of a call that uses `database`: Content-Type, User-Agent, DB-Name,
    /// Authorization, then the extra headers. An extra "User-Agent", "DB-Name" or
    /// "Authorization" replaces the library's own. An empty value goes out empty ("Name;"
    /// is libcurl's spelling of that).
    func headerLines(database: String?) -> [String] {
        var lines = ["Content-Type: application/json"]
        if header(named: "User-Agent") == nil { lines.append("User-Agent: libmilvus_import/" + LibraryVersion.text) }
        if let database, header(named: "DB-Name") == nil { lines.append("DB-Name: " + database) }
        if let token, header(named: "Authorization") == nil { lines.append("Authorization: Bearer " + token) }
        for header in headers {
            lines.append(header.value.isEmpty ? header.name + ";" : header.name + ": " + header.value)
        }
        return lines
    }

    /// What must never show in a message: the token, secret headers, proxy passwords, the
    /// object store's secret key and session token.
    var secrets: [String] {
        [token].compactMap { $0 } + proxySecrets + headers.filter { HeaderRules.isSecret($0.name) }.map(\.value)
            + (storage?.secrets ?? [])
    }

    // MARK: Checked changes (the setters of the C API)

    public mutating func setToken(_ token: String?) throws(ImportError) {
        if let token, !HeaderRules.isValidValue(token) {
            throw .invalidArgument("the API key must not contain control characters")
        }
        self.token = (token?.isEmpty ?? true) ? nil : token
    }

    public mutating func setDatabase(_ name: String?) throws(ImportError) {
        if let name, !HeaderRules.isValidValue(name) {
            throw .invalidArgument("the database name must not contain control characters")
        }
        database = (name?.isEmpty ?? true) ? nil : name
    }

    public mutating func setTimeout(ms: Int) throws(ImportError) {
        guard ms > 0 else { throw .invalidArgument("the timeout must be > 0 ms (got \(ms))") }
        timeoutMs = ms
    }

    public mutating func setAttemptTimeout(ms: Int) throws(ImportError) {
        guard ms >= 0 else { throw .invalidArgument("the attempt timeout must be >= 0 ms (got \(ms); 0: none)") }
        attemptTimeoutMs = ms
    }

    public mutating func setConnectTimeout(ms: Int) throws(ImportError) {
        guard ms > 0 else { throw .invalidArgument("the connect timeout must be > 0 ms (got \(ms))") }
        connectTimeoutMs = ms
    }

    public mutating func setTLS(verifyPeer: Bool, caFile: String?) {
        tls.verifyPeer = verifyPeer
        tls.caFile = (caFile?.isEmpty ?? true) ? nil : caFile
    }

    public mutating func setClientCertificate(certFile: String?, keyFile: String?) throws(ImportError) {
        let cert = (certFile?.isEmpty ?? true) ? nil : certFile
        let key = (keyFile?.isEmpty ?? true) ? nil : keyFile
        if cert == nil && key != nil {
            throw .invalidArgument("a client key needs a client certificate")
        }
        tls.certFile = cert
        tls.keyFile = key
    }

    public mutating func setHeader(name: String, value: String?) throws(ImportError) {
        guard HeaderRules.isValidName(name) else {
            throw .invalidArgument("\"\(Classification.sanitize(name, limit: 60))\" is not a valid header name")
        }
        let lowered = name.lowercased()
        guard lowered != "content-type" && lowered != "content-length" && lowered != "host" else {
            throw .invalidArgument("the \(name) header is set by the library")
        }
        if let value, !HeaderRules.isValidValue(value) {
            throw .invalidArgument("the value of header \(name) must not contain control characters")
        }
        headers.removeAll { $0.name.lowercased() == lowered }
        if let value { headers.append((name, value)) }
    }

    public mutating func setProxy(_ url: String?) throws(ImportError) {
        guard let url else {
            proxy = .environment
            proxySecrets = []
            return
        }
        if url.isEmpty {
            proxy = .none
            proxySecrets = []
            return
        }
        guard HeaderRules.isValidValue(url), !url.utf8.contains(UInt8(ascii: " ")) else {
            throw .invalidArgument("the proxy URL must not contain spaces or control characters")
        }
        // Scheme and password from libcurl's own parse of the URL: a proxy it cannot parse
        // is refused here (libcurl would echo it, password and all, in its error message).
        guard let parts = BaseURL.proxyParts(url) else {
            throw .invalidArgument("the proxy URL is not valid; expected e.g. http://proxy:3128")
        }
        guard ["http", "https", "socks4", "socks4a", "socks5", "socks5h"].contains(parts.scheme) else {
            throw .invalidArgument("the proxy scheme must be http, https, socks4, socks4a, socks5 or socks5h")
        }
        proxySecrets = parts.secrets
        proxy = .url(url)
    }

    public mutating func setMaxRetries(_ count: Int) throws(ImportError) {
        guard (0...10).contains(count) else { throw .invalidArgument("max retries must be 0 to 10 (got \(count))") }
        maxRetries = count
    }

    public mutating func setRetryBackoff(ms: Int) throws(ImportError) {
        guard (0...60_000).contains(ms) else {
            throw .invalidArgument("the retry backoff must be 0 to 60000 ms (got \(ms))")
        }
        retryBackoffMs = ms
    }

    public mutating func setMaxResponseBytes(_ bytes: Int64) throws(ImportError) {
        guard (1...(Int64(1) << 40)).contains(bytes) else {
            throw .invalidArgument("the response limit must be 1 to 2^40 bytes (got \(bytes))")
        }
        maxResponseBytes = bytes
    }

    /// A new object store keeps the addressing style chosen before.
    public mutating func setStorage(_ storage: StorageSettings) {
        var storage = storage
        storage.virtualHost = self.storage?.virtualHost ?? false
        self.storage = storage
    }

    public mutating func setStorageVirtualHost(_ on: Bool) throws(ImportError) {
        guard storage != nil else {
            throw .invalidArgument("set the object store (milvus_client_set_storage) before its addressing")
        }
        storage?.virtualHost = on
    }

    public mutating func setUploadPartSize(_ bytes: Int64) throws(ImportError) {
        guard (StorageSettings.minPartSize...StorageSettings.maxPartSize).contains(bytes) else {
            throw .invalidArgument("the upload part size must be \(StorageSettings.minPartSize) to"
                                   + " \(StorageSettings.maxPartSize) bytes (got \(bytes))")
        }
        uploadPartSize = bytes
    }

    public mutating func setUploadStallTimeout(ms: Int) throws(ImportError) {
        guard ms > 0 else { throw .invalidArgument("the upload stall timeout must be > 0 ms (got \(ms))") }
        uploadStallTimeoutMs = ms
    }
}
