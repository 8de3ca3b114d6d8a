import CMilvusImport
import Synchronization

public enum LibraryVersion {
    public static let text = "0.1.0"
}

/// A client's settings. Each call takes a copy when it starts.
public struct ClientSettings: Sendable {
    public var token: String?
    public var database: String?
    public var timeoutMs = 20_000
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

    public init() {}

    var hasIdempotencyKey: Bool { header(named: "Idempotency-Key") != nil }

    func header(named name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
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
}

/// One client's settings as calls see them: taken whole when a call starts, never changed,
/// with what every call derives from them worked out once (header lines, their size).
final class CallSettings: Sendable {
    let values: ClientSettings
    /// Header lines for a body that names no database: Content-Type, User-Agent, DB-Name
    /// (the settings' database), Authorization, the extra headers.
    let headers: [String]
    /// Their bytes on the wire, with CRLF.
    let headerBytes: Int
    let hasIdempotencyKey: Bool
    /// Unique to this snapshot, so a connection handle set up for it knows it is set up.
    let key: UInt64

    private let beforeDatabase: [String]
    private let afterDatabase: [String]
    private let databaseHeaderSet: Bool

    private static let keys = Atomic<UInt64>(0)
    /// A header line rather than CURLOPT_USERAGENT: libcurl formats the option anew for
    /// every request (about 7,500 instructions), a header line costs it about 4,500.
    static let userAgent = "User-Agent: libmilvus_import/" + LibraryVersion.text

    init(_ values: ClientSettings) {
        self.values = values
        var before = ["Content-Type: application/json"]
        if values.header(named: "User-Agent") == nil { before.append(CallSettings.userAgent) }
        // Headers set with set_header win: a "DB-Name" replaces the database's, an
        // "Authorization" the token's. An empty value goes out empty ("Name;" in libcurl).
        var after: [String] = []
        if let token = values.token, values.header(named: "Authorization") == nil {
            after.append("Authorization: Bearer " + token)
        }
        for header in values.headers {
            after.append(header.value.isEmpty ? header.name + ";" : header.name + ": " + header.value)
        }
        let databaseHeaderSet = values.header(named: "DB-Name") != nil
        self.databaseHeaderSet = databaseHeaderSet
        beforeDatabase = before
        afterDatabase = after
        let lines = CallSettings.lines(before, databaseHeaderSet ? nil : values.database, after)
        headers = lines
        headerBytes = lines.reduce(0) { $0 + $1.utf8.count + 2 }
        hasIdempotencyKey = values.hasIdempotencyKey
        key = CallSettings.keys.add(1, ordering: .relaxed).newValue
    }

    /// The header lines for a body that names its own database (`dbName`).
    func headers(database: String) -> (lines: [String], bytes: Int) {
        guard !databaseHeaderSet else { return (headers, headerBytes) }
        let lines = CallSettings.lines(beforeDatabase, database, afterDatabase)
        return (lines, lines.reduce(0) { $0 + $1.utf8.count + 2 })
    }

    private static func lines(_ before: [String], _ database: String?, _ after: [String]) -> [String] {
        guard let database else { return before + after }
        return before + ["DB-Name: " + database] + after
    }
}
