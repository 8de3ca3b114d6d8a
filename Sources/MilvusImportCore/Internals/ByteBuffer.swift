import Glibc

/// A growable byte buffer in malloc'd memory, always NUL-terminated, whose storage can be
/// handed to a C caller (who frees it with `free`, i.e. `milvus_free`) without a copy.
/// Response bodies arrive here and, once validated, leave as the returned text.
public final class ByteBuffer: @unchecked Sendable {
    private var base: UnsafeMutablePointer<UInt8>?
    public private(set) var count = 0
    private var capacity = 0

    public init() {}

    /// Adopts `pointer` (malloc'd, `count` bytes followed by a NUL); frees it on deinit.
    init(adopting pointer: UnsafeMutablePointer<CChar>, count: Int) {
        base = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        self.count = count
        capacity = count + 1
    }

    public convenience init?(_ text: String) {
        self.init()
        var text = text
        let ok = text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        if !ok { return nil }
    }

    deinit { free(base) }

    /// Makes room for `total` bytes plus the NUL. False when memory runs out.
    @discardableResult
    public func reserve(_ total: Int) -> Bool {
        if total + 1 <= capacity { return true }
        guard let grown = realloc(base, total + 1) else { return false }
        base = grown.assumingMemoryBound(to: UInt8.self)
        capacity = total + 1
        return true
    }

    /// Appends bytes, growing geometrically. False when memory runs out.
    public func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let needed = count + bytes.count
        if needed + 1 > capacity {
            var target = Swift.max(capacity * 2, 4096)
            while target < needed + 1 { target *= 2 }
            guard reserve(target - 1) else { return false }
        }
        guard let base else { return bytes.isEmpty }
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        count = needed
        base[count] = 0
        return true
    }

    /// Read-only view of the bytes (without the NUL).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The bytes as a NUL-terminated C string, valid while this buffer lives unchanged.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        if base == nil { return try "".withCString(body) }
        return try body(UnsafeRawPointer(base!).assumingMemoryBound(to: CChar.self))
    }

    /// Hands the storage to the caller, who must `free` it; the buffer is empty afterwards.
    /// Nil only when memory runs out.
    public func take() -> UnsafeMutablePointer<CChar>? {
        if base == nil, !reserve(0) { return nil }
        guard let storage = base else { return nil }
        storage[count] = 0
        base = nil
        count = 0
        capacity = 0
        return UnsafeMutableRawPointer(storage).assumingMemoryBound(to: CChar.self)
    }

    /// The bytes as text (invalid UTF-8 repaired); for tests and messages.
    public var text: String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }
}
