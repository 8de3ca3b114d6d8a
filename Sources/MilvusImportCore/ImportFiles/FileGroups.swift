/// Local files grouped as Milvus reads them (one group: one element of a create's "files"),
/// checked against the server's rules before anything is uploaded or created
/// (milvus internal/util/importutilv2/util.go `GetFileType`, the NumPy reader, and the
/// DataNode's `maxImportFileSizeInGB`):
/// - a .json, .jsonl, .ndjson, .csv or .parquet file is a group of its own;
/// - a NumPy group is .npy files only, one per field: their names without ".npy" differ;
/// - the extension is one some Milvus version reads, compared as the server does (case
///   matters); which ones a given server reads is left to it;
/// - a group holds at most 16 GiB (16 * 1024^3 bytes: the server refuses more, not equal);
/// - a job takes at most 1024 groups: more groups make more jobs.
public enum FileGroups {
    /// What the caller names: a file or folder, or a list of paths taken as one group.
    public enum Source: Sendable, Equatable {
        case path(String)
        case group([String])
    }

    /// The extensions of the file types some Milvus version imports.
    static let extensions: [String] = [".json", ".jsonl", ".ndjson", ".csv", ".parquet", ".npy"]
    static let numpy = ".npy"
    /// `maxImportFileSizeInGB` (16), which the server multiplies by 1024^3.
    public static let maxGroupBytes: Int64 = 16 * 1024 * 1024 * 1024
    /// The most file groups one create takes.
    public static let maxGroupsPerJob = 1024

    /// The groups of `sources`, in their order, every rule checked. A file is a group of its
    /// own; a folder gives each of its files but the .npy ones a group of its own and the
    /// .npy files of each folder below it one group; a list is exactly one group. Object
    /// keys as `LocalFiles.collect` makes them under `prefix`; a key made twice is an error.
    public static func form(_ sources: [Source], prefix: String?) throws(ImportError) -> [[LocalFile]] {
        guard !sources.isEmpty else { throw .invalidArgument("\"paths\" must name at least one file or folder") }
        var groups: [[LocalFile]] = []
        for source in sources {
            switch source {
            case .path(let path):
                let files = try LocalFiles.collect(path, prefix: prefix)
                if files.count == 1 && files[0].path == path {
                    groups.append(files)
                } else {
                    guard !files.isEmpty else { throw .invalidArgument("\(path) holds no files to import") }
                    groups += folderGroups(files)
                }
            case .group(let paths):
                guard !paths.isEmpty else { throw .invalidArgument("a file group in \"paths\" is an empty list") }
                var group: [LocalFile] = []
                for path in paths {
                    let files = try LocalFiles.collect(path, prefix: prefix)
                    guard !files.isEmpty else { throw .invalidArgument("\(path) holds no files to import") }
                    group += files
                }
                groups.append(group)
            }
        }
        try checkDistinctKeys(groups)
        for group in groups { try check(group) }
        return groups
    }

    /// A folder's files: each non-.npy file alone, the .npy files of each folder together,
    /// each group where its first file is in key order.
    private static func folderGroups(_ files: [LocalFile]) -> [[LocalFile]] {
        var groups: [[LocalFile]] = []
        var numpyGroupOfFolder: [String: Int] = [:]
        for file in files {
            guard fileExtension(file.path) == numpy else {
                groups.append([file])
                continue
            }
            let folder = file.path.lastIndex(of: "/").map { String(file.path[..<$0]) } ?? ""
            if let index = numpyGroupOfFolder[folder] {
                groups[index].append(file)
            } else {
                numpyGroupOfFolder[folder] = groups.count
                groups.append([file])
            }
        }
        return groups
    }

    /// Two local files stored under one key would overwrite each other, and one file named
    /// twice would be imported twice.
    private static func checkDistinctKeys(_ groups: [[LocalFile]]) throws(ImportError) {
        var seen: [String: LocalFile] = [:]
        for file in groups.joined() {
            if let earlier = seen.updateValue(file, forKey: file.key) {
                if earlier.path == file.path { throw .invalidArgument("\(file.path) is named twice in \"paths\"") }
                throw .invalidArgument("\(earlier.path) and \(file.path) would both be stored as \"\(file.key)\"")
            }
        }
    }

    /// The rules of one group.
    static func check(_ group: [LocalFile]) throws(ImportError) {
        for file in group {
            let ext = fileExtension(file.path)
            guard extensions.contains(ext) else {
                let what = ext.isEmpty ? "a name without an extension" : "\"\(ext)\""
                throw .invalidArgument("cannot import \(file.path): \(what) is not a file type Milvus reads"
                                       + " (.json, .jsonl, .ndjson, .csv, .parquet, .npy; case matters)")
            }
        }
        if group.count > 1 {
            if let alone = group.first(where: { fileExtension($0.path) != numpy }) {
                let other = group.first { $0.path != alone.path } ?? group[0]
                throw .invalidArgument("\(alone.path) and \(other.path) are in one file group: each .json, .jsonl,"
                                       + " .ndjson, .csv or .parquet file is a group of its own; only .npy files"
                                       + " (one per field) share a group")
            }
            var fields: [String: String] = [:]
            for file in group {
                let field = String(baseName(file.path).dropLast(numpy.count))
                if let earlier = fields.updateValue(file.path, forKey: field) {
                    throw .invalidArgument("\(earlier) and \(file.path) are in one NumPy file group and both hold"
                                           + " the field \"\(field)\": the .npy files of a group need distinct"
                                           + " names (one per field)")
                }
            }
        }
        let size = group.reduce(Int64(0)) { $0 + $1.size }
        if size > maxGroupBytes {
            let names = group.count == 1 ? group[0].path : "[" + group.map(\.path).joined(separator: ", ") + "]"
            throw .invalidArgument("\(names): a file group of \(size) bytes; Milvus reads at most \(maxGroupBytes)"
                                   + " bytes (16 GiB) per group")
        }
    }

    /// The groups in jobs of at most `maxGroupsPerJob`, in order.
    public static func jobs(_ groups: [[LocalFile]]) -> [[[LocalFile]]] {
        stride(from: 0, to: groups.count, by: maxGroupsPerJob).map {
            Array(groups[$0..<Swift.min($0 + maxGroupsPerJob, groups.count)])
        }
    }

    /// The last path element.
    private static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Go's filepath.Ext: the last element's suffix from its last ".", or "" without one.
    static func fileExtension(_ path: String) -> String {
        let name = baseName(path)
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return String(name[dot...])
    }
}
