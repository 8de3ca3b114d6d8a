import CMilvusImport
import Testing
@testable import MilvusImportCore

/// The check of large envelopes without a tree must agree with the whole parse: the same
/// verdict, code and message, or the same problem (it hands what it does not accept to the
/// whole parse). And it must really be used: valid envelopes are accepted without a tree.
@Suite struct LargeAnswerTests {
    private func both(_ text: String) -> (whole: Result<Classification.Envelope, Classification.Problem>,
                                          checked: Result<Classification.Envelope, Classification.Problem>) {
        var text = text
        return text.withUTF8 { utf8 in
            let body = UnsafeRawBufferPointer(utf8)
            return (Classification.parseEnvelope(body), Classification.parseEnvelope(body, checkWithoutTreeFrom: 0))
        }
    }

    private func scanned(_ text: String) -> EnvelopeScan.Found? {
        var text = text
        return text.withUTF8 { EnvelopeScan.scan(UnsafeRawBufferPointer($0)) }
    }

    private func expectAgreement(_ text: String, _ comment: Comment? = nil) {
        switch both(text) {
        case (.success(let whole), .success(let checked)):
            #expect(whole.code == checked.code, comment)
            #expect(whole.message == checked.message, comment)
        case (.failure(let whole), .failure(let checked)):
            #expect(whole.text == checked.text, comment)
        default:
            Issue.record("the two checks disagree on \(text.prefix(200))")
        }
    }

    private static let record = #"{"collectionName":"c","jobId":"448761313698322011","progress":37,"state":"Importing"}"#
    private static func list(_ count: Int, separator: String = ",") -> String {
        #"{"code":0,"data":{"records":["# + Array(repeating: record, count: count).joined(separator: separator) + "]}}"
    }

    static let accepted: [String] = [
        list(0), list(1), list(2_000),
        " \n{ \"code\" : 0 ,\r\n \"data\" : { \"records\" : [ " + record + " ,\t" + record + " ] } } \n",
        #"{"data":{"records":[]},"code":0}"#,
        #"{"code":0,"message":"ok","data":{"count":2,"records":[{"a":[1,{"b":null}]},true,"x",-1.5e3]}}"#,
        #"{"code":65535,"message":"collection not found","data":{}}"#,
        #"{"code":0,"data":[]}"#,
        #"{"code":0,"data":{"records":{"not":"a list"}}}"#,
        #"{"code":0,"\u0064ata":{"records":[1]},"other":{"code":7}}"#,
        #"{"code":0,"message":{"nested":["message"]}}"#,
        #"{"code":"0"}"#,
        #"{"message":"no code"}"#,
        "{}",
    ]

    @Test(arguments: accepted)
    func validEnvelopesAreCheckedWithoutATree(text: String) throws {
        #expect(scanned(text) != nil, "not accepted: \(text.prefix(120))")
        if case .success(let checked) = both(text).checked { #expect(checked.json == nil) }
        expectAgreement(text)
    }

    static let refused: [String] = [
        #"[{"code":0}]"#, #""code""#, "0", "", "   ", "\u{FEFF}{\"code\":0}",
        #"{"code":0}x"#, #"{"code":0}{"code":0}"#, #"{"code":0,}"#, #"{"code" 0}"#, #"{"code":0"#,
        #"{"code":0,"code":1}"#, #"{"code":0,"data":{"records":[],"records":[]}}"#,
        #"{"code":0,"data":{"records":[{"a":1,"a":2}]}}"#, #"{"code":0,"d\u0061ta":1,"data":2}"#,
        #"{"code":0,"data":{"records":[1,]}}"#, #"{"code":0,"data":{"records":[1 2]}}"#,
        #"{"code":0,"data":{"records":[99999999999999999999]}}"#, #"{"code":0,"data":{"records":["\u0000"]}}"#,
        #"{"code":0,"data":{"records":[tru]}}"#, #"{"code":1e999}"#, #"{code:0}"#, #"{'code':0}"#,
        "{\"code\":0,\"data\":{\"records\":[\"\u{1}\"]}}", "{\"code\":0}\u{0}", "{\"code\":0,\"x\":\"\u{0}\"}",
        list(3, separator: ",,"), list(3, separator: ""), String(list(50).dropLast()),
    ]

    @Test(arguments: refused)
    func whatTheCheckRefusesIsParsedWhole(text: String) {
        expectAgreement(text)
    }

    @Test func invalidUTF8InARecordIsRefusedByBoth() {
        var bytes = Array(LargeAnswerTests.list(3).utf8)
        let at = bytes.count / 2
        bytes[at] = 0xC3
        bytes[at + 1] = 0x28  // a broken two-byte sequence
        bytes.withUnsafeBytes { body in
            #expect(EnvelopeScan.scan(body) == nil)
            guard case .failure(let whole) = Classification.parseEnvelope(body),
                  case .failure(let checked) = Classification.parseEnvelope(body, checkWithoutTreeFrom: 0) else {
                Issue.record("invalid UTF-8 accepted")
                return
            }
            #expect(whole.text == checked.text)
        }
    }

    /// jansson refuses a value deeper than 2048, counting the top value as 1 and one more
    /// for each array or object level, scalars included. The check counts its pieces from
    /// the top the same way: a record sits inside 3 levels, a member of the envelope inside 1.
    @Test(arguments: [("[", "]", ""), ("[", "]", "0"), ("{\"a\":", "}", "1"), ("[", "]", "{\"k\":1}")])
    func depthIsCountedFromTheTopAsInAWholeParse(open: String, close: String, inner: String) {
        let innerDepth = inner.isEmpty ? 0 : (inner.hasPrefix("{") ? 2 : 1)
        func nested(_ levels: Int) -> String {
            String(repeating: open, count: levels) + inner + String(repeating: close, count: levels)
        }
        // (text around the value, the levels around it, the value's own levels)
        let places: [(String, String, Int)] = [
            (#"{"code":0,"data":{"records":[1,"#, "]}}", 3),
            (#"{"code":0,"data":{"other":"#, "}}", 2),
            (#"{"code":0,"message":"#, "}", 1),
            (#"{"code":0,"other":"#, "}", 1),
        ]
        for (before, after, enclosing) in places {
            let deepest = JSON.maxDepth - enclosing - innerDepth  // the most levels that still pass
            for levels in [deepest - 1, deepest, deepest + 1] {
                let text = before + nested(levels) + after
                let fine = levels <= deepest
                let what = "\(before) \(open)x\(levels) \(inner)"
                #expect((scanned(text) != nil) == fine, "\(what)")
                expectAgreement(text, "\(what)")
            }
        }
    }

    /// Duplicate keys are looked for among many keys at the walked levels (in a set: a
    /// hostile server may send hundreds of thousands).
    @Test func manyKeysAtTheWalkedLevelsAreCheckedForDuplicates() {
        let keys = (0..<20_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let text = #"{"code":0,"#  + keys + #","data":{"#  + keys + "}}"
        #expect(scanned(text) != nil)
        expectAgreement(text)
        expectAgreement(#"{"code":0,"#  + keys + #","k19999":1}"#)
    }

    @Test func largeAnswersOfListAreCheckedWithoutATreeAndHandedBackAsTheyCame() throws {
        var big = LargeAnswerTests.list(5_000)
        #expect(big.utf8.count >= Classification.checkWithoutTreeFrom)
        let transport = FakeTransport(json: big)
        let text = try makeClient(transport).listImportJobs(nil)
        #expect(text.text == big)
        big.withUTF8 { utf8 in
            let body = UnsafeRawBufferPointer(utf8)
            let light = Classification.classify(status: 200, contentType: "application/json", body: body,
                                                needsTree: false)
            let full = Classification.classify(status: 200, contentType: "application/json", body: body)
            #expect((try? light.get())?.json == nil)
            #expect((try? full.get())?.json != nil)  // describe and list-all read the data
        }
    }
}
