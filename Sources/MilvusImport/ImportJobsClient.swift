internal import MilvusImportCore

/// A client for one Milvus server's bulk-import jobs: list, create, describe, wait, commit
/// and abort, and the file imports of the object-store calls.
///
/// ```swift
/// let client = try ImportJobsClient(url: "http://127.0.0.1:19530", token: "root:Milvus")
/// let id = try await client.bulkImport(collectionName: "quick_setup", files: [["a.json"]])
/// let done = try await client.waitForImportJob(id, timeout: .seconds(600))
/// ```
///
/// One client is meant to be shared: it is `Sendable`, its calls may run from many tasks at
/// once and reuse its connections. A setting changed with a `set...` method applies to the
/// calls that start afterwards.
///
/// Every call is `async` and runs the blocking HTTP work on a Dispatch thread, never on the
/// cooperative thread pool. Cancelling the calling task stops the call within about 100 ms
/// (a wait's pause included), and the call throws an ``ImportJobsError`` of kind
/// ``ImportJobsError/Kind/cancelled`` (not `CancellationError`): every failure is one error
/// type. Each call is bounded as a whole by the client's timeout (``setTimeout(_:)``), retries
/// included; a wait by its own `timeout`.
///
/// The typed results come with the server's JSON at hand: ``ImportJobProgress/raw``, and the
/// `raw...` methods that send a request body as given and return the answer as text.
public final class ImportJobsClient: Sendable {
    private let core: ImportClient

    /// A client for the server at `url`.
    ///
    /// - Parameters:
    ///   - url: The server's base URL, e.g. "http://127.0.0.1:19530" or a Zilliz Cloud endpoint.
    ///   - token: "user:password" on Milvus with authentication on, or an API key; nil: none.
    ///   - database: The database of collection names; nil: the server's default.
    /// - Throws: ``ImportJobsError/Kind/invalidArgument`` for a URL that is not http(s) or a
    ///   token or database name with control characters.
    public init(url: String, token: String? = nil, database: String? = nil) throws(ImportJobsError) {
        var settings = ClientSettings()
        do {
            try settings.setToken(token)
            try settings.setDatabase(database)
            core = try ImportClient(url: url, settings: settings)
        } catch {
            throw ImportJobsError(error)
        }
    }

    // MARK: - Settings

    private func update(_ change: (inout ClientSettings) throws(ImportError) -> Void) throws(ImportJobsError) {
        do {
            try core.update(change)
        } catch {
            throw ImportJobsError(error)
        }
    }

    /// Sets the token sent as `Authorization: Bearer`: "user:password" or an API key; nil: none.
    public func setToken(_ token: String?) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setToken(token) }
    }

    /// Sets the database of collection names (sent as `dbName` and `DB-Name`); nil: the default.
    public func setDatabase(_ name: String?) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase(name) }
    }

    /// Sets the longest a whole call may take, retries and their pauses included (default 20 s).
    public func setTimeout(_ timeout: Duration) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setTimeout(ms: timeout.wholeMilliseconds) }
    }

    /// Sets the longest one HTTP attempt may take; nil (the default): what is left of the call's timeout.
    public func setAttemptTimeout(_ timeout: Duration?) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            try s.setAttemptTimeout(ms: timeout?.wholeMilliseconds ?? 0)
        }
    }

    /// Sets the longest connecting may take (default 10 s).
    public func setConnectTimeout(_ timeout: Duration) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            try s.setConnectTimeout(ms: timeout.wholeMilliseconds)
        }
    }

    /// Sets how HTTPS servers are checked: `verifyPeer` false trusts any certificate (tests
    /// only); `caFile` a PEM file of trusted CAs, nil: the system's.
    public func setTLS(verifyPeer: Bool = true, caFile: String? = nil) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in s.setTLS(verifyPeer: verifyPeer, caFile: caFile) }
    }

    /// Sets the client certificate and key (PEM files) for servers that ask for one; nil: none.
    public func setClientCertificate(certFile: String?, keyFile: String? = nil) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            try s.setClientCertificate(certFile: certFile, keyFile: keyFile)
        }
    }

    /// Sets a header sent with every call (names compared without case); `value` nil removes it.
    public func setHeader(_ name: String, value: String?) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setHeader(name: name, value: value) }
    }

    /// Sets the proxy: a URL such as "http://proxy:3128", "" for none, nil (the default) for
    /// the environment's (`https_proxy`, `no_proxy`...).
    public func setProxy(_ url: String?) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setProxy(url) }
    }

    /// Sets how often a failed read (list, describe) is retried: 0 to 10 (default 2). Create
    /// is retried only with an `Idempotency-Key` header; commit and abort never.
    public func setMaxRetries(_ count: Int) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setMaxRetries(count) }
    }

    /// Sets the base of the exponential backoff between retries, 0 to 60 s (default 250 ms).
    public func setRetryBackoff(_ backoff: Duration) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            try s.setRetryBackoff(ms: backoff.wholeMilliseconds)
        }
    }

    /// Sets the largest answer accepted, in bytes (default 256 MiB).
    public func setMaxResponseBytes(_ bytes: Int64) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setMaxResponseBytes(bytes) }
    }

    /// Sets the S3-compatible object store of ``uploadFiles(request:)`` and
    /// ``importFiles(request:timeout:pollInterval:)``.
    ///
    /// - Parameters:
    ///   - endpoint: The store's URL, e.g. "http://127.0.0.1:9000"; nil: AWS S3 in `region`.
    ///   - region: The signing region; nil: "us-east-1".
    ///   - virtualHost: Bucket in the host name (bucket.host/key) instead of the path.
    public func setStorage(endpoint: String?, region: String? = nil, accessKey: String, secretKey: String,
                           sessionToken: String? = nil, virtualHost: Bool = false) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            s.setStorage(try StorageSettings(endpoint: endpoint, region: region, accessKey: accessKey,
                                             secretKey: secretKey, sessionToken: sessionToken))
            try s.setStorageVirtualHost(virtualHost)
        }
    }

    /// Sets the part size of multipart uploads, 5 MiB to 5 GiB (default 64 MiB).
    public func setUploadPartSize(_ bytes: Int64) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in try s.setUploadPartSize(bytes) }
    }

    /// Sets how long an upload may go without moving a byte before it fails (default 60 s).
    public func setUploadStallTimeout(_ timeout: Duration) throws(ImportJobsError) {
        try update { (s: inout ClientSettings) throws(ImportError) in
            try s.setUploadStallTimeout(ms: timeout.wholeMilliseconds)
        }
    }

    // MARK: - Import jobs

    /// The import jobs of a collection, or of every collection, every page merged.
    ///
    /// - Parameter collectionName: The collection; nil: every job the server shows (on
    ///   Milvus, those of every database).
    public func listImportJobs(collectionName: String? = nil) async throws(ImportJobsError) -> [ImportJob] {
        let request = try Self.request(collectionName.map { [("collectionName", JSON.string($0))] } ?? [])
        let core = self.core
        return try ImportJob.list(await blocking { (interrupt) throws(ImportError) in
            try core.listAllImportJobs(request, interrupt: interrupt)
        })
    }

    /// Creates an import job and returns its id.
    ///
    /// - Parameters:
    ///   - collectionName: The collection to import into.
    ///   - files: The files in the object store of the server, one inner list per job file
    ///     group: `[["a.json"], ["b.parquet"]]`, or a NumPy group `[["id.npy", "vector.npy"]]`.
    ///   - partitionName: The partition; nil: the default one.
    ///   - options: The server's import options, e.g. `["timeout": "300s"]`.
    /// - Returns: The new job's id.
    public func bulkImport(collectionName: String, files: [[String]], partitionName: String? = nil,
                           options: [String: String] = [:]) async throws(ImportJobsError) -> String {
        guard !collectionName.isEmpty else {
            throw ImportJobsError(kind: .invalidArgument, message: "collectionName must not be empty")
        }
        var members = [("collectionName", JSON.string(collectionName)), ("files", try Self.files(files))]
        if let partitionName { members.append(("partitionName", JSON.string(partitionName))) }
        if !options.isEmpty {
            members.append(("options", try Self.object(options.map { ($0.key, JSON.string($0.value)) })))
        }
        let request = try Self.request(members)
        let core = self.core
        let answer = try await blocking { (interrupt) throws(ImportError) in
            try core.bulkImport(request, interrupt: interrupt)
        }
        guard let jobId = try JSON.data(of: answer, call: "create import job").text("jobId") else {
            throw ImportJobsError(kind: .malformedResponse, message: "create import job: the answer has no data.jobId",
                                  httpStatus: 200)
        }
        return jobId
    }

    /// Describes a job: its state, progress, rows, times and files.
    public func getImportProgress(_ jobId: String) async throws(ImportJobsError) -> ImportJobProgress {
        let request = try Self.request([("jobId", JSON.string(jobId))])
        let core = self.core
        return try ImportJobProgress(answer: await blocking { (interrupt) throws(ImportError) in
            try core.getImportProgress(request, interrupt: interrupt)
        })
    }

    /// Describes a job until it is ``ImportJobState/completed``, ``ImportJobState/failed`` or
    /// ``ImportJobState/uncommitted``, and returns that last description. A failed job is a
    /// result, not an error: check its ``ImportJobProgress/state`` and ``ImportJobProgress/reason``.
    ///
    /// - Parameters:
    ///   - jobId: The job.
    ///   - timeout: The longest the wait may take; it then throws ``ImportJobsError/Kind/timeout``.
    ///   - pollInterval: The pause between two describes (at most `timeout`).
    ///   - onProgress: Called with each description, on the wait's own thread.
    /// - Throws: ``ImportJobsError/Kind/cancelled`` promptly when the task is cancelled,
    ///   ``ImportJobsError/Kind/jobNotFound`` for a job the server does not know,
    ///   ``ImportJobsError/Kind/server`` for the state None.
    public func waitForImportJob(_ jobId: String, timeout: Duration, pollInterval: Duration = .seconds(1),
                                 onProgress: (@Sendable (ImportJobProgress) -> Void)? = nil)
        async throws(ImportJobsError) -> ImportJobProgress {
        let core = self.core
        let progress = onProgress.map { report in
            { @Sendable (answer: ByteBuffer) -> Bool in
                // The core has checked the answer's data.state: it decodes.
                if let job = try? ImportJobProgress(answer: answer) { report(job) }
                return true
            }
        }
        return try ImportJobProgress(answer: await blocking { (interrupt) throws(ImportError) in
            try core.waitImportJob(jobId: jobId, timeoutMs: timeout.wholeMilliseconds,
                                   pollIntervalMs: pollInterval.wholeMilliseconds, onProgress: progress,
                                   interrupt: interrupt)
        })
    }

    /// Commits a two-phase job (created with `options: ["auto_commit": "false"]`; Milvus 3.0).
    public func commitImport(_ jobId: String) async throws(ImportJobsError) {
        let request = try Self.request([("jobId", JSON.string(jobId))])
        let core = self.core
        _ = try await blocking { (interrupt) throws(ImportError) in try core.commitImport(request, interrupt: interrupt) }
    }

    /// Aborts a two-phase job before its commit (Milvus 3.0); the job ends Failed.
    public func abortImport(_ jobId: String) async throws(ImportJobsError) {
        let request = try Self.request([("jobId", JSON.string(jobId))])
        let core = self.core
        _ = try await blocking { (interrupt) throws(ImportError) in try core.abortImport(request, interrupt: interrupt) }
    }

    // MARK: - The JSON calls

    /// One list request with `request` as its body (nil: `{}`), e.g.
    /// `{"collectionName":"quick_setup","pageSize":10,"currentPage":2}`; the answer's JSON text.
    public func rawListImportJobs(request: String? = nil) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.listImportJobs(request, interrupt: interrupt).text
        }
    }

    /// A describe request with `request` as its body, e.g. `{"jobId":"448761313698322011"}`;
    /// the answer's JSON text.
    public func rawGetImportProgress(request: String) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.getImportProgress(request, interrupt: interrupt).text
        }
    }

    /// A create request with `request` as its body, e.g.
    /// `{"collectionName":"c","files":[["a.json"]]}`; the answer's JSON text.
    public func rawBulkImport(request: String) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.bulkImport(request, interrupt: interrupt).text
        }
    }

    /// Waits for several jobs at one list request per poll. `request`: `{"jobIds":[...]}`
    /// with optional "collectionName" and "dbName". Returns
    /// `{"code":0,"data":{"jobs":[<each job's last describe data>]}}`.
    public func waitForImportJobs(request: String, timeout: Duration,
                                  pollInterval: Duration = .seconds(1)) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.waitImportJobs(request, timeoutMs: timeout.wholeMilliseconds,
                                    pollIntervalMs: pollInterval.wholeMilliseconds, onProgress: nil,
                                    interrupt: interrupt).text
        }
    }

    /// Uploads local files to the object store (``setStorage(endpoint:region:accessKey:secretKey:sessionToken:virtualHost:)``).
    /// `request`: `{"bucket":"b","prefix":"p","paths":["rows.json"]}`. Returns
    /// `{"code":0,"data":{"objects":[...]}}`.
    public func uploadFiles(request: String) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.uploadFiles(request: request, onProgress: nil, interrupt: interrupt).text
        }
    }

    /// Local files to imported rows in one call: uploads what the bucket lacks, creates the
    /// jobs and waits for them. `request` is the C API's (`milvus_client_import_files`), e.g.
    /// `{"collectionName":"c","bucket":"b","paths":["rows.json"]}`. Returns
    /// `{"code":0,"data":{"jobs":[...],"objects":[...]}}`.
    public func importFiles(request: String, timeout: Duration,
                            pollInterval: Duration = .seconds(1)) async throws(ImportJobsError) -> String {
        let core = self.core
        return try await blocking { (interrupt) throws(ImportError) in
            try core.importFiles(request, timeoutMs: timeout.wholeMilliseconds,
                                 pollIntervalMs: pollInterval.wholeMilliseconds, onProgress: nil,
                                 interrupt: interrupt).text
        }
    }

    // MARK: - Request bodies

    /// A JSON object of `members`, as text. A nil value is a value that could not be made.
    private static func request(_ members: [(String, JSON?)]) throws(ImportJobsError) -> String {
        guard let text = try object(members).serialized() else { throw noMemory }
        return text.text
    }

    /// A JSON object of `members`; a nil value is a value that could not be made.
    private static func object(_ members: [(String, JSON?)]) throws(ImportJobsError) -> JSON {
        guard let object = JSON.object() else { throw noMemory }
        for (key, value) in members {
            guard let value, object.set(key, value) else { throw noMemory }
        }
        return object
    }

    /// `[["a.json"], ...]` as a JSON array of arrays of strings.
    private static func files(_ groups: [[String]]) throws(ImportJobsError) -> JSON {
        guard let outer = JSON.array() else { throw noMemory }
        for group in groups {
            guard let inner = JSON.array(), outer.append(inner) else { throw noMemory }
            for file in group {
                guard let name = JSON.string(file), inner.append(name) else { throw noMemory }
            }
        }
        return outer
    }

    private static let noMemory = ImportJobsError(kind: .noMemory, message: "out of memory")
}
