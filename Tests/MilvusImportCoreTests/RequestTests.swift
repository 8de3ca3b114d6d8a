import CMilvusImport
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#

@Suite struct RequestTests {
    @Test func listSendsTheBodyAsGivenAndNoInventedHeaders() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let reply = try client.listImportJobs(#"{"collectionName":"quick_setup"}"#)
        #expect(reply.text == emptyList)
        let request = try #require(transport.requests.first)
        #expect(request.url == "http://127.0.0.1:19530/v2/vectordb/jobs/import/list")
        #expect(request.bodyText == #"{"collectionName":"quick_setup"}"#)
        #expect(request.headers == ["Content-Type: application/json", "User-Agent: libmilvus_import/" + LibraryVersion.text])
        #expect(request.timeoutMs == 20_000)
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

    @Test func dbNameGoesIntoTheHeaderAndTokenIntoAuthorization() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setToken("root:Milvus")
            try s.setHeader(name: "Request-Timeout", value: "5")
        }
        _ = try client.listImportJobs(#"{"collectionName":"coll_a","dbName":"db_a","clusterId":"in01-x","pageSize":2}"#)
        let request = try #require(transport.requests.first)
        #expect(request.headers == ["Content-Type: application/json", "User-Agent: libmilvus_import/" + LibraryVersion.text,
                                    "DB-Name: db_a", "Authorization: Bearer root:Milvus", "Request-Timeout: 5"])
        #expect(request.bodyText == #"{"collectionName":"coll_a","dbName":"db_a","clusterId":"in01-x","pageSize":2}"#)
    }

    @Test func clientDatabaseFillsListAndCreateBodiesButOnlyTheHeaderForDescribe() throws {
        let transport = FakeTransport([
            .http(200, "application/json", emptyList),
            .http(200, "application/json", #"{"code":0,"data":{"jobId":"1","state":"Completed","progress":100}}"#),
        ])
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase("db_b") }
        _ = try client.listImportJobs(nil)
        _ = try client.getImportProgress(#"{"jobId":"448761313698322011"}"#)
        let requests = transport.requests
        #expect(requests[0].bodyText == #"{"dbName":"db_b"}"#)
        #expect(requests[0].header("DB-Name") == "db_b")
        #expect(requests[1].bodyText == #"{"jobId":"448761313698322011"}"#)
        #expect(requests[1].header("DB-Name") == "db_b")
        #expect(requests[1].url.hasSuffix("/v2/vectordb/jobs/import/describe"))
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

    @Test func settersRefuseBadValuesAndKeepTheOldOnes() throws {
        let client = try makeClient(FakeTransport(json: emptyList))
        for index in 0..<12 {
            let error = failure { () throws(ImportError) in
                try client.update { (s: inout ClientSettings) throws(ImportError) in
                    switch index {
                    case 0: try s.setTimeout(ms: 0)
                    case 1: try s.setConnectTimeout(ms: -1)
                    case 2: try s.setMaxRetries(11)
                    case 3: try s.setMaxRetries(-1)
                    case 4: try s.setRetryBackoff(ms: 60_001)
                    case 5: try s.setMaxResponseBytes(0)
                    case 6: try s.setHeader(name: "Bad Name", value: "x")
                    case 7: try s.setHeader(name: "X-A", value: "a\r\nInjected: 1")
                    case 8: try s.setHeader(name: "content-type", value: "text/plain")
                    case 9: try s.setToken("abc\ndef")
                    case 10: try s.setDatabase("db\r")
                    default: try s.setClientCertificate(certFile: nil, keyFile: "k.pem")
                    }
                }
            }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT, "case \(index)")
        }
        let settings = client.currentSettings
        #expect(settings.timeoutMs == 20_000 && settings.connectTimeoutMs == 10_000)
        #expect(settings.maxRetries == 2 && settings.retryBackoffMs == 250)
        #expect(settings.headers.isEmpty && settings.token == nil && settings.database == nil)
    }
}
