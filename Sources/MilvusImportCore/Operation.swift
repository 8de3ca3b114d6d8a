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

    /// What a 404 without a Milvus envelope means at this endpoint.
    public var missingRoute: String {
        switch self {
        case .commit, .abort:
            return "the server has no two-phase import at this URL: commit and abort need Milvus 3.0"
                + " (or the port or path prefix is wrong)"
        case .list, .create, .describe, .getProgress:
            return "the server has no import REST API at this URL: a Milvus older than 2.4,"
                + " the wrong port, or a wrong path prefix"
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

    /// Whether the client's database goes into a body that names none (list and create
    /// take "dbName" in the body; the others only read the DB-Name header).
    var takesDatabaseInBody: Bool { self == .list || self == .create }
}
