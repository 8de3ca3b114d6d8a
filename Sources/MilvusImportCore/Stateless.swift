import Synchronization

/// The stateless calls: one client per URL with default settings, all sharing the
/// process-wide connection pool, so repeated calls reuse connections.
public enum Stateless {
    private static let clients = Mutex<[String: ImportClient]>([:])
    private static let maxClients = 64

    static func client(for url: String) throws(ImportError) -> ImportClient {
        if let known = clients.withLock({ $0[url] }) { return known }
        let client = try ImportClient(url: url, transport: CurlTransport.shared)
        return clients.withLock { cache in
            if let raced = cache[url] { return raced }
            if cache.count >= maxClients { cache.removeAll() }
            cache[url] = client
            return client
        }
    }

    /// `collectionName` is sent only when not empty (empty lists every job).
    public static func listImportJobs(url: String, collectionName: String?) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        guard let body = JSON.object() else { throw .noMemory }
        if let collectionName, !collectionName.isEmpty {
            guard let name = JSON.string(collectionName), body.set("collectionName", name) else { throw .noMemory }
        }
        return try client.list(RequestBody(json: body))
    }

    public static func getImportProgress(url: String, jobId: String) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        return try client.describe(RequestBody.forJob(jobId), settings: client.currentSettings).body
    }

    public static func bulkImport(url: String, collectionName: String, filesJSON: String) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        guard !collectionName.isEmpty else { throw .invalidArgument("collection_name must not be empty") }
        let files: JSON
        switch JSON.parse(filesJSON) {
        case .failure:
            throw .invalidArgument("files_json is not valid JSON; expected e.g. [[\"a.parquet\"]]")
        case .success(let value):
            files = value
        }
        try RequestBody.checkFiles(files)
        guard let body = JSON.object(), let name = JSON.string(collectionName),
              body.set("collectionName", name), body.set("files", files) else { throw .noMemory }
        return try client.create(RequestBody(json: body))
    }
}
