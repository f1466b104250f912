import ChatterCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import Synchronization

/// A loopback server that answers each request with the next scripted fixture file, byte for byte,
/// streamed in the pieces the provider would send (one server-sent event or JSON line at a time).
final class FixtureUpstream: Sendable {
    struct Answer: Sendable {
        var status: Int = 200
        var contentType: String
        var body: String
        /// Split a streamed body into separate writes at these separators.
        var streamed: Bool
        /// The pause between two pieces of a streamed body.
        var pieceDelay: Duration = .milliseconds(2)
    }

    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var json: JSONValue
    }

    private let state = Mutex<(queue: [Answer], received: [Received], listings: [String: String])>(([], [], [:]))
    private let server: RunningServer
    var port: Int { server.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Queues a fixture: `.json` answers whole, `.sse` and `.ndjson` are streamed event by event.
    func enqueue(_ name: String, status: Int = 200, pieceDelay: Duration = .milliseconds(2)) throws {
        let body = try Self.fixture(name)
        let answer: Answer =
            if name.hasSuffix(".sse") {
                Answer(status: status, contentType: "text/event-stream", body: body, streamed: true, pieceDelay: pieceDelay)
            } else if name.hasSuffix(".ndjson") {
                Answer(status: status, contentType: "application/x-ndjson", body: body, streamed: true, pieceDelay: pieceDelay)
            } else {
                Answer(status: status, contentType: "application/json", body: body, streamed: false)
            }
        state.withLock { $0.queue.append(answer) }
    }

    /// What `GET path` answers (model listings).
    func setListing(_ path: String, _ json: String) {
        state.withLock { $0.listings[path] = json }
    }

    var received: [Received] { state.withLock { $0.received } }

    static func start() async throws -> FixtureUpstream {
        let router = Router()
        let holder = Mutex<FixtureUpstream?>(nil)
        router.get("**") { request, _ -> Response in
            let listing = holder.withLock { $0!.state.withLock { $0.listings[request.uri.path] } }
            guard let listing else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: listing)))
        }
        router.post("**") { request, _ -> Response in
            let upstream = holder.withLock { $0! }
            let body = try await request.body.collect(upTo: 1 << 24)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Received(
                path: request.uri.description, headers: headers, json: (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
            )
            let answer = upstream.state.withLock { state -> Answer? in
                state.received.append(received)
                return state.queue.isEmpty ? nil : state.queue.removeFirst()
            }
            guard let answer else { return Response(status: .internalServerError) }
            let fields: HTTPFields = [.contentType: answer.contentType, HTTPField.Name("request-id")!: "req_fixture"]
            guard answer.streamed else {
                return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
            }
            let separator = answer.contentType == "text/event-stream" ? "\n\n" : "\n"
            let pieces = answer.body.components(separatedBy: separator).filter { !$0.isEmpty }.map { $0 + separator }
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: ResponseBody { writer in
                    for piece in pieces {
                        try await writer.write(ByteBuffer(string: piece))
                        try await Task.sleep(for: answer.pieceDelay)
                    }
                    try await writer.finish(nil)
                }
            )
        }
        var logger = Logger(label: "fixture-upstream")
        logger.logLevel = .error
        let server = try await RunningServer.start(logger: logger) { onServerRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onServerRunning, logger: logger)
        }
        let upstream = FixtureUpstream(server: server)
        holder.withLock { $0 = upstream }
        return upstream
    }

    private init(server: RunningServer) {
        self.server = server
    }

    func stop() async {
        await server.stop()
    }
}
