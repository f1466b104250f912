import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import ServiceLifecycle
import Synchronization

/// A loopback server speaking the OpenAI Chat Completions wire format, answering each request as scripted.
final class ScriptedUpstream: Sendable {
    enum Behavior: Sendable {
        /// A non-streaming completion (or, for a streaming request, the same content as deltas) with this usage JSON.
        case reply(content: String, usage: String?, finishReason: String = "stop", tokenDelay: Duration = .zero)
        /// An HTTP error with an OpenAI-style error body.
        case status(Int, message: String, headers: [String: String] = [:])
        /// Wait before answering at all.
        case hang(Duration)
        /// Stream these deltas, then drop the connection without finishing.
        case cut(deltas: [String])
        /// A completion that calls one tool (streamed as OpenAI does: id and name first, arguments in pieces).
        case toolCall(name: String, arguments: String, usage: String)
        /// Stream these deltas, then fall silent for this long before dropping the connection.
        case stall(deltas: [String], silence: Duration)
        /// Wait this long, then answer as `.reply` does.
        case delayed(Duration, content: String, usage: String)
        /// The whole completion object, as JSON, even when a stream was asked for (a server that ignores `stream`).
        case wholeObject(content: String, usage: String)
    }

    struct State {
        var queue: [Behavior] = []
        var fallback: Behavior = .reply(content: "Hello from upstream.", usage: nil)
        var requests: [JSONValue] = []
        /// Each chat request's `traceparent` header, in order (nil when absent).
        var traceparents: [String?] = []
        var models: [String] = ["gpt-4o-mini", "o3-mini", "local-model"]
    }

    let state = Mutex(State())
    private let server: RunningServer
    var port: Int { server.port }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static func start() async throws -> ScriptedUpstream {
        let router = Router()
        let holder = Mutex<ScriptedUpstream?>(nil)
        router.get("v1/models") { _, _ -> Response in
            let models = holder.withLock { $0!.state.withLock { $0.models } }
            let body = #"{"object":"list","data":["# + models.map { #"{"id":"\#($0)","object":"model"}"# }.joined(separator: ",") + "]}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.post("v1/chat/completions") { request, context -> Response in
            let upstream = holder.withLock { $0! }
            let body = try await request.body.collect(upTo: 1 << 24)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
            let behavior = upstream.state.withLock { state -> Behavior in
                state.requests.append(json)
                state.traceparents.append(request.headers[HTTPField.Name("traceparent")!])
                return state.queue.isEmpty ? state.fallback : state.queue.removeFirst()
            }
            return try await upstream.respond(to: json, with: behavior)
        }
        var logger = Logger(label: "scripted-upstream")
        logger.logLevel = .error
        let server = try await RunningServer.start(logger: logger) { onServerRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onServerRunning, logger: logger)
        }
        let upstream = ScriptedUpstream(server: server)
        holder.withLock { $0 = upstream }
        return upstream
    }

    private init(server: RunningServer) {
        self.server = server
    }

    func enqueue(_ behaviors: Behavior...) {
        state.withLock { $0.queue += behaviors }
    }

    func setFallback(_ behavior: Behavior) {
        state.withLock { $0.fallback = behavior }
    }

    var requests: [JSONValue] { state.withLock { $0.requests } }
    var traceparents: [String?] { state.withLock { $0.traceparents } }

    func stop() async {
        await server.stop()
    }

    private func respond(to request: JSONValue, with behavior: Behavior) async throws -> Response {
        let streaming = request["stream"] == .bool(true)
        let model = request["model"]?.string ?? "unknown"
        switch behavior {
        case .delayed(let delay, let content, let usage):
            try await Task.sleep(for: delay)
            return try await respond(to: request, with: .reply(content: content, usage: usage))
        case .wholeObject(let content, let usage):
            var plain = request
            if case .object(var fields) = request {
                fields["stream"] = .bool(false)
                plain = .object(fields)
            }
            return try await respond(to: plain, with: .reply(content: content, usage: usage))
        case .status(let code, let message, let headers):
            var fields: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-request-id")!: "req_error_\(code)"]
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            let body = #"{"error":{"message":"\#(message)","type":"server_error"}}"#
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .hang(let duration):
            try await Task.sleep(for: duration)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        case .reply(let content, let usage, let finishReason, let tokenDelay):
            let headers: HTTPFields = [
                .contentType: streaming ? "text/event-stream" : "application/json", HTTPField.Name("x-request-id")!: "req_scripted",
            ]
            guard streaming else {
                let body = """
                    {"id":"chatcmpl-1","object":"chat.completion","model":"\(model)-2024-07-18","choices":[{"index":0,\
                    "message":{"role":"assistant","content":\(Self.quoted(content))},"finish_reason":"\(finishReason)"}]\
                    \(usage.map { ",\"usage\":\($0)" } ?? "")}
                    """
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            let includeUsage = request["stream_options"]?["include_usage"] == .bool(true)
            let deltas = Self.pieces(content)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: Self.chunk(model: model, delta: nil, role: true, finish: nil)))
                    for delta in deltas {
                        if tokenDelay > .zero { try await Task.sleep(for: tokenDelay) }
                        try await writer.write(ByteBuffer(string: Self.chunk(model: model, delta: delta, role: false, finish: nil)))
                    }
                    try await writer.write(ByteBuffer(string: Self.chunk(model: model, delta: nil, role: false, finish: finishReason)))
                    if includeUsage, let usage {
                        try await writer.write(
                            ByteBuffer(string: "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[],\"usage\":\(usage)}\n\n")
                        )
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                }
            )
        case .toolCall(let name, let arguments, let usage):
            let headers: HTTPFields = [.contentType: streaming ? "text/event-stream" : "application/json"]
            let call = "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"\(name)\",\"arguments\":\(Self.quoted(arguments))}}"
            guard streaming else {
                let body = """
                    {"id":"chatcmpl-2","object":"chat.completion","model":"\(model)","choices":[{"index":0,"message":{"role":"assistant",\
                    "content":null,"tool_calls":[\(call)]},"finish_reason":"tool_calls"}],"usage":\(usage)}
                    """
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            let half = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
            let frames = [
                "{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"\(name)\",\"arguments\":\"\"}}",
                "{\"index\":0,\"function\":{\"arguments\":\(Self.quoted(String(arguments[..<half])))}}",
                "{\"index\":0,\"function\":{\"arguments\":\(Self.quoted(String(arguments[half...])))}}",
            ]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    for frame in frames {
                        try await writer.write(ByteBuffer(string: "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[\(frame)]},\"finish_reason\":null}]}\n\n"))
                    }
                    try await writer.write(ByteBuffer(string: "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"))
                    try await writer.write(ByteBuffer(string: "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[],\"usage\":\(usage)}\n\ndata: [DONE]\n\n"))
                    try await writer.finish(nil)
                }
            )
        case .cut(let deltas), .stall(let deltas, _):
            let silence: Duration = if case .stall(_, let silence) = behavior { silence } else { .milliseconds(50) }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for delta in deltas {
                        try await writer.write(ByteBuffer(string: Self.chunk(model: model, delta: delta, role: false, finish: nil)))
                    }
                    try await Task.sleep(for: silence)
                    throw TestFailure("scripted connection drop")
                }
            )
        }
    }

    static func chunk(model: String, delta: String?, role: Bool, finish: String?) -> String {
        var deltaObject = role ? #"{"role":"assistant","content":""}"# : "{}"
        if let delta { deltaObject = "{\"content\":\(quoted(delta))}" }
        let finishText = finish.map { "\"\($0)\"" } ?? "null"
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[{\"index\":0,\"delta\":\(deltaObject),\"finish_reason\":\(finishText)}]}\n\n"
    }

    static func quoted(_ text: String) -> String {
        String(data: try! JSONEncoder().encode(text), encoding: .utf8)!
    }

    static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character == " " && !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
