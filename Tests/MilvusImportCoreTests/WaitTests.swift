import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"

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

    @Test func committingIsWaitedOnUntilCompleted() throws {
        let transport = FakeTransport([describeAnswer("Committing", 99), describeAnswer("Completed", 100)])
        let last = try makeClient(transport).waitImportJob(jobId: "1", timeoutMs: 60_000, pollIntervalMs: 1,
                                                           onProgress: nil)
        #expect(last.text.contains(#""state":"Completed""#))
        #expect(transport.requests.count == 2)
    }

    @Test func theStateNoneEndsTheWaitAtOnceWithTheReason() throws {
        let none = #"{"code":0,"data":{"jobId":"1","state":"None","progress":0,"reason":"unknown import job state"}}"#
        let transport = FakeTransport([.http(200, json, none)])
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).waitImportJob(jobId: "1", timeoutMs: 60_000, pollIntervalMs: 1, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_SERVER)
        #expect(error?.httpStatus == 200)
        #expect(error?.message == "wait for import job 1: the server reports the state None, which cannot be waited on:"
                + " unknown import job state")
        #expect(transport.requests.count == 1)
    }

    @Test func aStateTheLibraryDoesNotKnowIsWaitedOnUntilTheDeadline() throws {
        let transport = FakeTransport([describeAnswer("Validating", 5)])
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJob(jobId: "7", timeoutMs: 60, pollIntervalMs: 20, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "wait for import job 7: still Validating at 5% after 60 ms")
        #expect(transport.requests.count >= 2)
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
}

/// The interrupt during a wait: between describes the pause asks it every 100 ms.
@Suite struct WaitInterruptTests {
    @Test func theInterruptStopsAWaitDuringAPauseWithin100Ms() throws {
        let transport = FakeTransport([describeAnswer("Importing", 10)])
        let interrupt = TestInterrupt(afterMs: 300)
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        try client.update { (s: inout ClientSettings) throws(ImportError) in s.interrupt = interrupt.check }
        let start = ContinuousClock.now
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJob(jobId: "7", timeoutMs: 60_000, pollIntervalMs: 5000, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "wait for import job 7: interrupted")
        #expect((300..<450).contains(elapsedMs(since: start)))
        #expect(transport.requests.count == 1)
    }

    @Test func aDescribeCutShortByTheWaitsDeadlineEndsTheWaitAsItsTimeout() throws {
        let transport = HangingTransport()
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJob(jobId: "7", timeoutMs: 150, pollIntervalMs: 100, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "wait for import job 7: still unknown at 0% after 150 ms")
        #expect(transport.requests.count == 1)
    }
}
