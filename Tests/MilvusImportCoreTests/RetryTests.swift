import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"

@Suite struct RetryTests {
    @Test func readsAreRetriedOnGatewayErrorsWithBackoff() throws {
        let transport = FakeTransport([.http(503, "text/html", "<title>busy</title>"),
                                       .http(502, "text/html", "bad"),
                                       .http(200, json, #"{"code":0,"data":{"records":[]}}"#)])
        let sleeps = SleepLog()
        let client = try makeClient(transport, sleep: sleeps) { (s: inout ClientSettings) throws(ImportError) in
            try s.setRetryBackoff(ms: 100)
        }
        _ = try client.listImportJobs(nil)
        #expect(transport.requests.count == 3)
        #expect(sleeps.all.count == 2)
        #expect((0...100).contains(sleeps.all[0]) && (0...200).contains(sleeps.all[1]))
    }

    @Test func giveUpAfterMaxRetriesAndSayHowManyAttempts() throws {
        let transport = FakeTransport([.fail(ImportError(MILVUS_ERR_TRANSPORT, "transport failed: refused"))])
        let error = failure { () throws(ImportError) in _ = try makeClient(transport).listImportJobs(nil) }
        #expect(transport.requests.count == 3)
        #expect(error?.kind == MILVUS_ERR_TRANSPORT)
        #expect(error?.message == "list import jobs (3 attempts): transport failed: refused")
    }

    @Test func retryAfterIsHonoured() throws {
        let transport = FakeTransport([.http(429, "text/plain", "slow down", retryAfter: 2),
                                       .http(200, json, #"{"code":0,"data":{"records":[]}}"#)])
        let sleeps = SleepLog()
        _ = try makeClient(transport, sleep: sleeps).listImportJobs(nil)
        #expect(sleeps.all == [2000])
    }

    @Test func createIsNotRetriedWithoutAnIdempotencyKey() throws {
        let transport = FakeTransport([.http(503, "text/plain", "busy"),
                                       .http(200, json, #"{"code":0,"data":{"jobId":"1"}}"#)])
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).bulkImport(#"{"collectionName":"c","files":[["a"]]}"#)
        }
        #expect(error?.kind == MILVUS_ERR_HTTP && error?.httpStatus == 503)
        #expect(transport.requests.count == 1)
    }

    @Test func createIsRetriedWithAnIdempotencyKey() throws {
        let transport = FakeTransport([.http(503, "text/plain", "busy"),
                                       .http(200, json, #"{"code":0,"data":{"jobId":"1"}}"#)])
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setHeader(name: "Idempotency-Key", value: "batch-7")
        }
        _ = try client.bulkImport(#"{"collectionName":"c","files":[["a"]]}"#)
        #expect(transport.requests.count == 2)
        #expect(transport.requests.allSatisfy { $0.header("Idempotency-Key") == "batch-7" })
    }

    @Test(arguments: [MILVUS_ERR_TLS, MILVUS_ERR_TOO_LARGE, MILVUS_ERR_NO_MEMORY])
    func someFailuresAreNeverRetried(kind: milvus_status) throws {
        let transport = FakeTransport([.fail(ImportError(kind, "x"))])
        _ = failure { () throws(ImportError) in _ = try makeClient(transport).listImportJobs(nil) }
        #expect(transport.requests.count == 1)
    }

    @Test func serverErrorsAreNotRetried() throws {
        let transport = FakeTransport(json: #"{"code":100,"message":"collection not found"}"#)
        _ = failure { () throws(ImportError) in _ = try makeClient(transport).listImportJobs(nil) }
        #expect(transport.requests.count == 1)
    }
}

/// The timeout bounds the whole call: every attempt, retry and pause.
@Suite struct CallTimeoutTests {
    @Test func aCallWithRetriesEndsByItsTimeout() throws {
        let transport = HangingTransport()
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        try client.update { (s: inout ClientSettings) throws(ImportError) in
            try s.setTimeout(ms: 250)
            try s.setAttemptTimeout(ms: 100)
            try s.setMaxRetries(10)
            try s.setRetryBackoff(ms: 0)
        }
        let start = ContinuousClock.now
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        let elapsed = elapsedMs(since: start)
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "list import jobs (3 attempts): timed out after 250 ms")
        #expect((250..<400).contains(elapsed))
        // Two whole attempts, then what was left: no attempt reaches past the end.
        let limits = transport.requests.map(\.timeoutMs)
        #expect(limits.count == 3 && limits[0] == 100 && limits[1] == 100 && (1...50).contains(limits[2]))
    }

    @Test func oneAttemptTakesTheWholeTimeoutWithoutAnAttemptTimeout() throws {
        let transport = HangingTransport()
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        try client.update { (s: inout ClientSettings) throws(ImportError) in try s.setTimeout(ms: 200) }
        let error = failure { () throws(ImportError) in _ = try client.getImportProgress(#"{"jobId":"1"}"#) }
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "describe import job: timed out after 200 ms")
        #expect(transport.requests.count == 1)
        #expect((190...200).contains(transport.requests[0].timeoutMs))
    }

    @Test func anAttemptTimeoutGoesToTheTransport() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"records":[]}}"#)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setAttemptTimeout(ms: 1500)
        }
        _ = try client.listImportJobs(nil)
        #expect(transport.requests[0].timeoutMs == 1500)
    }

    @Test func aPauseThatWouldPassTheEndIsNotTaken() throws {
        let transport = FakeTransport([.http(503, "text/plain", "busy", retryAfter: 2),
                                       .http(200, json, #"{"code":0,"data":{"records":[]}}"#)])
        let sleeps = SleepLog()
        let client = try makeClient(transport, sleep: sleeps) { (s: inout ClientSettings) throws(ImportError) in
            try s.setTimeout(ms: 1000)
        }
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(error?.kind == MILVUS_ERR_HTTP && error?.httpStatus == 503)
        #expect(error?.message.hasPrefix("list import jobs: HTTP 503") == true)
        #expect(sleeps.all.isEmpty)
        #expect(transport.requests.count == 1)
    }

    @Test func theLargestTimeoutsWork() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"records":[]}}"#)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setTimeout(ms: Int.max)
            try s.setAttemptTimeout(ms: Int.max)
        }
        _ = try client.listImportJobs(nil)
        #expect(transport.requests[0].timeoutMs > Int(Int32.max))
    }

    @Test func badAttemptTimeoutsAreRefused() throws {
        var settings = ClientSettings()
        let error = failure { () throws(ImportError) in try settings.setAttemptTimeout(ms: -1) }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(settings.attemptTimeoutMs == 0)
        try settings.setAttemptTimeout(ms: 0)
        #expect(settings.attemptTimeoutMs == 0)
    }
}
