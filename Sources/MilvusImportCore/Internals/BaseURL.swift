import CCurl
import CMilvusImport

/// A server's base URL, checked and normalised once by libcurl's URL parser:
/// http or https only, a host, no query, no fragment, trailing slashes dropped, a path
/// prefix kept (a Milvus behind a reverse proxy at `/milvus`).
public struct BaseURL: Sendable, Equatable {
    /// What requests go to: `scheme://[user:password@]host[:port][/prefix]`, no trailing `/`.
    public let prefix: String
    /// The same without user and password, for messages.
    public let display: String
    /// A password inside the URL (raw and decoded), never to be shown.
    public let secrets: [String]

    public init(_ text: String) throws(ImportError) {
        guard !text.isEmpty else { throw .invalidArgument("the URL is empty") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw .invalidArgument("the URL contains spaces or control characters")
        }
        guard text.utf8.firstRange(of: "://".utf8) != nil else {
            throw .invalidArgument("the URL scheme must be http or https, e.g. http://127.0.0.1:19530")
        }
        guard let handle = curl_url() else { throw .noMemory }
        defer { curl_url_cleanup(handle) }

        let parsed = curl_url_set(handle, CURLUPART_URL, text, 0)
        guard parsed == CURLUE_OK else {
            throw .invalidArgument("the URL is not valid (\(String(cString: curl_url_strerror(parsed))))"
                                   + "; expected e.g. http://127.0.0.1:19530")
        }
        let scheme = (BaseURL.part(handle, CURLUPART_SCHEME) ?? "").lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw .invalidArgument("the URL scheme must be http or https, not \"\(scheme)\"")
        }
        guard let host = BaseURL.part(handle, CURLUPART_HOST), !host.isEmpty else {
            throw .invalidArgument("the URL has no host")
        }
        if BaseURL.part(handle, CURLUPART_QUERY) != nil || text.utf8.contains(UInt8(ascii: "?")) {
            throw .invalidArgument("the URL must not have a query string (?...)")
        }
        if BaseURL.part(handle, CURLUPART_FRAGMENT) != nil || text.utf8.contains(UInt8(ascii: "#")) {
            throw .invalidArgument("the URL must not have a fragment (#...)")
        }

        // The path prefix without empty segments: "/a//b/" becomes "/a/b".
        let path = BaseURL.part(handle, CURLUPART_PATH) ?? "/"
        // Split the bytes: a combining mark after "/" would hide it from String.split.
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        let cleanPath = segments.isEmpty ? "/"
            : "/" + segments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
        guard curl_url_set(handle, CURLUPART_PATH, cleanPath, 0) == CURLUE_OK,
              let full = BaseURL.part(handle, CURLUPART_URL) else {
            throw .invalidArgument("the URL path is not valid")
        }
        let secrets = BaseURL.userinfoSecrets(handle)
        curl_url_set(handle, CURLUPART_USER, nil, 0)
        curl_url_set(handle, CURLUPART_PASSWORD, nil, 0)
        let display = BaseURL.part(handle, CURLUPART_URL) ?? (scheme + "://" + host)

        self.prefix = BaseURL.droppingTrailingSlash(full)
        self.display = BaseURL.droppingTrailingSlash(display)
        self.secrets = secrets
    }

    /// The URL of an endpoint, e.g. `url(for: "/v2/vectordb/jobs/import/list")`.
    public func url(for path: String) -> String { prefix + path }

    private static func droppingTrailingSlash(_ text: String) -> String {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// A proxy URL as libcurl reads it (no scheme means http): its scheme and the password
    /// in it (raw and decoded), taken from libcurl's own parse so that neither the scheme
    /// check nor the redaction can disagree with what libcurl uses. Nil when libcurl's URL
    /// parser refuses it.
    static func proxyParts(_ text: String) -> (scheme: String, secrets: [String])? {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        let candidate = text.utf8.firstRange(of: "://".utf8) != nil ? text : "http://" + text
        guard curl_url_set(handle, CURLUPART_URL, candidate, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else {
            return nil
        }
        let scheme = (part(handle, CURLUPART_SCHEME) ?? "").lowercased()
        return (scheme, userinfoSecrets(handle))
    }

    /// The password of a parsed URL as it is written and decoded, and the HTTP Basic
    /// credentials libcurl makes of it (Authorization or Proxy-Authorization: base64 of
    /// "user:password" is as good as the password). Empty when there is no password.
    private static func userinfoSecrets(_ handle: OpaquePointer) -> [String] {
        guard let password = part(handle, CURLUPART_PASSWORD), !password.isEmpty else { return [] }
        var secrets = [password]
        let decoded = part(handle, CURLUPART_PASSWORD, flags: UInt32(CURLU_URLDECODE)) ?? password
        if decoded != password { secrets.append(decoded) }
        let user = part(handle, CURLUPART_USER, flags: UInt32(CURLU_URLDECODE)) ?? ""
        secrets.append(Base64.encode(Array((user + ":" + decoded).utf8)))
        return secrets
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
