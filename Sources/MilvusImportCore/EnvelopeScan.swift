import Glibc
import Synchronization

/// Checks a large envelope without building its tree, so that a 10 MB list costs memory
/// for its text and one record at a time, not the ~9x of a jansson tree.
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
///
/// A large records array is checked on several cores at once (`Split`): jansson reads about
/// 50 MB/s, so a 10 MB list takes 200 ms on one. The array is cut where `},{` appears; each
/// later piece is checked on a thread of its own, guessing that its cut is where a record
/// starts. A guess counts only when the check of the piece before it ends exactly there,
/// after a comma between records (a `},{` inside a string is never such a place); then the
/// text from the cut is read exactly as a single pass would read it. A wrong guess is
/// dropped and the pass goes on by itself. Every thread is joined before the scan returns.
enum EnvelopeScan {
    struct Found {
        var code: JSON?
        var message: JSON?
        /// How many pieces of the records array were checked on other threads (and used).
        var piecesFromThreads = 0
    }

    /// How a records array is shared out: at most `pieces` parts, none under `minPiece` bytes.
    struct Split: Sendable {
        var pieces: Int
        var minPiece: Int

        /// Up to 4 threads, as many as there are CPUs online, for arrays of 1 MiB or more
        /// (a piece of 512 KiB takes jansson about 10 ms; a thread starts in about 0.05 ms).
        static let automatic = Split(pieces: min(4, onlineCPUs), minPiece: 512 * 1024)
        static let none = Split(pieces: 1, minPiece: Int.max)
    }

    /// The kept members of a valid envelope object, or nil (not accepted: ask a whole parse).
    /// Bodies of 2 GiB or more are left to the whole parse: jansson counts positions in an int.
    static func scan(_ body: UnsafeRawBufferPointer, split: Split = .automatic) -> Found? {
        guard body.count < Int(Int32.max), let base = body.baseAddress, memchr(base, 0, body.count) == nil
        else { return nil }
        var scanner = Scanner(bytes: body, at: 0, split: split)
        return scanner.envelope()
    }
}

/// The body, read (never written) by the threads of one scan, all joined before it returns.
private struct SharedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}

/// Tells the threads of a scan that their results are no longer wanted.
private final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// How the check of some records ended.
private enum ElementsEnd: Equatable, Sendable {
    /// The next record starts exactly at the position asked for.
    case reached
    /// The array ended; the position after its "]".
    case closed(Int)
    /// Not accepted (or cancelled): the whole parse decides.
    case refused
}

private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    var at: Int
    let split: EnvelopeScan.Split
    var found = EnvelopeScan.Found()

    init(bytes: UnsafeRawBufferPointer, at: Int, split: EnvelopeScan.Split) {
        self.bytes = bytes
        self.at = at
        self.split = split
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

    /// JSON whitespace, as jansson reads it: space, tab, LF, CR.
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

    /// The records, each parsed by jansson and dropped; a large array on several threads.
    private mutating func records() -> Bool {
        guard take(Scanner.openBracket) else { return false }
        if take(Scanner.closeBracket) { return true }
        skipSpace()
        let starts = Scanner.guessedStarts(bytes, from: at, split: split)
        // Piece i + 1 runs from starts[i] to starts[i + 1] (the last to the array's end).
        let cancellation = Cancellation()
        var workers: [WorkerThread<ElementsEnd>] = []
        defer {
            cancellation.cancel()
            for worker in workers { _ = worker.join() }
        }
        let shared = SharedBytes(bytes: bytes), split = self.split
        for (index, start) in starts.enumerated() {
            let stop = index + 1 < starts.count ? starts[index + 1] : nil
            guard let worker = WorkerThread.start({ () -> ElementsEnd in
                var piece = Scanner(bytes: shared.bytes, at: start, split: split)
                return piece.elements(stoppingAt: stop, cancellation: cancellation)
            }) else { break }  // no thread: this one goes on from that start by itself
            workers.append(worker)
        }
        var end = elements(stoppingAt: starts.first, cancellation: nil)
        var next = 0
        while end == .reached {  // the guess at starts[next] was right: take that piece's result
            if next < workers.count {
                end = workers[next].join() ?? .refused
                found.piecesFromThreads += 1
            } else {
                at = starts[next]
                end = elements(stoppingAt: nil, cancellation: nil)
            }
            next += 1
        }
        guard case .closed(let after) = end else { return false }
        at = after
        return true
    }

    /// Checks records from `at` (where one starts) to the array's end. With `stop`, ends as
    /// `.reached` when a record starts exactly there after a comma; a record spanning `stop`
    /// means no record starts there, and the check goes on to the end.
    private mutating func elements(stoppingAt stop: Int?, cancellation: Cancellation?) -> ElementsEnd {
        var stop = stop
        while true {
            guard skipValue(enclosing: Scanner.recordDepth) else { return .refused }
            guard take(Scanner.comma) else { return take(Scanner.closeBracket) ? .closed(at) : .refused }
            if let target = stop {
                skipSpace()
                if at == target { return .reached }
                if at > target { stop = nil }
            }
            if cancellation?.isCancelled == true { return .refused }
        }
    }

    /// Where later pieces probably start: the "{" of the first "},{" after each even share
    /// of the array (from `first`, its first record). Ascending, each after `first`.
    private static func guessedStarts(_ bytes: UnsafeRawBufferPointer, from first: Int,
                                      split: EnvelopeScan.Split) -> [Int] {
        let length = bytes.count - first
        let pieces = min(split.pieces, length / max(1, split.minPiece))
        guard pieces >= 2 else { return [] }
        var starts: [Int] = []
        var from = first + 1
        for share in 1..<pieces {
            let target = max(from, first + length / pieces * share)
            guard let start = separatorEnd(bytes, from: target) else { break }
            starts.append(start)
            from = start + 1
        }
        return starts
    }

    /// The position of the "{" of the first "},{" at or after `from`.
    private static func separatorEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var at = from
        while at + 2 < bytes.count, let brace = memchr(base + at, Int32(closeBrace), bytes.count - 2 - at) {
            let found = base.distance(to: UnsafeRawPointer(brace))
            if bytes[found + 1] == comma && bytes[found + 2] == openBrace { return found + 2 }
            at = found + 1
        }
        return nil
    }

    private mutating func skipValue(enclosing: Int) -> Bool {
        skipSpace()
        guard at < bytes.count, case .success(let length) = JSON.checkValue(prefixOf: rest, enclosing: enclosing)
        else { return false }
        at += length
        return true
    }
}
