import CMilvusImport
import Glibc
import Synchronization

/// A client for one server: settings, a connection pool, every import call.
/// Safe to share between threads; setters affect calls that start afterwards.
public final class ImportClient: Sendable {
    public let base: BaseURL
    let transport: any HTTPTransport
    private let settings: Mutex<ClientSettings>
    /// Set once the server has answered `/describe` with 404 but `/get_progress` works.
    private let usesGetProgress = Atomic<Bool>(false)
    private let sleep: @Sendable (Int) -> Void

    public init(url: String, settings: ClientSettings = ClientSettings(),
                transport: (any HTTPTransport)? = nil,
                sleep: @escaping @Sendable (Int) -> Void = ImportClient.sleepMilliseconds) throws(ImportError) {
        base = try BaseURL(url)
        self.transport = transport ?? CurlTransport()
        self.settings = Mutex(settings)
        self.sleep = sleep
    }

    /// Changes settings atomically; on error nothing changes.
    public func update(_ change: (inout ClientSettings) throws(ImportError) -> Void) throws(ImportError) {
        try settings.withLock { (current: inout ClientSettings) throws(ImportError) -> Void in
            var copy = current
            try change(&copy)
            current = copy
        }
    }

    /// The settings a call starts with.
    public var currentSettings: ClientSettings { settings.withLock { $0 } }

    // MARK: The calls
    //
    // `interrupt`: asked during this call beside the settings' own (one call's stop, such as
    // a cancelled Swift task's, without touching the shared settings).

    public func listImportJobs(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try list(body(request, for: .list), settings: settings(interruptedBy: interrupt))
    }

    public func getImportProgress(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try describe(body(request, for: .describe), settings: settings(interruptedBy: interrupt)).body
    }

    public func bulkImport(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try create(body(request, for: .create), settings: settings(interruptedBy: interrupt))
    }

    public func commitImport(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try call(.commit, body(request, for: .commit), settings: settings(interruptedBy: interrupt)).body
    }

    public func abortImport(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try call(.abort, body(request, for: .abort), settings: settings(interruptedBy: interrupt)).body
    }

    /// The settings a call starts with, asking `interrupt` too when there is one.
    func settings(interruptedBy interrupt: Interrupt?) -> ClientSettings {
        var settings = currentSettings
        guard let interrupt else { return settings }
        let own = settings.interrupt
        settings.interrupt = { interrupt() || (own?() ?? false) }
        return settings
    }

    /// The checked body of a request text (nil: `{}`).
    func body(_ text: String?, for operation: Operation) throws(ImportError) -> RequestBody {
        try RequestBody.parse(text ?? "{}", for: operation)
    }

    func list(_ body: RequestBody, settings: ClientSettings? = nil) throws(ImportError) -> ByteBuffer {
        try call(.list, body, settings: settings ?? currentSettings).body
    }

    func create(_ body: RequestBody, settings: ClientSettings? = nil) throws(ImportError) -> ByteBuffer {
        try call(.create, body, settings: settings ?? currentSettings).body
    }

    /// Every page of list merged: {"code":0,"data":{"records":[...],"count":N}}.
    public func listAllImportJobs(_ request: String?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        let merged = try listAllRecords(body(request, for: .list), settings: settings(interruptedBy: interrupt))
        guard let envelope = JSON.object(), let data = JSON.object(), let zero = JSON.integer(0),
              let count = JSON.integer(Int64(merged.count)),
              data.set("records", merged), data.set("count", count),
              envelope.set("code", zero), envelope.set("data", data),
              let text = envelope.serialized() else { throw .noMemory }
        return text
    }

    /// The records of every page of list, in one array. A server without paging (Milvus)
    /// answers everything at once: one request. `body` gets "pageSize" and "currentPage".
    func listAllRecords(_ body: RequestBody, settings: ClientSettings,
                        deadline: ContinuousClock.Instant? = nil) throws(ImportError) -> JSON {
        let pageSize = body.json["pageSize"]?.integer ?? 100
        guard let merged = JSON.array(), let pageSizeValue = JSON.integer(pageSize) else { throw .noMemory }
        try body.set("pageSize", pageSizeValue)
        var previous: JSON?
        var total: Int64?
        for page in 1...10_000 {
            guard let pageValue = JSON.integer(Int64(page)) else { throw .noMemory }
            try body.set("currentPage", pageValue)
            let reply = try call(.list, body, settings: settings, deadline: deadline, needsTree: true)
            guard let data = reply.envelope.data, let records = data["records"], records.kind == .array else {
                throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE,
                                  "list import jobs: the answer to page \(page) has no data.records list",
                                  httpStatus: 200)
            }
            if page == 1 {
                total = data["count"]?.integer
                if total == nil {  // a server without paging answers everything at once
                    guard merged.extend(with: records) else { throw .noMemory }
                    break
                }
            }
            if records.count == 0 { break }
            if let previous, previous.isEqual(to: records) { break }
            guard merged.extend(with: records) else { throw .noMemory }
            previous = records
            if Int64(merged.count) >= total ?? 0 { break }
        }
        return merged
    }

    /// Describes a job until it is Completed, Failed or Uncommitted, calling `onProgress`
    /// (return false to stop) after each describe. Returns the last describe envelope.
    /// Any other state is waited on (Committing, and states a newer server adds), except
    /// `None`: the server's word for a job it cannot describe, which no wait would change.
    public func waitImportJob(_ request: String?, timeoutMs: Int, pollIntervalMs: Int,
                              onProgress: ((ByteBuffer) -> Bool)?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try wait(body(request, for: .describe), timeoutMs: timeoutMs, pollIntervalMs: pollIntervalMs,
                 onProgress: onProgress, settings: settings(interruptedBy: interrupt))
    }

    /// `waitImportJob` for a job id alone (the database from the client's settings).
    public func waitImportJob(jobId: String, timeoutMs: Int, pollIntervalMs: Int,
                              onProgress: ((ByteBuffer) -> Bool)?, interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try wait(RequestBody.forJob(jobId), timeoutMs: timeoutMs, pollIntervalMs: pollIntervalMs,
                 onProgress: onProgress, settings: settings(interruptedBy: interrupt))
    }

    /// `settings`: one snapshot, which the wait keeps from start to end.
    private func wait(_ body: RequestBody, timeoutMs: Int, pollIntervalMs: Int,
                      onProgress: ((ByteBuffer) -> Bool)?, settings: ClientSettings) throws(ImportError) -> ByteBuffer {
        let jobId = body.json["jobId"]?.string ?? ""
        var lastState = "unknown"
        var lastProgress: Int64 = 0
        var finished: ByteBuffer?
        try poll("wait for import job \(jobId)", settings: settings, timeoutMs: timeoutMs,
                 pollIntervalMs: pollIntervalMs) {
            (deadline: ContinuousClock.Instant) throws(ImportError) -> Bool in
            let reply = try describe(body, settings: settings, deadline: deadline)
            guard let state = reply.envelope.data?["state"]?.string else {
                throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE,
                                  "wait for import job \(jobId): the describe answer has no data.state",
                                  httpStatus: 200)
            }
            lastState = state
            lastProgress = reply.envelope.data?["progress"]?.integer ?? 0
            if let onProgress, !onProgress(reply.body) {
                throw ImportError(MILVUS_ERR_CANCELLED,
                                  "wait for import job \(jobId): cancelled by the progress callback")
            }
            if ImportClient.finishedStates.contains(state) {
                finished = reply.body
                return true
            }
            if state == "None" {
                throw redacted(ImportClient.stateNoneError(jobId: jobId, reason: reply.envelope.data?["reason"]?.string),
                               settings, body)
            }
            return false
        }
        if let finished { return finished }
        throw ImportError(MILVUS_ERR_TIMEOUT,
                          "wait for import job \(jobId): still \(lastState) at \(lastProgress)% after \(timeoutMs) ms")
    }

    // MARK: Pieces of every wait

    /// The states a wait ends at.
    static let finishedStates: Set<String> = ["Completed", "Failed", "Uncommitted"]

    /// `None` is the server's word for a job it cannot describe, which no wait would change.
    static func stateNoneError(jobId: String, reason: String?) -> ImportError {
        let reason = reason.map { Classification.sanitize($0) } ?? ""
        return ImportError(MILVUS_ERR_SERVER,
                           "wait for import job \(jobId): the server reports the state None, which cannot be"
                           + " waited on" + (reason.isEmpty ? "" : ": " + reason),
                           httpStatus: 200)
    }

    /// A wait's timeout is > 0 and its poll interval 1 to the timeout.
    static func checkWaitTimes(timeoutMs: Int, pollIntervalMs: Int) throws(ImportError) {
        guard timeoutMs > 0 else { throw .invalidArgument("the wait timeout must be > 0 ms (got \(timeoutMs))") }
        guard (1...timeoutMs).contains(pollIntervalMs) else {
            throw .invalidArgument("the poll interval must be 1 to \(timeoutMs) ms (got \(pollIntervalMs))")
        }
    }

    /// Runs `once` (true: the wait is over), then again after each pause of `pollIntervalMs`,
    /// until it says so or `timeoutMs` has passed; no pause reaches past the deadline, which
    /// `once` gets for its own calls (one of them cut short by it ends the wait as its
    /// timeout does). Returns false when the time ran out. The interrupt of `settings` is
    /// asked before each round and during the pauses: `title` names what it stops.
    @discardableResult
    func poll(_ title: String, settings: ClientSettings, timeoutMs: Int, pollIntervalMs: Int,
              _ once: (ContinuousClock.Instant) throws(ImportError) -> Bool) throws(ImportError) -> Bool {
        try ImportClient.checkWaitTimes(timeoutMs: timeoutMs, pollIntervalMs: pollIntervalMs)
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        while ImportClient.millisecondsLeft(until: deadline) > 0 {
            if settings.interrupt?() ?? false { throw ImportError.interrupted(title) }
            do {
                if try once(deadline) { return true }
            } catch where error.kind == MILVUS_ERR_TIMEOUT && ImportClient.millisecondsLeft(until: deadline) <= 5 {
                return false
            }
            let left = ImportClient.millisecondsLeft(until: deadline)
            if left <= 0 { break }
            guard pause(Swift.min(pollIntervalMs, left), settings.interrupt) else { throw ImportError.interrupted(title) }
        }
        return false
    }

    /// Sleeps `ms`; with an interrupt, in slices of at most 100 ms, asking it before each.
    /// Returns false when it said stop.
    func pause(_ ms: Int, _ interrupt: Interrupt?) -> Bool {
        guard let interrupt else {
            sleep(ms)
            return true
        }
        var left = ms
        while left > 0 {
            if interrupt() { return false }
            let slice = Swift.min(left, 100)
            sleep(slice)
            left -= slice
        }
        return true
    }

    // MARK: One call, with retries

    struct Reply {
        var body: ByteBuffer
        var envelope: Classification.Envelope
    }

    /// Describe at `/describe`, or `/get_progress` on Milvus 2.4 releases before the rename.
    func describe(_ body: RequestBody, settings: ClientSettings,
                  deadline: ContinuousClock.Instant? = nil) throws(ImportError) -> Reply {
        if usesGetProgress.load(ordering: .relaxed) {
            return try call(.getProgress, body, settings: settings, deadline: deadline, needsTree: true)
        }
        do {
            return try call(.describe, body, settings: settings, deadline: deadline, needsTree: true)
        } catch let first where first.kind == MILVUS_ERR_HTTP && first.httpStatus == 404 && first.serverCode == 0 {
            do {
                let reply = try call(.getProgress, body, settings: settings, deadline: deadline, needsTree: true)
                usesGetProgress.store(true, ordering: .relaxed)
                return reply
            } catch let second {
                if second.kind == MILVUS_ERR_HTTP && second.httpStatus == 404 && second.serverCode == 0 { throw first }
                usesGetProgress.store(true, ordering: .relaxed)
                throw second
            }
        }
    }

    /// Which database a call uses: the body's own "dbName" when it is a non-empty string,
    /// else the client's database, which also goes into list and create bodies that have
    /// no "dbName" member. It goes out as the DB-Name header too (see `headerLines`).
    private func database(for operation: Operation, _ body: RequestBody,
                          _ settings: ClientSettings) throws(ImportError) -> String? {
        if let own = body.facts.database { return own }
        guard let database = settings.database else { return nil }
        if operation.takesDatabaseInBody && !body.facts.namesDatabase {
            guard let value = JSON.string(database) else { throw .noMemory }
            try body.set("dbName", value)
        }
        return database
    }

    /// One call with its retries, bounded as a whole by the settings' timeout (and by
    /// `deadline`, a wait's, when that comes first): no attempt or pause reaches past it. Each
    /// attempt is bounded by the attempt timeout too. The interrupt is asked before each
    /// attempt, during it and during the pauses; an interrupted call is never retried.
    /// `needsTree`: the caller reads `reply.envelope.data`; without it a large answer is
    /// checked without building its tree.
    func call(_ operation: Operation, _ body: RequestBody, settings: ClientSettings,
              deadline: ContinuousClock.Instant? = nil, needsTree: Bool = false) throws(ImportError) -> Reply {
        let ownDeadline = ContinuousClock.now.advanced(by: .milliseconds(settings.timeoutMs))
        let end = deadline.map { Swift.min($0, ownDeadline) } ?? ownDeadline
        // What the timeout message names: the settings' timeout, or what was left of the wait's.
        let limitMs = end < ownDeadline ? Swift.max(ImportClient.millisecondsLeft(until: end), 0) : settings.timeoutMs
        let headers = settings.headerLines(database: try database(for: operation, body, settings))
        let url = base.url(for: operation.path)
        let headBytes = headers.reduce(url.utf8.count) { $0 + $1.utf8.count + 2 }
        guard headBytes <= HeaderRules.maxRequestHeadBytes else {
            throw ImportError.invalidArgument("\(operation.title): the URL and headers (token, database, extra"
                                              + " headers) take \(headBytes) bytes; at most"
                                              + " \(HeaderRules.maxRequestHeadBytes) are allowed")
        }
        var request = HTTPRequest(url: url, headers: headers, body: try body.encoded(),
                                  timeoutMs: settings.timeoutMs, connectTimeoutMs: settings.connectTimeoutMs,
                                  tls: settings.tls, proxy: settings.proxy,
                                  maxResponseBytes: settings.maxResponseBytes, interrupt: settings.interrupt)
        let attempts = operation.retryable(hasIdempotencyKey: settings.hasIdempotencyKey) ? settings.maxRetries + 1 : 1
        var attempt = 0
        /// "list import jobs", with "(N attempts)" once there was more than one.
        func context() -> String { operation.title + (attempt > 1 ? " (\(attempt) attempts)" : "") }
        func timedOut() -> ImportError {
            ImportError(MILVUS_ERR_TIMEOUT, context() + ": timed out after \(limitMs) ms")
        }
        while true {
            attempt += 1
            let left = ImportClient.millisecondsLeft(until: end)
            guard left > 0 else {
                attempt -= 1
                throw timedOut()
            }
            if settings.interrupt?() ?? false { throw ImportError.interrupted(context()) }
            request.timeoutMs = settings.attemptTimeoutMs > 0 ? Swift.min(settings.attemptTimeoutMs, left) : left
            let failure: ImportError
            var retryAfter: Int?
            switch transport.send(request) {
            case .failure(let error):
                // libcurl's timeout at the end of the call's time is the call's timeout.
                if error.kind == MILVUS_ERR_TIMEOUT && ImportClient.millisecondsLeft(until: end) <= 5 {
                    throw timedOut()
                }
                failure = error
            case .success(let response):
                let verdict = response.body.withBytes {
                    Classification.classify(status: response.status, contentType: response.contentType, body: $0,
                                            needsTree: needsTree, missingRoute: operation.missingRoute)
                }
                switch verdict {
                case .success(let envelope):
                    return Reply(body: response.body, envelope: envelope)
                case .failure(let error):
                    failure = error
                    retryAfter = response.retryAfterSeconds
                }
            }
            if attempt < attempts && ImportClient.isRetryable(failure) {
                // A pause that would reach the end of the call is not taken: the failure stands.
                let pause = backoffMs(attempt: attempt, base: settings.retryBackoffMs, retryAfter: retryAfter)
                if pause < ImportClient.millisecondsLeft(until: end) {
                    guard self.pause(pause, settings.interrupt) else { throw ImportError.interrupted(context()) }
                    continue
                }
            }
            throw redacted(failure.prefixed(context()), settings, body)
        }
    }

    /// Messages are the only place a secret could show: the URL's password, the token,
    /// secret headers, object-store keys in the body.
    func redacted(_ error: ImportError, _ settings: ClientSettings, _ body: RequestBody) -> ImportError {
        Redaction(base.secrets + settings.secrets + body.facts.secrets).apply(error)
    }

    /// Transport failures, timeouts, and HTTP 408, 429, 502, 503, 504.
    static func isRetryable(_ error: ImportError) -> Bool {
        if error.kind == MILVUS_ERR_TRANSPORT || error.kind == MILVUS_ERR_TIMEOUT { return true }
        return error.kind == MILVUS_ERR_HTTP && [429, 502, 503, 504].contains(error.httpStatus)
    }

    /// Exponential backoff with full jitter, at least Retry-After (up to 60 s).
    func backoffMs(attempt: Int, base: Int, retryAfter: Int?) -> Int {
        let ceiling = Swift.min(base << Swift.min(attempt - 1, 16), 30_000)
        let jittered = ceiling > 0 ? Int.random(in: 0...ceiling) : 0
        guard let retryAfter else { return jittered }
        return Swift.max(jittered, Swift.min(retryAfter, 60) * 1000)
    }

    static func millisecondsLeft(until deadline: ContinuousClock.Instant) -> Int {
        let left = ContinuousClock.now.duration(to: deadline).components
        return Int(left.seconds) * 1000 + Int(left.attoseconds / 1_000_000_000_000_000)
    }

    @Sendable public static func sleepMilliseconds(_ ms: Int) {
        guard ms > 0 else { return }
        var request = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
