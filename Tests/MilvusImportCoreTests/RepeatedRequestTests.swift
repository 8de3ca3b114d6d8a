import CMilvusImport
import Synchronization
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#
private let agent = "User-Agent: libmilvus_import/" + LibraryVersion.text

/// A client keeps the last request text it checked (`CheckedRequest`) and does not parse
/// that text again: what goes out, and every refusal, must be what a first check gives.
@Suite struct RepeatedRequestTests {
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

    @Test func theClientsDatabaseIsAddedToEveryRepeat() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setDatabase("db_a")
        }
        let text = #"{"collectionName":"c"}"#
        _ = try client.listImportJobs(text)
        _ = try client.listImportJobs(text)
        try client.update { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase("db_b") }
        _ = try client.listImportJobs(text)
        try client.update { (s: inout ClientSettings) throws(ImportError) in try s.setDatabase(nil) }
        _ = try client.listImportJobs(text)
        let sent = transport.requests
        #expect(sent.map(\.bodyText) == [#"{"collectionName":"c","dbName":"db_a"}"#,
                                         #"{"collectionName":"c","dbName":"db_a"}"#,
                                         #"{"collectionName":"c","dbName":"db_b"}"#, text])
        #expect(sent.map { $0.header("DB-Name") } == ["db_a", "db_a", "db_b", nil])
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

    @Test func theSecretsOfARepeatedTextStayHidden() throws {
        let transport = FakeTransport(json: #"{"code":1100,"message":"bad key AKIAKEY and S3CR3T"}"#)
        let client = try makeClient(transport)
        let text = #"{"collectionName":"c","objectUrl":"s3://b/k","accessKey":"AKIAKEY","secretKey":"S3CR3T"}"#
        for _ in 0..<2 {
            let error = failure { () throws(ImportError) in _ = try client.bulkImport(text) }
            #expect(error?.message == "create import job: server error 1100: bad key *** and ***")
        }
        let list = failure { () throws(ImportError) in _ = try client.listImportJobs(text) }
        #expect(list?.message == "list import jobs: server error 1100: bad key *** and ***")
    }

    @Test func pagingARepeatedTextStartsFromItsOwnText() throws {
        let page = #"{"code":0,"data":{"records":[{"jobId":"1"}],"count":1}}"#
        let transport = FakeTransport(json: page)
        let client = try makeClient(transport)
        let text = #"{"collectionName":"c","pageSize":5}"#
        _ = try client.listImportJobs(text)
        _ = try client.listAllImportJobs(text)
        _ = try client.listAllImportJobs(text)
        _ = try client.listImportJobs(text)
        let paged = #"{"collectionName":"c","pageSize":5,"currentPage":1}"#
        #expect(transport.requests.map(\.bodyText) == [text, paged, paged, text])
    }

    @Test func longTextsAndSecretsAreNotKept() throws {
        let short = try RequestBody.parse(#"{"collectionName":"c"}"#, for: .list)
        #expect(CheckedRequest(short, .list)?.text == Array(#"{"collectionName":"c"}"#.utf8))
        let padding = String(repeating: " ", count: CheckedRequest.maxBytes)
        let long = try RequestBody.parse("{" + padding + "}", for: .list)
        #expect(CheckedRequest(long, .list) == nil)
        // Object-store keys and tokens are not kept past the call.
        let keyed = try RequestBody.parse(#"{"collectionName":"c","objectUrl":"s3://b","accessKey":"AK"}"#,
                                          for: .create)
        #expect(keyed.facts.secrets == ["AK"])
        #expect(CheckedRequest(keyed, .create) == nil)
        let emptyKey = try RequestBody.parse(#"{"collectionName":"c","objectUrl":"s3://b","accessKey":""}"#,
                                             for: .create)
        #expect(CheckedRequest(emptyKey, .create) != nil)
        // A body the library changed is no longer the caller's text.
        let changed = try RequestBody.parse("{}", for: .list)
        try changed.set("pageSize", try #require(JSON.integer(3)))
        #expect(CheckedRequest(changed, .list) == nil)
    }

    @Test func threadsSharingAClientEachSendTheirOwnText() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let texts = (0..<4).map { #"{"collectionName":"c\#($0)"}"# }
        let threads = 4, calls = 200
        let failures = Mutex(0)
        runOnThreads(threads) { index in
            for call in 0..<calls {
                // Two texts per thread, alternating: the kept text changes under every thread.
                let text = texts[(index + call) % texts.count]
                if (try? client.listImportJobs(text)) == nil { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let counts = Dictionary(grouping: transport.requests.map(\.bodyText), by: { $0 }).mapValues(\.count)
        #expect(counts == Dictionary(uniqueKeysWithValues: texts.map { ($0, threads * calls / texts.count) }))
    }

    @Test func oneSettingsKeyPerSnapshotOfTheSettings() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport)
        let other = try makeClient(transport)
        _ = try client.listImportJobs(nil)
        _ = try client.listImportJobs("{}")
        _ = try other.listImportJobs(nil)
        try client.update { (s: inout ClientSettings) throws(ImportError) in try s.setMaxResponseBytes(10) }
        _ = try? client.listImportJobs(nil)
        let keys = transport.requests.map(\.settingsKey)
        #expect(keys[0] != 0 && keys[0] == keys[1])
        #expect(Set(keys[1...]).count == 3)
        #expect(transport.requests[3].maxResponseBytes == 10)
    }
}

/// Runs `body(0)` to `body(count - 1)`, each on a thread of its own, and waits for all.
private func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = (0..<count).map { index in WorkerThread<Void>.start { body(index) } }
    for thread in threads {
        if let thread { _ = thread.join() } else { Issue.record("a thread could not be started") }
    }
}
