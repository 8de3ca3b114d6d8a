import CMilvusImport
import Glibc
import Testing
@testable import MilvusImportCore

/// A fresh folder under /tmp with the given files (relative path -> content), removed by `remove()`.
private final class Scratch {
    let root: String

    init(_ files: [String: String]) {
        var template = Array("/tmp/filegroups-XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        for (relative, content) in files {
            let path = root + "/" + relative
            var folder = ""
            for part in relative.split(separator: "/").dropLast() {
                folder += "/" + part
                mkdir(root + folder, 0o755)
            }
            let file = fopen(path, "w")!
            fputs(content, file)
            fclose(file)
        }
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func remove() {
        let pipe = popen("rm -rf '\(root)'", "r")
        if let pipe { pclose(pipe) }
    }
}

private func keys(_ groups: [[LocalFile]]) -> [[String]] { groups.map { $0.map(\.key) } }

private func formError(_ sources: [FileGroups.Source], prefix: String? = nil) -> ImportError? {
    failure { () throws(ImportError) in _ = try FileGroups.form(sources, prefix: prefix) }
}

@Suite struct FileGroupTests {
    @Test func eachDataFileNamedIsAGroupOfItsOwnKeyedPrefixSlashBasename() throws {
        let scratch = Scratch(["a.json": "[]", "b.jsonl": "{}\n", "c.ndjson": "{}\n", "d.csv": "x\n1\n",
                               "e.parquet": "PAR1", "vec.npy": "\u{93}NUMPY"])
        defer { scratch.remove() }
        let names = ["a.json", "b.jsonl", "c.ndjson", "d.csv", "e.parquet", "vec.npy"]
        let groups = try FileGroups.form(names.map { .path(scratch.path($0)) }, prefix: "imports/2026/")
        #expect(keys(groups) == names.map { ["imports/2026/" + $0] })
        #expect(groups[0][0] == LocalFile(path: scratch.path("a.json"), key: "imports/2026/a.json", size: 2))
    }

    @Test func aFolderGivesEachFileItsGroupAndTheNpyFilesOfEachFolderOneGroup() throws {
        let scratch = Scratch(["data/a.json": "[]", "data/id.npy": "1", "data/vec.npy": "22", "data/z.csv": "x\n",
                               "data/part2/id.npy": "3", "data/part2/vec.npy": "4", "data/.hidden.npy": "5"])
        defer { scratch.remove() }
        let groups = try FileGroups.form([.path(scratch.path("data"))], prefix: nil)
        #expect(keys(groups) == [["a.json"], ["id.npy", "vec.npy"], ["part2/id.npy", "part2/vec.npy"], ["z.csv"]])
        #expect(groups[1].map(\.size) == [1, 2])
    }

    @Test func aListOfPathsIsExactlyOneGroup() throws {
        let scratch = Scratch(["one/id.npy": "1", "two/vec.npy": "2", "three/text.npy": "3"])
        defer { scratch.remove() }
        let groups = try FileGroups.form([.group([scratch.path("one/id.npy"), scratch.path("two")]),
                                          .path(scratch.path("three/text.npy"))], prefix: "p")
        #expect(keys(groups) == [["p/id.npy", "p/vec.npy"], ["p/text.npy"]])
    }

    @Test func aDataFileSharesNoGroup() throws {
        let scratch = Scratch(["a.json": "[]", "b.json": "[]", "id.npy": "1"])
        defer { scratch.remove() }
        let mixed = formError([.group([scratch.path("id.npy"), scratch.path("a.json")])])
        #expect(mixed?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(mixed?.message == "\(scratch.path("a.json")) and \(scratch.path("id.npy")) are in one file group:"
                + " each .json, .jsonl, .ndjson, .csv or .parquet file is a group of its own; only .npy files"
                + " (one per field) share a group")
        let two = formError([.group([scratch.path("a.json"), scratch.path("b.json")])])
        #expect(two?.message == "\(scratch.path("a.json")) and \(scratch.path("b.json")) are in one file group:"
                + " each .json, .jsonl, .ndjson, .csv or .parquet file is a group of its own; only .npy files"
                + " (one per field) share a group")
    }

    @Test func theNpyFilesOfAGroupNeedDistinctNames() throws {
        let scratch = Scratch(["one/vec.npy": "1", "two/vec.npy": "2"])
        defer { scratch.remove() }
        let error = formError([.group([scratch.path("one/vec.npy"), scratch.path("two/vec.npy")])], prefix: "p")
        // Distinct local paths, one key each would be "p/vec.npy": the key check speaks first.
        #expect(error?.message == "\(scratch.path("one/vec.npy")) and \(scratch.path("two/vec.npy")) would both be"
                + " stored as \"p/vec.npy\"")
        let sameField = failure { () throws(ImportError) in
            try FileGroups.check([LocalFile(path: "one/vec.npy", key: "a/vec.npy", size: 1),
                                  LocalFile(path: "two/vec.npy", key: "b/vec.npy", size: 1)])
        }
        #expect(sameField?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(sameField?.message == "one/vec.npy and two/vec.npy are in one NumPy file group and both hold the"
                + " field \"vec\": the .npy files of a group need distinct names (one per field)")
    }

    @Test(arguments: [("rows.txt", "\".txt\""), ("rows.JSON", "\".JSON\""), ("rows", "a name without an extension"),
                      ("rows.json.gz", "\".gz\"")])
    func anExtensionNoMilvusReadsIsRefused(name: String, shown: String) throws {
        let scratch = Scratch([name: "x"])
        defer { scratch.remove() }
        let error = formError([.path(scratch.path(name))])
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(error?.message == "cannot import \(scratch.path(name)): \(shown) is not a file type Milvus reads"
                + " (.json, .jsonl, .ndjson, .csv, .parquet, .npy; case matters)")
    }

    @Test func aFileOfAnUnknownTypeInAFolderIsRefusedToo() throws {
        let scratch = Scratch(["data/a.json": "[]", "data/notes.md": "x"])
        defer { scratch.remove() }
        let error = formError([.path(scratch.path("data"))])
        #expect(error?.message.hasPrefix("cannot import \(scratch.path("data/notes.md")): \".md\"") == true)
    }

    @Test func aGroupHoldsAtMost16GiB() throws {
        #expect(FileGroups.maxGroupBytes == 17_179_869_184)
        try FileGroups.check([LocalFile(path: "big.parquet", key: "big.parquet", size: 17_179_869_184)])
        let one = failure { () throws(ImportError) in
            try FileGroups.check([LocalFile(path: "big.parquet", key: "big.parquet", size: 17_179_869_185)])
        }
        #expect(one?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(one?.message == "big.parquet: a file group of 17179869185 bytes; Milvus reads at most 17179869184"
                + " bytes (16 GiB) per group")
        let numpy = failure { () throws(ImportError) in
            try FileGroups.check([LocalFile(path: "t/id.npy", key: "id.npy", size: 1 << 30),
                                  LocalFile(path: "t/vec.npy", key: "vec.npy", size: 16 << 30)])
        }
        #expect(numpy?.message == "[t/id.npy, t/vec.npy]: a file group of 18253611008 bytes; Milvus reads at most"
                + " 17179869184 bytes (16 GiB) per group")
    }

    @Test func aJobTakesAtMost1024Groups() {
        let groups = (0..<2049).map { [LocalFile(path: "f\($0).json", key: "f\($0).json", size: 1)] }
        let jobs = FileGroups.jobs(groups)
        #expect(jobs.map(\.count) == [1024, 1024, 1])
        #expect(jobs[1][0][0].key == "f1024.json")
        #expect(FileGroups.jobs([]).isEmpty)
    }

    @Test func oneKeyForTwoFilesOrOneFileTwiceIsRefused() throws {
        let scratch = Scratch(["one/a.json": "[]", "two/a.json": "[]"])
        defer { scratch.remove() }
        let clash = formError([.path(scratch.path("one/a.json")), .path(scratch.path("two/a.json"))], prefix: "in")
        #expect(clash?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(clash?.message == "\(scratch.path("one/a.json")) and \(scratch.path("two/a.json")) would both be"
                + " stored as \"in/a.json\"")
        let twice = formError([.path(scratch.path("one/a.json")), .path(scratch.path("one"))])
        #expect(twice?.message == "\(scratch.path("one/a.json")) is named twice in \"paths\"")
    }

    @Test func nothingToImportIsRefused() throws {
        let scratch = Scratch(["empty/.hidden.json": "[]"])
        defer { scratch.remove() }
        #expect(formError([])?.message == "\"paths\" must name at least one file or folder")
        #expect(formError([.group([])])?.message == "a file group in \"paths\" is an empty list")
        #expect(formError([.path(scratch.path("empty"))])?.message == "\(scratch.path("empty")) holds no files to import")
        #expect(formError([.group([scratch.path("empty")])])?.message == "\(scratch.path("empty")) holds no files to import")
    }

    @Test func aMissingPathIsNamed() {
        let error = formError([.path("/nonexistent/rows.json")])
        #expect(error?.kind == MILVUS_ERR_INVALID_ARGUMENT)
        #expect(error?.message == "cannot read /nonexistent/rows.json: No such file or directory")
    }
}
