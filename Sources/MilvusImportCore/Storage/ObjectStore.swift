import CCurl
import CMilvusImport
import Glibc

/// The object store for one upload call: its settings and one libcurl multi handle, which
/// runs every request (several parts at once) on the calling thread and keeps their
/// connections for the next ones.
final class ObjectStore {
    let storage: StorageSettings
    let settings: ClientSettings
    let redaction: Redaction
    private let multi: UnsafeMutableRawPointer

    init(settings: ClientSettings) throws(ImportError) {
        guard let storage = settings.storage else { throw ObjectStore.notSet }
        guard curlReady, let multi = curl_multi_init() else { throw .noMemory }
        self.storage = storage
        self.settings = settings
        self.multi = multi
        redaction = Redaction(settings.secrets)
    }

    deinit { curl_multi_cleanup(multi) }

    static let notSet = ImportError.invalidArgument("no object store is set: call milvus_client_set_storage first")

    func transfer(_ method: S3Transfer.Method, _ url: String, context: String) throws(ImportError) -> S3Transfer {
        try S3Transfer(method, url: url, context: context, storage: storage, settings: settings)
    }

    /// Runs one request to its end: its HTTP answer, or its transport error. `interruptible`
    /// false: the settings' interrupt is not asked (the abort of an interrupted upload).
    func perform(_ transfer: S3Transfer, interruptible: Bool = true) throws(ImportError) {
        try run(count: 1, atOnce: 1, make: { _ throws(ImportError) in transfer }, finished: { _, _ in },
                progress: nil, interruptible: interruptible)
    }

    /// Runs `count` requests, at most `atOnce` at a time: `make(i)` creates the i-th when
    /// there is room, `finished(i, transfer)` receives it once it has its HTTP answer (a
    /// transport error ends the run with that error). `progress` is called with the bytes
    /// sent so far by the run's requests once 1 MiB more has gone or 100 ms have passed
    /// since the last call (and bytes moved); false stops the run (CANCELLED). The settings'
    /// interrupt is asked at least every 100 ms (unless `interruptible` is false); true stops
    /// the run (CANCELLED). A request during which no byte moves for the stall limit ends the
    /// run with TIMEOUT. Every request still running when the run ends is dropped.
    func run(count: Int, atOnce: Int, make: (Int) throws(ImportError) -> S3Transfer,
             finished: (Int, S3Transfer) throws(ImportError) -> Void,
             progress: ((Int64) -> Bool)?, interruptible: Bool = true) throws(ImportError) {
        let interrupt = interruptible ? settings.interrupt : nil
        var next = 0
        var active: [(index: Int, transfer: S3Transfer, moved: Int64, lastMove: ContinuousClock.Instant)] = []
        defer { for entry in active { curl_multi_remove_handle(multi, entry.transfer.easy) } }
        var reported: (bytes: Int64, at: ContinuousClock.Instant) = (0, .now)
        var finishedBytes: Int64 = 0
        let stall = Duration.milliseconds(settings.uploadStallTimeoutMs)

        while next < count || !active.isEmpty {
            while next < count && active.count < atOnce {
                let transfer = try make(next)
                guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else { throw .noMemory }
                active.append((next, transfer, 0, .now))
                next += 1
            }
            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            guard performed == CURLM_OK else {
                throw ImportError(MILVUS_ERR_TRANSPORT, "libcurl failed: " + String(cString: curl_multi_strerror(performed)))
            }
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE,
                      let position = active.firstIndex(where: { $0.transfer.easy == message.pointee.easy_handle }) else {
                    continue
                }
                let done = active.remove(at: position)
                done.transfer.result = message.pointee.data.result
                curl_multi_remove_handle(multi, done.transfer.easy)
                finishedBytes += done.transfer.bytesSent
                if let failure = done.transfer.failure(settings: settings) { throw redaction.apply(failure) }
                try finished(done.index, done.transfer)
            }
            let now = ContinuousClock.now
            for i in active.indices {
                let moved = active[i].transfer.bytesMoved
                if moved != active[i].moved {
                    active[i].moved = moved
                    active[i].lastMove = now
                } else if now - active[i].lastMove > stall {
                    throw ImportError(MILVUS_ERR_TIMEOUT, active[i].transfer.context + ": no byte moved for"
                                      + " \(settings.uploadStallTimeoutMs) ms (the upload stall limit)")
                }
            }
            if let progress {
                let sent = active.reduce(finishedBytes) { $0 + $1.transfer.bytesSent }
                if sent - reported.bytes >= 1 << 20 || (sent != reported.bytes && now - reported.at >= .milliseconds(100)) {
                    reported = (sent, now)
                    if !progress(sent) {
                        throw ImportError(MILVUS_ERR_CANCELLED, (active.first?.transfer.context ?? "upload")
                                          + ": cancelled by the progress callback")
                    }
                }
            }
            if let interrupt, !active.isEmpty, interrupt() {
                throw ImportError.interrupted(active[0].transfer.context)
            }
            if !active.isEmpty {
                let polled = curl_multi_poll(multi, nil, 0, 100, nil)
                guard polled == CURLM_OK else {
                    throw ImportError(MILVUS_ERR_TRANSPORT, "libcurl failed: " + String(cString: curl_multi_strerror(polled)))
                }
            }
        }
    }
}
