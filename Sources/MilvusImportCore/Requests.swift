import CJansson
import CMilvusImport

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

/// A request body checked before any I/O, and what it implies for the headers.
struct RequestBody {
    let json: JSON
    /// `dbName` of the request, for the DB-Name header.
    var databaseName: String? {
        guard let name = json["dbName"]?.string, !name.isEmpty else { return nil }
        return name
    }
    /// Object-store keys and tokens in the body, never to be shown.
    var secrets: [String] {
        ["accessKey", "secretKey", "token", "apiKey"].compactMap { json[$0]?.string }.filter { !$0.isEmpty }
    }

    /// `{"jobId": id}`: describe, commit or abort of one job named by the caller.
    static func forJob(_ id: String) throws(ImportError) -> RequestBody {
        guard !id.isEmpty else { throw .invalidArgument("job_id must not be empty") }
        guard let body = JSON.object(), let value = JSON.string(id), body.set("jobId", value) else { throw .noMemory }
        return RequestBody(json: body)
    }

    /// Parses and checks `text` (nil = `{}`) for `operation`.
    static func parse(_ text: String?, for operation: Operation) throws(ImportError) -> RequestBody {
        let json: JSON
        if let text {
            switch JSON.parse(text) {
            case .failure(let error):
                // jansson's "near '...'" quotes the request, which may hold object-store keys.
                let reason = error.text.split(separator: " near ", maxSplits: 1).first.map(String.init) ?? ""
                throw .invalidArgument("request_json is not valid JSON: \(Classification.sanitize(reason))"
                                       + " at byte \(error.position)")
            case .success(let value):
                json = value
            }
            guard json.kind == .object else { throw .invalidArgument("request_json must be a JSON object") }
        } else {
            guard let empty = JSON.object() else { throw .noMemory }
            json = empty
        }
        let body = RequestBody(json: json)
        try body.check(for: operation)
        return body
    }

    /// Fields the library knows, and the JSON kinds they must have.
    private static let stringFields: [StaticString] = [
        "collectionName", "dbName", "partitionName", "clusterId", "projectId", "regionId", "jobId",
        "objectUrl", "accessKey", "secretKey", "token", "volumeName", "apiKey",
    ]
    private static let integerFields: [StaticString] = ["pageSize", "currentPage"]

    func check(for operation: Operation) throws(ImportError) {
        // Type checks by jansson type code: no wrapper objects or strings per field.
        let absent: Int32 = -1, string = Int32(JSON_STRING.rawValue)
        for field in RequestBody.stringFields {
            let type = json.memberType(field)
            if type != absent && type != string {
                throw .invalidArgument("\"\(field)\" must be a string")
            }
        }
        for field in RequestBody.integerFields where json.memberType(field) != absent {
            if let value = json[field.description] {
                guard let number = value.integer else { throw .invalidArgument("\"\(field)\" must be an integer") }
                guard number >= 1 else { throw .invalidArgument("\"\(field)\" must be at least 1") }
            }
        }
        if let database = json["dbName"]?.string, !HeaderRules.isValidValue(database) {
            // It also goes out as the DB-Name header: no CR/LF or other control characters.
            throw .invalidArgument("\"dbName\" must not contain control characters")
        }
        if let files = json["files"] { try RequestBody.checkFiles(files) }
        if let options = json["options"] {
            guard options.kind == .object else {
                throw .invalidArgument("\"options\" must be an object of string values")
            }
            for (key, value) in options.members where value.kind != .string {
                throw .invalidArgument("\"options\" values must be strings (\"\(key)\" is not); e.g. "
                                       + "{\"auto_commit\":\"false\"}")
            }
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
            let sources = ["files", "objectUrl", "objectUrls", "dataPaths"].filter { json[$0] != nil }
            guard !sources.isEmpty else {
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

    /// The body's bytes.
    func encoded() throws(ImportError) -> [UInt8] {
        guard let text = json.serialized() else { throw .noMemory }
        return text.withBytes { Array($0) }
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
