import Glibc
import Synchronization

/// The server the tests talk to: the server in MILVUS_URL when that is set (it needs a
/// collection `quick_setup`), else the project's emulator (Tests/emulator/milvus_emulator.py,
/// jobs of 2 s), started once for the whole run on a free port and stopped at exit.
enum Server {
    static let url: String = {
        if let url = getenv("MILVUS_URL"), url.pointee != 0 { return String(cString: url) }
        return startEmulator()
    }()

    /// Whether the tests run against the emulator (whose answers they know exactly).
    static var isEmulator: Bool { getenv("MILVUS_URL").map { $0.pointee == 0 } ?? true }

    static let collection = "quick_setup"

    /// The emulator's process id, for the exit handler.
    private static let emulatorPid = Atomic<Int32>(0)

    private static func startEmulator() -> String {
        // This file is <repo>/Tests/MilvusImportTests/Server.swift.
        let repo = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
            .joined(separator: "/"))
        var template = Array("/tmp/milvus-import-swift-tests-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { fatalError("mkdtemp: errno \(errno)") }
        let portFile = String(cString: dir) + "/url"
        let arguments = ["python3", repo + "/Tests/emulator/milvus_emulator.py", "--host", "127.0.0.1",
                         "--port", "0", "--port-file", portFile, "--job-seconds", "2"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        // The calling thread (Dispatch's) blocks signals: the emulator starts with none blocked
        // and the default actions, so the exit handler's SIGTERM stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "python3", &actions, &attributes, &argv, environ)
        argv.forEach { free($0) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        guard spawned == 0 else { fatalError("cannot start python3 \(arguments[1]): error \(spawned)") }
        emulatorPid.store(pid, ordering: .relaxed)
        atexit {
            let pid = Server.emulatorPid.load(ordering: .relaxed)
            if pid > 0 {
                kill(pid, SIGTERM)
                waitpid(pid, nil, 0)
            }
        }
        // The emulator writes its URL to the port file when it is ready.
        for _ in 0..<200 {
            if let url = firstLine(of: portFile) { return url }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { fatalError("the emulator exited (status \(status))") }
            usleep(50_000)
        }
        fatalError("the emulator wrote no URL to \(portFile) within 10 s")
    }

    /// The first line of a file; nil when it does not exist yet.
    private static func firstLine(of path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return line.hasSuffix("\n") ? String(line.dropLast()) : line
    }

    /// A URL on which nothing listens: a port the system just gave and took back.
    static func closedPortURL() -> String {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(sock) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let port = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> UInt16 in
                guard bind(sock, generic, length) == 0, getsockname(sock, generic, &length) == 0 else { return 1 }
                return UInt16(bigEndian: pointer.pointee.sin_port)
            }
        }
        return "http://127.0.0.1:\(port)"
    }
}
