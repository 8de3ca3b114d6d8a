import Synchronization

/// The stateless calls: one client per URL with default settings, all sharing the
/// process-wide connection pool, so repeated calls reuse connections.
public enum Stateless {
    /// One URL's client, and the last list body it sent (a polling loop sends one over and
    /// over: it is serialised once).
    private final class Entry: Sendable {
        let url: String
        let client: ImportClient
        let lastList = Mutex<(collectionName: String, body: CheckedRequest)?>(nil)

        init(url: String, client: ImportClient) {
            self.url = url
            self.client = client
        }
    }

    /// The clients by URL (its bytes: `String`'s `==` would take "café" with U+00E9 and
    /// "cafe" + U+0301 for one URL), and the one used last (found without hashing its URL).
    private static let entries = Mutex<(last: Entry?, byURL: [[UInt8]: Entry])>((nil, [:]))
    private static let maxClients = 64

    private static func entry(for url: String) throws(ImportError) -> Entry {
        let known = entries.withLock { state -> Entry? in
            if let last = state.last, last.url.hasSameBytes(as: url) { return last }
            guard let found = state.byURL[Array(url.utf8)] else { return nil }
            state.last = found
            return found
        }
        if let known { return known }
        let made = Entry(url: url, client: try ImportClient(url: url, transport: CurlTransport.shared))
        let key = Array(url.utf8)
        return entries.withLock { state in
            if let raced = state.byURL[key] { return raced }
            if state.byURL.count >= maxClients { state.byURL.removeAll() }
            state.byURL[key] = made
            state.last = made
            return made
        }
    }

    static func client(for url: String) throws(ImportError) -> ImportClient {
        try entry(for: url).client
    }

    /// `collectionName` is sent only when not empty (empty lists every job).
    public static func listImportJobs(url: String, collectionName: String?) throws(ImportError) -> ByteBuffer {
        let entry = try entry(for: url)
        let name = collectionName ?? ""
        if let last = entry.lastList.withLock({ $0 }), last.collectionName.hasSameBytes(as: name) {
            return try entry.client.list(RequestBody(checked: last.body))
        }
        guard let json = JSON.object() else { throw .noMemory }
        if !name.isEmpty {
            guard let value = JSON.string(name), json.set("collectionName", value) else { throw .noMemory }
        }
        let body = RequestBody(json: json)
        let checked = CheckedRequest(operation: .list, text: try body.encoded(), facts: body.facts)
        entry.lastList.withLock { $0 = (name, checked) }
        return try entry.client.list(RequestBody(checked: checked))
    }

    public static func getImportProgress(url: String, jobId: String) throws(ImportError) -> ByteBuffer {
        let client = try client(for: url)
        return try client.describe(RequestBody.forJob(jobId), settings: client.snapshot).body
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
