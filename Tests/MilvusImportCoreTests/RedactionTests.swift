import CMilvusImport
import Testing
@testable import MilvusImportCore

@Suite struct RedactionTests {
    @Test func secretsEchoedByTheServerAreHidden() throws {
        let transport = FakeTransport(json: #"{"code":1100,"message":"bad token root:s3cr3t-Pa55 and s3cr3t-Pa55 and AKIAKEY and pw0rd"}"#)
        let client = try makeClient(transport, url: "http://u:pw0rd@127.0.0.1:1") { (s: inout ClientSettings) throws(ImportError) in
            try s.setToken("root:s3cr3t-Pa55")
        }
        let error = failure { () throws(ImportError) in
            _ = try client.bulkImport(#"{"collectionName":"c","objectUrl":"s3://b/k","accessKey":"AKIAKEY","secretKey":"x"}"#)
        }
        #expect(error?.message == "create import job: server error 1100: bad token *** and *** and *** and ***")
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
}
