import CMilvusImport
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#

private let agent = "User-Agent: libmilvus_import/" + LibraryVersion.text

/// What goes out as the body: the caller's text byte for byte, checked before any I/O.
@Suite struct RequestBodyTests {
    @Test func listSendsTheBodyAsGivenAndNoInventedHeaders() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let reply = try client.listImportJobs(#"{"collectionName":"quick_setup"}"#)
        #expect(reply.text == emptyList)
        let request = try #require(transport.requests.first)
        #expect(request.url == "http://127.0.0.1:19530/v2/vectordb/jobs/import/list")
        #expect(request.bodyText == #"{"collectionName":"quick_setup"}"#)
        #expect(request.headers == ["Content-Type: application/json", "User-Agent: libmilvus_import/" + LibraryVersion.text])
        #expect((19_900...20_000).contains(request.timeoutMs))  // what is left of the call's 20 s
        #expect(request.connectTimeoutMs == 10_000)
        #expect(request.maxResponseBytes == 256 << 20)
        #expect(request.tls.verifyPeer)
        #expect(request.proxy == .environment)
    }

    @Test func theCallersTextGoesOutAsItCameUntilTheLibraryChangesIt() throws {
        let transport = FakeTransport([.http(200, "application/json", emptyList),
                                       .http(200, "application/json", emptyList),
                                       .http(200, "application/json", emptyList)])
        let spaced = "{ \"collectionName\" : \"caf\\u00e9\",\n \"pageSize\": 2 }"
        _ = try makeClient(transport).listImportJobs(spaced)
        #expect(transport.requests[0].bodyText == spaced)
        // The client's database fills in dbName: the body is serialised again, compactly.
        let withDatabase = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setDatabase("db_a")
        }
        _ = try withDatabase.listImportJobs(spaced)
        #expect(transport.requests[1].bodyText == #"{"collectionName":"café","pageSize":2,"dbName":"db_a"}"#)
        // A User-Agent set by the caller replaces the library's.
        let renamed = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setHeader(name: "User-Agent", value: "etl/2")
        }
        _ = try renamed.listImportJobs(nil)
        #expect(transport.requests[2].headers == ["Content-Type: application/json", "User-Agent: etl/2"])
    }

    @Test func nullRequestIsAnEmptyObject() throws {
        let transport = FakeTransport(json: emptyList)
        _ = try makeClient(transport).listImportJobs(nil)
        #expect(transport.requests.first?.bodyText == "{}")
    }

    @Test func createKeepsEveryFieldAndInt64Digits() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"jobId":"448761313698322012"}}"#)
        let body = #"{"collectionName":"quick_setup","files":[["a.parquet"],["b/1.json","b/2.json"]],"#
            + #""options":{"auto_commit":"false"},"partitionName":"p1","unknownField":{"n":9007199254740993}}"#
        let reply = try makeClient(transport).bulkImport(body)
        #expect(reply.text == #"{"code":0,"data":{"jobId":"448761313698322012"}}"#)
        let request = try #require(transport.requests.first)
        #expect(request.url.hasSuffix("/v2/vectordb/jobs/import/create"))
        #expect(request.bodyText == body)
    }

    @Test func aRepeatedTextGoesOutAsTheFirstTime() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let named = #"{"collectionName":"c", "dbName":"db_a"}"#
        let other = #"{"collectionName":"c2"}"#
        for text in [named, named, named, other, other, named] { _ = try client.listImportJobs(text) }
        let sent = transport.requests
        #expect(sent.map(\.bodyText) == [named, named, named, other, other, named])
        let withDatabase = ["Content-Type: application/json", agent, "DB-Name: db_a"]
        let without = ["Content-Type: application/json", agent]
        #expect(sent.map(\.headers) == [withDatabase, withDatabase, withDatabase, without, without, withDatabase])
    }

    @Test(arguments: [
        (Operation.list, "not json", "not valid JSON"),
        (Operation.list, "[1,2]", "must be a JSON object"),
        (Operation.list, #"{"collectionName":5}"#, "\"collectionName\" must be a string"),
        (Operation.list, #"{"collectionName":null}"#, "\"collectionName\" must be a string"),
        (Operation.list, #"{"pageSize":"10"}"#, "\"pageSize\" must be an integer"),
        (Operation.list, #"{"pageSize":0}"#, "\"pageSize\" must be at least 1"),
        (Operation.list, #"{"currentPage":1.5}"#, "\"currentPage\" must be an integer"),
        (Operation.describe, #"{}"#, "\"jobId\" is required"),
        (Operation.describe, #"{"jobId":448761313698322011}"#, "\"jobId\" must be a string"),
        (Operation.commit, #"{"jobId":""}"#, "\"jobId\" is required"),
        (Operation.abort, #"{"jobId":[]}"#, "\"jobId\" must be a string"),
        (Operation.create, #"{"files":[["a"]]}"#, "\"collectionName\" is required"),
        (Operation.create, #"{"collectionName":"c"}"#, "\"files\" is required"),
        (Operation.create, #"{"collectionName":"c","files":["a.json"]}"#, "list of lists of strings"),
        (Operation.create, #"{"collectionName":"c","files":[]}"#, "list of lists of strings"),
        (Operation.create, #"{"collectionName":"c","files":[[]]}"#, "list of lists of strings"),
        (Operation.create, #"{"collectionName":"c","files":[[1]]}"#, "list of lists of strings"),
        (Operation.create, #"{"collectionName":"c","files":[["a"]],"options":{"auto_commit":false}}"#,
         "\"options\" values must be strings"),
        (Operation.create, #"{"collectionName":"c","files":[["a"]],"options":["x"]}"#, "\"options\" must be an object"),
        (Operation.list, #"{"a":1,"a":2}"#, "not valid JSON"),
        (Operation.list, #"{"dbName":"db\r\nX-Evil: 1"}"#, "\"dbName\" must not contain control characters"),
        (Operation.describe, #"{"jobId":"1","dbName":"db\u0001"}"#, "\"dbName\" must not contain control characters"),
    ])
    func badRequestsFailBeforeAnyIO(operation: Operation, json: String, reason: String) throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let error = failure { () throws(ImportError) in
            switch operation {
            case .list: _ = try client.listImportJobs(json)
            case .create: _ = try client.bulkImport(json)
            case .describe, .getProgress: _ = try client.getImportProgress(json)
            case .commit: _ = try client.commitImport(json)
            case .abort: _ = try client.abortImport(json)
            }
        }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
        #expect(transport.requests.isEmpty)
    }

    @Test func requestIntegersBeyond64BitsAreRefused() throws {
        let transport = FakeTransport(json: emptyList)
        let error = failure { () throws(ImportError) in
            _ = try makeClient(transport).listImportJobs(#"{"big":123456789012345678901234567890,"pageSize":10}"#)
        }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(transport.requests.isEmpty)
    }

    @Test func aTextCheckedForOneCallIsCheckedAgainForAnother() throws {
        let transport = FakeTransport(json: #"{"code":0,"data":{"jobId":"5","state":"Completed","progress":100}}"#)
        let client = try makeClient(transport)
        let noJob = #"{"collectionName":"c"}"#
        _ = try client.listImportJobs(noJob)
        for operation in [Operation.describe, .commit, .abort] {
            let error = failure { () throws(ImportError) in
                switch operation {
                case .describe: _ = try client.getImportProgress(noJob)
                case .commit: _ = try client.commitImport(noJob)
                default: _ = try client.abortImport(noJob)
                }
            }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
            #expect(error?.message == #""jobId" is required (a non-empty string)"#)
        }
        let create = failure { () throws(ImportError) in _ = try client.bulkImport(noJob) }
        #expect(create?.message == #""files" is required: a list of lists of file paths, e.g. [["a.parquet"]]"#)
        #expect(transport.requests.count == 1)
        // And the other way round: a describe text is a fine list text.
        let job = #"{"jobId":"5"}"#
        _ = try client.getImportProgress(job)
        _ = try client.listImportJobs(job)
        #expect(transport.requests.map(\.bodyText) == [noJob, job, job])
    }

    @Test func aRefusedTextIsRefusedEveryTime() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let bad = #"{"collectionName":5}"#
        let good = #"{"collectionName":"5"}"#
        var messages: [String?] = []
        for text in [bad, bad, good, bad, good] {
            messages.append(failure { () throws(ImportError) in _ = try client.listImportJobs(text) }?.message)
        }
        let refusal = #""collectionName" must be a string"#
        #expect(messages == [refusal, refusal, nil, refusal, nil])
        #expect(transport.requests.map(\.bodyText) == [good, good])
    }
}
