import CMilvusImport
import Testing
@testable import MilvusImportCore

@Suite struct BaseURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:19530", "http://127.0.0.1:19530"),
        ("http://127.0.0.1:19530/", "http://127.0.0.1:19530"),
        ("http://127.0.0.1:19530///", "http://127.0.0.1:19530"),
        ("https://proxy.example.com/milvus/", "https://proxy.example.com/milvus"),
        ("http://h//a//b//", "http://h/a/b"),
        ("HTTP://Host:80/x", "http://Host:80/x"),
        ("http://[::1]:19530", "http://[::1]:19530"),
    ])
    func normalises(input: String, expected: String) throws {
        let url = try BaseURL(input)
        #expect(url.prefix == expected)
        #expect(url.url(for: Operation.list.path) == expected + "/v2/vectordb/jobs/import/list")
    }

    @Test func keepsCredentialsForRequestsButNotForDisplay() throws {
        let url = try BaseURL("http://root:s3cr%40t@127.0.0.1:19530/")
        #expect(url.prefix == "http://root:s3cr%40t@127.0.0.1:19530")
        #expect(url.display == "http://127.0.0.1:19530")
        #expect(url.secrets == ["s3cr%40t", "s3cr@t", "cm9vdDpzM2NyQHQ="])
    }

    @Test(arguments: [
        ("", "the URL is empty"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("ftp://h/", "scheme must be http or https"),
        ("gopher://h/", "scheme must be http or https"),
        ("127.0.0.1:19530", "scheme must be http or https"),
        ("http://h/?q=1", "query string"),
        ("http://h/?", "query string"),
        ("http://h/#top", "fragment"),
        ("http://h x/", "spaces or control characters"),
        ("http://h/\r\nX: y", "spaces or control characters"),
        ("http://", "not valid"),
    ])
    func refuses(input: String, reason: String) {
        let error = failure { () throws(ImportError) in _ = try BaseURL(input) }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
    }
}
