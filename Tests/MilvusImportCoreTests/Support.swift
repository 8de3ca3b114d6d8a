import CMilvusImport
import Glibc
import Synchronization
@testable import MilvusImportCore

/// A transport that records requests and answers from a script, in order
/// (the last answer repeats).
final class FakeTransport: HTTPTransport, Sendable {
    enum Answer: Sendable {
        case http(Int, String?, String, retryAfter: Int? = nil)
        case fail(ImportError)
    }

    private let state: Mutex<(answers: [Answer], requests: [HTTPRequest])>

    init(_ answers: [Answer]) { state = Mutex((answers, [])) }

    convenience init(json: String, status: Int = 200) {
        self.init([.http(status, "application/json; charset=utf-8", json)])
    }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        let answer = state.withLock { state -> Answer in
            state.requests.append(request)
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
        }
        switch answer {
        case .fail(let error):
            return .failure(error)
        case .http(let status, let type, let body, let retryAfter):
            return .success(HTTPResponse(status: status, contentType: type, retryAfterSeconds: retryAfter,
                                         body: ByteBuffer(body)!))
        }
    }
}

/// A describe answer for a job in `state` at `progress` percent.
func describeAnswer(_ state: String, _ progress: Int) -> FakeTransport.Answer {
    .http(200, "application/json; charset=utf-8",
          #"{"code":0,"data":{"jobId":"448761313698322011","state":"\#(state)","progress":\#(progress)}}"#)
}

/// Records the pauses a client asks for instead of sleeping.
final class SleepLog: Sendable {
    private let pauses = Mutex<[Int]>([])
    var all: [Int] { pauses.withLock { $0 } }
    var sleeper: @Sendable (Int) -> Void { { ms in self.pauses.withLock { $0.append(ms) } } }
}

func makeClient(_ transport: FakeTransport, url: String = "http://127.0.0.1:19530",
                sleep: SleepLog = SleepLog(),
                configure: (inout ClientSettings) throws(ImportError) -> Void = { _ in }) throws(ImportError) -> ImportClient {
    var settings = ClientSettings()
    try configure(&settings)
    return try ImportClient(url: url, settings: settings, transport: transport, sleep: sleep.sleeper)
}

extension HTTPRequest {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? {
        headers.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingPrefix(" ") }.map(String.init)
    }
}

/// Runs a throwing call and returns its error (nil when it succeeded).
func failure(_ body: () throws(ImportError) -> Void) -> ImportError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// A server that never answers, as a transport sees it: each request takes its whole
/// timeout, asking the request's interrupt every 10 ms as libcurl's progress function does.
final class HangingTransport: HTTPTransport, Sendable {
    private let sent = Mutex<[HTTPRequest]>([])
    var requests: [HTTPRequest] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        sent.withLock { $0.append(request) }
        let end = ContinuousClock.now.advanced(by: .milliseconds(request.timeoutMs))
        while ContinuousClock.now < end {
            if request.interrupt?() ?? false { return .failure(ImportError(MILVUS_ERR_CANCELLED, "interrupted")) }
            ImportClient.sleepMilliseconds(10)
        }
        return .failure(ImportError(MILVUS_ERR_TIMEOUT, "timed out (timeout \(request.timeoutMs) ms)"))
    }
}

/// An interrupt that says stop once `afterMs` have passed since it was made, or once it
/// has been asked `afterCalls` times; counts its calls.
final class TestInterrupt: Sendable {
    private let start = ContinuousClock.now
    private let afterMs: Int?
    private let afterCalls: Int?
    private let calls = Mutex(0)

    init(afterMs: Int? = nil, afterCalls: Int? = nil) {
        self.afterMs = afterMs
        self.afterCalls = afterCalls
    }

    var count: Int { calls.withLock { $0 } }

    var check: Interrupt {
        {
            let count = self.calls.withLock { calls -> Int in
                calls += 1
                return calls
            }
            if let afterCalls = self.afterCalls, count > afterCalls { return true }
            if let afterMs = self.afterMs, elapsedMs(since: self.start) >= afterMs { return true }
            return false
        }
    }
}

/// Milliseconds since `start`.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let elapsed = (ContinuousClock.now - start).components
    return Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
}

/// A TCP listener on 127.0.0.1 that accepts nothing and answers nothing: connections
/// complete in its backlog and requests are never read.
final class SilentListener {
    let port: Int
    private let socketFD: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = fd >= 0 && withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            if fd >= 0 { close(fd) }
            throw ImportError(MILVUS_ERR_TRANSPORT, "no test listener")
        }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socketFD) }

    var url: String { "http://127.0.0.1:\(port)" }
}
