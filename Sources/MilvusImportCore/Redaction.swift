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

    public func apply(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacing(secret, with: "***")
        }
        return text
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
