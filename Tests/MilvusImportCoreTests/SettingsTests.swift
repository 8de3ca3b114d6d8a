import CMilvusImport
import Testing
@testable import MilvusImportCore

private let emptyList = #"{"code":0,"data":{"records":[]}}"#

@Suite struct SettingsTests {
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

    @Test func proxySchemesAreChecked() throws {
        var settings = ClientSettings()
        for good in ["http://p:3128", "https://p", "socks5h://p:1080", "p:3128", ""] {
            try settings.setProxy(good)
        }
        let error = failure { () throws(ImportError) in try settings.setProxy("ftp://p") }
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
    }
}
