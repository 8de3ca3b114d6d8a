import Glibc
import Synchronization

/// Checks a large envelope without building its tree, so that a 10 MB list costs memory
/// for its text and one record at a time per thread, not the ~9x of a jansson tree.
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
/// Large answers are checked on several cores at once (`Split`): jansson reads about
/// 50 MB/s, so a 10 MB list takes 200 ms on one. From the first record of "data.records"
/// on, the text is cut where `},{` appears; each later piece is checked on a thread of its
/// own, guessing that its cut is where a record starts. A guess counts only when the check
/// of the piece before it ends exactly there, after a comma between records (a `},{`
/// inside a string, a nested value or after the array is never such a place); then the
/// text from the cut is read exactly as a single pass would read it. A wrong guess is
/// dropped and the pass goes on by itself. A thread reads no value longer than
/// `Split.threadValueBytes` (a wrong guess may read a string's text as structure); there
/// it stops, and the pass goes on from that record itself. Threads whose work is no longer
/// wanted stop at their next record; every thread is joined before the scan returns.
enum EnvelopeScan {
    struct Found {
        var code: JSON?
        var message: JSON?
        /// How many pieces of the records array were checked on other threads and used
        /// (wholly or up to a value too long for a thread).
        var piecesFromThreads = 0
    }

    /// How a records array is shared out: at most `pieces` parts, none under `minPiece` bytes.
    struct Split: Sendable {
        var pieces: Int
        var minPiece: Int
        /// The longest value a thread parses (records are a few hundred bytes): a longer one
        /// is left to the pass that reaches it, so a wrong guess costs at most this much text
        /// as a jansson tree, and an unwanted thread stops within one such parse.
        var threadValueBytes = 64 * 1024

        /// Up to 4 threads, no more than the CPUs the calling thread may run on, when 1 MiB or
        /// more follows the first record (a piece of 512 KiB takes jansson about 10 ms; a
        /// thread starts in about 0.05 ms). Worked out for each scan: the mask can change.
        static var automatic: Split { Split(pieces: min(4, usableCPUs()), minPiece: 512 * 1024) }
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

/// Tells the threads of a scan which pieces are no longer wanted: those from a number on.
private final class Cancellation: Sendable {
    private let firstUnwanted = Atomic<Int>(Int.max)

    func cancel(from piece: Int) {
        var current = firstUnwanted.load(ordering: .relaxed)
        while piece < current {
            let (exchanged, original) = firstUnwanted.compareExchange(expected: current, desired: piece,
                                                                      ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    func isCancelled(_ piece: Int) -> Bool { piece >= firstUnwanted.load(ordering: .relaxed) }
}

/// How the check of some records ended.
private enum ElementsEnd: Equatable, Sendable {
    /// The next record starts exactly at the position asked for.
    case reached
    /// The array ended; the position after its "]".
    case closed(Int)
    /// Not accepted (or cancelled): the whole parse decides.
    case refused
    /// A thread stopped before the record at this position (longer than it may parse); the
    /// records before it are checked.
    case stoppedAt(Int)
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
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private mutating func skipSpace() {
        _ = skipSpace(upTo: Int.max)
    }

    /// Skips whitespace, at most `limit` bytes; false when more follows.
    private mutating func skipSpace(upTo limit: Int) -> Bool {
        let end = limit >= bytes.count - at ? bytes.count : at + limit
        while at < end {
            guard Scanner.isSpace(bytes[at]) else { return true }
            at += 1
        }
        return at == bytes.count || !Scanner.isSpace(bytes[at])
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
        // Thread i checks from starts[i] to starts[i + 1] (the last one to the array's end).
        let cancellation = Cancellation()
        var workers: [WorkerThread<ElementsEnd>] = []
        defer {
            cancellation.cancel(from: 0)
            for worker in workers { _ = worker.join() }
        }
        let shared = SharedBytes(bytes: bytes), split = self.split
        for (index, start) in starts.enumerated() {
            let stop = index + 1 < starts.count ? starts[index + 1] : nil
            guard let worker = WorkerThread.start({ () -> ElementsEnd in
                var piece = Scanner(bytes: shared.bytes, at: start, split: split)
                return piece.elements(stoppingAt: stop, passedCancels: index + 1,
                                      piece: index, cancellation: cancellation)
            }) else { break }  // no thread: this one goes on from that start by itself
            workers.append(worker)
        }
        var end = elements(stoppingAt: starts.first, passedCancels: 0, piece: nil, cancellation: cancellation)
        var next = 0  // the piece that starts at starts[next]
        while true {
            switch end {
            case .closed(let after):
                at = after
                return true
            case .refused:
                return false
            case .reached:  // the guess at starts[next] was right
                let result = next < workers.count ? workers[next].join() ?? .refused : .stoppedAt(starts[next])
                if next < workers.count && result != .refused { found.piecesFromThreads += 1 }
                if case .stoppedAt(let record) = result {  // go on from there, up to the next piece
                    at = record
                    end = elements(stoppingAt: next + 1 < workers.count ? starts[next + 1] : nil,
                                   passedCancels: next + 1, piece: nil, cancellation: cancellation)
                } else {
                    end = result
                }
                next += 1
            case .stoppedAt:  // only threads stop early
                return false
            }
        }
    }

    /// Checks records from `at` (where one starts) to the array's end. With `stop`, ends as
    /// `.reached` when a record starts exactly there after a comma; a record spanning `stop`
    /// means no record starts there: the pieces from `passedCancels` on are not wanted, and
    /// the check goes on to the end. On a thread (`piece`), it stops when its piece is no
    /// longer wanted, and before a value (or a run of whitespace) longer than
    /// `split.threadValueBytes`.
    private mutating func elements(stoppingAt stop: Int?, passedCancels: Int, piece: Int?,
                                   cancellation: Cancellation) -> ElementsEnd {
        var stop = stop
        // A thread also skips no more whitespace than that at once (it cannot stop inside).
        let limit = piece == nil ? Int.max : Swift.max(1, split.threadValueBytes)
        while true {
            let start = at
            guard skipSpace(upTo: limit) else { return .stoppedAt(start) }
            let record = at
            switch checkValue(enclosing: Scanner.recordDepth, within: limit) {
            case .taken: break
            case .tooLong: return .stoppedAt(record)
            case .refused: return .refused
            }
            guard skipSpace(upTo: limit) else { return .stoppedAt(record) }
            guard take(Scanner.comma) else { return take(Scanner.closeBracket) ? .closed(at) : .refused }
            let next = at
            guard skipSpace(upTo: limit) else { return .stoppedAt(next) }
            if let target = stop {
                if at == target { return .reached }
                if at > target {
                    stop = nil
                    cancellation.cancel(from: passedCancels)
                }
            }
            if let piece, cancellation.isCancelled(piece) { return .refused }
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
        return checkValue(enclosing: enclosing, within: Int.max) == .taken
    }

    private enum ValueCheck { case taken, refused, tooLong }

    /// Checks the value at `at` (no whitespace before it) and steps over it; jansson sees at
    /// most `limit` bytes, and a value it cannot finish within them is `.tooLong`.
    private mutating func checkValue(enclosing: Int, within limit: Int) -> ValueCheck {
        let available = bytes.count - at
        guard available > 0 else { return .refused }
        let window = Swift.min(available, limit)
        switch JSON.checkValue(prefixOf: UnsafeRawBufferPointer(rebasing: bytes[at..<at + window]), enclosing: enclosing) {
        case .success(let length) where length < window || window == available:
            at += length
            return .taken
        default:
            // Cut short by the window: a number may have parsed shorter, or the value go on.
            return window < available ? .tooLong : .refused
        }
    }
}
