import CMilvusImport
import Testing
@testable import MilvusImportCore

private let json = "application/json; charset=utf-8"

private func page(_ ids: [String], count: Int?) -> FakeTransport.Answer {
    let records = ids.map { #"{"collectionName":"c","jobId":"\#($0)","state":"Completed"}"# }.joined(separator: ",")
    let countField = count.map { #""count":\#($0),"# } ?? ""
    return .http(200, json, #"{"code":0,"data":{\#(countField)"records":[\#(records)]}}"#)
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
}
