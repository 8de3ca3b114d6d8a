import CCurl

/// The URLs of a bucket's objects, path style (endpoint/bucket/key) or virtual-host style
/// (bucket.host/key), with keys percent-encoded as Signature V4 signs them.
struct S3Address {
    let bucket: String
    /// Everything before the key: "http://host:port/bucket/" or "http://bucket.host:port/".
    let base: String

    init(storage: StorageSettings, bucket: String) throws(ImportError) {
        try S3Address.check(bucket: bucket, virtualHost: storage.virtualHost)
        self.bucket = bucket
        guard storage.virtualHost else {
            base = storage.endpoint.prefix + "/" + bucket + "/"
            return
        }
        guard let handle = curl_url() else { throw .noMemory }
        defer { curl_url_cleanup(handle) }
        var host: UnsafeMutablePointer<CChar>?
        guard curl_url_set(handle, CURLUPART_URL, storage.endpoint.prefix, 0) == CURLUE_OK,
              curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK, let host else {
            throw .invalidArgument("the storage endpoint has no host for virtual-host addressing")
        }
        let virtualHost = bucket + "." + String(cString: host)
        curl_free(host)
        var full: UnsafeMutablePointer<CChar>?
        guard curl_url_set(handle, CURLUPART_HOST, virtualHost, 0) == CURLUE_OK,
              curl_url_get(handle, CURLUPART_URL, &full, 0) == CURLUE_OK, let full else {
            throw .invalidArgument("the bucket \(bucket) cannot be a host name on \(storage.endpoint.display)")
        }
        var url = String(cString: full)
        curl_free(full)
        if !url.hasSuffix("/") { url += "/" }
        base = url
    }

    /// The object's URL, with `query` (already in Signature V4's sorted, encoded form) after it.
    func url(key: String, query: String = "") throws(ImportError) -> String {
        try base + S3Address.encode(key: key) + (query.isEmpty ? "" : "?" + query)
    }

    /// "s3://bucket/key", for messages.
    func display(key: String) -> String { "s3://" + bucket + "/" + key }

    /// Each "/"-separated segment percent-encoded (all but A-Z a-z 0-9 - . _ ~), the "/"s kept:
    /// S3's canonical URI, which libcurl signs as written.
    static func encode(key: String) throws(ImportError) -> String {
        var segments: [String] = []
        for segment in key.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            segments.append(try escape(String(decoding: segment, as: UTF8.self)))
        }
        return segments.joined(separator: "/")
    }

    /// libcurl's percent-encoding (RFC 3986 unreserved characters kept, upper-case hex).
    static func escape(_ text: String) throws(ImportError) -> String {
        if text.isEmpty { return "" }
        guard let escaped = curl_easy_escape(nil, text, Int32(text.utf8.count)) else { throw .noMemory }
        defer { curl_free(escaped) }
        return String(cString: escaped)
    }

    /// S3 bucket names: 3 to 63 of a-z 0-9 . - (and, path style only, the A-Z and _ of
    /// older buckets and other stores), starting and ending with a letter or digit.
    static func check(bucket: String, virtualHost: Bool) throws(ImportError) {
        let bytes = Array(bucket.utf8)
        func isAlnum(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x61...0x7A).contains(b) || (!virtualHost && (0x41...0x5A).contains(b))
        }
        let valid = (3...63).contains(bytes.count) && isAlnum(bytes.first!) && isAlnum(bytes.last!)
            && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
                || (!virtualHost && $0 == UInt8(ascii: "_")) }
        guard valid else {
            throw .invalidArgument("\"\(Classification.sanitize(bucket, limit: 80))\" is not a valid bucket name"
                                   + " (3 to 63 lower-case letters, digits, \".\" and \"-\")")
        }
    }
}
