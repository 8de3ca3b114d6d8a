import CMilvusImport
import Testing
@testable import MilvusImportCore

private func classify(_ status: Int, _ type: String?, _ body: String) -> Result<Int64, ImportError> {
    var body = body
    return body.withUTF8 { bytes in
        Classification.classify(status: status, contentType: type, body: UnsafeRawBufferPointer(bytes)).map(\.code)
    }
}

private let json = "application/json; charset=utf-8"

@Suite struct ClassificationTests {
    @Test func successIsCodeZero() throws {
        #expect(try classify(200, json, #"{"code":0,"data":{"records":[]}}"#).get() == 0)
        #expect(try classify(200, json, #"{"code":0,"data":{}}"#).get() == 0)
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        var status: Int, type: String?, body: String
        var kind: milvus_status, http: Int, server: Int64, contains: [String]
        var testDescription: String { "\(status) \(body.prefix(40))" }
    }

    static let cases: [Expected] = [
        Expected(status: 200, type: json, body: #"{"code":100,"message":"collection not found[database=default][collection=coll_a]"}"#,
                 kind: MILVUS_ERR_SERVER, http: 200, server: 100,
                 contains: ["server error 100: collection not found[database=default][collection=coll_a]"]),
        Expected(status: 200, type: json, body: #"{"code":2100,"message":"import job does not exist, jobID=1: importing data failed"}"#,
                 kind: MILVUS_ERR_JOB_NOT_FOUND, http: 200, server: 2100, contains: ["import job does not exist"]),
        Expected(status: 200, type: json, body: #"{"code":2100,"message":"The number of jobs has reached the limit"}"#,
                 kind: MILVUS_ERR_SERVER, http: 200, server: 2100, contains: ["reached the limit"]),
        // Milvus 2.6.19 and later: the same job-not-found as 2101, and 2101 for other failures.
        Expected(status: 200, type: json,
                 body: #"{"code":2101,"message":"import job does not exist, jobID=1: importing data failed on server side"}"#,
                 kind: MILVUS_ERR_JOB_NOT_FOUND, http: 200, server: 2101, contains: ["import job does not exist"]),
        Expected(status: 200, type: json,
                 body: #"{"code":2101,"message":"job 448761313698322011 not found: importing data failed on server side"}"#,
                 kind: MILVUS_ERR_JOB_NOT_FOUND, http: 200, server: 2101, contains: ["job 448761313698322011 not found"]),
        Expected(status: 200, type: json,
                 body: #"{"code":2101,"message":"failed to broadcast import: failed to validate import request: The number of jobs has reached the limit, please try again later: importing data failed on server side"}"#,
                 kind: MILVUS_ERR_SERVER, http: 200, server: 2101, contains: ["reached the limit"]),
        Expected(status: 200, type: json,
                 body: #"{"code":2101,"message":"collection quick_setup not found in the import request: importing data failed on server side"}"#,
                 kind: MILVUS_ERR_SERVER, http: 200, server: 2101, contains: ["collection quick_setup not found"]),
        Expected(status: 200, type: json,
                 body: #"{"code":1100,"message":"parse job id failed: strconv.ParseInt: parsing \"x\": invalid syntax: invalid parameter"}"#,
                 kind: MILVUS_ERR_SERVER, http: 200, server: 1100, contains: ["parse job id failed"]),
        Expected(status: 200, type: json, body: #"{"code":21119,"message":"The apikey is illegal."}"#,
                 kind: MILVUS_ERR_AUTH, http: 200, server: 21119, contains: ["apikey is illegal"]),
        Expected(status: 401, type: json, body: #"{"code":1800,"message":"user hasn't authenticated"}"#,
                 kind: MILVUS_ERR_AUTH, http: 401, server: 1800, contains: ["HTTP 401 Unauthorized, server code 1800: user hasn't authenticated"]),
        Expected(status: 403, type: json, body: #"{"code":1401,"message":"privilege not permitted"}"#,
                 kind: MILVUS_ERR_AUTH, http: 403, server: 1401, contains: ["privilege not permitted"]),
        Expected(status: 408, type: json, body: #"{"code":10001,"message":"request timeout"}"#,
                 kind: MILVUS_ERR_TIMEOUT, http: 408, server: 10001, contains: ["HTTP 408"]),
        Expected(status: 408, type: "text/plain", body: "request timeout",
                 kind: MILVUS_ERR_TIMEOUT, http: 408, server: 0, contains: ["\"request timeout\""]),
        Expected(status: 500, type: json, body: #"{"code":500}"#,
                 kind: MILVUS_ERR_HTTP, http: 500, server: 500, contains: ["HTTP 500 Internal Server Error, server code 500"]),
        Expected(status: 404, type: "text/plain", body: "404 page not found",
                 kind: MILVUS_ERR_HTTP, http: 404, server: 0,
                 contains: ["HTTP 404 Not Found (text/plain): \"404 page not found\"", "older than 2.4", "wrong port"]),
        Expected(status: 502, type: "text/html",
                 body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
                 kind: MILVUS_ERR_HTTP, http: 502, server: 0, contains: ["HTTP 502 Bad Gateway (text/html): \"502 Bad Gateway\""]),
        Expected(status: 302, type: "text/html", body: "<a href=\"http://elsewhere/\">Found</a>",
                 kind: MILVUS_ERR_HTTP, http: 302, server: 0, contains: ["redirects are not followed"]),
        Expected(status: 200, type: json, body: "", kind: MILVUS_ERR_MALFORMED_RESPONSE, http: 200, server: 0,
                 contains: ["empty body"]),
        Expected(status: 200, type: json, body: #"{"data":{"records":[]}}"#, kind: MILVUS_ERR_MALFORMED_RESPONSE,
                 http: 200, server: 0, contains: ["no \"code\""]),
        Expected(status: 200, type: json, body: #"{"code":"0"}"#, kind: MILVUS_ERR_MALFORMED_RESPONSE,
                 http: 200, server: 0, contains: ["\"code\" is not an integer"]),
        Expected(status: 200, type: json, body: #"{"code":0.0}"#, kind: MILVUS_ERR_MALFORMED_RESPONSE,
                 http: 200, server: 0, contains: ["not an integer"]),
        Expected(status: 200, type: json, body: #"{"code":123456789012345678901234567890}"#,
                 kind: MILVUS_ERR_MALFORMED_RESPONSE, http: 200, server: 0, contains: ["not JSON (too big integer"]),
        Expected(status: 200, type: json, body: "[1,2,3]", kind: MILVUS_ERR_MALFORMED_RESPONSE, http: 200, server: 0,
                 contains: ["array, not an object"]),
        Expected(status: 200, type: json, body: "\"text\"", kind: MILVUS_ERR_MALFORMED_RESPONSE, http: 200, server: 0,
                 contains: ["not JSON"]),
        Expected(status: 200, type: json, body: #"{"code":0,"code":1}"#, kind: MILVUS_ERR_MALFORMED_RESPONSE,
                 http: 200, server: 0, contains: ["duplicate"]),
        Expected(status: 200, type: json, body: "{\"code\":0,\"m\":\"\u{0}\"}", kind: MILVUS_ERR_MALFORMED_RESPONSE,
                 http: 200, server: 0, contains: ["not JSON"]),
        Expected(status: 200, type: "text/html", body: "<html>\n\u{1b}[31mhello</html>",
                 kind: MILVUS_ERR_MALFORMED_RESPONSE, http: 200, server: 0, contains: ["not JSON", "text/html"]),
    ]

    @Test(arguments: cases)
    func classifies(_ expected: Expected) {
        guard case .failure(let error) = classify(expected.status, expected.type, expected.body) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == expected.kind)
        #expect(error.httpStatus == expected.http)
        #expect(error.serverCode == expected.server)
        for text in expected.contains {
            #expect(error.message.contains(text), "\(error.message)")
        }
        #expect(!error.message.contains("\n") && !error.message.contains("\u{1b}"))
    }

    @Test func deepNestingIsMalformedNotACrash() {
        let body = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        guard case .failure(let error) = classify(200, json, body) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == MILVUS_ERR_MALFORMED_RESPONSE)
    }

    @Test func invalidUTF8IsMalformed() {
        let bytes: [UInt8] = Array(#"{"code":0,"data":{"m":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8)
        let result = bytes.withUnsafeBytes { Classification.classify(status: 200, contentType: json, body: $0) }
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == MILVUS_ERR_MALFORMED_RESPONSE)
    }

    @Test func longBodiesBecomeShortSnippets() {
        let body = String(repeating: "x", count: 100_000)
        guard case .failure(let error) = classify(503, "text/plain", body) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.message.count < 300)
        #expect(error.message.hasSuffix("...\""))
    }

    @Test func anEmpty2xxSaysEmptyBodyOnce() {
        let result = [UInt8]().withUnsafeBytes { Classification.classify(status: 204, contentType: nil, body: $0) }
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.message == "malformed response (HTTP 204): empty body")
    }
}

@Suite struct MissingRouteTests {
    /// Commit and abort exist only on Milvus 3.0: their 404 says so, not "older than 2.4".
    @Test func a404OnCommitOrAbortNamesMilvus30() throws {
        for call in ["commit", "abort"] {
            let client = try makeClient(FakeTransport([.http(404, "text/plain", "404 page not found")]))
            let error = failure { () throws(ImportError) in
                let request = #"{"jobId":"448761313698322011"}"#
                _ = try call == "commit" ? client.commitImport(request) : client.abortImport(request)
            }
            #expect(error?.kind == MILVUS_ERR_HTTP && error?.httpStatus == 404 && error?.serverCode == 0)
            #expect(error?.message == "\(call) import job: HTTP 404 Not Found (text/plain): \"404 page not found\";"
                    + " the server has no two-phase import at this URL: commit and abort need Milvus 3.0"
                    + " (or the port or path prefix is wrong)")
        }
    }

    @Test func a404OnListNamesAMilvusOlderThan24() throws {
        let client = try makeClient(FakeTransport([.http(404, "text/plain", "404 page not found")]))
        let error = failure { () throws(ImportError) in _ = try client.listImportJobs(nil) }
        #expect(error?.message == "list import jobs: HTTP 404 Not Found (text/plain): \"404 page not found\";"
                + " the server has no import REST API at this URL: a Milvus older than 2.4, the wrong port,"
                + " or a wrong path prefix")
    }
}

@Suite struct BigIntegerTests {
    @Test func integersBeyond64BitsAreMalformedNotRoundedOrGuessed() {
        for body in [#"{"code":0,"data":{"ts":18446744073709551615}}"#,
                     #"{"code":0.0,"data":{"records":[],"n":99999999999999999999}}"#,
                     #"{"code":18446744073709551615}"#] {
            guard case .failure(let error) = classify(200, json, body) else {
                Issue.record("expected a failure for \(body)")
                continue
            }
            #expect(error.kind == MILVUS_ERR_MALFORMED_RESPONSE)
            #expect(error.message.contains("too big integer"), "\(error.message)")
        }
    }
}
