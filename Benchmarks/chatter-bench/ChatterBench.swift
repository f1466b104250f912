import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Chatter's added latency and throughput per non-streaming chat turn, against a canned OpenAI-compatible
/// upstream on loopback, with every turn durable before its response. Prints the figures docs/benchmarks.md quotes.
@main
struct ChatterBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chatter-bench")

    @Option(help: "Path of the chatter executable (default: next to this one).") var chatter: String?
    @Option(help: "Database URL for the server under test (default: a new SQLite file).") var databaseURL: String?
    @Option(help: "Turns at concurrency 1.") var sequentialTurns = 2000
    @Option(help: "Turns at the high concurrency.") var concurrentTurns = 20000
    @Option(help: "The high concurrency.") var concurrency = 32
    @Option(help: "Turns per conversation before a worker starts a new one.") var turnsPerConversation = 10
    @Option(help: "Extra environment for the server, NAME=VALUE.") var env: [String] = []
    @Option(help: "chat (POST /api/v1/conversations/{id}/messages), gateway or gateway-stream (POST /v1/chat/completions), events (SSE delivery) or intel (the intelligence pipeline).")
    var mode = "chat"
    @Option(help: "events mode: idle SSE subscribers to hold.") var idleSubscribers = 1000
    @Option(help: "events mode: active SSE subscribers (all events).") var activeSubscribers = 100
    @Option(help: "events mode: chat turns per second (about 6 events each).") var turnsPerSecond = 170
    @Option(help: "events and intel modes: seconds of load.") var seconds = 10
    @Option(help: "intel mode: observed messages in the throughput backlog.") var intelMessages = 20_000
    @Option(help: "intel mode: messages per second in the latency run.") var intelRate = 200

    func run() async throws {
        let upstream = try await CannedUpstream.start()
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: {
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 2048
            return configuration
        }())

        guard ["chat", "gateway", "gateway-stream", "events", "intel"].contains(mode) else {
            throw ValidationError("--mode must be chat, gateway, gateway-stream, events or intel")
        }
        if mode == "intel" {
            try await IntelBench.run(
                client: client, executable: chatter ?? Self.sibling("chatter"), upstreamPort: upstream.port, databaseURL: databaseURL, extra: env,
                messages: intelMessages, rate: intelRate, seconds: seconds
            )
            try await client.shutdown()
            await upstream.stop()
            return
        }
        let streaming = mode == "gateway-stream"
        let upstreamBody = streaming ? CannedUpstream.streamingRequestBody : CannedUpstream.requestBody
        // Baseline: the upstream alone, through the same kind of client.
        let baseline = try await Measure.run(count: sequentialTurns, concurrency: 1) { _ in
            try await Self.post(client, "http://127.0.0.1:\(upstream.port)/v1/chat/completions", body: upstreamBody, key: nil)
        }

        let server = try await ServerProcess.start(
            executable: chatter ?? Self.sibling("chatter"), upstreamPort: upstream.port, databaseURL: databaseURL, extra: env
        )
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let conversations = ConversationPool(client: client, base: base, turnsPerConversation: turnsPerConversation)
        if mode == "events" {
            try await EventsBench.run(
                client: client, base: base, server: server, idle: idleSubscribers, active: activeSubscribers, turnsPerSecond: turnsPerSecond,
                seconds: seconds, conversations: conversations
            )
            print("reconcile: \((try await Self.get(client, base + "/api/v1/admin/reconcile"))["discrepancies"].map { "\(($0 as? [Any])?.count ?? -1) discrepancies" } ?? "?")")
            try await client.shutdown()
            await upstream.stop()
            return
        }
        let gatewayBody = streaming ? CannedUpstream.gatewayStreamingBody : CannedUpstream.gatewayBody
        let chatMode = mode == "chat"
        let operation: @Sendable (Int) async throws -> Void = { worker in
            if chatMode {
                try await conversations.turn(worker: worker)
            } else {
                _ = try await Self.post(client, base + "/v1/chat/completions", body: gatewayBody)
            }
        }

        _ = try await Measure.run(count: 200, concurrency: 8) { worker in try await operation(worker) }
        let cpuBefore = RSSSampler.cpuMilliseconds(pid: server.pid)
        let sequential = try await Measure.run(count: sequentialTurns, concurrency: 1) { worker in try await operation(worker) }
        let cpuBetween = RSSSampler.cpuMilliseconds(pid: server.pid)
        let sampler = RSSSampler(pid: server.pid)
        let concurrent = try await Measure.run(count: concurrentTurns, concurrency: concurrency) { worker in try await operation(1000 + worker) }
        let peakRSS = sampler.stop()
        let cpuAfter = RSSSampler.cpuMilliseconds(pid: server.pid)
        let reconcile = try await Self.get(client, base + "/api/v1/admin/reconcile")
        let usage = try await Self.get(client, base + "/api/v1/usage")

        print("mode: \(mode), database: \(server.databaseDescription)")
        print("upstream alone, c=1:      p50 \(Measure.ms(baseline.p50)) ms  p99 \(Measure.ms(baseline.p99)) ms")
        print("chatter turn, c=1:        p50 \(Measure.ms(sequential.p50)) ms  p99 \(Measure.ms(sequential.p99)) ms")
        print("added by chatter, c=1:    p50 \(Measure.ms(sequential.p50 - baseline.p50)) ms  p99 \(Measure.ms(sequential.p99 - baseline.p99)) ms")
        print("chatter turn, c=\(concurrency):       p50 \(Measure.ms(concurrent.p50)) ms  p99 \(Measure.ms(concurrent.p99)) ms")
        print("added by chatter, c=\(concurrency):   p50 \(Measure.ms(concurrent.p50 - baseline.p50)) ms  p99 \(Measure.ms(concurrent.p99 - baseline.p99)) ms")
        print("throughput, c=\(concurrency):         \(String(format: "%.0f", concurrent.perSecond)) requests/s (\(concurrentTurns) in \(String(format: "%.1f", concurrent.seconds)) s)")
        print("server peak RSS under load: \(peakRSS / 1024) MB")
        if let cpuBefore, let cpuBetween, let cpuAfter {
            let perTurn = { (milliseconds: Int, turns: Int) in String(format: "%.2f", Double(milliseconds) / Double(max(1, turns))) }
            let sequentialCPU = perTurn(cpuBetween - cpuBefore, sequentialTurns)
            print("server CPU per request:   c=1 \(sequentialCPU) ms, c=\(concurrency) \(perTurn(cpuAfter - cpuBetween, concurrentTurns)) ms")
        }
        print("failed requests: \(sequential.failures + concurrent.failures)")
        print("usage totals: \(usage["totals"] ?? "?")")
        print("reconcile: \(reconcile["discrepancies"].map { "\(($0 as? [Any])?.count ?? -1) discrepancies" } ?? "?")")
        try await client.shutdown()
        await upstream.stop()
    }

    static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static let adminKey = "chk_bench_admin_key_0123456789abcdef"

    @discardableResult
    static func post(_ client: HTTPClient, _ url: String, body: String, key: String? = adminKey) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 24)
        guard (200..<300).contains(response.status.code) else { throw BenchError("HTTP \(response.status.code): \(String(buffer: bytes))") }
        return bytes
    }

    static func get(_ client: HTTPClient, _ url: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 1 << 24)
        return (try JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Each worker chats in its own conversation and starts a new one every `turnsPerConversation` turns.
final class ConversationPool: Sendable {
    let client: HTTPClient
    let base: String
    let turnsPerConversation: Int
    private let state = Mutex<[Int: (id: String, turns: Int)]>([:])

    init(client: HTTPClient, base: String, turnsPerConversation: Int) {
        self.client = client
        self.base = base
        self.turnsPerConversation = turnsPerConversation
    }

    func turn(worker: Int) async throws {
        let current = state.withLock { $0[worker] }
        var id: String
        var turns: Int
        if let current, current.turns < turnsPerConversation {
            (id, turns) = current
        } else {
            let created = try await ChatterBench.post(client, base + "/api/v1/conversations", body: #"{"model":"openai/gpt-4o-mini"}"#)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: created)) as? [String: Any]
            id = json?["id"] as? String ?? ""
            turns = 0
        }
        try await ChatterBench.post(client, base + "/api/v1/conversations/\(id)/messages", body: #"{"content":"What is the capital of France?"}"#)
        state.withLock { $0[worker] = (id, turns + 1) }
    }
}

enum Measure {
    struct Result {
        var p50: Duration
        var p99: Duration
        var seconds: Double
        var perSecond: Double
        var failures: Int
    }

    static func run(count: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Result {
        let next = Tickets()
        let start = ContinuousClock.now
        let (latencies, failures) = try await withThrowingTaskGroup(of: ([Duration], Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Duration] = []
                    var failures = 0
                    while next.take() < count {
                        let began = ContinuousClock.now
                        do {
                            try await operation(worker)
                            latencies.append(ContinuousClock.now - began)
                        } catch {
                            failures += 1
                            if failures == 1 { FileHandle.standardError.write(Data("request failed: \(error)\n".utf8)) }
                        }
                    }
                    return (latencies, failures)
                }
            }
            return try await group.reduce(into: ([Duration](), 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        let elapsed = ContinuousClock.now - start
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Duration { sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(p50: percentile(0.50), p99: percentile(0.99), seconds: seconds, perSecond: Double(sorted.count) / seconds, failures: failures)
    }

    static func ms(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.2f", value)
    }
}

/// Hands out increasing numbers to the workers of a run.
final class Tickets: Sendable {
    private let counter = Atomic<Int>(0)
    func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

/// Samples the server's resident set size while a load runs.
final class RSSSampler: Sendable {
    private let peak = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)

    init(pid: Int32) {
        Thread.detachNewThread { [self] in
            while running.load(ordering: .relaxed) {
                if let kilobytes = Self.rssKilobytes(pid: pid) { _ = peak.max(kilobytes, ordering: .relaxed) }
                usleep(50_000)
            }
        }
    }

    /// Peak RSS in kilobytes.
    func stop() -> Int {
        running.store(false, ordering: .relaxed)
        return peak.load(ordering: .relaxed)
    }

    /// The process's user and system CPU time so far, in milliseconds (`/proc/<pid>/stat`, fields 14 and 15).
    static func cpuMilliseconds(pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name start at field 3 (state).
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return (user + system) * 1000 / max(1, ticks)
    }

    static func rssKilobytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }
}

/// `chatter serve` as a child process on a free port.
struct ServerProcess {
    let process: Process
    let port: Int
    let databaseDescription: String
    var pid: Int32 { process.processIdentifier }

    static func start(executable: String, upstreamPort: Int, databaseURL: String?, extra: [String]) async throws -> ServerProcess {
        let port = Int.random(in: 20_000...40_000)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatter-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = databaseURL ?? "sqlite://\(directory.path)/chatter.sqlite"
        var environment = ProcessInfo.processInfo.environment
        environment["CHATTER_DATABASE_URL"] = database
        environment["CHATTER_PORT"] = "\(port)"
        environment["CHATTER_ADMIN_KEY"] = ChatterBench.adminKey
        environment["OPENAI_BASE_URL"] = "http://127.0.0.1:\(upstreamPort)/v1"
        environment["CHATTER_LOG_LEVEL"] = "warning"
        for pair in extra {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { environment[parts[0]] = parts[1] }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let client = HTTPClient.shared
        for _ in 0..<300 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(1)),
                response.status == .ok
            {
                let kind = database.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"
                return ServerProcess(process: process, port: port, databaseDescription: kind)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw BenchError("chatter did not become ready")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// An OpenAI-compatible upstream that answers at once with a fixed completion and usage.
struct CannedUpstream {
    static let requestBody = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}]}"#
    static let streamingRequestBody =
        #"{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"What is the capital of France?"}]}"#
    static let gatewayBody = #"{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}]}"#
    static let gatewayStreamingBody =
        #"{"model":"openai/gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"What is the capital of France?"}]}"#
    static let streamReply: String = {
        let chunk = { (delta: String) in
            #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"\#(delta)"},"finish_reason":null}]}"# + "\n\n"
        }
        return ["The", " capital", " of", " France", " is", " Paris", "."].map(chunk).joined()
            + #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
            + #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":14,"completion_tokens":8,"total_tokens":22}}"# + "\n\ndata: [DONE]\n\n"
    }()
    static let reply = """
        {"id":"chatcmpl-bench","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",\
        "content":"The capital of France is Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":8,\
        "total_tokens":22,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
        """

    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start() async throws -> CannedUpstream {
        let router = Router()
        router.get("v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"data":[{"id":"gpt-4o-mini"}]}"#)))
        }
        router.post("v1/chat/completions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 22)
            if String(buffer: body).contains(#""stream":true"#) {
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: streamReply)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "canned-upstream")
        logger.logLevel = .error
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger
        )
        // Stopped by a graceful shutdown rather than by cancelling its task, which HummingbirdCore logs as errors.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("upstream did not start") }
        return CannedUpstream(port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
