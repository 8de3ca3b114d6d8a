/// An object in the bucket after an upload call: what is there and where it came from.
public struct StoredObject: Sendable, Equatable {
    public let key: String
    public let size: Int64
    /// The store's ETag without its quotes.
    public let etag: String
    /// The local file it holds.
    public let path: String
    /// False: the object was already there with the same size and ETag.
    public let uploaded: Bool

    public init(key: String, size: Int64, etag: String, path: String, uploaded: Bool) {
        self.key = key
        self.size = size
        self.etag = etag
        self.path = path
        self.uploaded = uploaded
    }

    /// {"key":...,"size":N,"etag":...,"path":...,"uploaded":true|false}; nil when memory runs out.
    func json() -> JSON? {
        guard let object = JSON.object(), let key = JSON.string(key), let size = JSON.integer(size),
              let etag = JSON.string(etag), let path = JSON.string(path), let uploaded = JSON.bool(uploaded),
              object.set("key", key), object.set("size", size), object.set("etag", etag),
              object.set("path", path), object.set("uploaded", uploaded) else { return nil }
        return object
    }

    /// The envelope of an upload call: {"code":0,"data":{"objects":[...]}}.
    public static func envelope(_ objects: [StoredObject]) throws(ImportError) -> ByteBuffer {
        guard let list = jsonArray(objects), let data = JSON.object(), data.set("objects", list) else {
            throw .noMemory
        }
        return try envelope(data: data)
    }

    /// The objects as a JSON array, for a caller's own envelope; nil when memory runs out.
    static func jsonArray(_ objects: [StoredObject]) -> JSON? {
        guard let list = JSON.array() else { return nil }
        for object in objects {
            guard let value = object.json(), list.append(value) else { return nil }
        }
        return list
    }

    /// {"code":0,"data":<data>} as text.
    static func envelope(data: JSON) throws(ImportError) -> ByteBuffer {
        guard let envelope = JSON.object(), let zero = JSON.integer(0), envelope.set("code", zero),
              envelope.set("data", data), let text = envelope.serialized() else { throw .noMemory }
        return text
    }
}
