import CMilvusImport
import Glibc

/// A local file to upload and the object key it goes to.
public struct LocalFile: Sendable, Equatable {
    public let path: String
    public let key: String
    public let size: Int64

    public init(path: String, key: String, size: Int64) {
        self.path = path
        self.key = key
        self.size = size
    }
}

/// The files behind a path the caller names, with their object keys.
public enum LocalFiles {
    /// A file: one entry keyed `prefix/basename`. A folder: every regular, non-hidden file
    /// below it (hidden folders skipped, symbolic links to folders not followed) keyed
    /// `prefix/relative/path`, sorted by key. Without a prefix the keys are the bare names.
    /// A missing or unreadable path is INVALID_ARGUMENT naming it.
    public static func collect(_ path: String, prefix: String?) throws(ImportError) -> [LocalFile] {
        guard !path.isEmpty else { throw .invalidArgument("a local path is empty") }
        let keyPrefix = try normalizedPrefix(prefix)
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure(path) }
        if isRegular(info) {
            guard access(path, R_OK) == 0 else { throw failure(path) }
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return [LocalFile(path: path, key: keyPrefix + name, size: Int64(info.st_size))]
        }
        guard isDirectory(info) else {
            throw .invalidArgument("\(path) is neither a regular file nor a folder")
        }
        var files: [LocalFile] = []
        try walk(path, relative: "", keyPrefix: keyPrefix, into: &files)
        files.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return files
    }

    /// "a/b" for " /a//b/ "-like prefixes: empty segments dropped, then "/" after it; "" for none.
    static func normalizedPrefix(_ prefix: String?) throws(ImportError) -> String {
        guard let prefix else { return "" }
        guard HeaderRules.isValidValue(prefix), !prefix.utf8.contains(0x09) else {
            throw .invalidArgument("the prefix must not contain control characters")
        }
        let segments = prefix.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        if segments.contains(where: { $0 == "." || $0 == ".." }) {
            throw .invalidArgument("the prefix must not contain \".\" or \"..\" segments")
        }
        return segments.isEmpty ? "" : segments.joined(separator: "/") + "/"
    }

    private static func walk(_ folder: String, relative: String, keyPrefix: String,
                             into files: inout [LocalFile]) throws(ImportError) {
        guard let directory = opendir(folder) else { throw failure(folder) }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }  // ".", "..", and hidden files and folders
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            let key = relative + name
            var own = stat()
            guard lstat(path, &own) == 0 else { throw failure(path) }
            if isDirectory(own) {
                try walk(path, relative: key + "/", keyPrefix: keyPrefix, into: &files)
                continue
            }
            var target = stat()
            // A link is followed to a file, not to a folder (no loops).
            guard stat(path, &target) == 0 else { throw failure(path) }
            guard isRegular(target) else { continue }
            guard access(path, R_OK) == 0 else { throw failure(path) }
            files.append(LocalFile(path: path, key: keyPrefix + key, size: Int64(target.st_size)))
        }
    }

    private static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    private static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// The error for a path that cannot be used, with the system's reason.
    private static func failure(_ path: String) -> ImportError {
        let reason = String(cString: strerror(errno))
        return .invalidArgument("cannot read \(path): \(reason)")
    }
}
