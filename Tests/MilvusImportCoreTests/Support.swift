import CMilvusImport
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
