import CMilvusImport

/// Local files to imported rows in one call: group and check, upload what is missing,
/// check every object, create the jobs, wait for all of them.
extension ImportClient {
    /// `milvus_client_import_files`. Nothing is uploaded before the request, the times and
    /// every file-group rule are checked; nothing is created before every object is in the
    /// bucket. Returns {"code":0,"data":{"jobs":[<final describe data>],"objects":[...]}}.
    public func importFiles(_ request: String, timeoutMs: Int, pollIntervalMs: Int,
                            onProgress: ((ByteBuffer) -> Bool)?,
                            interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        try ImportClient.checkWaitTimes(timeoutMs: timeoutMs, pollIntervalMs: pollIntervalMs)
        let request = try ImportFilesRequest(request)
        let groups = try FileGroups.form(request.sources, prefix: request.prefix)
        let jobs = FileGroups.jobs(groups)
        // one snapshot for the upload, the creates and the wait
        let settings = settings(interruptedBy: interrupt)
        if jobs.count > 1 && settings.hasIdempotencyKey {
            throw .invalidArgument("\(groups.count) file groups make \(jobs.count) jobs, and the client's"
                                   + " Idempotency-Key header would make the server take each as the first;"
                                   + " remove the header or import at most \(FileGroups.maxGroupsPerJob) groups a call")
        }
        let objects = try uploadFiles(bucket: request.bucket, files: Array(groups.joined()), onProgress: onProgress,
                                      settings: settings)
        try checkStored(groups, objects, bucket: request.bucket, settings: settings)
        var jobIds: [String] = []
        for files in jobs {
            do {
                jobIds.append(try createJob(request, files: files, settings: settings))
            } catch where !jobIds.isEmpty {
                var error = error
                error.message += " (jobs created before: " + jobIds.joined(separator: ", ") + ")"
                throw error
            }
        }
        let done = try waitForJobs(jobIds, request: request.listScope(), timeoutMs: timeoutMs,
                                   pollIntervalMs: pollIntervalMs, onProgress: onProgress, settings: settings)
        guard let data = JSON.object(), let list = JSON.array(), let stored = StoredObject.jsonArray(objects),
              data.set("jobs", list), data.set("objects", stored) else { throw .noMemory }
        for job in done where !list.append(job) { throw .noMemory }
        return try StoredObject.envelope(data: data)
    }

    /// Every file's object is in the bucket with the file's size: the upload's word for it,
    /// else a HEAD.
    private func checkStored(_ groups: [[LocalFile]], _ objects: [StoredObject],
                             bucket: String, settings: ClientSettings) throws(ImportError) {
        var sizes: [String: Int64] = [:]
        for object in objects { sizes[object.key] = object.size }
        for file in groups.joined() where sizes[file.key] != file.size {
            guard let found = try headObject(bucket: bucket, key: file.key, settings: settings) else {
                throw ImportError(MILVUS_ERR_STORAGE, "\(file.path): object \"\(file.key)\" is not in bucket"
                                  + " \(bucket) after the upload")
            }
            guard found.size == file.size else {
                throw ImportError(MILVUS_ERR_STORAGE, "\(file.path): object \"\(file.key)\" in bucket \(bucket)"
                                  + " holds \(found.size) bytes, the file \(file.size)")
            }
        }
    }

    /// One create for `files`; returns its job id.
    private func createJob(_ request: ImportFilesRequest, files: [[LocalFile]],
                           settings: ClientSettings) throws(ImportError) -> String {
        let body = try request.createBody(files)
        let reply = try call(.create, body, settings: settings, needsTree: true)
        guard let id = reply.envelope.data?["jobId"]?.string, !id.isEmpty else {
            throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE, "create import job: the answer has no data.jobId",
                              httpStatus: 200)
        }
        return id
    }
}

/// The request of `milvus_client_import_files`, checked.
struct ImportFilesRequest {
    let json: JSON
    let bucket: String
    let prefix: String?
    let sources: [FileGroups.Source]

    private static let members: Set<String> = ["collectionName", "bucket", "paths", "prefix", "dbName",
                                               "partitionName", "options"]

    /// {"collectionName","bucket","paths"} and optional "prefix", "dbName", "partitionName",
    /// "options"; nothing else.
    init(_ text: String) throws(ImportError) {
        json = try RequestBody.parse(text, for: .list).json  // JSON, and the kinds of the create members
        for (key, _) in json.members where !ImportFilesRequest.members.contains(key) {
            throw .invalidArgument("\"\(key)\" is not a member of an import-files request (collectionName, bucket,"
                                   + " paths, prefix, dbName, partitionName, options)")
        }
        guard let collection = json["collectionName"]?.string, !collection.isEmpty else {
            throw .invalidArgument("\"collectionName\" is required (a non-empty string)")
        }
        guard let bucket = json["bucket"]?.string, !bucket.isEmpty else {
            throw .invalidArgument("\"bucket\" is required (a non-empty string)")
        }
        self.bucket = bucket
        if let prefix = json["prefix"] {
            guard let text = prefix.string else { throw .invalidArgument("\"prefix\" must be a string") }
            self.prefix = text
        } else {
            prefix = nil
        }
        let shape = "\"paths\" must be a non-empty list of local files or folders, each a string, or a list of"
            + " them taken as one file group"
        guard let paths = json["paths"], paths.kind == .array, paths.count > 0 else { throw .invalidArgument(shape) }
        var sources: [FileGroups.Source] = []
        for element in paths.elements {
            if let path = element.string {
                sources.append(.path(path))
                continue
            }
            guard element.kind == .array else { throw .invalidArgument(shape) }
            var group: [String] = []
            for path in element.elements {
                guard let text = path.string else { throw .invalidArgument(shape) }
                group.append(text)
            }
            sources.append(.group(group))
        }
        self.sources = sources
    }

    /// The create body of one job: collectionName, dbName, partitionName, files (the object
    /// keys), options.
    func createBody(_ groups: [[LocalFile]]) throws(ImportError) -> RequestBody {
        guard let body = JSON.object(), let files = JSON.array() else { throw .noMemory }
        for group in groups {
            guard let keys = JSON.array(), files.append(keys) else { throw .noMemory }
            for file in group {
                guard let key = JSON.string(file.key), keys.append(key) else { throw .noMemory }
            }
        }
        for name in ["collectionName", "dbName", "partitionName"] {
            if let value = json[name] { guard body.set(name, value) else { throw .noMemory } }
        }
        guard body.set("files", files) else { throw .noMemory }
        if let options = json["options"] { guard body.set("options", options) else { throw .noMemory } }
        return RequestBody(json: body)
    }

    /// What the wait lists: the collection, in the request's database.
    func listScope() throws(ImportError) -> JSON {
        guard let scope = JSON.object() else { throw .noMemory }
        for name in ["collectionName", "dbName"] {
            if let value = json[name] { guard scope.set(name, value) else { throw .noMemory } }
        }
        return scope
    }
}
