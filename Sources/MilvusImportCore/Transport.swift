import CMilvusImport

/// One HTTP POST, as the client asks for it.
public struct HTTPRequest: Sendable {
    public var url: String
    /// Complete header lines, "Name: value".
    public var headers: [String]
    public var body: [UInt8]
    public var timeoutMs: Int
    public var connectTimeoutMs: Int
    public var tls: TLSSettings
    public var proxy: ProxySetting
    public var maxResponseBytes: Int64
    /// Asked while the request is in flight; true aborts it (MILVUS_ERR_CANCELLED).
    public var interrupt: Interrupt?

    public init(url: String, headers: [String], body: [UInt8], timeoutMs: Int = 20_000,
                connectTimeoutMs: Int = 10_000, tls: TLSSettings = TLSSettings(),
                proxy: ProxySetting = .environment, maxResponseBytes: Int64 = 256 << 20,
                interrupt: Interrupt? = nil) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
        self.connectTimeoutMs = connectTimeoutMs
        self.tls = tls
        self.proxy = proxy
        self.maxResponseBytes = maxResponseBytes
        self.interrupt = interrupt
    }
}

public struct TLSSettings: Sendable, Equatable {
    public var verifyPeer = true
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public init() {}
}

public enum ProxySetting: Sendable, Equatable {
    /// The environment's http_proxy/https_proxy/no_proxy, as libcurl reads them.
    case environment
    /// No proxy at all, whatever the environment says.
    case none
    case url(String)
}

/// What came back: any status, the body as it arrived (decompressed).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String?
    /// Retry-After in seconds, when the server sent one.
    public var retryAfterSeconds: Int?
    public var body: ByteBuffer

    public init(status: Int, contentType: String?, retryAfterSeconds: Int? = nil, body: ByteBuffer) {
        self.status = status
        self.contentType = contentType
        self.retryAfterSeconds = retryAfterSeconds
        self.body = body
    }
}

/// Sends one request. A transport error is an `ImportError` of kind transport, timeout,
/// TLS, too large or no memory; any HTTP answer is a success here.
/// Implementations must be safe to call from many threads at once.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError>
}
