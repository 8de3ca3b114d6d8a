import CMilvusImport

extension ImportClient {
    /// Uploads `files` to `bucket` of the client's object store, one file after another,
    /// the parts of a large file (over the part size) several at once. A file whose object is
    /// already there with the same size and ETag is not sent again ("uploaded" false).
    /// `onProgress` receives {"phase":"upload","key":...,"bytesDone":N,"bytesTotal":M}
    /// (bytes of the whole call) as bytes go up and after each file; false stops the upload
    /// (CANCELLED; finished objects stay, an unfinished multipart upload is aborted).
    /// `settings`: the snapshot of a call already under way (import_files), else the current ones.
    public func uploadFiles(bucket: String, files: [LocalFile], onProgress: ((ByteBuffer) -> Bool)?,
                            settings: ClientSettings? = nil) throws(ImportError) -> [StoredObject] {
        let store = try ObjectStore(settings: settings ?? currentSettings)
        let address = try S3Address(storage: store.storage, bucket: bucket)
        let partSize = store.settings.uploadPartSize
        var seen: [String: String] = [:]
        for file in files {
            if let other = seen.updateValue(file.path, forKey: file.key), other != file.path {
                throw .invalidArgument("\(other) and \(file.path) would both be uploaded to \(address.display(key: file.key))")
            }
            if Upload.partCount(size: file.size, partSize: partSize) > StorageSettings.maxParts {
                throw .invalidArgument("\(file.path) needs more than \(StorageSettings.maxParts) parts of \(partSize)"
                                       + " bytes; set a larger upload part size")
            }
        }
        let upload = Upload(store: store, address: address,
                            total: files.reduce(0) { $0 + $1.size }, onProgress: onProgress)
        var objects: [StoredObject] = []
        for file in files { objects.append(try upload.send(file)) }
        return objects
    }

    /// The size and ETag (without quotes) of an object; nil when there is no such object.
    /// A refusal (wrong keys, no permission, ...) is MILVUS_ERR_STORAGE.
    public func headObject(bucket: String, key: String,
                           settings: ClientSettings? = nil) throws(ImportError) -> (size: Int64, etag: String)? {
        let store = try ObjectStore(settings: settings ?? currentSettings)
        let address = try S3Address(storage: store.storage, bucket: bucket)
        switch try store.head(address, key: key, context: "look up \(address.display(key: key))") {
        case .found(let size, let etag): return (size, etag)
        case .missing: return nil
        case .refused(let error): throw error
        }
    }
}

/// What a HEAD of an object found.
enum HeadResult {
    case found(size: Int64, etag: String)
    case missing
    /// 403 and the like: HEAD answers have no body to say why.
    case refused(ImportError)
}

extension ObjectStore {
    func head(_ address: S3Address, key: String, context: String) throws(ImportError) -> HeadResult {
        let request = try transfer(.head, address.url(key: key), context: context)
        try perform(request)
        switch request.status {
        case 200:
            guard let size = request.contentLength, let etag = request.header("ETag") else {
                throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE,
                                  context + ": the HEAD answer has no Content-Length or ETag", httpStatus: 200)
            }
            return .found(size: size, etag: Upload.unquoted(etag))
        case 404:
            return .missing
        default:
            return .refused(redaction.apply(S3Errors.error(status: request.status, body: request.response,
                                                           context: context)))
        }
    }

    /// The S3 error of a finished request that was refused, redacted.
    func refusal(_ request: S3Transfer) -> ImportError {
        redaction.apply(S3Errors.error(status: request.status, body: request.response, context: request.context))
    }
}

/// One upload call in progress: the bytes done so far and the progress texts.
final class Upload {
    let store: ObjectStore
    let address: S3Address
    let total: Int64
    let onProgress: ((ByteBuffer) -> Bool)?
    private var done: Int64 = 0

    /// Parts sent at once in a multipart upload.
    static let partsAtOnce = 4

    init(store: ObjectStore, address: S3Address, total: Int64, onProgress: ((ByteBuffer) -> Bool)?) {
        self.store = store
        self.address = address
        self.total = total
        self.onProgress = onProgress
    }

    /// 0 for a file sent by one PUT (up to one part size), else its number of parts.
    static func partCount(size: Int64, partSize: Int64) -> Int64 {
        size <= partSize ? 0 : (size + partSize - 1) / partSize
    }

    static func unquoted(_ etag: String) -> String {
        var text = Substring(etag)
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        return String(text)
    }

    func send(_ file: LocalFile) throws(ImportError) -> StoredObject {
        let context = "upload \(file.path) to \(address.display(key: file.key))"
        let opened = try OpenFile(file.path)
        let partSize = store.settings.uploadPartSize
        let parts = Upload.partCount(size: file.size, partSize: partSize)
        switch try store.head(address, key: file.key, context: context) {
        case .found(let size, let etag) where size == file.size:
            // The local ETag only when it can match: same size. A remote "-N" ETag is a
            // multipart object, compared with this file cut at the current part size.
            let remoteParts: Int64 = etag.contains("-") ? Swift.max(parts, 1) : 0
            if try Digest.etag(of: opened, size: file.size, partSize: partSize, parts: remoteParts) == etag {
                done += file.size
                try report(file.key, done, context: context)
                return StoredObject(key: file.key, size: file.size, etag: etag, path: file.path, uploaded: false)
            }
        case .found, .missing:
            break
        case .refused:
            break  // a key allowed to write may not be allowed to read: the PUT's answer says why
        }
        let etag = parts == 0 ? try put(file, opened, context: context)
            : try multipart(file, opened, parts: parts, partSize: partSize, context: context)
        done += file.size
        try report(file.key, done, context: context)
        return StoredObject(key: file.key, size: file.size, etag: etag, path: file.path, uploaded: true)
    }

    private func put(_ file: LocalFile, _ opened: OpenFile, context: String) throws(ImportError) -> String {
        let request = try store.transfer(.put(opened, offset: 0, length: file.size), address.url(key: file.key),
                                         context: context)
        let start = done
        try store.run(count: 1, atOnce: 1, make: { _ throws(ImportError) in request }, finished: { _, _ in },
                      progress: { [self] sent in progress(file.key, start + sent) })
        guard request.status == 200 else { throw store.refusal(request) }
        guard let etag = request.header("ETag") else {
            throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE, context + ": the PUT answer has no ETag", httpStatus: 200)
        }
        return Upload.unquoted(etag)
    }

    /// Initiates, sends the parts `partsAtOnce` at a time, completes; aborts on any failure.
    private func multipart(_ file: LocalFile, _ opened: OpenFile, parts: Int64, partSize: Int64,
                           context: String) throws(ImportError) -> String {
        // "uploads=", not "uploads": libcurl 7.88 signs the bare name as written and S3
        // computes the signature over "uploads=".
        let initiate = try store.transfer(.post([]), address.url(key: file.key, query: "uploads="),
                                          context: context + " (start a multipart upload)")
        try store.perform(initiate)
        guard initiate.status == 200, !S3Errors.isErrorDocument(initiate.response) else { throw store.refusal(initiate) }
        guard let uploadId = S3Errors.element("UploadId", in: initiate.response.withBytes { Array($0) }),
              !uploadId.isEmpty else {
            throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE, context + ": the object store started a multipart"
                              + " upload without an UploadId", httpStatus: initiate.status)
        }
        let idQuery = try Upload.query(uploadId: uploadId)
        do throws(ImportError) {
            var etags = [String](repeating: "", count: Int(parts))
            let start = done
            try store.run(
                count: Int(parts), atOnce: Upload.partsAtOnce,
                make: { [self] index throws(ImportError) in
                    let offset = Int64(index) * partSize
                    return try store.transfer(
                        .put(opened, offset: offset, length: Swift.min(partSize, file.size - offset)),
                        address.url(key: file.key, query: Upload.query(part: index + 1, uploadId: uploadId)),
                        context: context + " (part \(index + 1) of \(parts))")
                },
                finished: { [self] index, request throws(ImportError) in
                    guard request.status == 200 else { throw store.refusal(request) }
                    guard let etag = request.header("ETag") else {
                        throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE, request.context + ": the answer has no ETag",
                                          httpStatus: 200)
                    }
                    etags[index] = etag
                },
                progress: { [self] sent in progress(file.key, start + sent) })
            let complete = try store.transfer(.post(Upload.completion(etags)), address.url(key: file.key, query: idQuery),
                                              context: context + " (complete the multipart upload)")
            try store.perform(complete)
            // An S3 error can also come with 200, once the parts have been put together.
            guard complete.status == 200, !S3Errors.isErrorDocument(complete.response) else {
                throw store.refusal(complete)
            }
            guard let etag = S3Errors.element("ETag", in: complete.response.withBytes { Array($0) }) else {
                throw ImportError(MILVUS_ERR_MALFORMED_RESPONSE, context + ": the completed multipart upload"
                                  + " has no ETag", httpStatus: complete.status)
            }
            return Upload.unquoted(etag)
        } catch {
            throw abort(file.key, idQuery: idQuery, after: error)
        }
    }

    /// Aborts a multipart upload so that no parts stay behind; `error` is what ended it, with
    /// a note when the abort fails too.
    private func abort(_ key: String, idQuery: String, after error: ImportError) -> ImportError {
        do throws(ImportError) {
            let request = try store.transfer(.delete, address.url(key: key, query: idQuery),
                                             context: "abort the multipart upload to \(address.display(key: key))")
            try store.perform(request, interruptible: false)  // also after an interrupt: no parts stay behind
            if request.status == 204 || request.status == 200 || request.status == 404 { return error }
            var noted = error
            noted.message += "; then " + store.refusal(request).message
            return noted
        } catch let abortError {
            var noted = error
            noted.message += "; then " + abortError.message
            return noted
        }
    }

    /// The query of a multipart upload's requests, in Signature V4's sorted order (libcurl
    /// 7.88 signs the query as written): "uploadId=X", "partNumber=N&uploadId=X".
    static func query(part: Int? = nil, uploadId: String) throws(ImportError) -> String {
        (part.map { "partNumber=\($0)&" } ?? "") + "uploadId=" + (try S3Address.escape(uploadId))
    }

    /// The CompleteMultipartUpload document: each part's number and ETag, in order.
    static func completion(_ etags: [String]) -> [UInt8] {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3Errors.escapeText(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        return Array(xml.utf8)
    }

    /// The progress text after `bytesDone`; false when the callback says stop.
    private func progress(_ key: String, _ bytesDone: Int64) -> Bool {
        guard let onProgress else { return true }
        guard let object = JSON.object(), let phase = JSON.string("upload"), let keyValue = JSON.string(key),
              let doneValue = JSON.integer(bytesDone), let totalValue = JSON.integer(total),
              object.set("phase", phase), object.set("key", keyValue), object.set("bytesDone", doneValue),
              object.set("bytesTotal", totalValue), let text = object.serialized() else { return true }
        return onProgress(text)
    }

    /// `progress` after a whole object, as an error when the callback says stop.
    private func report(_ key: String, _ bytesDone: Int64, context: String) throws(ImportError) {
        guard progress(key, bytesDone) else {
            throw ImportError(MILVUS_ERR_CANCELLED, context + ": cancelled by the progress callback")
        }
    }
}

extension ImportClient {
    /// The upload call of the C API: `request` is {"bucket":"b","prefix":"p","paths":[...]}
    /// ("prefix" optional); returns {"code":0,"data":{"objects":[...]}}.
    public func uploadFiles(request: String, onProgress: ((ByteBuffer) -> Bool)?,
                            interrupt: Interrupt? = nil) throws(ImportError) -> ByteBuffer {
        let json: JSON
        switch JSON.parse(request) {
        case .failure(let error):
            throw .invalidArgument("request_json is not valid JSON (\(error.text)); expected e.g."
                                   + " {\"bucket\":\"b\",\"paths\":[\"rows.json\"]}")
        case .success(let value):
            json = value
        }
        guard json.kind == .object else { throw .invalidArgument("request_json must be a JSON object") }
        guard currentSettings.storage != nil else { throw ObjectStore.notSet }
        for (name, _) in json.members where !["bucket", "prefix", "paths"].contains(name) {
            throw .invalidArgument("request_json has an unknown member \"\(Classification.sanitize(name, limit: 60))\";"
                                   + " expected bucket, prefix, paths")
        }
        guard let bucket = json["bucket"]?.string, !bucket.isEmpty else {
            throw .invalidArgument("request_json needs \"bucket\": a non-empty string")
        }
        var prefix: String?
        if let value = json["prefix"], value.kind != .null {
            guard let text = value.string else { throw .invalidArgument("\"prefix\" must be a string") }
            prefix = text
        }
        guard let paths = json["paths"], paths.kind == .array, paths.count > 0 else {
            throw .invalidArgument("request_json needs \"paths\": a non-empty list of local files or folders")
        }
        var files: [LocalFile] = []
        for element in paths.elements {
            guard let path = element.string else { throw .invalidArgument("every element of \"paths\" must be a string") }
            files += try LocalFiles.collect(path, prefix: prefix)
        }
        return try StoredObject.envelope(uploadFiles(bucket: bucket, files: files, onProgress: onProgress,
                                                     settings: settings(interruptedBy: interrupt)))
    }
}
