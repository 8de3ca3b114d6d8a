import CMilvusImport
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#

@Suite struct HeaderTests {
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

    @Test func emptyHeaderValuesGoOutEmptyAndCustomHeadersWin() throws {
        let transport = FakeTransport(json: emptyList)
        let client = try makeClient(transport) { (s: inout ClientSettings) throws(ImportError) in
            try s.setToken("root:Milvus")
            try s.setDatabase("db_a")
            try s.setHeader(name: "X-Empty", value: "")
            try s.setHeader(name: "DB-Name", value: "db_hdr")
        }
        _ = try client.listImportJobs(nil)
        #expect(transport.requests[0].headers == ["Content-Type: application/json", "User-Agent: libmilvus_import/" + LibraryVersion.text,
                                                  "Authorization: Bearer root:Milvus", "X-Empty;", "DB-Name: db_hdr"])
    }
}
