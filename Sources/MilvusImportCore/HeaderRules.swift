/// Header names and values the library will send.
enum HeaderRules {
    /// The largest URL plus headers the library sends (libcurl refuses a request head over 1 MiB).
    static let maxRequestHeadBytes = 512 * 1024

    /// RFC 9110 token characters.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// No CR, LF, NUL or other control characters but tab (header injection).
    static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// Headers whose values are credentials.
    static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["authorization", "proxy-authorization", "cookie", "token", "key", "secret", "password"]
            .contains { lowered.contains($0) } && lowered != "idempotency-key"
    }
}
