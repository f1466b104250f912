import AsyncHTTPClient
import ChatterCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Testing

/// OpenTelemetry traces from the real `chatter` binary (the tracer is process-wide, so each test runs its own
/// server process) to a local OTLP/HTTP receiver: the HTTP request, workflow and LLM call spans, nested in one
/// trace, with the request's correlation id and the ledger's numbers.
@Suite struct TracingTests {
    static let usage = #"{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25}"#

    func environment(upstream: ScriptedUpstream, receiver: OTLPReceiver, json: Bool) async throws -> [String: String] {
        var environment = [
            "CHATTER_DATABASE_URL": try await TestDatabase.sqlite.makeURL(), "CHATTER_ADMIN_KEY": Harness.adminKey,
            "OPENAI_BASE_URL": upstream.baseURL, "CHATTER_UPSTREAM_MAX_ATTEMPTS": "2", "CHATTER_INTEL_PIPELINE": "off",
            "CHATTER_OTEL_ENDPOINT": "http://127.0.0.1:\(receiver.port)", "OTEL_BSP_SCHEDULE_DELAY": "100",
        ]
        if json { environment["CHATTER_OTEL_PROTOCOL"] = "http/json" }
        return environment
    }

    @Test func aStreamedTurnAndAFailedCallAreTracedWithTheirUsage() async throws {
        let upstream = try await ScriptedUpstream.start()
        let receiver = try await OTLPReceiver.start()
        defer { Task { await upstream.stop(); await receiver.stop() } }
        upstream.enqueue(.reply(content: "Traced reply.", usage: Self.usage), .status(500, message: "upstream broke"), .status(503, message: "still broken"))
        let server = try await ChatterProcess.start(environment: try await environment(upstream: upstream, receiver: receiver, json: true))
        defer { server.kill() }
        let base = "http://127.0.0.1:\(server.port)"
        let conversation = try await ChatterProcess.json(.POST, base + "/api/v1/conversations", #"{"model":"openai/gpt-4o-mini"}"#)["id"]!.string!

        let (status, body) = try await Self.post(
            base + "/api/v1/conversations/\(conversation)/messages", #"{"content":"Hello","stream":true}"#, requestID: "trace-stream-1"
        )
        #expect(status == 200)
        let end = try #require(Harness.events(in: body).first { $0.event == "end" }?.data)
        let executionID = try #require(end["execution_id"]?.string)
        let llmCallID = try #require(end["llm_call_id"]?.string)
        let assistant = try #require(end["assistant_message"])
        let (failedStatus, _) = try await Self.post(base + "/api/v1/conversations/\(conversation)/messages", #"{"content":"Again"}"#, requestID: "trace-fail-1")
        #expect(failedStatus == 502)

        let spans = try await receiver.spans { spans in
            spans.filter { $0.string("chatter.request_id") == "trace-stream-1" }.count >= 3
                && spans.filter { $0.string("chatter.request_id") == "trace-fail-1" }.count >= 4
        }
        #expect(receiver.contentTypes.allSatisfy { $0 == "application/json" })
        #expect(receiver.serviceNames.contains("chatter"))

        // The streamed turn: server span → workflow span → LLM call span, one trace.
        let turn = spans.filter { $0.string("chatter.request_id") == "trace-stream-1" }
        let request = try #require(turn.first { $0.kind == 2 })
        let workflow = try #require(turn.first { $0.name == "workflow chat" })
        let call = try #require(turn.first { $0.name == "chat gpt-4o-mini" })
        #expect(request.name == "POST /api/v1/conversations/{id}/messages")
        #expect(request.string("http.request.method") == "POST")
        #expect(request.int("http.response.status_code") == 200)
        #expect(Set(turn.map(\.traceID)).count == 1)
        #expect(workflow.parentSpanID == request.spanID)
        #expect(call.parentSpanID == workflow.spanID)
        #expect(workflow.kind == 1 && call.kind == 3)
        #expect(workflow.string("chatter.execution_id") == executionID)
        #expect(workflow.string("chatter.workflow.status") == "completed")
        #expect(workflow.string("chatter.conversation_id") == conversation)
        #expect(call.string("gen_ai.operation.name") == "chat")
        #expect(call.string("gen_ai.system") == "openai")
        #expect(call.string("gen_ai.request.model") == "gpt-4o-mini")
        #expect(call.string("gen_ai.response.model") == "gpt-4o-mini")
        #expect(call.strings("gen_ai.response.finish_reasons") == ["stop"])
        #expect(call.string("chatter.llm_call_id") == llmCallID)
        #expect(call.string("chatter.execution_id") == executionID)
        #expect(call.string("chatter.call.status") == "ok")
        #expect(call.string("chatter.usage.source") == "reported")
        // The same numbers as the stored assistant message.
        #expect(call.int("gen_ai.usage.input_tokens") == 21)
        #expect(call.int("gen_ai.usage.output_tokens") == 4)
        #expect(assistant["input_tokens"]?.int == 21 && assistant["output_tokens"]?.int == 4)
        let cost = try #require(assistant["cost_nanousd"]?.int)
        #expect(cost > 0)
        #expect(call.int("chatter.cost_nanousd") == cost)
        #expect(workflow.int("chatter.cost_nanousd") == cost)
        #expect(call.statusCode != 2 && workflow.statusCode != 2 && request.statusCode != 2)
        // The upstream request carried the call's span as its parent: an upstream that traces joins this trace.
        #expect(upstream.traceparents.first == Self.traceparent(call))

        // The failed turn: two attempts (500, then 503), each its own span ended before the next began (the
        // backoff is between them); error status everywhere, the provider's status as the error type.
        let failure = spans.filter { $0.string("chatter.request_id") == "trace-fail-1" }
        let failedRequest = try #require(failure.first { $0.kind == 2 })
        let failedWorkflow = try #require(failure.first { $0.name == "workflow chat" })
        let attempts = failure.filter { $0.name == "chat gpt-4o-mini" }.sorted { ($0.int("chatter.attempt") ?? 0) < ($1.int("chatter.attempt") ?? 0) }
        #expect(attempts.map { $0.int("chatter.attempt") } == [1, 2])
        #expect(attempts.map { $0.string("error.type") } == ["500", "503"])
        #expect(attempts.allSatisfy { $0.statusCode == 2 && $0.string("chatter.call.status") == "error" && $0.parentSpanID == failedWorkflow.spanID })
        #expect(Set(attempts.compactMap { $0.string("chatter.llm_call_id") }).count == 2)
        if attempts.count == 2 { #expect(attempts[0].endNanos <= attempts[1].startNanos) }
        #expect(failedRequest.int("http.response.status_code") == 502)
        #expect(failedRequest.statusCode == 2 && failedWorkflow.statusCode == 2)
        #expect(failedWorkflow.string("chatter.workflow.status") == "failed")
        #expect(failedWorkflow.parentSpanID == failedRequest.spanID)
        #expect(failedWorkflow.traceID != call.traceID)
        // Each attempt's upstream request names its own span.
        #expect(Array(upstream.traceparents.dropFirst()) == attempts.map(Self.traceparent))
    }

    /// The W3C `traceparent` naming a received span as the parent (the receiver's JSON holds ids in base64).
    static func traceparent(_ span: OTLPReceiver.SpanRecord) -> String {
        func hex(_ base64: String) -> String {
            (Data(base64Encoded: base64) ?? Data()).map { String(format: "%02x", $0) }.joined()
        }
        return "00-\(hex(span.traceID))-\(hex(span.spanID))-01"
    }

    /// The default wire format is binary protobuf; the gateway's calls are traced too, and a caller's
    /// `traceparent` makes Chatter's spans part of the caller's trace.
    @Test func theDefaultExportIsProtobufAndContinuesTheCallersTrace() async throws {
        let upstream = try await ScriptedUpstream.start()
        let receiver = try await OTLPReceiver.start()
        defer { Task { await upstream.stop(); await receiver.stop() } }
        upstream.enqueue(.reply(content: "Gateway reply.", usage: Self.usage))
        let server = try await ChatterProcess.start(environment: try await environment(upstream: upstream, receiver: receiver, json: false))
        defer { server.kill() }
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let (status, _) = try await Self.post(
            "http://127.0.0.1:\(server.port)/v1/chat/completions", #"{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}"#,
            requestID: "trace-gateway-1", headers: ["traceparent": "00-\(traceID)-00f067aa0ba902b7-01"]
        )
        #expect(status == 200)
        // The upstream request continues the caller's trace, under Chatter's call span (not the caller's span).
        let forwarded = try #require(upstream.traceparents.first ?? nil)
        #expect(forwarded.hasPrefix("00-\(traceID)-") && !forwarded.contains("00f067aa0ba902b7"))
        let bodies = try await receiver.rawBodies { bodies in
            bodies.contains { $0.range(of: Data("trace-gateway-1".utf8)) != nil && $0.range(of: Data("workflow gateway".utf8)) != nil }
        }
        #expect(receiver.contentTypes.allSatisfy { $0 == "application/x-protobuf" })
        let all = bodies.reduce(Data(), +)
        for expected in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.system", "chat gpt-4o-mini", "trace-gateway-1"] {
            #expect(all.range(of: Data(expected.utf8)) != nil, "missing \(expected)")
        }
        // Protobuf carries the trace id as its 16 raw bytes.
        let rawTraceID = Data(stride(from: 0, to: traceID.count, by: 2).map { offset -> UInt8 in
            let start = traceID.index(traceID.startIndex, offsetBy: offset)
            return UInt8(traceID[start..<traceID.index(start, offsetBy: 2)], radix: 16)!
        })
        #expect(all.range(of: rawTraceID) != nil)
    }

    static func post(_ url: String, _ body: String, requestID: String, headers: [String: String] = [:]) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Harness.adminKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Request-ID", value: requestID)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await Harness.http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: data))
    }
}

/// An OTLP/HTTP traces endpoint on loopback that keeps what it is sent.
final class OTLPReceiver: Sendable {
    struct Export: Sendable {
        var contentType: String
        var body: Data
    }

    /// One span of an OTLP/JSON export, with its attributes' values unwrapped.
    struct SpanRecord: Sendable {
        var name: String
        var traceID: String
        var spanID: String
        var parentSpanID: String
        var kind: Int
        var statusCode: Int
        var startNanos: UInt64
        var endNanos: UInt64
        var attributes: [String: JSONValue]

        func string(_ key: String) -> String? { attributes[key]?["stringValue"]?.string }

        func int(_ key: String) -> Int64? {
            guard let value = attributes[key]?["intValue"] else { return nil }
            return value.string.flatMap { Int64($0) } ?? value.int
        }

        func strings(_ key: String) -> [String]? {
            attributes[key]?["arrayValue"]?["values"]?.array.compactMap { $0["stringValue"]?.string }
        }
    }

    private let exports = Mutex<[Export]>([])
    private let server: Mutex<RunningServer?> = Mutex(nil)
    let port: Int

    private init(port: Int) {
        self.port = port
    }

    static func start() async throws -> OTLPReceiver {
        let holder = Mutex<OTLPReceiver?>(nil)
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let contentType = request.headers[.contentType] ?? ""
            let body = try await request.body.collect(upTo: 1 << 24)
            holder.withLock { $0 }?.exports.withLock { $0.append(Export(contentType: contentType, body: Data(buffer: body))) }
            // An empty ExportTraceServiceResponse, in the encoding the exporter used.
            return contentType == "application/json"
                ? Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
                : Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
        }
        var logger = Logger(label: "otlp-receiver")
        logger.logLevel = .error
        let server = try await RunningServer.start(logger: logger) { onServerRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onServerRunning, logger: logger)
        }
        let receiver = OTLPReceiver(port: server.port)
        receiver.server.withLock { $0 = server }
        holder.withLock { $0 = receiver }
        return receiver
    }

    func stop() async {
        if let server = server.withLock({ $0 }) { await server.stop() }
    }

    var contentTypes: [String] { exports.withLock { $0.map(\.contentType) } }

    var serviceNames: Set<String> {
        var names = Set<String>()
        for export in exports.withLock({ $0 }) where export.contentType == "application/json" {
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: export.body) else { continue }
            for resource in json["resourceSpans"]?.array ?? [] {
                for attribute in resource["resource"]?["attributes"]?.array ?? [] where attribute["key"]?.string == "service.name" {
                    if let name = attribute["value"]?["stringValue"]?.string { names.insert(name) }
                }
            }
        }
        return names
    }

    /// Every span received over OTLP/JSON so far.
    var jsonSpans: [SpanRecord] {
        var spans: [SpanRecord] = []
        for export in exports.withLock({ $0 }) where export.contentType == "application/json" {
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: export.body) else { continue }
            for resource in json["resourceSpans"]?.array ?? [] {
                for scope in resource["scopeSpans"]?.array ?? [] {
                    for span in scope["spans"]?.array ?? [] {
                        var attributes: [String: JSONValue] = [:]
                        for attribute in span["attributes"]?.array ?? [] {
                            if let key = attribute["key"]?.string { attributes[key] = attribute["value"] ?? .null }
                        }
                        spans.append(
                            SpanRecord(
                                name: span["name"]?.string ?? "", traceID: span["traceId"]?.string ?? "", spanID: span["spanId"]?.string ?? "",
                                parentSpanID: span["parentSpanId"]?.string ?? "", kind: Int(span["kind"]?.int ?? 0),
                                statusCode: Int(span["status"]?["code"]?.int ?? 0),
                                startNanos: span["startTimeUnixNano"]?.string.flatMap { UInt64($0) } ?? 0,
                                endNanos: span["endTimeUnixNano"]?.string.flatMap { UInt64($0) } ?? 0, attributes: attributes
                            )
                        )
                    }
                }
            }
        }
        return spans
    }

    /// Waits (up to 30 s) until the spans received satisfy `done`, and returns them.
    func spans(until done: ([SpanRecord]) -> Bool) async throws -> [SpanRecord] {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let spans = jsonSpans
            if done(spans) { return spans }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the expected spans did not arrive; got \(jsonSpans.map(\.name))")
    }

    func rawBodies(until done: ([Data]) -> Bool) async throws -> [Data] {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let bodies = exports.withLock { $0.map(\.body) }
            if done(bodies) { return bodies }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the expected export did not arrive (\(exports.withLock { $0.count }) received)")
    }
}
