import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"

private func page(_ ids: [String], count: Int?) -> FakeTransport.Answer {
    let records = ids.map { #"{"collectionName":"c","jobId":"\#($0)","state":"Completed"}"# }.joined(separator: ",")
    let countField = count.map { #""count":\#($0),"# } ?? ""
    return .http(200, json, #"{"code":0,"data":{\#(countField)"records":[\#(records)]}}"#)
}

private func describeAnswer(_ state: String, _ progress: Int) -> FakeTransport.Answer {
    .http(200, json, #"{"code":0,"data":{"jobId":"448761313698322011","state":"\#(state)","progress":\#(progress)}}"#)
}

@Suite struct PagingTests {
    @Test func walksPagesUntilCountIsReached() throws {
        let transport = FakeTransport([page(["job-01", "job-02"], count: 3), page(["job-03"], count: 3),
                                       page(["never"], count: 3)])
        let merged = try makeClient(transport).listAllImportJobs(#"{"clusterId":"in01-0123456789abcdef","pageSize":2}"#)
        #expect(merged.text == #"{"code":0,"data":{"records":[{"collectionName":"c","jobId":"job-01","state":"Completed"},"#
                + #"{"collectionName":"c","jobId":"job-02","state":"Completed"},"#
                + #"{"collectionName":"c","jobId":"job-03","state":"Completed"}],"count":3}}"#)
        #expect(transport.requests.map(\.bodyText) == [
            #"{"clusterId":"in01-0123456789abcdef","pageSize":2,"currentPage":1}"#,
            #"{"clusterId":"in01-0123456789abcdef","pageSize":2,"currentPage":2}"#,
        ])
    }

    @Test func aServerWithoutPagingCostsOneCall() throws {
        let transport = FakeTransport([page(["1", "2", "3"], count: nil), page(["never"], count: nil)])
        let merged = try makeClient(transport).listAllImportJobs(nil)
        #expect(transport.requests.count == 1)
        #expect(transport.requests[0].bodyText == #"{"pageSize":100,"currentPage":1}"#)
        #expect(merged.text.hasSuffix(#""count":3}}"#))
    }

    @Test func stopsOnAnEmptyPage() throws {
        let transport = FakeTransport([page(["a"], count: 10), page([], count: 10), page(["never"], count: 10)])
        let merged = try makeClient(transport).listAllImportJobs(#"{"pageSize":1}"#)
        #expect(transport.requests.count == 2)
        #expect(merged.text.hasSuffix(#""count":1}}"#))
    }

    @Test func stopsOnARepeatedPage() throws {
        let transport = FakeTransport([page(["a", "b"], count: 10), page(["a", "b"], count: 10), page(["never"], count: 10)])
        let merged = try makeClient(transport).listAllImportJobs(#"{"pageSize":2}"#)
        #expect(transport.requests.count == 2)
        #expect(merged.text.hasSuffix(#""count":2}}"#))
    }

    @Test func aPageWithoutRecordsIsMalformed() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"count":3}}"#)
        let error = failure { () throws(ImportError) in _ = try makeClient(transport).listAllImportJobs(nil) }
        #expect(error?.kind == MILVUS_ERR_MALFORMED_RESPONSE)
    }
}

@Suite struct WaitTests {
    @Test func pollsUntilCompletedAndReportsEveryDescribe() throws {
        let transport = FakeTransport([describeAnswer("Pending", 0), describeAnswer("Importing", 50),
                                       describeAnswer("Completed", 100)])
        let sleeps = SleepLog()
        let client = try makeClient(transport, sleep: sleeps)
        var seen: [String] = []
        let last = try client.waitImportJob(jobId: "448761313698322011", timeoutMs: 60_000, pollIntervalMs: 500) {
            seen.append($0.text)
            return true
        }
        #expect(last.text.contains(#""state":"Completed""#))
        #expect(seen.count == 3)
        #expect(sleeps.all == [500, 500])
        #expect(transport.requests.map(\.bodyText) == Array(repeating: #"{"jobId":"448761313698322011"}"#, count: 3))
    }

    @Test(arguments: ["Failed", "Uncommitted"])
    func stopsAtOtherTerminalStates(state: String) throws {
        let transport = FakeTransport([describeAnswer("Importing", 10), describeAnswer(state, 99)])
        let last = try makeClient(transport).waitImportJob(jobId: "1", timeoutMs: 60_000, pollIntervalMs: 1,
                                                           onProgress: nil)
        #expect(last.text.contains(#""state":"\#(state)""#))
    }

    @Test func theCallbackCanCancel() throws {
        let transport = FakeTransport([describeAnswer("Importing", 10)])
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).waitImportJob(jobId: "1", timeoutMs: 60_000, pollIntervalMs: 1) { _ in false }
        }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(transport.requests.count == 1)
    }

    @Test func timesOutWithTheLastStateInTheMessage() throws {
        let transport = FakeTransport([describeAnswer("Importing", 42)])
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJob(jobId: "7", timeoutMs: 60, pollIntervalMs: 20, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "wait for import job 7: still Importing at 42% after 60 ms")
    }

    @Test func badArgumentsAreRefused() throws {
        let client = try makeClient(FakeTransport([describeAnswer("Importing", 1)]))
        for (timeout, poll) in [(0, 1), (-5, 1), (100, 0), (100, 101)] {
            let error = failure { () throws(ImportError) in
                _ = try client.waitImportJob(jobId: "1", timeoutMs: timeout, pollIntervalMs: poll, onProgress: nil)
            }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        }
    }

    @Test func aJobThatDisappearsIsJobNotFound() throws {
        let transport = FakeTransport([.http(200, json, #"{"code":2100,"message":"import job does not exist, jobID=1"}"#)])
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).waitImportJob(jobId: "1", timeoutMs: 1000, pollIntervalMs: 10, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_JOB_NOT_FOUND)
        #expect(error?.serverCode == 2100)
    }
}

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

@Suite struct DescribeFallbackTests {
    @Test func fallsBackToGetProgressOnceAndRemembers() throws {
        let transport = FakeTransport([.http(404, "text/plain", "404 page not found"),
                                       describeAnswer("Completed", 100), describeAnswer("Completed", 100)])
        let client = try makeClient(transport)
        _ = try client.getImportProgress(#"{"jobId":"1"}"#)
        _ = try client.getImportProgress(#"{"jobId":"1"}"#)
        #expect(transport.requests.map { $0.url.split(separator: "/").last! } == ["describe", "get_progress", "get_progress"])
    }

    @Test func bothMissingReportsTheOldServer() throws {
        let transport = FakeTransport([.http(404, "text/plain", "404 page not found")])
        let client = try makeClient(transport)
        let error = failure { () throws(ImportError) in _ = try client.getImportProgress(#"{"jobId":"1"}"#) }
        #expect(error?.kind == MILVUS_ERR_HTTP && error?.httpStatus == 404)
        #expect(error?.message.contains("older than 2.4") == true)
        #expect(transport.requests.count == 2)
    }
}

@Suite struct RedactionTests {
    @Test func secretsEchoedByTheServerAreHidden() throws {
        let transport = FakeTransport(json: #"{"code":1100,"message":"bad token root:s3cr3t-Pa55 and s3cr3t-Pa55 and AKIAKEY and pw0rd"}"#)
        let client = try makeClient(transport, url: "http://u:pw0rd@127.0.0.1:1") { (s: inout ClientSettings) throws(ImportError) in
            try s.setToken("root:s3cr3t-Pa55")
        }
        let error = failure { () throws(ImportError) in
            _ = try client.bulkImport(#"{"collectionName":"c","objectUrl":"s3://b/k","accessKey":"AKIAKEY","secretKey":"x"}"#)
        }
        #expect(error?.message == "create import job: server error 1100: bad token *** and *** and *** and ***")
    }
}
