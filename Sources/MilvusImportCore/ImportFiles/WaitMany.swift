import CMilvusImport

/// Waiting for a set of jobs at one request per poll: each poll lists the jobs (of the
/// collection when it is known, else every job) and describes a job only when the list
/// shows it finished, once; a job the list does not show is described on that poll instead.
extension ImportClient {
    /// `milvus_client_wait_import_jobs`: the request {"jobIds":[...]} with optional
    /// "collectionName" and "dbName" (other members go into list and describe as given).
    /// Returns {"code":0,"data":{"jobs":[<final describe data, in the order of jobIds>]}}.
    public func waitImportJobs(_ request: String, timeoutMs: Int, pollIntervalMs: Int,
                               onProgress: ((ByteBuffer) -> Bool)?,
                               interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        let parsed = try RequestBody.parse(request, for: .list)
        var jobIds: [String]?
        if let ids = parsed.json["jobIds"] {
            jobIds = try ImportClient.jobIds(ids)
        } else if parsed.json["collectionName"]?.string?.isEmpty ?? true {
            throw .invalidArgument("\"jobIds\" is required (a list of job ids) unless \"collectionName\" names"
                                   + " the collection whose unfinished jobs to wait for")
        }
        let jobs = try waitForJobs(jobIds, request: parsed.json, timeoutMs: timeoutMs,
                                   pollIntervalMs: pollIntervalMs, onProgress: onProgress,
                                   settings: settings(interruptedBy: interrupt))
        guard let data = JSON.object(), let list = JSON.array(), data.set("jobs", list) else { throw .noMemory }
        for job in jobs where !list.append(job) { throw .noMemory }
        return try StoredObject.envelope(data: data)
    }

    /// "jobIds": a non-empty list of distinct non-empty strings.
    private static func jobIds(_ value: JSON) throws(ImportError) -> [String] {
        let shape = "\"jobIds\" must be a non-empty list of job ids (strings), e.g. [\"448761313698322011\"]"
        guard value.kind == .array, value.count > 0 else { throw .invalidArgument(shape) }
        var ids: [String] = []
        for element in value.elements {
            guard let id = element.string, !id.isEmpty else { throw .invalidArgument(shape) }
            guard !ids.contains(id) else { throw .invalidArgument("\"jobIds\" names job \(id) twice") }
            ids.append(id)
        }
        return ids
    }

    /// One job of the set as the wait knows it.
    private struct WaitedJob {
        let id: String
        var state = "unknown"
        var progress: Int64 = 0
        /// The describe data once the job has finished.
        var final: JSON?
    }

    /// Waits for `jobIds` (nil: the unfinished jobs of the request's collection at the first
    /// poll) and returns each one's final describe data, in order. `request` is the caller's
    /// object: without "jobIds" it is the list body; without "collectionName" either, plus
    /// "jobId", each describe body.
    func waitForJobs(_ jobIds: [String]?, request: JSON, timeoutMs: Int, pollIntervalMs: Int,
                     onProgress: ((ByteBuffer) -> Bool)?, settings: ClientSettings? = nil) throws(ImportError) -> [JSON] {
        let listBody = try ImportClient.copy(request, without: ["jobIds"])
        let describeTemplate = try ImportClient.copy(request, without: ["jobIds", "collectionName", "pageSize",
                                                                        "currentPage"])
        var jobs = jobIds?.map { WaitedJob(id: $0) }
        let settings = settings ?? currentSettings  // one snapshot: the wait keeps the settings it started with
        let done = try poll("wait for import jobs", settings: settings, timeoutMs: timeoutMs,
                            pollIntervalMs: pollIntervalMs) {
            (deadline: ContinuousClock.Instant) throws(ImportError) -> Bool in
            var listed: [String: JSON] = [:]
            var order: [String] = []
            for record in try listAllRecords(listBody, settings: settings, deadline: deadline).elements {
                guard let id = ImportClient.jobId(of: record) else { continue }
                if listed.updateValue(record, forKey: id) == nil { order.append(id) }
            }
            // Without ids: the collection's jobs not finished when the wait starts.
            var current = jobs ?? order.filter {
                !ImportClient.finishedStates.contains(listed[$0]?["state"]?.string ?? "")
            }.map { WaitedJob(id: $0) }
            var allFinished = true
            for index in current.indices where current[index].final == nil {
                var job = current[index]
                if let record = listed[job.id] {
                    job.state = record["state"]?.string ?? "unknown"
                    job.progress = record["progress"]?.integer ?? job.progress
                    if job.state == "None" {
                        throw redacted(ImportClient.stateNoneError(jobId: job.id, reason: record["reason"]?.string),
                                       settings, listBody)
                    }
                }
                if listed[job.id] == nil || ImportClient.finishedStates.contains(job.state) {
                    let body = try ImportClient.describeBody(describeTemplate, jobId: job.id)
                    let reply = try describe(body, settings: settings, deadline: deadline)
                    guard let data = reply.envelope.data, let state = data["state"]?.string else {
                        throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE,
                                          "wait for import job \(job.id): the describe answer has no data.state",
                                          httpStatus: 200)
                    }
                    job.state = state
                    job.progress = data["progress"]?.integer ?? job.progress
                    if state == "None" {
                        throw redacted(ImportClient.stateNoneError(jobId: job.id, reason: data["reason"]?.string),
                                       settings, body)
                    }
                    if ImportClient.finishedStates.contains(state) { job.final = data }
                }
                allFinished = allFinished && job.final != nil
                current[index] = job
            }
            jobs = current
            if let onProgress, !onProgress(try ImportClient.progressText(current)) {
                throw ImportError(MILVUS_ERR_CANCELLED, "wait for import jobs: cancelled by the progress callback")
            }
            return allFinished
        }
        let waited = jobs ?? []
        if done { return waited.compactMap(\.final) }
        let open = waited.filter { $0.final == nil }
        let shown = open.prefix(5).map { "\($0.id) \($0.state) at \($0.progress)%" }.joined(separator: ", ")
        throw ImportError(MILVUS_ERR_TIMEOUT,
                          "wait for import jobs: \(open.count) of \(waited.count) not finished after \(timeoutMs) ms ("
                          + shown + (open.count > 5 ? ", ..." : "") + ")")
    }

    /// A record's "jobId": a string, or a number from a server that writes it so.
    private static func jobId(of record: JSON) -> String? {
        if let id = record["jobId"]?.string { return id }
        return record["jobId"]?.integer.map { String($0) }
    }

    /// A new body with the members of `object` but `excluded`.
    private static func copy(_ object: JSON, without excluded: Set<String>) throws(ImportError) -> RequestBody {
        guard let copy = JSON.object() else { throw .noMemory }
        for (key, value) in object.members where !excluded.contains(key) {
            guard copy.set(key, value) else { throw .noMemory }
        }
        return RequestBody(json: copy)
    }

    private static func describeBody(_ template: RequestBody, jobId: String) throws(ImportError) -> RequestBody {
        let body = try copy(template.json, without: [])
        guard let id = JSON.string(jobId) else { throw .noMemory }
        try body.set("jobId", id)
        return body
    }

    /// {"phase":"import","jobs":[{"jobId":"...","state":"Importing","progress":40}, ...]}
    private static func progressText(_ jobs: [WaitedJob]) throws(ImportError) -> ByteBuffer {
        guard let list = JSON.array(), let text = JSON.object(), let phase = JSON.string("import"),
              text.set("phase", phase), text.set("jobs", list) else { throw .noMemory }
        for job in jobs {
            guard let entry = JSON.object(), let id = JSON.string(job.id), let state = JSON.string(job.state),
                  let progress = JSON.integer(job.progress), entry.set("jobId", id), entry.set("state", state),
                  entry.set("progress", progress), list.append(entry) else { throw .noMemory }
        }
        guard let serialized = text.serialized() else { throw .noMemory }
        return serialized
    }
}
