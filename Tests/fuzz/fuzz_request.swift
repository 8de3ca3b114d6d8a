// libFuzzer target: URL normalisation and request building.
//
// Input layout: NUL-separated fields (the seed generator Tests/fuzz/make_corpus.py writes
// the same); a missing field is nil, a field that is not UTF-8 is what the C edge refuses:
//   0 base URL   1 request_json   2 API token   3 database   4 header name   5 header value
// Each goes where the C API would take it: BaseURL(...), RequestBody.parse(..., for: each
// operation) and its encoding, and every client call through a transport that records the
// HTTP request instead of sending it.
// Also the redaction of field 2 (the token) echoed between fields 4 and 5.
// Invariants: no crash; failures are INVALID_ARGUMENT with a clean message and send
// nothing; an accepted URL is normalised (http/https, no trailing slash, no query or
// fragment, no credentials in the display form) and normalising it again changes nothing;
// an accepted request is sent to base + the operation's path, its body is the caller's
// JSON object re-encoded (compact, round-trips), and no header line carries CR, LF, NUL or
// another control character (header injection).
import CMilvusImport
import Synchronization

/// Records requests; answers every call with a finished job and an empty list.
final class RecordingTransport: HTTPTransport, Sendable {
    private let sent = Mutex<[HTTPRequest]>([])
    static let answer = #"{"code":0,"data":{"jobId":"1","state":"Completed","progress":100,"records":[]}}"#

    func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        sent.withLock { $0.append(request) }
        guard let body = ByteBuffer(RecordingTransport.answer) else { return .failure(.noMemory) }
        return .success(HTTPResponse(status: 200, contentType: "application/json", body: body))
    }

    func take() -> [HTTPRequest] { sent.withLock { requests in defer { requests = [] }; return requests } }
}

private let defaultURL = "http://127.0.0.1:19530"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = fields(UnsafeRawBufferPointer(start: data, count: size), limit: 6)
    func field(_ index: Int) -> String?? { index < parts.count ? .some(utf8Field(parts[index])) : .none }

    // 0: the base URL.
    var base = try! BaseURL(defaultURL)
    var url = defaultURL
    if case .some(.some(let text)) = field(0) {
        do {
            base = try BaseURL(text)
            url = text
            checkNormalised(base, input: text)
        } catch {
            require(error.kind == MILVUS_ERR_INVALID_ARGUMENT, "BaseURL(\(debugQuoted(text))) failed with \(error.kind.rawValue)")
            requireWellFormed(error, "BaseURL")
        }
    }

    // 2-5: settings, through the same checked setters the C API uses.
    let transport = RecordingTransport()
    let client = try! ImportClient(url: url, transport: transport, sleep: { _ in })  // as milvus_client_new(url)
    require(client.base == base, "client base differs from BaseURL: \(client.base.prefix) vs \(base.prefix)")
    if case .some(.some(let token)) = field(2) { set(client, "token") { (s: inout ClientSettings) throws(ImportError) in try s.setToken(token) } }
    if case .some(.some(let db)) = field(3) { set(client, "database") { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase(db) } }
    if case .some(.some(let name)) = field(4) {
        let value: String?? = field(5)
        let headerValue: String? = value ?? nil
        set(client, "header") { (s: inout ClientSettings) throws(ImportError) in try s.setHeader(name: name, value: headerValue) }
    }

    // 2 with 4 and 5 around it: a server echoing the token inside other text; after
    // redaction no secret's bytes remain (secrets with "*" are skipped: "***" is the mask).
    if case .some(.some(let token)) = field(2), !token.isEmpty {
        var redaction = Redaction()
        redaction.add(token)
        let before: String = (field(4) ?? nil) ?? ""
        let after: String = (field(5) ?? nil) ?? ""
        let shown = redaction.apply(before + token + after)
        for secret in redaction.secrets where !secret.utf8.contains(UInt8(ascii: "*")) {
            require(!shown.containsBytes(secret), "secret \(debugQuoted(secret)) left in \(debugQuoted(shown))")
        }
    }

    // 1: the request, for every operation and every call.
    let requestField = field(1)
    if case .some(.none) = requestField { return 0 }  // not UTF-8: the C edge refuses it
    let request: String? = requestField ?? nil
    if let request, case .success(let value) = JSON.parse(request) {
        do { try RequestBody.checkFiles(value) } catch { requireWellFormed(error, "checkFiles") }
    }
    for operation in Operation.allCases {
        do {
            let body = try RequestBody.parse(request ?? "{}", for: operation)
            checkEncoding(body, request: request)
        } catch {
            require(error.kind == MILVUS_ERR_INVALID_ARGUMENT, "parse failed with \(error.kind.rawValue)")
            requireWellFormed(error, "RequestBody.parse(\(operation))")
        }
    }
    let calls: [(String, Operation, (ImportClient) throws(ImportError) -> ByteBuffer)] = [
        ("list", .list, { (c: ImportClient) throws(ImportError) in try c.listImportJobs(request) }),
        ("list_all", .list, { (c: ImportClient) throws(ImportError) in try c.listAllImportJobs(request) }),
        ("describe", .describe, { (c: ImportClient) throws(ImportError) in try c.getImportProgress(request) }),
        ("create", .create, { (c: ImportClient) throws(ImportError) in try c.bulkImport(request) }),
        ("commit", .commit, { (c: ImportClient) throws(ImportError) in try c.commitImport(request) }),
        ("abort", .abort, { (c: ImportClient) throws(ImportError) in try c.abortImport(request) }),
        ("wait", .describe, { (c: ImportClient) throws(ImportError) in
            try c.waitImportJob(request, timeoutMs: 60_000, pollIntervalMs: 1, onProgress: nil) }),
    ]
    // Each call twice: a call is a function of its request and the client's settings, so
    // the second must send the very same requests.
    var firstRound: [HTTPRequest] = []
    for (name, operation, call) in calls { for round in 0..<2 {
        let accepted = (try? RequestBody.parse(request ?? "{}", for: operation)) != nil
        do {
            let reply = try call(client)
            require(accepted, "\(name): a request parse refuses was sent")
            require(reply.count > 0, "\(name): empty reply")
            let sent = transport.take()
            require(!sent.isEmpty, "\(name): succeeded without a request")
            for http in sent { checkRequest(http, operation: operation, base: base, request: request, name: name) }
            if round == 0 {
                firstRound = sent
            } else {
                require(sent.map(\.url) == firstRound.map(\.url) && sent.map(\.headers) == firstRound.map(\.headers)
                        && sent.map(\.body) == firstRound.map(\.body), "\(name): a repeated call sent other requests")
            }
        } catch {
            // A request the body checks accept fails only when the URL and headers together
            // pass the library's request-head limit (HeaderRules.maxRequestHeadBytes).
            require(!accepted || error.message.contains("are allowed"),
                    "\(name): an accepted request failed: \(error.message)")
            require(error.kind == MILVUS_ERR_INVALID_ARGUMENT, "\(name): failed with kind \(error.kind.rawValue)")
            requireWellFormed(error, name)
            require(transport.take().isEmpty, "\(name): refused, yet a request was sent")
        }
    } }
    return 0
}

private func set(_ client: ImportClient, _ what: String,
                 _ change: (inout ClientSettings) throws(ImportError) -> Void) {
    do { try client.update(change) } catch {
        require(error.kind == MILVUS_ERR_INVALID_ARGUMENT, "setting \(what) failed with \(error.kind.rawValue)")
        requireWellFormed(error, "set \(what)")
    }
}

private func checkNormalised(_ base: BaseURL, input: String) {
    let prefix = base.prefix
    require(prefix.startsWithBytes("http://") || prefix.startsWithBytes("https://"), "scheme of \(debugQuoted(prefix))")
    require(!prefix.endsWithBytes("/"), "trailing slash in \(debugQuoted(prefix))")
    require(!prefix.containsBytes("?") && !prefix.containsBytes("#"), "query or fragment in \(debugQuoted(prefix))")
    require(prefix.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }, "space or control in \(debugQuoted(prefix))")
    let afterScheme = (prefix.byteOffset(of: "://") ?? 0) + 3
    require(prefix.byteOffset(of: "//", from: afterScheme) == nil, "empty path segment in \(debugQuoted(prefix))")
    // The display form: same URL without user:password.
    let display = base.display
    require(display.startsWithBytes("http://") || display.startsWithBytes("https://"), "display scheme")
    let rest = display.bytes(from: display.startsWithBytes("https://") ? 8 : 7)
    let authority = rest.bytes(upTo: rest.byteOffset(of: "/") ?? rest.utf8.count)
    require(!authority.containsBytes("@"), "credentials in display \(debugQuoted(display))")
    require(base.url(for: Operation.list.path) == prefix + Operation.list.path, "url(for:)")
    // The normalised URL is accepted again and reaches a fixed point after one more pass.
    // (Not always after zero: libcurl decodes a percent-encoded host on the first pass and
    // only then recognises it as a numeric IPv4 address, "http://%30" -> "http://0" ->
    // "http://0.0.0.0": the same address; see Tests/fuzz/regressions/request/.)
    do {
        let again = try BaseURL(prefix)
        let third = try BaseURL(again.prefix)
        require(third.prefix == again.prefix,
                "no fixed point: \(debugQuoted(input)) -> \(debugQuoted(prefix)) -> \(debugQuoted(again.prefix)) -> \(debugQuoted(third.prefix))")
        require(third.display == again.display, "display has no fixed point: \(debugQuoted(again.display))")
        require(again.secrets == base.secrets || base.secrets.isEmpty == again.secrets.isEmpty,
                "normalising lost or invented a password")
    } catch {
        require(false, "normalised URL refused: \(debugQuoted(input)) -> \(debugQuoted(prefix)): \(error.message)")
    }
}

private func checkEncoding(_ body: RequestBody, request: String?) {
    let bytes: [UInt8]
    do { bytes = try body.encoded() } catch { require(false, "encoding failed: \(error.message)"); return }
    let reparsed = bytes.withUnsafeBytes { JSON.parse($0) }
    guard case .success(let json) = reparsed else {
        require(false, "encoded body does not parse: \(String(decoding: bytes, as: UTF8.self))")
        return
    }
    require(json.kind == .object, "encoded body is not an object")
    require(json.isEqual(to: body.json), "encoding changed the request")
    if let request {
        // The caller's text goes out byte for byte (escapes, spaces and all).
        require(bytes == Array(request.utf8), "the request text did not go out as given")
    } else if let again = json.serialized() {
        require(again.withBytes { Array($0) } == bytes, "encoding is not stable")
    }
    if request == nil { require(bytes == Array("{}".utf8), "nil request encodes as \(String(decoding: bytes, as: UTF8.self))") }
}

private func checkRequest(_ http: HTTPRequest, operation: Operation, base: BaseURL, request: String?, name: String) {
    let allowedPaths = operation == .describe ? [Operation.describe.path, Operation.getProgress.path] : [operation.path]
    require(allowedPaths.contains { http.url == base.prefix + $0 }, "\(name): sent to \(debugQuoted(http.url))")
    for line in http.headers {
        require(line.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) },
                "\(name): header injection: \(debugQuoted(line)) (request \(debugQuoted(request ?? "nil")))")
        // "Name: value", or "Name;" (libcurl's spelling of a header with an empty value).
        if line.endsWithBytes(";"), HeaderRules.isValidName(line.bytes(upTo: line.utf8.count - 1)) { continue }
        guard let colon = line.byteOffset(of: ":") else {
            require(false, "\(name): header without colon: \(debugQuoted(line))")
            continue
        }
        require(HeaderRules.isValidName(line.bytes(upTo: colon)), "\(name): bad header name in \(debugQuoted(line))")
        require(line.bytes(from: colon).startsWithBytes(": "), "\(name): header value not after \": \": \(debugQuoted(line))")
    }
    require(http.headers.contains("Content-Type: application/json"), "\(name): no JSON content type")
    let parsed = http.body.withUnsafeBytes { JSON.parse($0) }
    guard case .success(let json) = parsed, json.kind == .object else {
        require(false, "\(name): body is not a JSON object")
        return
    }
    // The request's dbName goes out as DB-Name, unless a DB-Name header set on the client wins.
    if let db = json["dbName"]?.string, !db.isEmpty,
       !http.headers.contains(where: { $0.lowercased().startsWithBytes("db-name:") || $0.lowercased() == "db-name;" }) {
        require(false, "\(name): dbName \(debugQuoted(db)) without a DB-Name header")
    }
}
