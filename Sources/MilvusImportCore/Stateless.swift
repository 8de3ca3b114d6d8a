import Synchronization

/// The stateless calls: one client per URL with default settings, all sharing the
/// process-wide connection pool, so repeated calls reuse connections.
public enum Stateless {
    /// The clients by URL, keyed by its bytes (`String`'s `==` would take "café" with U+00E9
    /// and "cafe" + U+0301 for one URL). Each parsed its URL once and remembers whether its
    /// server answers describe at `/get_progress`. Bounded: when full, the set starts over.
    private static let clients = Mutex<[[UInt8]: ImportClient]>([:])
    private static let maxClients = 64

    /// How often a stateless list or describe is retried; read when each call starts.
    private static let maxRetries = Atomic<Int>(ClientSettings().maxRetries)

    /// `milvus_set_stateless_max_retries`: 0 to 10, for the stateless calls that start afterwards.
    public static func setMaxRetries(_ count: Int) throws(ImportError) {
        var checked = ClientSettings()
        try checked.setMaxRetries(count)
        maxRetries.store(checked.maxRetries, ordering: .relaxed)
    }

    /// The settings of one stateless call: the client's, with the process-wide retries.
    private static func settings(of client: ImportClient) -> ClientSettings {
        var settings = client.currentSettings
        settings.maxRetries = maxRetries.load(ordering: .relaxed)
        return settings
    }

    static func client(for url: String) throws(ImportError) -> ImportClient {
        let key = Array(url.utf8)
        if let known = clients.withLock({ $0[key] }) { return known }
        let made = try ImportClient(url: url, transport: CurlTransport.shared)
        return clients.withLock { clients in
            if let raced = clients[key] { return raced }
            if clients.count >= maxClients { clients.removeAll() }
            clients[key] = made
            return made
        }
    }

    /// `collectionName` is sent only when not empty (empty lists every job).
    public static func listImportJobs(url: String, collectionName: String?) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        guard let json = JSON.object() else { throw .noMemory }
        if let name = collectionName, !name.isEmpty {
            guard let value = JSON.string(name), json.set("collectionName", value) else { throw .noMemory }
        }
        return try client.list(RequestBody(json: json), settings: settings(of: client))
    }

    public static func getImportProgress(url: String, jobId: String) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        return try client.describe(RequestBody.forJob(jobId), settings: settings(of: client)).body
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
        return try client.create(RequestBody(json: body), settings: settings(of: client))
    }
}
