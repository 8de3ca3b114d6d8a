import Glibc

/// Checks a large envelope without building its tree, so that a 10 MB list costs memory
/// for its text and one record at a time, not the ~9x of a jansson tree (a hostile or
/// huge answer cannot make the library hold many times the response limit).
///
/// The walk covers only the outer object, its "data" object and the "data.records" array:
/// whitespace, the punctuation between members and elements, and duplicate keys at those
/// levels. jansson parses every key and every other value, one at a time, with the flags of
/// a whole parse (no duplicate keys, no NUL, integers within 64 bits, depth counted from
/// the top), and frees it at once; only "code" and "message" are kept.
///
/// Sound, not complete: it accepts only text that a whole parse accepts, with the same code
/// and message. Whatever it does not accept goes to the whole parse, which then gives the
/// verdict and the message, so errors read the same either way. A differential test and the
/// classify fuzzer hold it to that.
enum EnvelopeScan {
    struct Found {
        var code: JSON?
        var message: JSON?
    }

    /// The kept members of a valid envelope object, or nil (not accepted: ask a whole parse).
    /// Bodies of 2 GiB or more are left to the whole parse: jansson counts positions in an int.
    static func scan(_ body: UnsafeRawBufferPointer) -> Found? {
        guard body.count < Int(Int32.max), let base = body.baseAddress, memchr(base, 0, body.count) == nil
        else { return nil }
        var scanner = Scanner(bytes: body)
        return scanner.envelope()
    }
}

private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    var at = 0
    var found = EnvelopeScan.Found()

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The walked objects: the envelope (inside 1 container) and its "data" (inside 2).
    enum Level: Int {
        case envelope = 1, data = 2
    }
    /// The elements of "data.records" sit inside 3 containers.
    private static let recordDepth = 3

    private static let quote = UInt8(ascii: "\""), colon = UInt8(ascii: ":"), comma = UInt8(ascii: ",")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    mutating func envelope() -> EnvelopeScan.Found? {
        guard object(.envelope) else { return nil }
        skipSpace()
        return at == bytes.count ? found : nil
    }

    /// Skips JSON whitespace, as jansson reads it: space, tab, LF, CR.
    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not taken.
    private mutating func peek() -> UInt8? {
        skipSpace()
        return at < bytes.count ? bytes[at] : nil
    }

    /// Takes `byte` when it comes next (after whitespace).
    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        at += 1
        return true
    }

    private var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[at...]) }

    /// An object whose members are walked: keys parsed by jansson, none twice (compared as
    /// bytes, as jansson does; a set, since a hostile server may send many keys).
    private mutating func object(_ level: Level) -> Bool {
        guard take(Scanner.openBrace) else { return false }
        if take(Scanner.closeBrace) { return true }
        var keys = Set<[UInt8]>()
        repeat {
            guard peek() == Scanner.quote,
                  case .success(let (key, length)) = JSON.parseValue(prefixOf: rest, enclosing: level.rawValue),
                  let name = key.string else { return false }
            at += length
            guard keys.insert(Array(name.utf8)).inserted else { return false }  // a whole parse refuses duplicates
            guard take(Scanner.colon), member(name, of: level) else { return false }
        } while take(Scanner.comma)
        return take(Scanner.closeBrace)
    }

    private mutating func member(_ name: String, of level: Level) -> Bool {
        switch (level, name) {
        case (.envelope, "data") where peek() == Scanner.openBrace:
            return object(.data)
        case (.data, "records") where peek() == Scanner.openBracket:
            return records()
        case (.envelope, "code"), (.envelope, "message"):
            skipSpace()
            guard case .success(let (value, length)) = JSON.parseValue(prefixOf: rest, enclosing: level.rawValue)
            else { return false }
            at += length
            if name == "code" { found.code = value } else { found.message = value }
            return true
        default:
            return skipValue(enclosing: level.rawValue)
        }
    }

    /// The records, each parsed by jansson and dropped at once.
    private mutating func records() -> Bool {
        guard take(Scanner.openBracket) else { return false }
        if take(Scanner.closeBracket) { return true }
        repeat {
            guard skipValue(enclosing: Scanner.recordDepth) else { return false }
        } while take(Scanner.comma)
        return take(Scanner.closeBracket)
    }

    /// Checks the value after any whitespace and steps over it.
    private mutating func skipValue(enclosing: Int) -> Bool {
        skipSpace()
        guard at < bytes.count, case .success(let length) = JSON.checkValue(prefixOf: rest, enclosing: enclosing)
        else { return false }
        at += length
        return true
    }
}
