import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"
private let listPath = "/v2/vectordb/jobs/import/list"
private let describePath = "/v2/vectordb/jobs/import/describe"

/// A list answer (Milvus: no paging, so one request) with (jobId, state, progress) records.
private func listAnswer(_ records: [(String, String, Int)]) -> FakeTransport.Answer {
    let items = records.map { #"{"collectionName":"c","jobId":"\#($0.0)","progress":\#($0.2),"state":"\#($0.1)"}"# }
    return .http(200, json, #"{"code":0,"data":{"records":["# + items.joined(separator: ",") + "]}}")
}

private func describeData(_ id: String, _ state: String, _ progress: Int) -> String {
    #"{"jobId":"\#(id)","state":"\#(state)","progress":\#(progress),"importedRows":\#(progress * 10)}"#
}

private func describeAnswer(_ id: String, _ state: String, _ progress: Int) -> FakeTransport.Answer {
    .http(200, json, #"{"code":0,"data":"# + describeData(id, state, progress) + "}")
}

private func progressText(_ jobs: [(String, String, Int)]) -> String {
    #"{"phase":"import","jobs":["#
        + jobs.map { #"{"jobId":"\#($0.0)","state":"\#($0.1)","progress":\#($0.2)}"# }.joined(separator: ",") + "]}"
}

/// The endpoint and body of each request, e.g. "list {...}" / "describe {...}".
private func calls(_ transport: FakeTransport) -> [String] {
    transport.requests.map { request in
        (request.url.hasSuffix(listPath) ? "list " : request.url.hasSuffix(describePath) ? "describe " : request.url + " ")
            + request.bodyText
    }
}

private let listBody = #"list {"pageSize":100,"currentPage":1}"#

private func waitError(_ client: ImportClient, _ request: String, timeoutMs: Int = 60_000,
                       onProgress: ((ByteBuffer) -> Bool)? = nil) -> ImportError? {
    failure { () throws(ImportError) in
        _ = try client.waitImportJobs(request, timeoutMs: timeoutMs, pollIntervalMs: 5, onProgress: onProgress)
    }
}

@Suite struct WaitManyTests {
    @Test func eachPollIsOneListAndEachJobIsDescribedOnceWhenTheListShowsItFinished() throws {
        let transport = FakeTransport([
            listAnswer([("a", "Importing", 10), ("b", "Completed", 100), ("c", "Pending", 0)]),
            describeAnswer("b", "Completed", 100),
            listAnswer([("a", "Completed", 100), ("b", "Completed", 100), ("c", "Importing", 50)]),
            describeAnswer("a", "Completed", 100),
            listAnswer([("a", "Completed", 100), ("b", "Completed", 100), ("c", "Failed", 0)]),
            describeAnswer("c", "Failed", 0),
        ])
        let sleeps = SleepLog()
        var seen: [String] = []
        let result = try makeClient(transport, sleep: sleeps).waitImportJobs(
            #"{"jobIds":["a","b","c"]}"#, timeoutMs: 60_000, pollIntervalMs: 500) {
            seen.append($0.text)
            return true
        }
        #expect(calls(transport) == [listBody, #"describe {"jobId":"b"}"#, listBody, #"describe {"jobId":"a"}"#,
                                     listBody, #"describe {"jobId":"c"}"#])
        #expect(sleeps.all == [500, 500])
        #expect(seen == [progressText([("a", "Importing", 10), ("b", "Completed", 100), ("c", "Pending", 0)]),
                         progressText([("a", "Completed", 100), ("b", "Completed", 100), ("c", "Importing", 50)]),
                         progressText([("a", "Completed", 100), ("b", "Completed", 100), ("c", "Failed", 0)])])
        #expect(result.text == #"{"code":0,"data":{"jobs":["# + describeData("a", "Completed", 100) + ","
                + describeData("b", "Completed", 100) + "," + describeData("c", "Failed", 0) + "]}}")
    }

    @Test func twoHundredJobsCostOneListPerPollAndOneDescribeEach() throws {
        let ids = (0..<200).map { String(448761313698322011 + $0) }
        // Poll 1: all importing; poll 2: the first half done; poll 3: the rest done.
        var answers = [listAnswer(ids.map { ($0, "Importing", 50) }),
                       listAnswer(ids.enumerated().map { ($1, $0 < 100 ? "Completed" : "Importing", $0 < 100 ? 100 : 70) })]
        answers += ids.prefix(100).map { describeAnswer($0, "Completed", 100) }
        answers.append(listAnswer(ids.map { ($0, "Completed", 100) }))
        answers += ids.suffix(100).map { describeAnswer($0, "Completed", 100) }
        let transport = FakeTransport(answers)
        let request = #"{"jobIds":["# + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        let result = try makeClient(transport).waitImportJobs(request, timeoutMs: 60_000, pollIntervalMs: 1,
                                                              onProgress: nil)
        let made = calls(transport)
        #expect(made.filter { $0.hasPrefix("list ") }.count == 3)
        #expect(made.filter { $0.hasPrefix("describe ") } == ids.map { #"describe {"jobId":"\#($0)"}"# })
        #expect(made.count == 203)
        #expect(result.text.hasSuffix(describeData(ids[199], "Completed", 100) + "]}}"))
    }

    @Test func aJobTheListDoesNotShowIsDescribedOnThatPoll() throws {
        let transport = FakeTransport([
            listAnswer([("a", "Importing", 20)]), describeAnswer("b", "Importing", 30),
            listAnswer([("a", "Completed", 100)]), describeAnswer("a", "Completed", 100),
            describeAnswer("b", "Completed", 100),
        ])
        let result = try makeClient(transport).waitImportJobs(#"{"jobIds":["a","b"]}"#, timeoutMs: 60_000,
                                                              pollIntervalMs: 1, onProgress: nil)
        #expect(calls(transport) == [listBody, #"describe {"jobId":"b"}"#, listBody, #"describe {"jobId":"a"}"#,
                                     #"describe {"jobId":"b"}"#])
        #expect(result.text == #"{"code":0,"data":{"jobs":["# + describeData("a", "Completed", 100) + ","
                + describeData("b", "Completed", 100) + "]}}")
    }

    @Test func aJobTheServerDoesNotKnowIsJobNotFound() throws {
        let transport = FakeTransport([
            listAnswer([("a", "Importing", 20)]),
            .http(200, json, #"{"code":2100,"message":"import job does not exist, jobID=9: importing data failed"}"#),
        ])
        let error = waitError(try makeClient(transport), #"{"jobIds":["a","9"]}"#)
        #expect(error?.kind == MILVUS_ERR_JOB_NOT_FOUND)
        #expect(error?.serverCode == 2100)
        #expect(calls(transport) == [listBody, #"describe {"jobId":"9"}"#])
    }

    @Test func theStateNoneInTheListEndsTheWaitAtOnceWithTheReason() throws {
        let none = #"{"code":0,"data":{"records":[{"jobId":"a","progress":0,"reason":"unknown import job state","state":"None"}]}}"#
        let transport = FakeTransport([.http(200, json, none)])
        let error = waitError(try makeClient(transport), #"{"jobIds":["a"]}"#)
        #expect(error?.kind == MILVUS_ERR_SERVER)
        #expect(error?.message == "wait for import job a: the server reports the state None, which cannot be waited on:"
                + " unknown import job state")
        #expect(calls(transport) == [listBody])
    }

    @Test func theStateNoneFromDescribeEndsTheWaitAtOnce() throws {
        let transport = FakeTransport([listAnswer([]), describeAnswer("a", "None", 0)])
        let error = waitError(try makeClient(transport), #"{"jobIds":["a"]}"#)
        #expect(error?.kind == MILVUS_ERR_SERVER)
        #expect(error?.message == "wait for import job a: the server reports the state None, which cannot be waited on")
        #expect(transport.requests.count == 2)
    }

    @Test func timesOutNamingTheJobsNotFinished() throws {
        let transport = FakeTransport([listAnswer([("a", "Importing", 42), ("b", "Completed", 100)]),
                                       describeAnswer("b", "Completed", 100),
                                       listAnswer([("a", "Importing", 42), ("b", "Completed", 100)])])
        let client = try ImportClient(url: "http://127.0.0.1:19530", transport: transport)
        let error = failure { () throws(ImportError) in
            _ = try client.waitImportJobs(#"{"jobIds":["a","b"]}"#, timeoutMs: 60, pollIntervalMs: 20, onProgress: nil)
        }
        #expect(error?.kind == MILVUS_ERR_TIMEOUT)
        #expect(error?.message == "wait for import jobs: 1 of 2 not finished after 60 ms (a Importing at 42%)")
        let made = calls(transport)
        #expect(made.filter { $0.hasPrefix("describe ") } == [#"describe {"jobId":"b"}"#])
        #expect(made.filter { $0.hasPrefix("list ") }.count >= 2)
    }

    @Test func theCallbackCanCancel() throws {
        let transport = FakeTransport([listAnswer([("a", "Importing", 10)])])
        let error = waitError(try makeClient(transport), #"{"jobIds":["a"]}"#) { _ in false }
        #expect(error?.kind == MILVUS_ERR_CANCELLED)
        #expect(error?.message == "wait for import jobs: cancelled by the progress callback")
        #expect(transport.requests.count == 1)
    }

    @Test func aCollectionAloneMeansItsJobsNotFinishedAtTheStart() throws {
        let transport = FakeTransport([
            listAnswer([("x", "Completed", 100), ("y", "Importing", 40), ("z", "Pending", 0), ("w", "Failed", 0)]),
            listAnswer([("x", "Completed", 100), ("y", "Completed", 100), ("z", "Completed", 100),
                        ("v", "Pending", 0)]),
            describeAnswer("y", "Completed", 100), describeAnswer("z", "Completed", 100),
        ])
        var seen: [String] = []
        let result = try makeClient(transport).waitImportJobs(#"{"collectionName":"c","dbName":"db1"}"#,
                                                              timeoutMs: 60_000, pollIntervalMs: 1) {
            seen.append($0.text)
            return true
        }
        let list = #"list {"collectionName":"c","dbName":"db1","pageSize":100,"currentPage":1}"#
        #expect(calls(transport) == [list, list, #"describe {"dbName":"db1","jobId":"y"}"#,
                                     #"describe {"dbName":"db1","jobId":"z"}"#])
        #expect(transport.requests.allSatisfy { $0.header("DB-Name") == "db1" })
        #expect(seen.first == progressText([("y", "Importing", 40), ("z", "Pending", 0)]))
        #expect(result.text == #"{"code":0,"data":{"jobs":["# + describeData("y", "Completed", 100) + ","
                + describeData("z", "Completed", 100) + "]}}")
    }

    @Test func aCollectionWithNothingUnfinishedIsOneList() throws {
        let transport = FakeTransport([listAnswer([("x", "Completed", 100)])])
        let result = try makeClient(transport).waitImportJobs(#"{"collectionName":"c"}"#, timeoutMs: 60_000,
                                                              pollIntervalMs: 1, onProgress: nil)
        #expect(result.text == #"{"code":0,"data":{"jobs":[]}}"#)
        #expect(transport.requests.count == 1)
    }

    @Test func aServerThatPagesIsReadPageByPage() throws {
        let page1 = #"{"code":0,"data":{"count":2,"records":[{"jobId":"job-1","state":"Completed","progress":100}]}}"#
        let page2 = #"{"code":0,"data":{"count":2,"records":[{"jobId":"job-2","state":"Importing","progress":5}]}}"#
        let page2Done = #"{"code":0,"data":{"count":2,"records":[{"jobId":"job-2","state":"Completed","progress":100}]}}"#
        let transport = FakeTransport([.http(200, json, page1), .http(200, json, page2),
                                       describeAnswer("job-1", "Completed", 100),
                                       .http(200, json, page1),
                                       .http(200, json, page2Done),
                                       describeAnswer("job-2", "Completed", 100)])
        _ = try makeClient(transport).waitImportJobs(#"{"jobIds":["job-1","job-2"],"clusterId":"in01"}"#,
                                                     timeoutMs: 60_000, pollIntervalMs: 1, onProgress: nil)
        #expect(calls(transport) == [#"list {"clusterId":"in01","pageSize":100,"currentPage":1}"#,
                                     #"list {"clusterId":"in01","pageSize":100,"currentPage":2}"#,
                                     #"describe {"clusterId":"in01","jobId":"job-1"}"#,
                                     #"list {"clusterId":"in01","pageSize":100,"currentPage":1}"#,
                                     #"list {"clusterId":"in01","pageSize":100,"currentPage":2}"#,
                                     #"describe {"clusterId":"in01","jobId":"job-2"}"#])
    }

    @Test(arguments: [
        ("{}", #""jobIds" is required (a list of job ids) unless "collectionName" names the collection whose unfinished jobs to wait for"#),
        (#"{"jobIds":[]}"#, #""jobIds" must be a non-empty list of job ids (strings), e.g. ["448761313698322011"]"#),
        (#"{"jobIds":"1"}"#, #""jobIds" must be a non-empty list of job ids (strings), e.g. ["448761313698322011"]"#),
        (#"{"jobIds":[1]}"#, #""jobIds" must be a non-empty list of job ids (strings), e.g. ["448761313698322011"]"#),
        (#"{"jobIds":[""]}"#, #""jobIds" must be a non-empty list of job ids (strings), e.g. ["448761313698322011"]"#),
        (#"{"jobIds":["1","1"]}"#, #""jobIds" names job 1 twice"#),
        (#"{"jobIds":["1"],"collectionName":7}"#, #""collectionName" must be a string"#),
        ("[]", "request_json must be a JSON object"),
    ])
    func badRequestsAreRefusedBeforeAnyRequest(request: String, message: String) throws {
        let transport = FakeTransport([listAnswer([])])
        let error = waitError(try makeClient(transport), request)
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(error?.message == message)
        #expect(transport.requests.isEmpty)
    }

    @Test func badTimesAreRefusedBeforeAnyRequest() throws {
        let transport = FakeTransport([listAnswer([])])
        let client = try makeClient(transport)
        for (timeout, poll) in [(0, 1), (100, 0), (100, 101)] {
            let error = failure { () throws(ImportError) in
                _ = try client.waitImportJobs(#"{"jobIds":["1"]}"#, timeoutMs: timeout, pollIntervalMs: poll,
                                              onProgress: nil)
            }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        }
        #expect(transport.requests.isEmpty)
    }
}
