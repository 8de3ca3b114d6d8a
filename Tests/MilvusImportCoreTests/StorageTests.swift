import CMilvusImport
import Glibc
import Testing
@testable import MilvusImportCore

private func storage(endpoint: String? = "http://127.0.0.1:8333", virtualHost: Bool = false) throws -> StorageSettings {
    var settings = try StorageSettings(endpoint: endpoint, region: nil, accessKey: "AK", secretKey: "S3cret/Key+1",
                                       sessionToken: "T0ken")
    settings.virtualHost = virtualHost
    return settings
}

/// A temporary folder, removed with everything in it at the end of `body`.
private func withFolder(_ body: (String) throws -> Void) throws {
    var template = Array("/tmp/storage-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw ImportError(MILVUS_ERR_INVALID_ARGUMENT, "mkdtemp") }
    let folder = String(cString: made)
    defer { _ = system("rm -rf '\(folder)'") }
    try body(folder)
}

private func write(_ path: String, _ text: String) {
    let file = fopen(path, "w")!
    fputs(text, file)
    fclose(file)
}

@Suite struct StorageTests {
    @Test func keysArePercentEncodedPerSegmentKeepingSlashes() throws {
        #expect(try S3Address.encode(key: "a b/c+d&e=f/ü.json") == "a%20b/c%2Bd%26e%3Df/%C3%BC.json")
        #expect(try S3Address.encode(key: "plain-_.~/x") == "plain-_.~/x")
    }

    @Test func pathStyleAndVirtualHostURLs() throws {
        let path = try S3Address(storage: storage(), bucket: "imports")
        #expect(try path.url(key: "p/rows 1.json") == "http://127.0.0.1:8333/imports/p/rows%201.json")
        let virtual = try S3Address(storage: storage(endpoint: "https://s3.example.com:9000/", virtualHost: true),
                                    bucket: "imports")
        #expect(try virtual.url(key: "a/b", query: "uploads=") == "https://imports.s3.example.com:9000/a/b?uploads=")
        let aws = try StorageSettings(endpoint: nil, region: "eu-west-3", accessKey: "AK", secretKey: "SK",
                                      sessionToken: nil)
        #expect(aws.endpoint.prefix == "https://s3.eu-west-3.amazonaws.com")
    }

    @Test func multipartQueriesAreWrittenInSignedOrder() throws {
        #expect(try Upload.query(part: 7, uploadId: "a/b+c=") == "partNumber=7&uploadId=a%2Fb%2Bc%3D")
        #expect(try Upload.query(uploadId: "xyz") == "uploadId=xyz")
    }

    @Test func bucketNamesAreChecked() throws {
        for bad in ["", "ab", "-abc", "a/b", "a b", String(repeating: "a", count: 64)] {
            let error = failure { () throws(ImportError) in try S3Address.check(bucket: bad, virtualHost: false) }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT, "\(bad)")
        }
        #expect(failure { () throws(ImportError) in try S3Address.check(bucket: "Old_Bucket", virtualHost: false) } == nil)
        #expect(failure { () throws(ImportError) in try S3Address.check(bucket: "Old_Bucket", virtualHost: true) }?.kind
                == MILVUS_ERR_INVALID_ARGUMENT)
    }

    @Test func errorDocumentsGiveCodeAndMessage() {
        let body = ByteBuffer(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
                              + "<Error><Code>NoSuchBucket</Code><Message>The specified bucket &quot;b&quot;"
                              + " does not exist &amp; more</Message><BucketName>b</BucketName></Error>")!
        #expect(S3Errors.isErrorDocument(body))
        let error = S3Errors.error(status: 404, body: body, context: "upload rows.json to s3://b/k")
        #expect(error.kind == MILVUS_ERR_STORAGE)
        #expect(error.httpStatus == 404)
        #expect(error.storageCode == "NoSuchBucket")
        #expect(error.message == "upload rows.json to s3://b/k: S3 error NoSuchBucket (HTTP 404):"
                + " The specified bucket \"b\" does not exist & more")
    }

    @Test func bodilessAnswersTakeTheirCodeFromTheStatus() {
        let error = S3Errors.error(status: 403, body: ByteBuffer(), context: "look up s3://b/k")
        #expect(error.storageCode == "Forbidden")
        #expect(error.message == "look up s3://b/k: S3 error Forbidden (HTTP 403)")
        #expect(S3Errors.error(status: 418, body: ByteBuffer(), context: "x").message == "x: S3 error (HTTP 418)")
    }

    @Test func elementSearchIsStrict() {
        func find(_ name: String, _ xml: String) -> String? { S3Errors.element(name, in: Array(xml.utf8)) }
        #expect(find("UploadId", "<R><UploadId>abc_1</UploadId></R>") == "abc_1")
        #expect(find("ETag", "<R><ETag>&quot;9b2cf-3&quot;</ETag></R>") == "\"9b2cf-3\"")
        #expect(find("Code", "<Error><Code><X/></Code></Error>") == nil)  // nested element
        #expect(find("Code", "<Error><Code>Open") == nil)  // not closed
        #expect(find("Code", "<Error><Code>A&bogus;</Code></Error>") == nil)  // unknown entity
        #expect(find("Code", "<Error><Code>A&#66;&#x43;</Code></Error>") == "ABC")
        // A code is cut to an ASCII word: nothing a server sends reaches the C caller otherwise.
        let odd = S3Errors.error(status: 400, body: ByteBuffer("<Error><Code>Bad\u{1}Cödé!</Code></Error>")!, context: "x")
        #expect(odd.storageCode == "BadCd")
        #expect(!S3Errors.isErrorDocument(ByteBuffer("<CompleteMultipartUploadResult/>")!))
    }

    @Test func completionDocumentListsPartsInOrder() {
        let xml = String(decoding: Upload.completion(["\"e1\"", "\"e&2\""]), as: UTF8.self)
        #expect(xml == #"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
                + #"<Part><PartNumber>1</PartNumber><ETag>"e1"</ETag></Part>"#
                + #"<Part><PartNumber>2</PartNumber><ETag>"e&amp;2"</ETag></Part></CompleteMultipartUpload>"#)
    }

    @Test func localETagsAsS3ComputesThem() throws {
        try withFolder { (folder: String) throws -> Void in
            write(folder + "/abc", "abc")
            let file = try OpenFile(folder + "/abc")
            #expect(try Digest.etag(of: file, size: 3, partSize: 5 << 20, parts: 0) == "900150983cd24fb0d6963f7d28e17f72")
            // md5(md5("ab") + md5("c")) and the part count.
            #expect(try Digest.etag(of: file, size: 3, partSize: 2, parts: 2) == "d833159094d1d7ad96ffcc78414e3682-2")
            #expect(Upload.partCount(size: 3, partSize: 3) == 0)
            #expect(Upload.partCount(size: 11, partSize: 5) == 3)
            #expect(try Digest.sha256Hex(Array("<a/>".utf8))
                    == "29114363f749a0226b6988dda3ca2492a954117ab6b5f382706c20300dabc079")
            #expect(failure { () throws(ImportError) in
                _ = try Digest.etag(of: file, size: 4, partSize: 5 << 20, parts: 0)
            }?.message == folder + "/abc became shorter while it was read")
        }
    }

    @Test func collectKeysFilesAndFolders() throws {
        try withFolder { (folder: String) throws -> Void in
            mkdir(folder + "/data", 0o755)
            mkdir(folder + "/data/sub", 0o755)
            mkdir(folder + "/data/.git", 0o755)
            write(folder + "/data/b.json", "[]")
            write(folder + "/data/sub/a.npy", "x")
            write(folder + "/data/.hidden", "h")
            write(folder + "/data/.git/config", "c")
            write(folder + "/one.csv", "a,b\n")
            #expect(try LocalFiles.collect(folder + "/one.csv", prefix: "/imports//2026/")
                    == [LocalFile(path: folder + "/one.csv", key: "imports/2026/one.csv", size: 4)])
            #expect(try LocalFiles.collect(folder + "/data/", prefix: nil) == [
                LocalFile(path: folder + "/data/b.json", key: "b.json", size: 2),
                LocalFile(path: folder + "/data/sub/a.npy", key: "sub/a.npy", size: 1),
            ])
            let missing = failure { () throws(ImportError) in _ = try LocalFiles.collect(folder + "/nope", prefix: nil) }
            #expect(missing?.kind == MILVUS_ERR_INVALID_ARGUMENT)
            #expect(missing?.message == "cannot read \(folder)/nope: No such file or directory")
            #expect(failure { () throws(ImportError) in _ = try LocalFiles.collect(folder + "/one.csv", prefix: "a/../b") }?
                .kind == MILVUS_ERR_INVALID_ARGUMENT)
        }
    }

    @Test func storageSettingsAreChecked() throws {
        let cases: [(endpoint: String?, region: String?, access: String, secret: String, token: String?)] = [
            ("ftp://h", nil, "a", "s", nil), (nil, "us:east", "a", "s", nil), (nil, nil, "", "s", nil),
            (nil, nil, "a", "s\n", nil), (nil, nil, "a", "s", "t\r"),
        ]
        for (index, c) in cases.enumerated() {
            let error = failure { () throws(ImportError) in
                _ = try StorageSettings(endpoint: c.endpoint, region: c.region, accessKey: c.access, secretKey: c.secret,
                                        sessionToken: c.token)
            }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT, "case \(index)")
        }
        var settings = ClientSettings()
        #expect(failure { () throws(ImportError) in try settings.setUploadPartSize((5 << 20) - 1) } != nil)
        #expect(failure { () throws(ImportError) in try settings.setUploadPartSize((5 << 30) + 1) } != nil)
        #expect(failure { () throws(ImportError) in try settings.setUploadStallTimeout(ms: 0) } != nil)
        #expect(failure { () throws(ImportError) in try settings.setStorageVirtualHost(true) } != nil)
        settings.setStorage(try storage())
        try settings.setStorageVirtualHost(true)
        settings.setStorage(try storage())  // a new store keeps the addressing chosen
        #expect(settings.storage?.virtualHost == true)
        #expect(settings.secrets.contains("S3cret/Key+1") && settings.secrets.contains("T0ken"))
    }

    @Test func uploadRequestsAreChecked() throws {
        let client = try makeClient(FakeTransport(json: "{}")) { (s: inout ClientSettings) throws(ImportError) in
            s.setStorage(try StorageSettings(endpoint: "http://127.0.0.1:9", region: nil, accessKey: "a",
                                             secretKey: "s", sessionToken: nil))
        }
        let cases = [
            ("[]", "request_json must be a JSON object"),
            (#"{"bucket":"b","paths":["x"],"extra":1}"#, #"request_json has an unknown member "extra"; expected bucket, prefix, paths"#),
            (#"{"paths":["x"]}"#, #"request_json needs "bucket": a non-empty string"#),
            (#"{"bucket":"bkt","paths":[]}"#, #"request_json needs "paths": a non-empty list of local files or folders"#),
            (#"{"bucket":"bkt","paths":[1]}"#, #"every element of "paths" must be a string"#),
            (#"{"bucket":"bkt","prefix":2,"paths":["x"]}"#, #""prefix" must be a string"#),
        ]
        for (request, message) in cases {
            let error = failure { () throws(ImportError) in _ = try client.uploadFiles(request: request, onProgress: nil) }
            #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
            #expect(error?.message == message)
        }
        let noStore = try makeClient(FakeTransport(json: "{}"))
        #expect(failure { () throws(ImportError) in
            _ = try noStore.uploadFiles(bucket: "bkt", files: [], onProgress: nil)
        }?.message == "no object store is set: call milvus_client_set_storage first")
        let twice = failure { () throws(ImportError) in
            _ = try client.uploadFiles(bucket: "bkt", files: [LocalFile(path: "/a/x", key: "x", size: 1),
                                                              LocalFile(path: "/b/x", key: "x", size: 1)],
                                       onProgress: nil)
        }
        #expect(twice?.message == "/a/x and /b/x would both be uploaded to s3://bkt/x")
        let huge = failure { () throws(ImportError) in
            _ = try client.uploadFiles(bucket: "bkt", files: [LocalFile(path: "/big", key: "big", size: (64 << 20) * 10_001)],
                                       onProgress: nil)
        }
        #expect(huge?.message == "/big needs more than 10000 parts of 67108864 bytes; set a larger upload part size")
    }
}
