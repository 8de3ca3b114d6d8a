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
    /// The object store's error code (S3 `Code`, e.g. "NoSuchBucket") of a MILVUS_ERR_STORAGE;
    /// "" otherwise.
    public var storageCode = ""

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

    /// The interrupt stopped `what`, e.g. "list import jobs: interrupted".
    static func interrupted(_ what: String) -> ImportError {
        ImportError(MILVUS_ERR_CANCELLED, what + ": interrupted")
    }

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
    /// Indexed by status: the header numbers them from MILVUS_OK (0) without gaps.
    private static let texts: [StaticString] = [
        "success", "invalid argument", "transport error", "timed out", "TLS error", "HTTP error",
        "authentication failed", "server error", "malformed response", "response too large",
        "import job not found", "out of memory", "cancelled", "object store error",
    ]

    public static func describe(_ status: Int32) -> StaticString {
        texts.indices.contains(Int(status)) ? texts[Int(status)] : "unknown status"
    }
}
