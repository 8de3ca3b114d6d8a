import CJansson
import Glibc

/// An owned reference to a jansson value: the one place the core touches jansson.
/// Borrowed children are wrapped with `retaining:` so every `JSON` owns what it points at.
/// Parsing, reading and building are public: the Swift API (module MilvusImport) decodes its
/// typed results and builds its request bodies with them. A value is not changed once shared.
public final class JSON: @unchecked Sendable {
    let raw: UnsafeMutablePointer<json_t>

    /// Takes ownership of a new reference; nil stays nil (jansson's allocation failure).
    convenience init?(owning raw: UnsafeMutablePointer<json_t>?) {
        guard let raw else { return nil }
        self.init(owningValue: raw)
    }

    private init(owningValue raw: UnsafeMutablePointer<json_t>) {
        self.raw = raw
    }

    /// Takes a new reference to a borrowed value.
    convenience init?(retaining raw: UnsafeMutablePointer<json_t>?) {
        guard let raw else { return nil }
        self.init(retainingValue: raw)
    }

    private convenience init(retainingValue raw: UnsafeMutablePointer<json_t>) {
        self.init(owningValue: mi_json_incref(raw))
    }

    deinit { json_decref(raw) }

    // MARK: Parsing and printing

    /// Parses an object or array: UTF-8 only, no NUL, no duplicate keys, depth at most
    /// jansson's 2048, integers within 64 bits (a larger one is an error: nothing in the
    /// import API needs one, and read as a real it would lose digits). The error is jansson's.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSON, JSONParseError> {
        parse(bytes, flags: JSON_REJECT_DUPLICATES)
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, flags: Int32) -> Result<JSON, JSONParseError> {
        // jansson 2.14 skips a NUL byte right after a number or a literal ({"code":0<NUL>}
        // parses), and text with a NUL would end early for C callers: refuse it first.
        if let base = bytes.baseAddress, let nul = memchr(base, 0, bytes.count) {
            return .failure(JSONParseError(text: "NUL byte in the text",
                                           position: base.distance(to: UnsafeRawPointer(nul))))
        }
        return load(bytes, flags: flags).map { JSON(owningValue: $0.raw) }
    }

    /// One json_loadb: the new value and jansson's position (on success, the bytes it read),
    /// or jansson's error.
    private static func load(_ bytes: UnsafeRawBufferPointer,
                             flags: Int32) -> Result<(raw: UnsafeMutablePointer<json_t>, position: Int), JSONParseError> {
        var error = json_error_t()
        var none: CChar = 0
        let parsed = withUnsafePointer(to: &none) { empty in
            json_loadb(bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? empty, bytes.count,
                       Int(flags), &error)
        }
        if let parsed { return .success((parsed, Int(error.position))) }
        let text = withUnsafeBytes(of: &error.text) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .failure(JSONParseError(text: text, position: Int(error.position)))
    }

    /// Parses the one value (of any kind) that starts `bytes`, after optional whitespace,
    /// with the rules of `parse` but for the NUL check (the caller makes it once for a whole
    /// body). Returns it and how many bytes it took; what follows is not looked at.
    /// `enclosing` arrays and objects around the value count towards jansson's depth limit
    /// as they would in a parse of the whole text.
    static func parseValue(prefixOf bytes: UnsafeRawBufferPointer,
                           enclosing: Int) -> Result<(value: JSON, length: Int), JSONParseError> {
        switch loadPrefix(bytes, enclosing: enclosing) {
        case .success(let (raw, length)):
            return .success((JSON(owningValue: raw), length))
        case .failure(let error):
            return .failure(error)
        }
    }

    /// `parseValue` keeping nothing: checks the value, frees it at once, returns its length.
    static func checkValue(prefixOf bytes: UnsafeRawBufferPointer, enclosing: Int) -> Result<Int, JSONParseError> {
        switch loadPrefix(bytes, enclosing: enclosing) {
        case .success(let (raw, length)):
            json_decref(raw)
            return .success(length)
        case .failure(let error):
            return .failure(error)
        }
    }

    /// jansson's JSON_PARSER_MAX_DEPTH: a value nested deeper than this (the top value is at
    /// depth 1, each array or object adds one for what it holds) is refused.
    static let maxDepth = Int(JSON_PARSER_MAX_DEPTH)

    private static func loadPrefix(_ bytes: UnsafeRawBufferPointer, enclosing: Int)
        -> Result<(UnsafeMutablePointer<json_t>, Int), JSONParseError> {
        let parsed: UnsafeMutablePointer<json_t>, length: Int
        switch load(bytes, flags: JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK) {
        case .failure(let error): return .failure(error)
        case .success(let loaded): (parsed, length) = loaded
        }
        // jansson counts the bytes it read in a C int: past 2 GiB it wraps.
        guard length > 0, length <= bytes.count else {
            json_decref(parsed)
            return .failure(JSONParseError(text: "value too long to locate", position: 0))
        }
        // A value n levels deep takes at least 2n - 1 bytes ("[[0]]"): only long ones can be
        // too deep for the `enclosing` levels around them.
        if (length + 1) / 2 + enclosing > maxDepth && depth(of: parsed) + enclosing > maxDepth {
            json_decref(parsed)
            return .failure(JSONParseError(text: "maximum parsing depth reached", position: 0))
        }
        return .success((parsed, length))
    }

    /// How deep a value nests, as jansson counts it: 1 for the value itself, one more for
    /// each array or object level, scalars included. Without recursion.
    private static func depth(of root: UnsafeMutablePointer<json_t>) -> Int {
        var deepest = 0
        var pending: [(UnsafeMutablePointer<json_t>, Int)] = [(root, 1)]
        while let (value, level) = pending.popLast() {
            deepest = Swift.max(deepest, level)
            switch kind(of: value) {
            case .array:
                for index in 0..<json_array_size(value) {
                    if let element = json_array_get(value, index) { pending.append((element, level + 1)) }
                }
            case .object:
                var iterator = json_object_iter(value)
                while let current = iterator {
                    if let member = json_object_iter_value(current) { pending.append((member, level + 1)) }
                    iterator = json_object_iter_next(value, current)
                }
            default:
                break
            }
        }
        return deepest
    }

    public static func parse(_ text: String) -> Result<JSON, JSONParseError> {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Compact JSON text in a buffer that can be handed to C; nil when memory runs out.
    public func serialized() -> ByteBuffer? {
        guard let text = json_dumps(raw, Int(JSON_COMPACT)) else { return nil }
        return ByteBuffer(adopting: text, count: strlen(text))
    }

    // MARK: Kinds and values

    public enum Kind: Equatable, Sendable { case object, array, string, integer, real, bool, null }

    public var kind: Kind { JSON.kind(of: raw) }

    fileprivate static func kind(of raw: UnsafeMutablePointer<json_t>) -> Kind {
        switch mi_json_type(raw) {
        case Int32(JSON_OBJECT.rawValue): return .object
        case Int32(JSON_ARRAY.rawValue): return .array
        case Int32(JSON_STRING.rawValue): return .string
        case Int32(JSON_INTEGER.rawValue): return .integer
        case Int32(JSON_REAL.rawValue): return .real
        case Int32(JSON_TRUE.rawValue), Int32(JSON_FALSE.rawValue): return .bool
        default: return .null
        }
    }

    public var string: String? { Borrowed(raw: raw).string }

    public var integer: Int64? { Borrowed(raw: raw).integer }

    public subscript(key: String) -> JSON? {
        guard kind == .object else { return nil }
        // withCString borrows a native string's bytes; passing `key` itself would copy them
        // into a new array on every lookup.
        return key.withCString { JSON(retaining: json_object_get(raw, $0)) }
    }

    public var count: Int {
        switch kind {
        case .array: return json_array_size(raw)
        case .object: return json_object_size(raw)
        default: return 0
        }
    }

    public subscript(index: Int) -> JSON? {
        guard kind == .array else { return nil }
        return JSON(retaining: json_array_get(raw, index))
    }

    public var elements: [JSON] { (0..<count).compactMap { self[$0] } }

    /// The keys and values of an object, in jansson's order.
    var members: [(key: String, value: JSON)] {
        guard kind == .object else { return [] }
        var result: [(String, JSON)] = []
        var iterator = json_object_iter(raw)
        while let current = iterator {
            if let key = json_object_iter_key(current), let value = JSON(retaining: json_object_iter_value(current)) {
                result.append((String(cString: key), value))
            }
            iterator = json_object_iter_next(raw, current)
        }
        return result
    }

    /// A member's value borrowed from its object: valid only inside `forEachMember`.
    struct Borrowed {
        fileprivate let raw: UnsafeMutablePointer<json_t>
        var kind: Kind { JSON.kind(of: raw) }
        var integer: Int64? { kind == .integer ? Int64(json_integer_value(raw)) : nil }
        var string: String? {
            guard kind == .string, let value = json_string_value(raw) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: value, count: json_string_length(raw)),
                          as: UTF8.self)
        }
        /// A reference of its own, to keep or to walk.
        func owned() -> JSON { JSON(retainingValue: raw) }
    }

    /// Calls `body` with each member's key bytes and value, in jansson's order, with no
    /// allocation per member (both are valid only during the call). Nothing for a non-object.
    func forEachMember<E: Error>(_ body: (UnsafeRawBufferPointer, Borrowed) throws(E) -> Void) throws(E) {
        guard kind == .object else { return }
        var iterator = json_object_iter(raw)
        while let current = iterator {
            if let key = json_object_iter_key(current), let value = json_object_iter_value(current) {
                try body(UnsafeRawBufferPointer(start: key, count: json_object_iter_key_len(current)),
                         Borrowed(raw: value))
            }
            iterator = json_object_iter_next(raw, current)
        }
    }

    func isEqual(to other: JSON) -> Bool { json_equal(raw, other.raw) != 0 }

    // MARK: Building

    public static func object() -> JSON? { JSON(owning: json_object()) }
    public static func array() -> JSON? { JSON(owning: json_array()) }
    public static func string(_ value: String) -> JSON? {
        var value = value
        return value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                var none: CChar = 0
                return withUnsafePointer(to: &none) { JSON(owning: json_stringn(chars.baseAddress ?? $0, chars.count)) }
            }
        }
    }
    public static func integer(_ value: Int64) -> JSON? { JSON(owning: json_integer(json_int_t(value))) }
    static func bool(_ value: Bool) -> JSON? { JSON(owning: value ? json_true() : json_false()) }

    /// Sets `key` (the value keeps its own reference). False when memory runs out.
    @discardableResult
    public func set(_ key: String, _ value: JSON) -> Bool { key.withCString { json_object_set(raw, $0, value.raw) == 0 } }

    /// Appends a value to an array (the array keeps its own reference). False when memory runs out.
    @discardableResult
    public func append(_ value: JSON) -> Bool { json_array_append(raw, value.raw) == 0 }

    /// Appends every element of another array. False when memory runs out.
    @discardableResult
    func extend(with other: JSON) -> Bool { json_array_extend(raw, other.raw) == 0 }
}

/// Why a text is not JSON: jansson's message and the byte offset it stopped at.
public struct JSONParseError: Error {
    public var text: String
    public var position: Int
}
