import Glibc

/// What a body says about its call: its own database and the secrets in it.
struct RequestFacts: Sendable {
    /// `dbName`, when it is a non-empty string.
    var database: String?
    /// Whether the body has a `dbName` member at all (then the client's database is not added).
    var namesDatabase = false
    /// Object-store keys and tokens in the body, never to be shown.
    var secrets: [String] = []
}

/// A request body, checked before any I/O. A body parsed from the caller's text goes out
/// as that text, byte for byte; once the library changes it (the client's database, the
/// pages of list-all) it goes out as jansson's compact serialisation, key order kept.
final class RequestBody {
    let json: JSON
    /// The caller's bytes; nil for a body the library built or changed.
    private var text: [UInt8]?
    private(set) var facts: RequestFacts

    private init(json: JSON, text: [UInt8]?) {
        self.json = json
        self.text = text
        facts = RequestBody.facts(of: json)
    }

    /// A body the library built.
    convenience init(json: JSON) {
        self.init(json: json, text: nil)
    }

    /// Sets a member; the body is serialised from now on.
    func set(_ key: String, _ value: JSON) throws(ImportError) {
        guard json.set(key, value) else { throw .noMemory }
        text = nil
        facts = RequestBody.facts(of: json)
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
        let body = RequestBody(json: json, text: bytes)
        try body.check(for: operation)
        return body
    }

    /// The body's bytes: the caller's text as it came, or the compact serialisation.
    func encoded() throws(ImportError) -> [UInt8] {
        if let text { return text }
        guard let serialized = json.serialized() else { throw .noMemory }
        return serialized.withBytes { Array($0) }
    }

    // MARK: The members the library knows

    /// The JSON kind each known member must have, and what else it is: the data of a
    /// create (one of them is required there), a secret, the database.
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

    /// Keys compared as bytes: the caller's bytes are what the server reads.
    private static func field(named key: UnsafeRawBufferPointer) -> Field? {
        guard let keyStart = key.baseAddress else { return nil }
        return knownFields.first { known in
            known.name.utf8CodeUnitCount == key.count && memcmp(known.name.utf8Start, keyStart, key.count) == 0
        }
    }

    private static func facts(of json: JSON) -> RequestFacts {
        var facts = RequestFacts()
        json.forEachMember { key, value in
            switch field(named: key)?.role {
            case .database:
                facts.namesDatabase = true
                facts.database = value.string.flatMap { $0.isEmpty ? nil : $0 }
            case .secret:
                if let secret = value.string, !secret.isEmpty { facts.secrets.append(secret) }
            case .plain, .source, nil:
                break
            }
        }
        return facts
    }

    /// Checks the kind of every known member and the members `operation` requires.
    private func check(for operation: Operation) throws(ImportError) {
        var sources = 0
        try json.forEachMember { (key: UnsafeRawBufferPointer, value: JSON.Borrowed) throws(ImportError) in
            guard let known = RequestBody.field(named: key) else { return }
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
        if let database = facts.database, !HeaderRules.isValidValue(database) {
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
}
