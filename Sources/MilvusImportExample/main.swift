// An example of the Swift API (module MilvusImport): lists the jobs of a collection, creates
// an import job and waits for it, printing its progress.
//
//   swift run milvus-import-swift-example [URL [COLLECTION [FILE]]]
//
// URL defaults to http://127.0.0.1:19530, COLLECTION to quick_setup, FILE to a.json (a file
// in the server's object store); MILVUS_TOKEN, when set, is the token ("root:Milvus").
import Glibc
import MilvusImport

let arguments = CommandLine.arguments
let url = arguments.count > 1 ? arguments[1] : "http://127.0.0.1:19530"
let collection = arguments.count > 2 ? arguments[2] : "quick_setup"
let file = arguments.count > 3 ? arguments[3] : "a.json"
let token = getenv("MILVUS_TOKEN").map { String(cString: $0) }

do {
    let client = try ImportJobsClient(url: url, token: token)
    let jobs = try await client.listImportJobs(collectionName: collection)
    print("\(jobs.count) import jobs in \(collection)")
    let id = try await client.bulkImport(collectionName: collection, files: [[file]])
    print("created import job \(id)")
    let done = try await client.waitForImportJob(id, timeout: .seconds(600)) { job in
        print("  \(job.state) \(job.progress)%")
    }
    print("job \(done.jobId): \(done.state), \(done.importedRows) of \(done.totalRows) rows"
          + (done.reason.map { " (\($0))" } ?? ""))
    exit(done.state == .completed ? 0 : 1)
} catch {
    print("milvus-import-swift-example: \(error)")
    exit(2)
}
