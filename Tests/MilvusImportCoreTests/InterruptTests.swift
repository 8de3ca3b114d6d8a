import CCurl
import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"

/// The interrupt check: asked before each attempt, during transfers and in every pause;
/// true stops the call with CANCELLED, never retried.
@Suite struct InterruptTests {
    @Test func anInterruptDuringATransferCancelsAndIsNotRetried() throws {
        let transport = HangingTransport()
        let interrupt = TestInterrupt(afterMs: 50)
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        try client.update { (s: inout ClientSettings) throws(ImportError) in
            try s.setMaxRetries(2)
            s.interrupt = interrupt.check
        }
        let start = ContinuousClock.now
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "list import jobs: interrupted")
        #expect(transport.requests.count == 1)
        #expect(elapsedMs(since: start) < 500)
    }

    @Test func anInterruptBeforeTheCallSendsNothing() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"jobId":"1"}}"#)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            s.interrupt = { true }
        }
        let error = failure { () throws(ImportError) in
            _ = try client.bulkImport(#"{"collectionName":"c","files":[["a"]]}"#)
        }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "create import job: interrupted")
        #expect(transport.requests.isEmpty)
    }

    /// A call's own interrupt (the Swift API's task cancellation) stops that call alone, and
    /// the settings' interrupt still applies beside it.
    @Test func aCallsOwnInterruptStopsThatCallAlone() throws {
        let transport = HangingTransport()
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        try client.update { (s: inout ClientSettings) throws(ImportError) in try s.setTimeout(ms: 300) }
        let start = ContinuousClock.now
        let stopped = failure { () throws(ImportError) in
            _ = try client.getImportProgress(#"{"jobId":"1"}"#, interrupt: TestInterrupt(afterMs: 50).check)
        }
        #expect(stopped?.kind == MILVUS_ERR_CANCELLED)
        #expect(stopped?.message == "describe import job: interrupted")
        #expect(elapsedMs(since: start) < 250)
        #expect(client.currentSettings.interrupt == nil)
        let untouched = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(untouched?.kind == MILVUS_ERR_TIMEOUT)

        try client.update { (s: inout ClientSettings) throws(ImportError) in s.interrupt = { true } }
        let both = failure { () throws(ImportError) in _ = try client.listImportJobs(nil, interrupt: { false }) }
        #expect(both?.message == "list import jobs: interrupted")
        #expect(transport.requests.count == 2)
    }

    @Test func aRetryPauseIsCutIntoSlicesThatAskTheInterrupt() throws {
        let transport = FakeTransport([.http(503, "text/plain", "busy", retryAfter: 2),
                                       .http(200, json, #"{"code":0,"data":{"records":[]}}"#)])
        let sleeps = SleepLog()
        // Asked before the attempt, then before each slice: the fourth time says stop.
        let interrupt = TestInterrupt(afterCalls: 3)
        let client = try makeClient(transport, sleep: sleeps) { (s: inout ClientSettings) throws(ImportError) in
            s.interrupt = interrupt.check
        }
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "list import jobs: interrupted")
        #expect(sleeps.all == [100, 100])
        #expect(transport.requests.count == 1)
    }

    @Test func withoutAnInterruptAPauseIsOneSleep() throws {
        let transport = FakeTransport([.http(503, "text/plain", "busy", retryAfter: 2),
                                       .http(200, json, #"{"code":0,"data":{"records":[]}}"#)])
        let sleeps = SleepLog()
        _ = try makeClient(transport, sleep: sleeps).listImportJobs(nil)
        #expect(sleeps.all == [2000])
        #expect(transport.requests.allSatisfy { $0.interrupt == nil })
    }

    @Test func libcurlsAbortByTheProgressFunctionIsCancelled() {
        let error = CurlErrors.error(CURLE_ABORTED_BY_CALLBACK, detail: "Callback aborted", httpStatus: 0,
                                     timeoutMs: 1000, connectTimeoutMs: 1000)
        #expect(error.kind == MILVUS_ERR_CANCELLED)
        #expect(error.message == "interrupted")
    }

    /// A real libcurl transfer to a server that never answers: the progress function asks
    /// the interrupt (libcurl calls it at least once a second).
    @Test func anInterruptStopsARealTransfer() throws {
        let listener = try SilentListener()
        let interrupt = TestInterrupt(afterMs: 200)
        let client = try ImportClient(url: listener.url)
        try client.update { (s: inout ClientSettings) throws(ImportError) in
            try s.setProxy("")
            s.interrupt = interrupt.check
        }
        let start = ContinuousClock.now
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "list import jobs: interrupted")
        #expect((200..<1500).contains(elapsedMs(since: start)))
    }

    /// The object store's transfer loop asks the interrupt between its polls (every 100 ms).
    @Test func anInterruptStopsAnObjectStoreRequest() throws {
        let listener = try SilentListener()
        let interrupt = TestInterrupt(afterMs: 200)
        let client = try ImportClient(url: "http://127.0.0.1:19530")
        let storage = try StorageSettings(endpoint: listener.url, region: nil, accessKey: "AKIDEXAMPLE",
                                          secretKey: "secret-key-example", sessionToken: nil)
        try client.update { (s: inout ClientSettings) throws(ImportError) in
            try s.setProxy("")
            s.setStorage(storage)
            s.interrupt = interrupt.check
        }
        let start = ContinuousClock.now
        let error = failure { () throws(ImportError) in _ = try client.headObject(bucket: "bkt", key: "rows.json") }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message.hasSuffix("rows.json: interrupted") == true)
        #expect((200..<500).contains(elapsedMs(since: start)))
    }
}
