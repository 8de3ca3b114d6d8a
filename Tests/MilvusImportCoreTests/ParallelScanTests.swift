import CTestSupport
import Testing
@testable import MilvusImportCore

/// A large records array is checked on several threads, each piece starting at a guessed
/// record start ("},{"). Whatever the cuts, the verdict, code and message must be those of
/// one pass; and the threads must really be used on a plain list.
@Suite struct ParallelScanTests {
    /// The scan's outcome in comparable form: nil when refused.
    private struct Outcome: Equatable {
        var code: Int64?
        var codeKind: JSON.Kind?
        var message: String?
    }

    private func scan(_ text: String, _ split: EnvelopeScan.Split) -> (Outcome?, threads: Int) {
        var text = text
        return text.withUTF8 { utf8 in
            guard let found = EnvelopeScan.scan(UnsafeRawBufferPointer(utf8), split: split) else { return (nil, 0) }
            return (Outcome(code: found.code?.integer, codeKind: found.code?.kind, message: found.message?.string),
                    found.piecesFromThreads)
        }
    }

    private func whole(_ text: String) -> Outcome? {
        var text = text
        return text.withUTF8 { utf8 in
            guard case .success(let json) = JSON.parse(UnsafeRawBufferPointer(utf8)), json.kind == .object else {
                return nil
            }
            return Outcome(code: json["code"]?.integer, codeKind: json["code"]?.kind, message: json["message"]?.string)
        }
    }

    private static let splits: [EnvelopeScan.Split] = [
        .init(pieces: 2, minPiece: 1), .init(pieces: 3, minPiece: 1), .init(pieces: 4, minPiece: 1),
        .init(pieces: 4, minPiece: 40), .init(pieces: 2, minPiece: 300),
        // Threads that stop before most values: the pass goes on from there.
        .init(pieces: 3, minPiece: 1, threadValueBytes: 1), .init(pieces: 4, minPiece: 1, threadValueBytes: 60),
    ]

    /// Every split agrees with one pass, and one pass with the whole parse where it accepts.
    private func expectAgreement(_ text: String, _ what: String) {
        let single = scan(text, .none).0
        if let single { #expect(single == whole(text), "one pass vs whole parse: \(what)") }
        for split in ParallelScanTests.splits {
            #expect(scan(text, split).0 == single, "\(split.pieces) pieces of \(split.minPiece)+: \(what)")
        }
    }

    private static let record = #"{"collectionName":"c","jobId":"448761313698322011","progress":37,"state":"Importing"}"#
    private static func list(_ records: [String], separator: String = ",", after: String = "") -> String {
        #"{"code":0,"message":"ok","data":{"records":["# + records.joined(separator: separator) + "]" + after + "}}"
    }

    @Test func aPlainListIsCheckedOnSeveralThreads() {
        let text = ParallelScanTests.list(Array(repeating: ParallelScanTests.record, count: 3_000))
        for pieces in 2...4 {
            let (outcome, threads) = scan(text, .init(pieces: pieces, minPiece: 1_000))
            #expect(outcome == Outcome(code: 0, codeKind: .integer, message: "ok"))
            #expect(threads == pieces - 1, "\(pieces) pieces")
        }
        // The default: as many pieces as CPUs (up to 4), none under 512 KiB.
        let big = ParallelScanTests.list(Array(repeating: ParallelScanTests.record, count: 30_000))
        #expect(scan(big, .automatic).threads == min(4, usableCPUs()) - 1)
        #expect(scan(big, .none).threads == 0)
    }

    /// The default counts the CPUs the calling thread may run on (taskset, a container's
    /// cpuset), not the CPUs online: on one allowed CPU the scan starts no thread.
    @Test func theDefaultFollowsTheAffinityMask() throws {
        var saved = cpu_set_t()
        try #require(ts_pin_calling_thread(&saved) == 0)
        let big = ParallelScanTests.list(Array(repeating: ParallelScanTests.record, count: 30_000))
        let pinned = (cpus: usableCPUs(), pieces: EnvelopeScan.Split.automatic.pieces, scanned: scan(big, .automatic))
        #expect(ts_set_calling_thread_mask(&saved) == 0)  // this test thread's own mask back
        #expect(pinned.cpus == 1)
        #expect(pinned.pieces == 1)
        #expect(pinned.scanned.0 == Outcome(code: 0, codeKind: .integer, message: "ok"))
        #expect(pinned.scanned.threads == 0)
        // With the mask back, the count is the mask's again (up to 4 pieces).
        let allowed = Int(ts_mask_count(&saved))
        #expect(usableCPUs() == allowed)
        #expect(EnvelopeScan.Split.automatic.pieces == min(4, allowed))
    }

    /// Records whose text holds "},{" (in strings, in nested values): cuts land inside them,
    /// are not record starts, and are dropped.
    @Test func cutsInsideRecordsAreDropped() {
        let tricky = [
            #"{"s":"},{"}"#, #"{"s":"a},{\"x\":1},{"}"#, #"{"n":[{"a":1},{"b":2},{"c":[{},{}]}]}"#,
            #"{"k":{"x":{},"y":{}},"l":"}},{{"}"#, ParallelScanTests.record,
        ]
        var records: [String] = []
        for index in 0..<200 { records.append(tricky[index % tricky.count]) }
        expectAgreement(ParallelScanTests.list(records), "tricky records")
        expectAgreement(ParallelScanTests.list(records, after: #","other":[{},{"s":"},{"},{}]"#), "cuts after the array")
        expectAgreement(ParallelScanTests.list(records, separator: " ,\n "), "whitespace between records")
        let nested = #"{"code":0,"data":{"records":[["# + records.joined(separator: ",") + "]]}}"
        expectAgreement(nested, "records inside one nested array")
    }

    /// A thread parses no value longer than `threadValueBytes`: before a longer record it
    /// stops, the pass goes on from that record itself, and hands over to the next thread.
    @Test func longRecordsAreLeftToThePass() {
        let long = #"{"s":""# + String(repeating: "x", count: 100_000) + #""}"#
        let longNumber = "0." + String(repeating: "0", count: 70_000) + "1"  // cut short, it still parses
        let longArray = "[" + Array(repeating: "1", count: 40_000).joined(separator: ",") + "]"
        for value in [long, longNumber, longArray] {
            for position in [10, 1_500, 2_500, 2_999] {
                var records = Array(repeating: ParallelScanTests.record, count: 3_000)
                records[position] = value
                let text = ParallelScanTests.list(records)
                let (outcome, threads) = scan(text, .init(pieces: 4, minPiece: 1_000))
                #expect(outcome == Outcome(code: 0, codeKind: .integer, message: "ok"), "at \(position)")
                #expect(threads >= 1, "at \(position)")
                expectAgreement(text, "\(value.prefix(8)) at \(position)")
            }
        }
    }

    /// A guess inside a key whose next value holds text shaped like a long array: the thread
    /// stops at the window instead of building that array, and the guess is dropped.
    @Test func aWrongGuessReadingTextAsStructureIsDropped() {
        let shaped = #"{"},{":":["# + Array(repeating: "1", count: 30_000).joined(separator: ",") + #"]"}"#
        let pad = #"{"p":""# + String(repeating: "x", count: shaped.utf8.count + 1_000) + #""}"#
        let text = #"{"code":0,"message":"ok","data":{"records":["# + pad + ", " + shaped + "]}}"
        #expect(scan(text, .none).0 == Outcome(code: 0, codeKind: .integer, message: "ok"))
        expectAgreement(text, "text shaped as an array after a wrong guess")
        let refusedFirst = #"{"code":0,"message":"ok","data":{"records":[{"a":tru},"# + pad + "," + shaped + "]}}"
        #expect(scan(refusedFirst, .none).0 == nil)
        expectAgreement(refusedFirst, "the first record refused while a thread parses a long one")
    }

    /// Runs of whitespace longer than a thread's window, before and after commas: the thread
    /// stops there (it cannot be stopped inside one) and the pass goes on.
    @Test(arguments: ["before a comma", "after a comma", "around a record"])
    func longWhitespaceIsLeftToThePass(place: String) {
        let run = String(repeating: " \n", count: 150)
        var records = Array(repeating: ParallelScanTests.record, count: 400)
        for position in stride(from: 20, to: 400, by: 37) {
            switch place {
            case "before a comma": records[position] += run
            case "after a comma": records[position] = run + records[position]
            default: records[position] = run + records[position] + run
            }
        }
        let text = ParallelScanTests.list(records)
        for window in [1, 8, 299, 300, 301, 64 * 1024] {
            let (outcome, threads) = scan(text, .init(pieces: 4, minPiece: 1_000, threadValueBytes: window))
            #expect(outcome == Outcome(code: 0, codeKind: .integer, message: "ok"), "window \(window)")
            #expect(threads >= 1, "window \(window)")
        }
        expectAgreement(text, "long whitespace \(place)")
        // The first record refused while a thread would skip a long run: the same verdict.
        var refused = records
        refused[0] = #"{"a":tru}"#
        expectAgreement(ParallelScanTests.list(refused), "a refusal while threads skip whitespace \(place)")
    }

    /// A short records array followed by much else: the cuts fall after the array, where no
    /// record starts, and the pass alone decides.
    @Test func cutsAfterAShortArrayAreDropped() {
        let after = #","x":""# + String(repeating: "y", count: 5_000) + #"","q":[{"a":1},{"b":2},{"c":3}]"#
        let text = ParallelScanTests.list([ParallelScanTests.record], after: after)
        let (outcome, threads) = scan(text, .init(pieces: 4, minPiece: 100))
        #expect(outcome == Outcome(code: 0, codeKind: .integer, message: "ok"))
        #expect(threads == 0)
        expectAgreement(text, "short array, long tail")
    }

    /// A fault in any piece is found, whichever thread reads it.
    @Test func aFaultInAnyPieceIsRefused() {
        let faults = [
            #"{"a":1,"a":2}"#, #"{"a":tru}"#, #"{"a":99999999999999999999}"#, #"{"a":"\u0000"}"#,
            #"{"a":1,}"#, #"{"a" 1}"#, "{\"a\":\"\u{1}\"}", #"{"a":1}}"#, #"{"a":[1,2}"#,
        ]
        let records = Array(repeating: ParallelScanTests.record, count: 120)
        for fault in faults {
            for position in [0, 1, 30, 59, 60, 61, 90, 118, 119] {
                var broken = records
                broken[position] = fault
                let text = ParallelScanTests.list(broken)
                #expect(scan(text, .none).0 == nil, "\(fault) at \(position)")
                expectAgreement(text, "\(fault) at \(position)")
            }
        }
        let separators = [",,", "", ", ]", "]["]
        for bad in separators {
            let text = ParallelScanTests.list(Array(records[..<60]) + [ParallelScanTests.record + bad + ParallelScanTests.record]
                                              + Array(records[60...]))
            #expect(scan(text, .none).0 == nil, "separator \(bad)")
            expectAgreement(text, "separator \(bad)")
        }
    }

    /// jansson's depth limit holds in every piece: a record sits inside 3 levels.
    @Test func depthIsCheckedInEveryPiece() {
        let deepest = JSON.maxDepth - 3 - 1  // levels of arrays around a number that still pass
        for levels in [deepest, deepest + 1] {
            let deep = "{\"d\":" + String(repeating: "[", count: levels - 1) + "1" + String(repeating: "]", count: levels - 1) + "}"
            for position in [0, 50, 99] {
                var records = Array(repeating: ParallelScanTests.record, count: 100)
                records[position] = deep
                let text = ParallelScanTests.list(records)
                #expect((scan(text, .none).0 != nil) == (levels == deepest), "\(levels) levels at \(position)")
                expectAgreement(text, "\(levels) levels at \(position)")
            }
        }
    }

    /// Random lists of tricky records and separators, cut every which way.
    @Test func randomListsAgreeWithOnePass() {
        var random = SplitMix(seed: 0x5EED)
        let parts = [
            ParallelScanTests.record, #"{"s":"},{"}"#, #"{}"#, #"{"a":[{},{"x":"},{"}]}"#, "1", #""},{""#, "[]",
            #"{"a":1,"a":2}"#, "{", "}", ",", #"{"a":tru}"#, "null", #"{"e":"\\"}"#, #"{"u":"\u00e9},{"}"#,
        ]
        for round in 0..<600 {
            var records: [String] = []
            for _ in 0..<Int(random.next() % 40) {
                // Mostly good records, sometimes a bad part.
                let pick = random.next() % 10 < 8 ? Int(random.next() % 7) : Int(random.next() % UInt64(parts.count))
                records.append(parts[pick])
            }
            let separator = [",", ",", ",", " , ", ",\n"][Int(random.next() % 5)]
            let text = ParallelScanTests.list(records, separator: separator)
            expectAgreement(text, "round \(round): \(text.prefix(300))")
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be replayed.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
