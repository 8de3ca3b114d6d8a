import CMilvusImport
import Testing
@testable import MilvusImportCore

@Suite struct StatusTextTests {
    @Test func everyStatusHasItsText() {
        let expected: [(milvus_status, String)] = [
            (MILVUS_OK, "success"), (MILVUS_ERR_INVALID_ARGUMENT, "invalid argument"),
            (MILVUS_ERR_TRANSPORT, "transport error"), (MILVUS_ERR_TIMEOUT, "timed out"),
            (MILVUS_ERR_TLS, "TLS error"), (MILVUS_ERR_HTTP, "HTTP error"),
            (MILVUS_ERR_AUTH, "authentication failed"), (MILVUS_ERR_SERVER, "server error"),
            (MILVUS_ERR_MALFORMED_RESPONSE, "malformed response"), (MILVUS_ERR_TOO_LARGE, "response too large"),
            (MILVUS_ERR_JOB_NOT_FOUND, "import job not found"), (MILVUS_ERR_NO_MEMORY, "out of memory"),
            (MILVUS_ERR_CANCELLED, "cancelled"), (MILVUS_ERR_STORAGE, "object store error"),
        ]
        for (status, text) in expected {
            #expect(StatusText.describe(Int32(status.rawValue)).description == text)
        }
        for unknown: Int32 in [-1, 14, 1000] {
            #expect(StatusText.describe(unknown).description == "unknown status")
        }
    }
}
