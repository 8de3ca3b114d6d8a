import CMilvusImport
import Glibc

/// The import REST endpoints.
public enum Operation: Sendable, CaseIterable {
    case list, create, describe, getProgress, commit, abort

    public var path: String {
        switch self {
        case .list: return "/v2/vectordb/jobs/import/list"
        case .create: return "/v2/vectordb/jobs/import/create"
        case .describe: return "/v2/vectordb/jobs/import/describe"
        case .getProgress: return "/v2/vectordb/jobs/import/get_progress"
        case .commit: return "/v2/vectordb/jobs/import/commit"
        case .abort: return "/v2/vectordb/jobs/import/abort"
        }
    }

    /// The position in `allCases`.
    var index: Int {
        switch self {
        case .list: return 0
        case .create: return 1
        case .describe: return 2
        case .getProgress: return 3
        case .commit: return 4
        case .abort: return 5
        }
    }

    /// Words for messages: "list import jobs: ...".
    var title: String {
        switch self {
        case .list: return "list import jobs"
        case .create: return "create import job"
        case .describe, .getProgress: return "describe import job"
        case .commit: return "commit import job"
        case .abort: return "abort import job"
        }
    }

    /// Reads may be retried; create only with an Idempotency-Key; commit and abort never.
    func retryable(hasIdempotencyKey: Bool) -> Bool {
        switch self {
        case .list, .describe, .getProgress: return true
        case .create: return hasIdempotencyKey
        case .commit, .abort: return false
        }
    }
}

/// What the check of a body found: what the headers and the redaction of messages need.
struct RequestFacts: Sendable {
    /// `dbName`, when a non-empty string: the DB-Name header.
    var databaseName: String?
    /// Whether the body has a `dbName` member (then the client's database is not added).
    var namesDatabase = false
    /// Object-store keys and tokens in the body, never to be shown.
    var secrets: [String] = []

    /// The body's `dbName` member is `name` (nil: not a string).
    mutating func noteDatabase(_ name: String?) {
        namesDatabase = true
        databaseName = name.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A request body checked before any I/O, and what it implies for the headers.
/// A body parsed from the caller's text goes out as that text, byte for byte, until the
/// library changes it (the client's database, paging): no second serialisation.
final class RequestBody {
    /// The tree; nil for a body made from a text checked before (`CheckedRequest`) until
    /// something needs it, then parsed from that text.
    private var tree: JSON?
    /// The caller's bytes, valid JSON; nil once `set` has changed the body.
    private var text: [UInt8]?
    private(set) var facts: RequestFacts

    /// A body the library built (its facts read from the tree).
    init(json: JSON) {
        tree = json
        facts = RequestFacts()
        json.forEachMember { key, value in RequestBody.note(key, value, in: &facts) }
    }

    private init(tree: JSON?, text: [UInt8], facts: RequestFacts) {
        self.tree = tree
        self.text = text
        self.facts = facts
    }

    /// A body made from a text this client checked before for the same operation.
    convenience init(checked: CheckedRequest) {
        self.init(tree: nil, text: checked.text, facts: checked.facts)
    }

    /// The body as a jansson tree (parsed now if the body was made from a checked text).
    func json() throws(ImportError) -> JSON {
        if let tree { return tree }
        // The text passed the check before: only a lack of memory can fail here.
        guard let text, case .success(let parsed) = text.withUnsafeBytes({ JSON.parse($0) }) else {
            throw .noMemory
        }
        tree = parsed
        return parsed
    }

    /// Sets a member; the body is serialised from now on.
    func set(_ key: String, _ value: JSON) throws(ImportError) {
        guard try json().set(key, value) else { throw .noMemory }
        text = nil
        if key == "dbName" { facts.noteDatabase(value.string) }
    }

    /// `{"jobId": id}`: describe, commit or abort of one job named by the caller.
    static func forJob(_ id: String) throws(ImportError) -> RequestBody {
        guard !id.isEmpty else { throw .invalidArgument("job_id must not be empty") }
        guard let body = JSON.object(), let value = JSON.string(id), body.set("jobId", value) else { throw .noMemory }
        return RequestBody(json: body)
    }

    /// Parses and checks `text` for `operation`.
    static func parse(_ text: String, for operation: Operation) throws(ImportError) -> RequestBody {
        let bytes = Array(text.utf8)
        let json: JSON
        switch bytes.withUnsafeBytes({ JSON.parse($0) }) {
        case .failure(let error):
            // jansson's "near '...'" quotes the request, which may hold object-store keys.
            let reason = error.text.split(separator: " near ", maxSplits: 1).first.map(String.init) ?? ""
            throw .invalidArgument("request_json is not valid JSON: \(Classification.sanitize(reason))"
                                   + " at byte \(error.position)")
        case .success(let value):
            json = value
        }
        guard json.kind == .object else { throw .invalidArgument("request_json must be a JSON object") }
        let body = RequestBody(tree: json, text: bytes, facts: RequestFacts())
        try body.check(for: operation)
        return body
    }

    /// The caller's text and what its check found, for `CheckedRequest`; nil once changed.
    var checkedText: (text: [UInt8], facts: RequestFacts)? { text.map { ($0, facts) } }

    /// The members the library knows, the JSON kind each must have, and what else each is:
    /// the data of a create (one of them is required there), a secret, the database.
    private enum Shape {
        case string, positiveInteger, files, options, any
    }
    private enum Role {
        case plain, source, secret, database
    }
    private typealias Field = (name: StaticString, shape: Shape, role: Role)
    private static let knownFields: [Field] = [
        ("collectionName", .string, .plain), ("dbName", .string, .database), ("partitionName", .string, .plain),
        ("clusterId", .string, .plain), ("projectId", .string, .plain), ("regionId", .string, .plain),
        ("jobId", .string, .plain), ("objectUrl", .string, .source), ("accessKey", .string, .secret),
        ("secretKey", .string, .secret), ("token", .string, .secret), ("volumeName", .string, .plain),
        ("apiKey", .string, .secret), ("pageSize", .positiveInteger, .plain), ("currentPage", .positiveInteger, .plain),
        ("files", .files, .source), ("options", .options, .plain), ("objectUrls", .any, .source),
        ("dataPaths", .any, .source),
    ]

    /// The body's own database and secrets, from one member.
    private static func note(_ key: UnsafeRawBufferPointer, _ value: JSON.Borrowed, in facts: inout RequestFacts) {
        guard let known = field(named: key) else { return }
        note(known.role, value, in: &facts)
    }

    private static func note(_ role: Role, _ value: JSON.Borrowed, in facts: inout RequestFacts) {
        switch role {
        case .database:
            facts.noteDatabase(value.string)
        case .secret:
            if let secret = value.string, !secret.isEmpty { facts.secrets.append(secret) }
        case .plain, .source:
            break
        }
    }

    private static func field(named key: UnsafeRawBufferPointer) -> Field? {
        guard let keyStart = key.baseAddress else { return nil }
        return knownFields.first { known in
            known.name.utf8CodeUnitCount == key.count && memcmp(known.name.utf8Start, keyStart, key.count) == 0
        }
    }

    /// One pass over the members, each compared with the table (no lookup per known field);
    /// it also finds the facts.
    func check(for operation: Operation) throws(ImportError) {
        var sources = 0
        var found = RequestFacts()
        let json = try self.json()
        try json.forEachMember { (key: UnsafeRawBufferPointer, value: JSON.Borrowed) throws(ImportError) in
            guard let known = RequestBody.field(named: key) else { return }
            RequestBody.note(known.role, value, in: &found)
            if known.role == .source { sources += 1 }
            switch known.shape {
            case .string:
                guard value.kind == .string else { throw .invalidArgument("\"\(known.name)\" must be a string") }
            case .positiveInteger:
                guard let number = value.integer else { throw .invalidArgument("\"\(known.name)\" must be an integer") }
                guard number >= 1 else { throw .invalidArgument("\"\(known.name)\" must be at least 1") }
            case .files:
                try RequestBody.checkFiles(value.owned())
            case .options:
                let options = value.owned()
                guard options.kind == .object else {
                    throw .invalidArgument("\"options\" must be an object of string values")
                }
                for (key, value) in options.members where value.kind != .string {
                    throw .invalidArgument("\"options\" values must be strings (\"\(key)\" is not); e.g. "
                                           + "{\"auto_commit\":\"false\"}")
                }
            case .any:
                break
            }
        }
        facts = found
        if let database = found.databaseName, !HeaderRules.isValidValue(database) {
            // It also goes out as the DB-Name header: no CR/LF or other control characters.
            throw .invalidArgument("\"dbName\" must not contain control characters")
        }
        switch operation {
        case .describe, .getProgress, .commit, .abort:
            guard let id = json["jobId"]?.string, !id.isEmpty else {
                throw .invalidArgument("\"jobId\" is required (a non-empty string)")
            }
        case .create:
            guard let name = json["collectionName"]?.string, !name.isEmpty else {
                throw .invalidArgument("\"collectionName\" is required (a non-empty string)")
            }
            guard sources > 0 else {
                throw .invalidArgument("\"files\" is required: a list of lists of file paths, e.g. [[\"a.parquet\"]]")
            }
        case .list:
            break
        }
    }

    /// `files`: a non-empty list of non-empty lists of non-empty strings.
    static func checkFiles(_ files: JSON) throws(ImportError) {
        let shape = "\"files\" must be a list of lists of strings, e.g. [[\"a.parquet\"],[\"b.json\"]]"
        guard files.kind == .array, files.count > 0 else { throw .invalidArgument(shape) }
        for group in files.elements {
            guard group.kind == .array, group.count > 0 else { throw .invalidArgument(shape) }
            for path in group.elements {
                guard let text = path.string, !text.isEmpty else { throw .invalidArgument(shape) }
            }
        }
    }

    /// The body's bytes: the caller's text as it came, or the compact serialisation.
    func encoded() throws(ImportError) -> [UInt8] {
        if let text { return text }
        guard let serialized = try json().serialized() else { throw .noMemory }
        return serialized.withBytes { Array($0) }
    }
}

/// Header names and values the library will send.
enum HeaderRules {
    /// The largest URL plus headers the library sends (libcurl refuses a request head over 1 MiB).
    static let maxRequestHeadBytes = 512 * 1024

    /// RFC 9110 token characters.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// No CR, LF, NUL or other control characters but tab (header injection).
    static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// Headers whose values are credentials.
    static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["authorization", "proxy-authorization", "cookie", "token", "key", "secret", "password"]
            .contains { lowered.contains($0) } && lowered != "idempotency-key"
    }
}

/// A request text that passed the check for an operation, and what the check found.
/// Never changed once made, so threads share it; a body made from it parses the text
/// again only if something needs the tree (paging, the client's database).
final class CheckedRequest: Sendable {
    let operation: Operation
    let text: [UInt8]
    let facts: RequestFacts

    /// Texts longer than this are not kept (bulk_import with many files is rarely repeated).
    static let maxBytes = 4096

    /// nil when the body is no longer the caller's text, the text is long, or it holds
    /// object-store keys or tokens (not kept in memory past the call).
    convenience init?(_ body: RequestBody, _ operation: Operation) {
        guard let (text, facts) = body.checkedText, text.count <= CheckedRequest.maxBytes, facts.secrets.isEmpty
        else { return nil }
        self.init(operation: operation, text: text, facts: facts)
    }

    init(operation: Operation, text: [UInt8], facts: RequestFacts) {
        self.operation = operation
        self.text = text
        self.facts = facts
    }

    /// Whether `text` is this text, byte for byte, checked for the same operation.
    func matches(_ other: String, _ operation: Operation) -> Bool {
        guard operation == self.operation else { return false }
        var other = other
        return other.withUTF8 { bytes in
            text.withUnsafeBytes { known in
                guard bytes.count == known.count, let left = bytes.baseAddress, let right = known.baseAddress
                else { return false }
                return memcmp(left, right, known.count) == 0
            }
        }
    }
}
