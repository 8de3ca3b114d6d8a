import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"
private let emptyList = #"{"code":0,"data":{"records":[]}}"#

@Suite struct ReviewFixTests {
    @Test func aWaitNeverPausesPastItsDeadline() throws {
        let transport = FakeTransport([.http(429, "text/plain", "slow down", retryAfter: 5)])
        let sleeps = SleepLog()
        let client = try makeClient(transport, sleep: sleeps)
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJob(jobId: "1", timeoutMs: 1000, pollIntervalMs: 100, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_HTTP && error?.httpStatus == 429)
        #expect(sleeps.all.isEmpty)
        #expect(transport.requests.count == 1)
    }

    @Test func eachAttemptOfAWaitIsCappedByTheTimeLeft() throws {
        let transport = FakeTransport([.http(200, json, #"{"code":0,"data":{"state":"Completed","progress":100}}"#)])
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in try s.setTimeout(ms: 60_000) }
        _ = try client.waitImportJob(jobId: "1", timeoutMs: 500, pollIntervalMs: 100, onProgress: nil)
        #expect((1...500).contains(transport.requests[0].timeoutMs))
    }

    @Test func aWaitKeepsTheSettingsItStartedWith() throws {
        let transport = FakeTransport([
            .http(200, json, #"{"code":0,"data":{"state":"Importing","progress":1}}"#),
            .http(200, json, #"{"code":0,"data":{"state":"Completed","progress":100}}"#),
        ])
        let client = try makeClient(transport)
        _ = try client.waitImportJob(jobId: "1", timeoutMs: 60_000, pollIntervalMs: 1) { _ in
            try? client.update { (s: inout ClientSettings) throws(ImportError) in try s.setHeader(name: "X-Poll", value: "1") }
            return true
        }
        #expect(transport.requests.allSatisfy { $0.header("X-Poll") == nil })
    }

    @Test func emptyHeaderValuesGoOutEmptyAndCustomHeadersWin() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setToken("root:Milvus")
            try s.setDatabase("db_a")
            try s.setHeader(name: "X-Empty", value: "")
            try s.setHeader(name: "DB-Name", value: "db_hdr")
        }
        _ = try client.listImportJobs(nil)
        #expect(transport.requests[0].headers == ["Content-Type: application/json", "User-Agent: libmilvus_import/" + LibraryVersion.text,
                                                  "Authorization: Bearer root:Milvus", "X-Empty;", "DB-Name: db_hdr"])
    }

    @Test func proxySchemesAreChecked() throws {
        var settings = ClientSettings()
        for good in ["http://p:3128", "https://p", "socks5h://p:1080", "p:3128", ""] {
            try settings.setProxy(good)
        }
        let error = failure { () throws(ImportError) in try settings.setProxy("ftp://p") }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
    }

    @Test func requestIntegersBeyond64BitsAreRefused() throws {
        let transport = FakeTransport(json: emptyList)
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).listImportJobs(#"{"big":123456789012345678901234567890,"pageSize":10}"#)
        }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(transport.requests.isEmpty)
    }

    @Test func anEmpty2xxSaysEmptyBodyOnce() {
        let result = [UInt8]().withUnsafeBytes { Classification.classify(status: 204, contentType: nil, body: $0) }
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.message == "malformed response (HTTP 204): empty body")
    }
}
