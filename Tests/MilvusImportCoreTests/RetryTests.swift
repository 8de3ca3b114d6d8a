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
