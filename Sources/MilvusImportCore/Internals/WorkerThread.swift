import CMilvusImport
import Glibc

/// One job on a POSIX thread of its own, joined before its inputs go away.
///
/// The thread starts with every signal blocked but those a fault raises on it, so a host's
/// signal handlers keep running on the host's own threads and its crash handler still sees
/// a crash. Used for work that splits across cores inside one call (checking
/// a large answer); the caller always joins, so nothing outlives the call.
final class WorkerThread<Result: Sendable>: @unchecked Sendable {
    private var thread = pthread_t()
    private let job: Job
    private var joined = false

    /// The work and, once the thread has ended, its result. Written by the thread before it
    /// ends and read after pthread_join, which orders the two.
    private final class Job: @unchecked Sendable {
        let work: @Sendable () -> Result
        var result: Result?

        init(_ work: @escaping @Sendable () -> Result) {
            self.work = work
        }

        func run() { result = work() }
    }

    private init(_ job: Job) {
        self.job = job
    }

    /// The job running on a new thread, or nil when no thread could be started (the caller
    /// does the work itself).
    static func start(_ work: @escaping @Sendable () -> Result) -> WorkerThread? {
        let job = Job(work)
        let worker = WorkerThread(job)
        let runner = Runner(job.run)
        guard runner.start(&worker.thread) else { return nil }
        return worker
    }

    /// Waits for the job and returns its result. Call once or more; joins once.
    func join() -> Result? {
        if !joined {
            pthread_join(thread, nil)
            joined = true
        }
        return job.result
    }
}

/// How many threads can run at once for the calling thread: the CPUs its affinity mask
/// allows (taskset, a container's cpuset), else the CPUs online; at least 1 (`mi_usable_cpus`
/// sees to that). Read anew on every call (one system call), as the mask can change.
func usableCPUs() -> Int { Int(mi_usable_cpus()) }

/// The non-generic part: a closure handed to pthread_create with the signals blocked.
private final class Runner: @unchecked Sendable {
    /// 8 MiB, Linux's usual default; only what is used becomes resident.
    static let stackBytes = 8 << 20
    /// Signals a fault raises on the faulting thread: left unblocked, so that a host's
    /// crash handler still sees a fault on these threads.
    static let faults: [Int32] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT]
    let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
    }

    func start(_ thread: inout pthread_t) -> Bool {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        // A stack of its own size, not the process default (a host may set a small one):
        // jansson parses nesting by recursion, up to 2048 levels.
        guard pthread_attr_setstacksize(&attributes, Runner.stackBytes) == 0 else { return false }
        let context = Unmanaged.passRetained(self).toOpaque()
        var all = sigset_t(), previous = sigset_t()
        sigfillset(&all)
        for fault in Runner.faults { sigdelset(&all, fault) }
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        let started = pthread_create(&thread, &attributes, runnerEntry, context)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        if started != 0 { Unmanaged<Runner>.fromOpaque(context).release() }
        return started == 0
    }
}

private func runnerEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    Unmanaged<Runner>.fromOpaque(context).takeRetainedValue().body()
    return nil
}
