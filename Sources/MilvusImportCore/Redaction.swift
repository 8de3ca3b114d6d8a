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
