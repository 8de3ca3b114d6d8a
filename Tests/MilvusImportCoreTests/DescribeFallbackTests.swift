import CMilvusImport
import Testing
@testable import MilvusImportCore

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
