import AsyncHTTPClient
import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import Glibc
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

#if canImport(Glibc)
#endif

/// `kill -9` of the real `chatter` binary in the middle of a stream, then a restart: the call left in
/// flight becomes `interrupted` with an estimate, its execution too, and the ledger reconciles.
@Suite struct CrashRecoveryTests {
    @Test(arguments: TestDatabase.all)
    func killedMidStreamIsFinalisedAsInterruptedOnRestart(database: TestDatabase) async throws {
        let upstream = try await ScriptedUpstream.start()
        defer { Task { await upstream.stop() } }
        let words = (1...200).map { "w\($0)" }.joined(separator: " ")
        upstream.setFallback(.reply(content: words, usage: #"{"prompt_tokens":10,"completion_tokens":200}"#, tokenDelay: .milliseconds(50)))
        let databaseURL = try await database.makeURL()
        let environment = [
            "CHATTER_DATABASE_URL": databaseURL, "CHATTER_ADMIN_KEY": Harness.adminKey, "OPENAI_BASE_URL": upstream.baseURL,
            "CHATTER_NODE_ID": "crash-node", "CHATTER_DATABASE_MAX_CONNECTIONS": "4",
        ]

        var server = try await ChatterProcess.start(environment: environment)
        let baseURL = "http://127.0.0.1:\(server.port)"
        let conversation = try await ChatterProcess.json(.POST, baseURL + "/api/v1/conversations", #"{"model":"openai/gpt-4o-mini"}"#)["id"]!.string!
        var request = HTTPClientRequest(url: baseURL + "/api/v1/conversations/\(conversation)/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Harness.adminKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"content":"A long answer please","stream":true}"#))
        let response = try await Harness.http.execute(request, timeout: .seconds(30))
        var received = ""
        do {
            for try await buffer in response.body {
                received += String(buffer: buffer)
                if received.components(separatedBy: "event: token").count > 3 {
                    server.kill()
                    break
                }
            }
        } catch {
            // The connection dies with the server.
        }
        #expect(received.contains("event: start"))

        var logger = Logger(label: "crash-test")
        logger.logLevel = .error
        let inspector = try await ChatterDatabase.open(url: databaseURL, logger: logger, maxPostgresConnections: 1)
        func value(_ query: String) async throws -> String? {
            try await inspector.sql.raw("\(unsafeRaw: query)").first()?.decode(column: "v", as: String?.self)
        }
        #expect(try await value("SELECT status AS v FROM llm_calls") == "in_flight")

        server = try await ChatterProcess.start(environment: environment)
        #expect(try await value("SELECT status AS v FROM llm_calls") == "interrupted")
        #expect(try await value("SELECT usage_source AS v FROM llm_calls") == "estimated")
        #expect(try await value("SELECT status AS v FROM workflow_executions") == "interrupted")
        let input = try await inspector.sql.raw("SELECT input_tokens FROM llm_calls").first()!.decode(column: "input_tokens", as: Int64.self)
        #expect(input > 0)
        // The user's message survived the crash; no reply was invented.
        #expect(try await value("SELECT role AS v FROM messages") == "user")
        let reconcile = try await ChatterProcess.json(.GET, "http://127.0.0.1:\(server.port)/api/v1/admin/reconcile", nil)
        #expect(reconcile["discrepancies"]?.array.isEmpty == true)
        #expect((reconcile["checked"]?.int ?? 0) > 0)
        server.kill()
        await inspector.shutdown()

        // The CLI's reconcile agrees and exits 0.
        let cli = try await ChatterProcess.run(["reconcile"], environment: environment)
        #expect(cli.status == 0, "\(cli.output)")
        #expect(cli.output.contains("0 discrepancy"))
    }
}

extension CrashRecoveryTests {
    /// A graceful stop (SIGTERM) lets running turns finish and record their calls before the database closes.
    @Test(arguments: TestDatabase.all)
    func shutdownWaitsForRunningTurns(database: TestDatabase) async throws {
        let harness = try await Harness.start(database, environment: [:])
        let words = (1...20).map { "w\($0)" }.joined(separator: " ")
        harness.upstream.enqueue(.reply(content: words, usage: #"{"prompt_tokens":9,"completion_tokens":20}"#, tokenDelay: .milliseconds(50)))
        let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
        let turn = Task { try await harness.send(conversation, #"{"content":"slow","stream":true}"#) }
        try await harness.eventually { try await harness.count("llm_calls", where: "status = 'in_flight'") == 1 }
        let databaseURL = harness.databaseURL
        await harness.stop()
        _ = try? await turn.value

        var logger = Logger(label: "shutdown-test")
        logger.logLevel = .error
        let inspector = try await ChatterDatabase.open(url: databaseURL, logger: logger, maxPostgresConnections: 1)
        let row = try await inspector.sql.raw("SELECT status, output_tokens FROM llm_calls").first()
        await inspector.shutdown()
        #expect(try row?.decode(column: "status", as: String.self) == "ok")
        #expect(try row?.decode(column: "output_tokens", as: Int64.self) == 20)
    }
}

/// The built `chatter` executable, run as a child process.
struct ChatterProcess {
    let child: ChildProcess
    let port: Int

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chatter")
    }

    static func start(environment: [String: String]) async throws -> ChatterProcess {
        let port = try freePort()
        let (child, _) = try ChildProcess.start(
            executable.path, ["serve"],
            environment: ProcessInfo.processInfo.environment.merging(environment.merging(["CHATTER_PORT": "\(port)"]) { $1 }) { $1 },
            streams: [.null, .null, .null]
        )
        let started = ChatterProcess(child: child, port: port)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let reply = try? await Harness.http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(1)),
                reply.status == .ok
            {
                return started
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        started.kill()
        throw TestFailure("chatter serve did not become ready")
    }

    /// SIGKILL; the zombie is reaped on a dispatch thread so no cooperative thread blocks.
    func kill() {
        child.kill()
        let child = self.child
        DispatchQueue.global().async { _ = child.waitBlocking() }
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess.run(
            executable.path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
        )
        return (result.status, result.output + result.errors)
    }

    static func json(_ method: NIOHTTP1.HTTPMethod, _ url: String, _ body: String?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(Harness.adminKey)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await Harness.http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 24)
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: data))
    }

    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard bound == 0 else { throw TestFailure("cannot bind a port") }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
