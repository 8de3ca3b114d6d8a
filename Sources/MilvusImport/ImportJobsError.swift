internal import CMilvusImport
internal import MilvusImportCore

/// A failed call of ``ImportJobsClient``: the only error its methods throw.
///
/// ``kind`` says what went wrong, as `milvus_status` does for C callers; the other
/// properties carry what the server or the object store said. ``message`` is one line of
/// text for people that names the call; it never contains the token, a password or a key.
public struct ImportJobsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong: one case for each failure status of the C API's `milvus_status`.
    public enum Kind: Int32, Sendable, Hashable, CaseIterable {
        /// Bad input from the caller; nothing was sent.
        case invalidArgument = 1
        /// DNS, connection refused or reset, a truncated body, a proxy failure.
        case transport = 2
        /// The call's timeout ran out, or the server answered HTTP 408.
        case timeout = 3
        /// The TLS handshake or certificate verification failed.
        case tls = 4
        /// A non-2xx HTTP status other than 401, 403 and 408.
        case http = 5
        /// HTTP 401 or 403, or the server's code 1800 (or Zilliz Cloud's 21119).
        case authentication = 6
        /// A Milvus answer with a non-zero code; ``ImportJobsError/serverCode`` holds it.
        case server = 7
        /// A 2xx answer that is not a Milvus JSON envelope, or lacks what the call reads.
        case malformedResponse = 8
        /// The answer was larger than ``ImportJobsClient/setMaxResponseBytes(_:)`` allows.
        case tooLarge = 9
        /// The server does not know the job (code 2100 up to Milvus 2.6.18, 2101 from 2.6.19).
        case jobNotFound = 10
        /// An allocation failed.
        case noMemory = 11
        /// The calling task was cancelled (or a progress callback stopped a C caller's wait).
        case cancelled = 12
        /// The object store (S3 API) refused a request; ``ImportJobsError/storageCode`` says why.
        case storage = 13
    }

    /// What went wrong.
    public var kind: Kind
    /// The HTTP status of the answer behind the error; 0 when none arrived.
    public var httpStatus: Int
    /// The `code` of the server's Milvus answer; 0 when there was none.
    public var serverCode: Int64
    /// The object store's error code (S3's `Code`, e.g. "NoSuchBucket") of a ``Kind/storage``
    /// error; nil otherwise.
    public var storageCode: String?
    /// One line for people, naming the call, e.g. "list import jobs: server error 100: ...".
    public var message: String

    /// An error with the given values.
    public init(kind: Kind, message: String, httpStatus: Int = 0, serverCode: Int64 = 0,
                storageCode: String? = nil) {
        self.kind = kind
        self.message = message
        self.httpStatus = httpStatus
        self.serverCode = serverCode
        self.storageCode = storageCode
    }

    /// The core's error: its `milvus_status` becomes ``kind`` (the core makes failure
    /// statuses only; anything else would be a server error).
    init(_ error: ImportError) {
        self.init(kind: Kind(rawValue: Int32(error.kind.rawValue)) ?? .server, message: error.message,
                  httpStatus: error.httpStatus, serverCode: error.serverCode,
                  storageCode: error.storageCode.isEmpty ? nil : error.storageCode)
    }

    /// The message.
    public var description: String { message }
}
