import Glibc
import MilvusImport
import Synchronization
import Testing

/// The Swift API against the emulator (or MILVUS_URL): list, create, describe, waits with
/// progress, cancellation and timeout, the error kinds and codes, one client shared by tasks.
@Suite struct ImportJobsClientTests {
    let client: ImportJobsClient

    init() throws {
        client = try ImportJobsClient(url: Server.url, token: "root:Milvus")
    }

    /// A new job of `quick_setup` importing "rows.json" (the emulator counts rows from the name).
    func createJob() async throws -> String {
        try await client.bulkImport(collectionName: Server.collection, files: [["rows.json"]])
    }

    @Test func listShowsACreatedJob() async throws {
        let id = try await createJob()
        let jobs = try await client.listImportJobs(collectionName: Server.collection)
        let job = try #require(jobs.first { $0.jobId == id })
        #expect(job.collectionName == Server.collection)
        #expect([.pending, .importing, .completed].contains(job.state))
        #expect((0...100).contains(job.progress))
        #expect(job.reason == nil)
        let raw = try await client.rawListImportJobs(request: #"{"collectionName":"quick_setup"}"#)
        #expect(raw.hasPrefix(#"{"code":0,"data":{"records":["#))
        #expect(raw.contains(#""jobId":"\#(id)""#))
    }

    @Test func createThenDescribe() async throws {
        let id = try await createJob()
        #expect(!id.isEmpty && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        let job = try await client.getImportProgress(id)
        #expect(job.jobId == id)
        #expect(job.collectionName == Server.collection)
        #expect([.pending, .importing].contains(job.state))
        #expect(job.completeTime == nil)
        #expect(job.raw.hasPrefix(#"{"code":0,"data":{"#) && job.raw.contains(#""jobId":"\#(id)""#))
        let raw = try await client.rawGetImportProgress(request: #"{"jobId":"\#(id)"}"#)
        #expect(raw.contains(#""jobId":"\#(id)""#))
    }

    @Test func waitReportsProgressUntilCompleted() async throws {
        let id = try await createJob()
        let seen = Mutex<[ImportJobProgress]>([])
        let done = try await client.waitForImportJob(id, timeout: .seconds(30), pollInterval: .milliseconds(200)) { job in
            seen.withLock { $0.append(job) }
        }
        #expect(done.jobId == id)
        #expect(done.state == .completed)
        #expect(done.progress == 100)
        #expect(done.totalRows > 0 && done.importedRows == done.totalRows)
        #expect(done.completeTime != nil)
        #expect(!done.details.isEmpty && done.details.allSatisfy { $0.state == .completed && $0.progress == 100 })
        let reports = seen.withLock { $0 }
        #expect(reports.count >= 3)
        #expect(reports.allSatisfy { $0.jobId == id })
        #expect(reports.map(\.progress) == reports.map(\.progress).sorted())
        #expect(reports.last == done)
    }

    @Test func cancellingTheTaskStopsAWaitPromptly() async throws {
        let id = try await createJob()
        let client = self.client
        let wait = Task {
            await failure { () async throws(ImportJobsError) in
                _ = try await client.waitForImportJob(id, timeout: .seconds(60), pollInterval: .seconds(5))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = ContinuousClock.now
        wait.cancel()
        let error = try #require(await wait.value)
        #expect(ContinuousClock.now - cancelled < .seconds(1))
        #expect(error.kind == .cancelled)
        #expect(error.message == "wait for import job \(id): interrupted")
    }

    @Test func aTaskCancelledBeforeTheCallFailsAtOnce() async throws {
        let client = self.client
        let list = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await failure { () async throws(ImportJobsError) in
                _ = try await client.listImportJobs(collectionName: Server.collection)
            }
        }
        let error = try #require(await list.value)
        #expect(error == ImportJobsError(kind: .cancelled, message: "list import jobs: interrupted"))
    }

    @Test func aWaitEndsWithItsTimeout() async throws {
        let id = try await createJob()
        let error = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.waitForImportJob(id, timeout: .milliseconds(300), pollInterval: .milliseconds(100))
        })
        #expect(error.kind == .timeout)
        #expect(error.message.hasPrefix("wait for import job \(id): still "))
    }

    @Test func aServerErrorKeepsItsCode() async throws {
        let error = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.bulkImport(collectionName: "no_such_collection", files: [["rows.json"]])
        })
        #expect(error.kind == .server)
        #expect(error.serverCode == 100)
        #expect(error.httpStatus == 200)
        #expect(error.storageCode == nil)
        #expect(error.message.hasPrefix("create import job: "))
        #expect(error.message.contains("collection not found"))
    }

    @Test func anUnknownJobIsJobNotFound() async throws {
        let error = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.getImportProgress("1")
        })
        #expect(error.kind == .jobNotFound)
        // 2101 on the emulator's default server line (Milvus 3.0); 2100 on older servers.
        #expect(Server.isEmulator ? error.serverCode == 2101 : [2100, 2101].contains(error.serverCode))
        #expect(error.httpStatus == 200)
    }

    @Test func aClosedPortIsATransportError() async throws {
        let url = Server.closedPortURL()
        let client = try ImportJobsClient(url: url)
        try client.setMaxRetries(0)
        let error = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.listImportJobs()
        })
        #expect(error.kind == .transport)
        #expect(error.httpStatus == 0 && error.serverCode == 0)
        #expect(error.message.hasPrefix("list import jobs: "))
    }

    @Test func badInputIsRefusedBeforeSending() async throws {
        let empty = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.bulkImport(collectionName: "", files: [["rows.json"]])
        })
        #expect(empty == ImportJobsError(kind: .invalidArgument, message: "collectionName must not be empty"))
        let noFiles = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.bulkImport(collectionName: Server.collection, files: [])
        })
        #expect(noFiles.kind == .invalidArgument && noFiles.httpStatus == 0)
        #expect(throws: ImportJobsError(kind: .invalidArgument, message: "the timeout must be > 0 ms (got 0)")) {
            try client.setTimeout(.zero)
        }
        #expect(throws: ImportJobsError(kind: .invalidArgument, message: "max retries must be 0 to 10 (got 11)")) {
            try client.setMaxRetries(11)
        }
        #expect(throws: ImportJobsError.self) { try ImportJobsClient(url: "ftp://127.0.0.1:19530") }
    }

    @Test func theNamedPartitionIsSent() async throws {
        let error = try #require(await failure { () async throws(ImportJobsError) in
            _ = try await client.bulkImport(collectionName: Server.collection, files: [["rows.json"]],
                                            partitionName: "no_such_partition")
        })
        #expect(error.kind == .server && error.serverCode == 200)
        #expect(error.message.contains("partition not found"))
    }

    /// Two-phase import (Milvus 3.0, the emulator's default line): the options go out, the
    /// wait ends at Uncommitted, commit completes the job and abort fails another.
    @Test(.enabled(if: Server.isEmulator)) func commitAndAbortATwoPhaseJob() async throws {
        let options = ["auto_commit": "false"]
        let first = try await client.bulkImport(collectionName: Server.collection, files: [["rows.json"]],
                                                partitionName: "_default", options: options)
        let second = try await client.bulkImport(collectionName: Server.collection, files: [["rows.json"]],
                                                 options: options)
        let waiting = try await client.waitForImportJob(first, timeout: .seconds(30), pollInterval: .milliseconds(200))
        #expect(waiting.state == .uncommitted && waiting.progress == 99)
        try await client.commitImport(first)
        let committed = try await client.waitForImportJob(first, timeout: .seconds(30),
                                                          pollInterval: .milliseconds(200))
        #expect(committed.state == .completed && committed.progress == 100)
        try await client.abortImport(second)
        let aborted = try await client.waitForImportJob(second, timeout: .seconds(30), pollInterval: .milliseconds(200))
        #expect(aborted.state == .failed)
        #expect(aborted.reason == "aborted by user")
    }

    @Test func statesKeepNamesThisVersionDoesNotKnow() {
        #expect(ImportJobState(rawValue: "Importing") == .importing)
        #expect(ImportJobState(rawValue: "Sorting") == .unknown("Sorting"))
        #expect(ImportJobState.unknown("Sorting").rawValue == "Sorting")
        #expect(ImportFileState(rawValue: "InProgress") == .inProgress)
        #expect(ImportFileState(rawValue: "Paused").rawValue == "Paused")
    }

    @Test func oneClientServesManyTasksAtOnce() async throws {
        let client = self.client
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let id = try await client.bulkImport(collectionName: Server.collection, files: [["rows.json"]])
                    let job = try await client.getImportProgress(id)
                    #expect(job.jobId == id && job.collectionName == Server.collection)
                    let jobs = try await client.listImportJobs(collectionName: Server.collection)
                    #expect(jobs.contains { $0.jobId == id })
                    return id
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 8)
    }
}

/// The error a call throws; nil when it succeeds.
func failure(_ body: () async throws(ImportJobsError) -> Void) async -> ImportJobsError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
