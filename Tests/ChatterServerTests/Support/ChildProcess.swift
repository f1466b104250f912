import Foundation
import Glibc
import Synchronization

/// A program the tests start, through `posix_spawn`. Foundation's `Process.run()` is not used: on Linux it reads
/// whole `dirent` records past their end while listing `/proc/self/fd` and crashes now and then in a process with
/// many descriptors open (swift-corelibs-foundation pull request 5472), which this test process is.
/// Waiting happens on dispatch threads, never on Swift's cooperative threads: the in-process server under test
/// needs those to answer the program.
struct ChildProcess: Sendable {
    let pid: pid_t

    /// Where one of the child's standard streams goes.
    enum Stream {
        case null
        /// A pipe; the parent's end is returned by `start`.
        case pipe
    }

    /// Starts `executable` with `arguments`, and `environment` (this process's when nil). Returns the parent's ends
    /// of the streams asked as `.pipe`, by child descriptor (0, 1, 2).
    static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]?, streams: [Stream]
    ) throws -> (child: ChildProcess, pipes: [Int32: FileHandle]) {
        try starting.withLock { _ in try startAlone(executable, arguments, environment: environment, streams: streams) }
    }

    private static let starting = Mutex(())

    private static func startAlone(
        _ executable: String, _ arguments: [String], environment: [String: String]?, streams: [Stream]
    ) throws -> (child: ChildProcess, pipes: [Int32: FileHandle]) {
        precondition(streams.count == 3)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Every descriptor made here is close-on-exec, so no other child inherits it (`pipe` and `fcntl` are two
        // calls, so starts are serialised); `dup2` onto 0, 1 and 2 gives this child its own copies without the flag.
        var childEnds: [Int32] = []
        var parentEnds: [Int32: FileHandle] = [:]
        defer { for fd in childEnds { close(fd) } }
        for (target, stream) in streams.enumerated() {
            let target = Int32(target)
            switch stream {
            case .null:
                let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
                guard fd >= 0 else { throw TestFailure("open /dev/null: errno \(errno)") }
                childEnds.append(fd)
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .pipe:
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { throw TestFailure("pipe: errno \(errno)") }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (parent, child) = target == 0 ? (fds[1], fds[0]) : (fds[0], fds[1])
                childEnds.append(child)
                parentEnds[target] = FileHandle(fileDescriptor: parent, closeOnDealloc: true)
                posix_spawn_file_actions_adddup2(&actions, child, target)
            }
        }
        closeInheritedDescriptors(&actions)
        let environment = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else { throw TestFailure("posix_spawn \(executable): error \(status)") }
        return (ChildProcess(pid: pid), parentEnds)
    }

    /// The child closes every descriptor above 2 that it would inherit, as `Process` does: a test's client socket
    /// kept open in a server started meanwhile would hide the test's disconnect. glibc 2.34 and later have
    /// `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not declare; without it, each
    /// descriptor open now is closed (glibc ignores one closed meanwhile).
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// Blocks until the child ends: its exit status, or 128 plus the signal that ended it.
    func waitBlocking() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Waits on a dispatch thread.
    func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: waitBlocking()) }
        }
    }

    func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Runs a program to its end: its exit status and what it wrote to standard output and error.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil
    ) async throws -> (status: Int32, output: String, errors: String) {
        let (child, pipes) = try start(executable, arguments, environment: environment, streams: [input == nil ? .null : .pipe, .pipe, .pipe])
        if let stdin = pipes[0], let input {
            DispatchQueue.global().async {
                stdin.write(Data(input.utf8))
                try? stdin.close()
            }
        }
        // Both streams are read at once, so a child that fills one pipe never waits on a reader stuck on the other.
        async let output = Self.readToEnd(pipes[1]!)
        async let errors = Self.readToEnd(pipes[2]!)
        let status = await child.exitStatus()
        return (status, String(decoding: await output, as: UTF8.self), String(decoding: await errors, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}
