import CMilvusImport

/// The object store's refusals as MILVUS_ERR_STORAGE, and the few XML elements the upload
/// reads (an error's Code and Message, UploadId, ETag) found by a strict text search: the
/// answers are small and flat, and no XML library is needed for them.
enum S3Errors {
    /// `context: S3 error <Code> (HTTP <status>): <Message>`; the code from the body, or
    /// from the status alone when there is no body (HEAD).
    static func error(status: Int, body: ByteBuffer, context: String) -> ImportError {
        let xml = body.withBytes { Array($0) }
        let code = element("Code", in: xml).map { sanitizedCode($0) } ?? statusCode(status)
        let message = element("Message", in: xml).map { Classification.sanitize($0, limit: 300) } ?? ""
        var text = context + ": S3 error " + (code.isEmpty ? "" : code + " ") + "(HTTP \(status))"
        if !message.isEmpty { text += ": " + message }
        var error = ImportError(MILVUS_ERR_STORAGE, text, httpStatus: status)
        error.storageCode = code
        return error
    }

    /// Whether a body is an S3 error document (CompleteMultipartUpload can send one with 200).
    static func isErrorDocument(_ body: ByteBuffer) -> Bool {
        body.withBytes { bytes in
            var rest = bytes[...]
            // Skip whitespace and an XML declaration.
            while let first = rest.first, first == 0x20 || first == 0x0A || first == 0x0D || first == 0x09 {
                rest = rest.dropFirst()
            }
            if rest.starts(with: "<?xml".utf8), let end = rest.firstRange(of: "?>".utf8) {
                rest = rest[end.upperBound...]
                while let first = rest.first, first == 0x20 || first == 0x0A || first == 0x0D || first == 0x09 {
                    rest = rest.dropFirst()
                }
            }
            return rest.starts(with: "<Error>".utf8)
        }
    }

    /// The text of the first `<name>text</name>` (no attributes, no nested elements), its
    /// five predefined entities and numeric references decoded; nil when absent or not in
    /// that form.
    static func element(_ name: String, in xml: [UInt8]) -> String? {
        let open = Array(("<" + name + ">").utf8), close = Array(("</" + name + ">").utf8)
        guard let start = xml.firstRange(of: open) else { return nil }
        let content = xml[start.upperBound...]
        guard let end = content.firstRange(of: close) else { return nil }
        let raw = content[..<end.lowerBound]
        guard !raw.contains(UInt8(ascii: "<")) else { return nil }
        return decodeEntities(raw)
    }

    private static func decodeEntities(_ raw: ArraySlice<UInt8>) -> String? {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        var rest = raw
        while let amp = rest.firstIndex(of: UInt8(ascii: "&")) {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: UInt8(ascii: ";")), semicolon - amp <= 10 else { return nil }
            let name = String(decoding: rest[(amp + 1)..<semicolon], as: UTF8.self)
            switch name {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let digits = name.hasPrefix("#x") ? name.dropFirst(2) : name.hasPrefix("#") ? name.dropFirst() : ""
                guard let value = UInt32(digits, radix: name.hasPrefix("#x") ? 16 : 10),
                      let scalar = Unicode.Scalar(value) else { return nil }
                out += Array(String(Character(scalar)).utf8)
            }
            rest = rest[(semicolon + 1)...]
        }
        out += rest
        return String(decoding: out, as: UTF8.self)
    }

    /// S3 codes are ASCII words ("NoSuchBucket"): anything else from a server is cut to that form.
    private static func sanitizedCode(_ code: String) -> String {
        String(code.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || ("0"..."9").contains($0) || $0 == "." }.prefix(64).map(Character.init))
    }

    /// The code a bodiless answer (HEAD) stands for.
    static func statusCode(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 409: return "Conflict"
        case 412: return "PreconditionFailed"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return ""
        }
    }

    /// &, < and > as entities, for text put into the CompleteMultipartUpload document.
    static func escapeText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
