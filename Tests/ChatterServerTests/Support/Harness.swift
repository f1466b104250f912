import AsyncHTTPClient
import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import ServiceLifecycle
import Testing

/// A real Chatter on a loopback port over a fresh database, with a scripted OpenAI-compatible upstream.
final class Harness: Sendable {
    static let adminKey = "chk_test_admin_key_0123456789abcdef"
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    let runtime: ChatterRuntime
    let upstream: ScriptedUpstream
    let databaseURL: String
    private let server: RunningServer
    var port: Int { server.port }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` against a new server on `database`, then stops everything, also when `body` throws.
    static func with<T>(
        _ database: TestDatabase, environment: [String: String] = [:], _ body: (Harness) async throws -> T
    ) async throws -> T {
        let harness = try await start(database, environment: environment)
        do {
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }

    /// Two nodes on one new database (on PostgreSQL several nodes share one), both stopped after `body`.
    static func withTwoNodes<T>(
        _ database: TestDatabase, environment: [String: String] = [:], _ body: (Harness, Harness) async throws -> T
    ) async throws -> T {
        try await with(database, environment: environment) { first in
            let second = try await start(database, environment: environment, sharing: first.databaseURL)
            do {
                let result = try await body(first, second)
                await second.stop()
                return result
            } catch {
                await second.stop()
                throw error
            }
        }
    }

    /// A new server on a new database, or, given `sharing`, another node on that one.
    static func start(_ database: TestDatabase, environment: [String: String], sharing existingURL: String? = nil) async throws -> Harness {
        let upstream = try await ScriptedUpstream.start()
        let databaseURL = if let existingURL { existingURL } else { try await database.makeURL() }
        var variables = [
            "CHATTER_DATABASE_URL": databaseURL, "CHATTER_PORT": "0", "CHATTER_ADMIN_KEY": adminKey,
            "OPENAI_BASE_URL": upstream.baseURL, "OPENAI_API_KEY": "sk-test-upstream", "CHATTER_DEFAULT_MODEL": "demo/echo",
            // Long enough that a turn on the loaded machine (every test runs at once, on two cores) never times out;
            // the tests of timeouts set their own.
            "CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "15", "CHATTER_NODE_ID": "test-node", "CHATTER_DATABASE_MAX_CONNECTIONS": "4",
            // Tests of other parts run without the intelligence agents (their events and CPU); IntelTests turn them on.
            "CHATTER_INTEL_PIPELINE": "off",
        ]
        variables.merge(environment) { _, new in new }
        let configuration = try Configuration(environment: variables)
        var logger = Logger(label: "chatter-test")
        logger.logLevel = .error
        let runtime = try await ChatterRuntime.open(configuration: configuration, logger: logger)
        _ = try await runtime.prepareToServe()
        let server = try await RunningServer.start(logger: logger) { onServerRunning in
            try buildApplication(runtime: runtime, onServerRunning: onServerRunning)
        }
        return Harness(runtime: runtime, upstream: upstream, databaseURL: databaseURL, server: server)
    }

    private init(runtime: ChatterRuntime, upstream: ScriptedUpstream, databaseURL: String, server: RunningServer) {
        self.runtime = runtime
        self.upstream = upstream
        self.databaseURL = databaseURL
        self.server = server
    }

    func stop() async {
        await server.stop()
        await upstream.stop()
    }

    // MARK: HTTP

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String

        var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .null }

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    func request(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil, key: String? = Harness.adminKey, headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            if headers["Content-Type"] == nil { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await Self.http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: body))
    }

    func createConversation(_ fields: String = "{}", key: String = Harness.adminKey) async throws -> String {
        let reply = try await request(.POST, "/api/v1/conversations", json: fields, key: key)
        guard reply.status == 201, let id = reply.json["id"]?.string else { throw TestFailure("create failed: \(reply.status) \(reply.body)") }
        return id
    }

    func send(_ conversationID: String, _ fields: String, key: String = Harness.adminKey) async throws -> Reply {
        try await request(.POST, "/api/v1/conversations/\(conversationID)/messages", json: fields, key: key)
    }

    /// A streamed turn read to its end, as (event, data) pairs.
    func stream(_ conversationID: String, _ fields: String) async throws -> [(event: String, data: JSONValue)] {
        let reply = try await send(conversationID, fields)
        return Self.events(in: reply.body)
    }

    static func events(in body: String) -> [(event: String, data: JSONValue)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            var event = "message"
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { return nil }
            return (event, (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null)
        }
    }

    /// Starts a streamed turn, reads `tokens` token events, then hangs up.
    func streamAndDisconnect(_ conversationID: String, _ fields: String, afterTokens tokens: Int) async throws {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/conversations/\(conversationID)/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Harness.adminKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: fields))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            var received = ""
            for try await buffer in response.body {
                received += String(buffer: buffer)
                if received.components(separatedBy: "event: token").count > tokens { break }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func reconcile() async throws -> JSONValue {
        let reply = try await request(.GET, "/api/v1/admin/reconcile")
        guard reply.status == 200 else { throw TestFailure("reconcile: \(reply.status) \(reply.body)") }
        return reply.json
    }

    // MARK: Database

    func count(_ table: String, where condition: String = "1 = 1") async throws -> Int64 {
        try await runtime.database.sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \(unsafeRaw: table) WHERE \(unsafeRaw: condition)")
            .first()!.decode(column: "n", as: Int64.self)
    }

    func rows(_ query: String) async throws -> [any SQLRow] {
        try await runtime.database.sql.raw("\(unsafeRaw: query)").all()
    }

    /// Waits until `condition` holds (for work that finishes after a response, like a drained stream).
    func eventually(timeout: Duration = .seconds(45), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("condition not met within \(timeout)")
    }
}

extension JSONValue {
    var int: Int64? { int64 }

    var array: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    var object: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        let values = array
        return values.indices.contains(index) ? values[index] : nil
    }
}
