/// Secrets never reach a message: every occurrence of a known secret becomes "***".
public struct Redaction: Sendable {
    public private(set) var secrets: [String] = []

    public init(_ secrets: [String] = []) {
        for secret in secrets { add(secret) }
    }

    /// Adds a secret; a "user:password" token also hides its password alone.
    public mutating func add(_ secret: String?) {
        guard let secret, !secret.isEmpty, !secrets.contains(secret) else { return }
        secrets.append(secret)
        if let colon = secret.firstIndex(of: ":") {
            add(String(secret[secret.index(after: colon)...]))
        }
        // Longest first, so a secret that contains another is hidden whole.
        secrets.sort { $0.utf8.count > $1.utf8.count }
    }

    /// Byte-wise: String's contains/replacing compare grapheme clusters, so a secret echoed
    /// with a combining mark after it ("S3cret\u{301}") would not match and would stay.
    /// Secrets are whole UTF-8 sequences, so a byte match starts and ends on scalars.
    public func apply(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var changed = false
        let stars = Array("***".utf8)
        for secret in secrets {
            let needle = Array(secret.utf8)
            guard !needle.isEmpty, bytes.count >= needle.count else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if bytes[i] == needle[0], i + needle.count <= bytes.count,
                   bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    out += stars
                    i += needle.count
                    changed = true
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            bytes = out
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    public func apply(_ error: ImportError) -> ImportError {
        var error = error
        error.message = apply(error.message)
        return error
    }
}

/// Standard base64 with padding (RFC 4648), to hide HTTP Basic credentials.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
