import CMilvusImport

/// A failed call: the C side's `milvus_status` plus what the server said.
///
/// `message` is one line of text for people; it never holds a secret (see `Redaction`).
public struct ImportError: Error, Sendable, Equatable {
    public var kind: milvus_status
    /// The HTTP status of the response behind the error; 0 when none arrived.
    public var httpStatus: Int
    /// The `code` of the server's Milvus envelope; 0 when there was none.
    public var serverCode: Int64
    public var message: String

    public init(_ kind: milvus_status, _ message: String, httpStatus: Int = 0, serverCode: Int64 = 0) {
        self.kind = kind
        self.message = message
        self.httpStatus = httpStatus
        self.serverCode = serverCode
    }

    static func invalidArgument(_ message: String) -> ImportError {
        ImportError(MILVUS_ERR_INVALID_ARGUMENT, message)
    }

    static let noMemory = ImportError(MILVUS_ERR_NO_MEMORY, "out of memory")

    /// The same error with `context: ` in front of its message.
    func prefixed(_ context: String) -> ImportError {
        var copy = self
        copy.message = context + ": " + message
        return copy
    }
}

extension milvus_status: @retroactive Equatable {}

/// Static descriptions of the status kinds, for `milvus_status_string`.
public enum StatusText {
    public static func describe(_ status: Int32) -> StaticString {
        switch status {
        case Int32(MILVUS_OK.rawValue): return "success"
        case Int32(MILVUS_ERR_INVALID_ARGUMENT.rawValue): return "invalid argument"
        case Int32(MILVUS_ERR_TRANSPORT.rawValue): return "transport error"
        case Int32(MILVUS_ERR_TIMEOUT.rawValue): return "timed out"
        case Int32(MILVUS_ERR_TLS.rawValue): return "TLS error"
        case Int32(MILVUS_ERR_HTTP.rawValue): return "HTTP error"
        case Int32(MILVUS_ERR_AUTH.rawValue): return "authentication failed"
        case Int32(MILVUS_ERR_SERVER.rawValue): return "server error"
        case Int32(MILVUS_ERR_MALFORMED_RESPONSE.rawValue): return "malformed response"
        case Int32(MILVUS_ERR_TOO_LARGE.rawValue): return "response too large"
        case Int32(MILVUS_ERR_JOB_NOT_FOUND.rawValue): return "import job not found"
        case Int32(MILVUS_ERR_NO_MEMORY.rawValue): return "out of memory"
        case Int32(MILVUS_ERR_CANCELLED.rawValue): return "cancelled"
        default: return "unknown status"
        }
    }
}
