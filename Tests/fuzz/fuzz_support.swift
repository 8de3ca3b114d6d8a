// Shared by the fuzz targets. Compiled into the same module as the core's sources (see
// mk/sanitizers.mk), so `internal` API is reachable without @testable.
import CMilvusImport
import Glibc

/// Stops the run with a message: libFuzzer records the input as a crash.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if condition() { return }
    let text = "fuzz invariant failed (\(file):\(line)): \(message())\n"
    _ = text.withCString { fputs($0, stderr) }
    abort()
}

/// One line of printable text: no C0 control characters (tab included), no DEL, valid
/// UTF-8 (a Swift String always is), as milvus_last_error_message() promises.
func isCleanLine(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
}

/// Every milvus_status except MILVUS_OK.
let failureKinds: ClosedRange<UInt32> = MILVUS_ERR_INVALID_ARGUMENT.rawValue...MILVUS_ERR_CANCELLED.rawValue

/// An error as the C edge would report it: a failure kind and a clean, non-empty message.
func requireWellFormed(_ error: ImportError, _ context: String) {
    require(failureKinds.contains(error.kind.rawValue), "\(context): kind \(error.kind.rawValue) out of range")
    require(!error.message.isEmpty, "\(context): empty message")
    require(isCleanLine(error.message), "\(context): control character in message \(debugQuoted(error.message))")
}

/// Text with every non-printable scalar escaped, for invariant messages.
func debugQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars.prefix(300) {
        if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        }
    }
    return out + "\""
}

/// The bytes of a fuzz input, split at NUL bytes into at most `limit` fields.
func fields(_ data: UnsafeRawBufferPointer, limit: Int) -> [UnsafeRawBufferPointer.SubSequence] {
    data.split(separator: 0, maxSplits: limit - 1, omittingEmptySubsequences: false)
}

/// A field as the C edge would see it: nil when it is not valid UTF-8 (the edge refuses it).
func utf8Field(_ bytes: UnsafeRawBufferPointer.SubSequence) -> String? {
    String(validating: bytes, as: UTF8.self)
}

/// Byte-wise tests on text. String's own hasPrefix/contains/firstIndex compare grapheme
/// clusters, so a combining mark right after "/", ":" or "@" (a valid URL or header byte
/// sequence) would hide that ASCII character from them; the library's peers see bytes.
extension String {
    func startsWithBytes(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }
    func endsWithBytes(_ suffix: String) -> Bool { utf8.reversed().starts(with: suffix.utf8.reversed()) }
    func containsBytes(_ needle: String) -> Bool { byteOffset(of: needle) != nil }

    /// The byte offset of the first occurrence of `needle` at or after `start`.
    func byteOffset(of needle: String, from start: Int = 0) -> Int? {
        let hay = Array(utf8), pattern = Array(needle.utf8)
        guard !pattern.isEmpty, hay.count >= pattern.count, start <= hay.count - pattern.count else { return nil }
        for offset in start...(hay.count - pattern.count) where hay[offset..<offset + pattern.count].elementsEqual(pattern) {
            return offset
        }
        return nil
    }

    /// The bytes from `offset` on, as (repaired) text.
    func bytes(from offset: Int) -> String { String(decoding: Array(utf8).dropFirst(offset), as: UTF8.self) }
    func bytes(upTo offset: Int) -> String { String(decoding: Array(utf8).prefix(offset), as: UTF8.self) }
}
