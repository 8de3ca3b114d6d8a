import CMilvusImport
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#

/// Which database a call uses: the body's "dbName", else the client's; and the DB-Name header.
@Suite struct DatabaseTests {
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
}
