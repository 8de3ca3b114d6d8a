internal import MilvusImportCore

/// The state of an import job, as the server names it.
///
/// Servers add states over time: a name this version does not know is kept as
/// ``unknown(_:)``, and ``rawValue`` always gives the server's text back.
public enum ImportJobState: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// Queued (progress 0 to 10).
    case pending
    /// Reading files, sorting, building indexes (progress 10 to 90, or 99 before the end).
    case importing
    /// Every row is in (progress 100). A wait ends here.
    case completed
    /// The job failed; the job's `reason` says why. A wait ends here.
    case failed
    /// A two-phase job (Milvus 3.0) waiting for commit or abort. A wait ends here.
    case uncommitted
    /// A two-phase job being committed.
    case committing
    /// The server's word for a job it cannot describe; a wait on it fails.
    case none
    /// A state this version does not know, with the server's name for it.
    case unknown(String)

    /// The state the server names `rawValue`.
    public init(rawValue: String) {
        switch rawValue {
        case "Pending": self = .pending
        case "Importing": self = .importing
        case "Completed": self = .completed
        case "Failed": self = .failed
        case "Uncommitted": self = .uncommitted
        case "Committing": self = .committing
        case "None": self = .none
        default: self = .unknown(rawValue)
        }
    }

    /// The server's name of the state, e.g. "Importing".
    public var rawValue: String {
        switch self {
        case .pending: return "Pending"
        case .importing: return "Importing"
        case .completed: return "Completed"
        case .failed: return "Failed"
        case .uncommitted: return "Uncommitted"
        case .committing: return "Committing"
        case .none: return "None"
        case .unknown(let name): return name
        }
    }

    /// The server's name of the state.
    public var description: String { rawValue }
}

/// The state of one file (group) of a job: the server's per-file vocabulary, which differs
/// from the job's. A name this version does not know is kept as ``unknown(_:)``.
public enum ImportFileState: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// Not started.
    case pending
    /// Being read.
    case inProgress
    /// Every row of the file is in.
    case completed
    /// The file failed; its `reason` says why.
    case failed
    /// Failed once, to be tried again.
    case retry
    /// A state this version does not know, with the server's name for it.
    case unknown(String)

    /// The state the server names `rawValue`.
    public init(rawValue: String) {
        switch rawValue {
        case "Pending": self = .pending
        case "InProgress": self = .inProgress
        case "Completed": self = .completed
        case "Failed": self = .failed
        case "Retry": self = .retry
        default: self = .unknown(rawValue)
        }
    }

    /// The server's name of the state, e.g. "InProgress".
    public var rawValue: String {
        switch self {
        case .pending: return "Pending"
        case .inProgress: return "InProgress"
        case .completed: return "Completed"
        case .failed: return "Failed"
        case .retry: return "Retry"
        case .unknown(let name): return name
        }
    }

    /// The server's name of the state.
    public var description: String { rawValue }
}

/// One import job as a list shows it.
public struct ImportJob: Sendable, Hashable {
    /// The job's id: opaque text (an int64 in decimal on Milvus, "job-..." on Zilliz Cloud).
    public var jobId: String
    /// The collection the job imports into.
    public var collectionName: String
    /// Where the job is.
    public var state: ImportJobState
    /// Percent done, 0 to 100 (0 for a failed job).
    public var progress: Int
    /// Why the job failed; nil when the server gives no reason.
    public var reason: String?

    /// A job with the given values.
    public init(jobId: String, collectionName: String, state: ImportJobState, progress: Int, reason: String? = nil) {
        self.jobId = jobId
        self.collectionName = collectionName
        self.state = state
        self.progress = progress
        self.reason = reason
    }
}

/// One file (group) of a job as describe shows it.
public struct ImportFileProgress: Sendable, Hashable {
    /// The file group as the server prints it, e.g. "[a.json]".
    public var fileName: String
    /// The size in bytes.
    public var fileSize: Int64
    /// Percent done, 0 to 100.
    public var progress: Int
    /// Where the file is.
    public var state: ImportFileState
    /// Rows imported so far.
    public var importedRows: Int64
    /// Rows in the file.
    public var totalRows: Int64
    /// When the file was done, as the server wrote it (RFC 3339); nil until then.
    public var completeTime: String?
    /// Why the file failed; nil when the server gives no reason.
    public var reason: String?
}

/// One import job as describe shows it: its state, rows, times and files.
public struct ImportJobProgress: Sendable, Hashable {
    /// The job's id.
    public var jobId: String
    /// The collection the job imports into.
    public var collectionName: String
    /// Where the job is.
    public var state: ImportJobState
    /// Percent done, 0 to 100 (0 for a failed job).
    public var progress: Int
    /// Why the job failed; nil when the server gives no reason.
    public var reason: String?
    /// Rows imported so far.
    public var importedRows: Int64
    /// Rows in all the job's files.
    public var totalRows: Int64
    /// The size of all the job's files in bytes.
    public var fileSize: Int64
    /// When the job was created (RFC 3339; Milvus 2.6.5 and later); nil when not given.
    public var createTime: String?
    /// When the job completed (RFC 3339, the server's time zone); nil until then and for a
    /// failed job.
    public var completeTime: String?
    /// One entry per file group; empty until the job starts importing.
    public var details: [ImportFileProgress]
    /// The describe answer as the server sent it: `{"code":0,"data":{...}}`.
    public var raw: String
}

// MARK: - Decoding

extension JSON {
    /// A member's text; nil when missing, not a string, or empty.
    func text(_ key: String) -> String? {
        guard let value = self[key]?.string, !value.isEmpty else { return nil }
        return value
    }

    /// A member's integer; 0 when missing or not an integer.
    func number(_ key: String) -> Int64 { self[key]?.integer ?? 0 }

    /// The `data` object of a Milvus answer the core has checked.
    static func data(of answer: ByteBuffer, call: String) throws(ImportJobsError) -> JSON {
        let parsed = answer.withBytes { JSON.parse($0) }
        guard case .success(let envelope) = parsed, let data = envelope["data"], data.kind == .object else {
            throw ImportJobsError(kind: .malformedResponse, message: "\(call): the answer has no data object",
                                  httpStatus: 200)
        }
        return data
    }
}

extension ImportJob {
    /// A list record; members the server left out read as "" and 0.
    init(record: JSON) {
        self.init(jobId: record.text("jobId") ?? "", collectionName: record.text("collectionName") ?? "",
                  state: ImportJobState(rawValue: record.text("state") ?? ""), progress: Int(record.number("progress")),
                  reason: record.text("reason"))
    }

    /// The records of a list answer.
    static func list(_ answer: ByteBuffer) throws(ImportJobsError) -> [ImportJob] {
        let data = try JSON.data(of: answer, call: "list import jobs")
        guard let records = data["records"], records.kind == .array else {
            throw ImportJobsError(kind: .malformedResponse, message: "list import jobs: the answer has no data.records list",
                                  httpStatus: 200)
        }
        return records.elements.map(ImportJob.init(record:))
    }
}

extension ImportJobProgress {
    /// A describe answer; members the server left out read as "", 0 and nil.
    init(answer: ByteBuffer) throws(ImportJobsError) {
        let data = try JSON.data(of: answer, call: "describe import job")
        jobId = data.text("jobId") ?? ""
        collectionName = data.text("collectionName") ?? ""
        state = ImportJobState(rawValue: data.text("state") ?? "")
        progress = Int(data.number("progress"))
        reason = data.text("reason")
        importedRows = data.number("importedRows")
        totalRows = data.number("totalRows")
        fileSize = data.number("fileSize")
        createTime = data.text("createTime")
        completeTime = data.text("completeTime")
        details = (data["details"]?.elements ?? []).map { file in
            ImportFileProgress(fileName: file.text("fileName") ?? "", fileSize: file.number("fileSize"),
                               progress: Int(file.number("progress")),
                               state: ImportFileState(rawValue: file.text("state") ?? ""),
                               importedRows: file.number("importedRows"), totalRows: file.number("totalRows"),
                               completeTime: file.text("completeTime"), reason: file.text("reason"))
        }
        raw = answer.text
    }
}
