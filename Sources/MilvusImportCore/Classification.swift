import CMilvusImport

/// Turns one HTTP answer into a Milvus envelope or an error, in the spec's order:
/// HTTP status first, then the body must be a JSON object with an integer `code`, then a
/// non-zero code is a server error. Pure: no I/O, no state (the fuzzer drives it).
public enum Classification {
    /// The envelope as parsed: its tree (nil when a large body was only checked), its code,
    /// and the "message" value of a checked body.
    public struct Envelope: @unchecked Sendable {
        let json: JSON?
        public var code: Int64
        fileprivate var checkedMessage: JSON?

        /// "message", when it is a string.
        var message: String? { (json?["message"] ?? checkedMessage)?.string }
    }

    /// Bodies from this size on are checked without a tree (`EnvelopeScan`) when the caller
    /// needs only the code and message.
    static let checkWithoutTreeFrom = 256 * 1024

    /// `needsTree`: the caller reads the envelope's data (describe, list all); otherwise a
    /// large body is checked without building its tree. `missingRoute`: what a 404 without
    /// a Milvus envelope means for the endpoint that was called.
    public static func classify(status: Int, contentType: String?, body: UnsafeRawBufferPointer,
                                needsTree: Bool = true,
                                missingRoute: String = Operation.list.missingRoute) -> Result<Envelope, ImportError> {
        let envelope = parseEnvelope(body, checkWithoutTreeFrom: needsTree ? Int.max : checkWithoutTreeFrom)
        if (200..<300).contains(status) {
            switch envelope {
            case .failure(let problem):
                return .failure(ImportError(MILVUS_ERR_MALFORMED_RESPONSE,
                                            "malformed response (HTTP \(status)\(describe(contentType))): "
                                            + problem.text + (body.isEmpty ? "" : snippetSuffix(body, contentType)),
                                            httpStatus: status))
            case .success(let envelope):
                if envelope.code == 0 { return .success(envelope) }
                return .failure(serverError(envelope, status: status))
            }
        }
        var kind = MILVUS_ERR_HTTP
        switch status {
        case 401, 403: kind = MILVUS_ERR_AUTH
        case 408: kind = MILVUS_ERR_TIMEOUT
        default: break
        }
        var message = "HTTP \(status)"
        if let phrase = reasonPhrase(status) { message += " " + phrase }
        if case .success(let envelope) = envelope {
            message += ", server code \(envelope.code)"
            if let text = envelope.message, !text.isEmpty { message += ": " + sanitize(text) }
            return .failure(ImportError(kind, message, httpStatus: status, serverCode: envelope.code))
        }
        if (300..<400).contains(status) {
            message += ": redirects are not followed; use the server's final URL"
        } else {
            message += snippetSuffix(body, contentType,
                                     prefix: " (" + (contentType.map { sanitize($0, limit: 80) } ?? "no content type") + ")")
        }
        if status == 404 { message += "; " + missingRoute }
        return .failure(ImportError(kind, message, httpStatus: status))
    }

    /// A job the server does not know (expired or never created) answers 2100 up to
    /// Milvus 2.6.18 and 2101 from 2.6.19 ("import job does not exist, jobID=N"; commit and
    /// abort on 3.0: "job N not found"). Other 2100 and 2101 answers, the job limit among
    /// them, are server errors. `1800` and Zilliz Cloud's `21119` are authentication failures.
    static func serverError(_ envelope: Envelope, status: Int) -> ImportError {
        let text = envelope.message.map { sanitize($0) } ?? ""
        var kind = MILVUS_ERR_SERVER
        if isJobNotFound(code: envelope.code, message: text) { kind = MILVUS_ERR_JOB_NOT_FOUND }
        if envelope.code == 1800 || envelope.code == 21119 { kind = MILVUS_ERR_AUTH }
        let message = "server error \(envelope.code)" + (text.isEmpty ? "" : ": " + text)
        return ImportError(kind, message, httpStatus: status, serverCode: envelope.code)
    }

    static func isJobNotFound(code: Int64, message: String) -> Bool {
        guard code == 2100 || code == 2101 else { return false }
        if message.contains("job does not exist") { return true }
        let words = message.split(separator: " ", maxSplits: 3)  // "job N not found..."
        return words.count == 4 && words[0] == "job" && words[2] == "not" && words[3].hasPrefix("found")
    }

    /// A JSON object with an integer `code`, or why not. From `checkWithoutTreeFrom` bytes on,
    /// a body is first checked without a tree; a body that check does not accept is parsed
    /// whole, for the verdict and the message.
    static func parseEnvelope(_ body: UnsafeRawBufferPointer,
                              checkWithoutTreeFrom threshold: Int = Int.max) -> Result<Envelope, Problem> {
        if body.isEmpty { return .failure("empty body") }
        if body.count >= threshold, let found = EnvelopeScan.scan(body) {
            return envelope(tree: nil, code: found.code, checkedMessage: found.message)
        }
        let json: JSON
        switch JSON.parse(body) {
        case .failure(let error):
            return .failure(Problem("not JSON (\(sanitize(error.text)) at byte \(error.position))"))
        case .success(let value):
            json = value
        }
        guard json.kind == .object else { return .failure("a JSON array, not an object") }
        return envelope(tree: json, code: json["code"], checkedMessage: nil)
    }

    /// The envelope of an object whose "code" member is `code`, or why there is none.
    private static func envelope(tree: JSON?, code codeValue: JSON?, checkedMessage: JSON?) -> Result<Envelope, Problem> {
        guard let codeValue else { return .failure("no \"code\" in the JSON object") }
        guard let code = codeValue.integer else { return .failure("\"code\" is not an integer") }
        return .success(Envelope(json: tree, code: code, checkedMessage: checkedMessage))
    }

    struct Problem: Error, ExpressibleByStringLiteral {
        var text: String
        init(_ text: String) { self.text = text }
        init(stringLiteral text: String) { self.text = text }
    }

    private static func describe(_ contentType: String?) -> String {
        contentType.map { ", " + sanitize($0, limit: 80) } ?? ""
    }

    private static func snippetSuffix(_ body: UnsafeRawBufferPointer, _ contentType: String?,
                                      prefix: String = "") -> String {
        let text = snippet(body, contentType: contentType)
        return prefix + (text.isEmpty ? ", empty body" : ": \"" + text + "\"")
    }

    /// A short, single-line, printable excerpt of a body: an HTML page's title, or the first
    /// 120 characters of text.
    static func snippet(_ body: UnsafeRawBufferPointer, contentType: String?) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        if let start = text.firstRange(of: "<title>"), let end = text.firstRange(of: "</title>"),
           start.upperBound <= end.lowerBound {
            return sanitize(String(text[start.upperBound..<end.lowerBound]), limit: 120)
        }
        return sanitize(text, limit: 120)
    }

    /// One line of printable text: control characters become spaces, runs of spaces fold,
    /// at most `limit` characters (then "...").
    static func sanitize(_ text: String, limit: Int = 400) -> String {
        var result = ""
        var count = 0
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let printable = scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80..<0xA0).contains(scalar.value)
            let isSpace = !printable || scalar == " "
            if isSpace {
                if lastWasSpace { continue }
                lastWasSpace = true
                result.unicodeScalars.append(" ")
            } else {
                lastWasSpace = false
                result.unicodeScalars.append(scalar)
            }
            count += 1
            if count >= limit {
                result += "..."
                break
            }
        }
        while result.hasSuffix(" ") { result.removeLast() }
        while result.hasPrefix(" ") { result.removeFirst() }
        return result
    }

    private static func reasonPhrase(_ status: Int) -> String? {
        switch status {
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 413: return "Payload Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return nil
        }
    }
}

extension Classification.Envelope {
    /// `data` of the envelope, when it is an object (nil for a body checked without a tree).
    var data: JSON? {
        guard let data = json?["data"], data.kind == .object else { return nil }
        return data
    }
}
