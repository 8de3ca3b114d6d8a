import CMilvusImport
import COpenSSL
import Glibc

/// MD5 and SHA-256 by OpenSSL's libcrypto: S3 ETags and the payload hash of small bodies.
enum Digest {
    /// SHA-256 of `bytes` in lower-case hex (x-amz-content-sha256 of a body held in memory).
    static func sha256Hex(_ bytes: [UInt8]) throws(ImportError) -> String {
        let context = try Context(EVP_sha256())
        bytes.withUnsafeBytes { context.update($0) }
        return hex(try context.finish())
    }

    /// The ETag S3 gives a file uploaded as `parts` parts of `partSize` bytes (its last part
    /// shorter): the MD5 of the file in hex for one PUT (`parts` 0), or
    /// "md5(md5(part 1) ... md5(part N))-N" for a multipart upload.
    static func etag(of file: OpenFile, size: Int64, partSize: Int64, parts: Int64) throws(ImportError) -> String {
        guard parts > 0 else { return hex(try md5(of: file, offset: 0, length: size)) }
        let whole = try Context(EVP_md5())
        for part in 0..<parts {
            let offset = part * partSize
            let digest = try md5(of: file, offset: offset, length: Swift.min(partSize, size - offset))
            digest.withUnsafeBytes { whole.update($0) }
        }
        return hex(try whole.finish()) + "-\(parts)"
    }

    /// The MD5 of `length` bytes of `file` from `offset`, read 1 MiB at a time.
    static func md5(of file: OpenFile, offset: Int64, length: Int64) throws(ImportError) -> [UInt8] {
        let context = try Context(EVP_md5())
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(Swift.min(Int64(chunk), length - done))]),
                                      at: offset + done)
            context.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            done += Int64(count)
        }
        return try context.finish()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One EVP digest computation.
    private final class Context {
        private let context: OpaquePointer

        init(_ kind: OpaquePointer?) throws(ImportError) {
            guard let context = EVP_MD_CTX_new() else { throw .noMemory }
            self.context = context
            guard EVP_DigestInit_ex(context, kind, nil) == 1 else {
                throw ImportError(MILVUS_ERR_INVALID_ARGUMENT, "OpenSSL refused the digest (MD5 or SHA-256)")
            }
        }

        deinit { EVP_MD_CTX_free(context) }

        func update(_ bytes: UnsafeRawBufferPointer) {
            if let base = bytes.baseAddress, !bytes.isEmpty { EVP_DigestUpdate(context, base, bytes.count) }
        }

        func finish() throws(ImportError) -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { throw .noMemory }
            return Array(digest.prefix(Int(length)))
        }
    }
}

/// A local file open for reading, closed when released.
final class OpenFile {
    let path: String
    let descriptor: Int32

    init(_ path: String) throws(ImportError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .invalidArgument("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at `offset`; an early end of file is an error (the
    /// file shrank after its size was taken).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ImportError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count > 0 { return count }
            if count < 0 && errno == EINTR { continue }
            if count == 0 { throw .invalidArgument("\(path) became shorter while it was read") }
            throw .invalidArgument("cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }
}
