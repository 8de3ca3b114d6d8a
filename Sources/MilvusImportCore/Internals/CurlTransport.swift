import CCurl
import CMilvusImport
import Synchronization

/// libcurl's global set-up, once per process (it is never undone: the host may use libcurl too).
let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// HTTP by libcurl: a pool of easy handles, each keeping its own connections alive, so
/// calls reuse connections. The pool's lock is held only to take or return a handle.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    /// The process-wide transport behind the stateless functions.
    public static let shared = CurlTransport()

    /// Idle handles, and the process they were opened in (its fork generation: a counter
    /// bumped in every child by a pthread_atfork handler).
    private let idle = Mutex<(generation: UInt, handles: [CurlHandle])>((mi_fork_generation(), []))
    private let maxIdle: Int

    public init(maxIdle: Int = 16) {
        self.maxIdle = maxIdle
    }

    public func send(_ request: HTTPRequest) -> Result<HTTPResponse, ImportError> {
        guard curlReady else { return .failure(ImportError(MILVUS_ERR_TRANSPORT, "libcurl failed to initialise")) }
        let generation = mi_fork_generation()
        let pooled = idle.withLock { pool -> CurlHandle? in
            if pool.generation != generation {  // after fork(): the connections belong to the parent
                CurlTransport.abandon(pool.handles)
                pool = (generation, [])
            }
            return pool.handles.popLast()
        }
        guard let handle = pooled ?? CurlHandle() else { return .failure(.noMemory) }
        let result = handle.perform(request)
        let maxIdle = self.maxIdle
        idle.withLock { pool in
            if pool.generation == generation && pool.handles.count < maxIdle { pool.handles.append(handle) }
        }
        return result
    }

    /// Handles inherited through fork(): their sockets (and TLS sessions) are the parent's,
    /// so they are neither used nor cleaned up (cleanup could send on the parent's
    /// connections); they stay referenced here, unused.
    private static func abandon(_ handles: [CurlHandle]) {
        abandoned.withLock { $0.append(contentsOf: handles) }
    }
    private static let abandoned = Mutex<[CurlHandle]>([])
}
