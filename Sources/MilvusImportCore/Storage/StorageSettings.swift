/// Where the upload calls send files: an S3-compatible object store and its credentials.
public struct StorageSettings: Sendable {
    /// The store's base URL, checked by libcurl's parser (http or https, no query).
    public let endpoint: BaseURL
    /// The Signature V4 region, e.g. "us-east-1".
    public let region: String
    public let accessKey: String
    public let secretKey: String
    /// A temporary credential's token, sent as x-amz-security-token.
    public let sessionToken: String?
    /// Virtual-host style (bucket.host/key) instead of path style (host/bucket/key).
    public var virtualHost = false

    /// S3's limits on a multipart upload's parts.
    public static let minPartSize: Int64 = 5 << 20
    public static let maxPartSize: Int64 = 5 << 30
    public static let maxParts: Int64 = 10_000

    /// Checks every value; `endpoint` nil or "" means AWS S3 in `region`, `region` nil or ""
    /// means "us-east-1".
    public init(endpoint: String?, region: String?, accessKey: String, secretKey: String,
                sessionToken: String?) throws(ImportError) {
        let region = (region?.isEmpty ?? true) ? "us-east-1" : region!
        // The region goes into libcurl's "aws:amz:<region>:s3": letters, digits and "-" only.
        guard region.utf8.count <= 64, region.utf8.allSatisfy({ StorageSettings.isRegionByte($0) }) else {
            throw .invalidArgument("the storage region must be letters, digits and \"-\", e.g. us-east-1")
        }
        guard !accessKey.isEmpty, HeaderRules.isValidValue(accessKey) else {
            throw .invalidArgument("the storage access key must not be empty or contain control characters")
        }
        guard !secretKey.isEmpty, HeaderRules.isValidValue(secretKey) else {
            throw .invalidArgument("the storage secret key must not be empty or contain control characters")
        }
        if let sessionToken, !HeaderRules.isValidValue(sessionToken) {
            throw .invalidArgument("the storage session token must not contain control characters")
        }
        let url = (endpoint?.isEmpty ?? true) ? "https://s3.\(region).amazonaws.com" : endpoint!
        do {
            self.endpoint = try BaseURL(url)
        } catch {
            throw error.prefixed("the storage endpoint")
        }
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = (sessionToken?.isEmpty ?? true) ? nil : sessionToken
    }

    /// What must never show in a message: the secret key, the session token, a password in
    /// the endpoint URL.
    var secrets: [String] {
        [secretKey] + (sessionToken.map { [$0] } ?? []) + endpoint.secrets
    }

    private static func isRegionByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
    }
}
