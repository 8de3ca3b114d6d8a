// libFuzzer target: the response classifier, Classification.classify(status:contentType:body:).
//
// Input layout (the seed generator Tests/fuzz/make_corpus.py writes the same):
//   byte 0-1   HTTP status, big-endian, taken modulo 1000 (libcurl reports 0...999)
//   byte 2     content-type length; 255 means no Content-Type header
//   next n     the content type (cut at a NUL, as libcurl hands over a C string)
//   the rest   the body
// Invariants: the kind is a milvus_status failure kind (or success only for a 2xx with code
// 0 whose body is NUL-free UTF-8), the HTTP status is echoed, the kind matches the status
// class, the message is one clean non-empty line, and the classifier is deterministic; the
// check of large bodies without a tree (EnvelopeScan) agrees with the whole parse.
import CMilvusImport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClassify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard input.count >= 3 else { return 0 }
    let status = (Int(input[0]) << 8 | Int(input[1])) % 1000
    let typeLength = Int(input[2])
    var rest = input[3...]
    var contentType: String?
    if typeLength != 255 {
        let raw = rest.prefix(typeLength)
        rest = rest.dropFirst(raw.count)
        contentType = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    let body = UnsafeRawBufferPointer(rebasing: rest)

    let result = Classification.classify(status: status, contentType: contentType, body: body)
    let again = Classification.classify(status: status, contentType: contentType, body: body)
    let is2xx = (200..<300).contains(status)

    switch (result, again) {
    case (.success(let envelope), .success(let second)):
        require(is2xx, "success for HTTP \(status)")
        require(envelope.code == 0 && second.code == 0, "success with code \(envelope.code)")
        require(envelope.json?.kind == .object, "success envelope is not an object")
        // The text handed to C callers as-is: NUL-free UTF-8 (header: "Returned text").
        require(!body.contains(0), "success for a body with a NUL byte")
        require(String(validating: body, as: UTF8.self) != nil, "success for a body that is not UTF-8")
    case (.failure(let error), .failure(let second)):
        requireWellFormed(error, "classify HTTP \(status)")
        require(error == second, "not deterministic: \(error) vs \(second)")
        require(error.httpStatus == status, "http status \(error.httpStatus), input \(status)")
        if is2xx {
            let allowed = [MILVUS_ERR_SERVER, MILVUS_ERR_AUTH, MILVUS_ERR_JOB_NOT_FOUND, MILVUS_ERR_MALFORMED_RESPONSE]
            require(allowed.contains(error.kind), "2xx gave kind \(error.kind.rawValue)")
            if error.kind == MILVUS_ERR_MALFORMED_RESPONSE {
                require(error.serverCode == 0, "malformed response with server code \(error.serverCode)")
            } else {
                require(error.serverCode != 0, "server error with code 0")
            }
        } else {
            let expected: milvus_status
            switch status {
            case 401, 403: expected = MILVUS_ERR_AUTH
            case 408: expected = MILVUS_ERR_TIMEOUT
            default: expected = MILVUS_ERR_HTTP
            }
            require(error.kind == expected, "HTTP \(status) gave kind \(error.kind.rawValue)")
            require(error.message.hasPrefix("HTTP \(status)"), "message does not start with the status")
        }
    default:
        require(false, "classify is not deterministic for HTTP \(status)")
    }

    // The check without a tree (large bodies) agrees with the whole parse: the same verdict,
    // code and message, or the same problem.
    switch (Classification.parseEnvelope(body), Classification.parseEnvelope(body, checkWithoutTreeFrom: 0)) {
    case (.success(let whole), .success(let checked)):
        require(checked.json == nil, "the check built a tree")
        require(whole.code == checked.code, "code \(whole.code) parsed whole, \(checked.code) checked")
        require(whole.message == checked.message, "message \(String(describing: whole.message)) parsed whole, "
                + "\(String(describing: checked.message)) checked")
    case (.failure(let whole), .failure(let checked)):
        require(whole.text == checked.text, "problem \(whole.text) parsed whole, \(checked.text) checked")
    case (.success, .failure(let checked)):
        require(false, "the check refused what the whole parse accepts: \(checked.text)")
    case (.failure(let whole), .success):
        require(false, "the check accepted what the whole parse refuses: \(whole.text)")
    }

    return 0
}
