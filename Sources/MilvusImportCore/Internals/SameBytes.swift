import Glibc

/// Byte-for-byte equality of text that decides what goes on the wire (a cached body,
/// header list or URL). `String`'s `==` compares canonically: "café" with U+00E9 equals
/// "cafe" + U+0301, yet the two are different bytes, and the caller's bytes are what the
/// library sends.
extension String {
    func hasSameBytes(as other: String) -> Bool {
        let compared = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b -> Bool in
                guard a.count == b.count else { return false }
                guard let x = a.baseAddress, let y = b.baseAddress else { return true }  // both empty
                return memcmp(x, y, a.count) == 0
            }
        }
        if let compared, let result = compared { return result }
        return utf8.elementsEqual(other.utf8)
    }
}

extension Array where Element == String {
    /// The same lines, byte for byte (one storage: the same without a look).
    func hasSameBytes(as other: [String]) -> Bool {
        guard count == other.count else { return false }
        let sameStorage = withUnsafeBufferPointer { a in other.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        if sameStorage { return true }
        return zip(self, other).allSatisfy { $0.hasSameBytes(as: $1) }
    }
}
