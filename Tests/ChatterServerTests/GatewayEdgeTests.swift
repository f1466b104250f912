import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// What a user's black-box probing of the gateway found: a streamed call bounded by the whole-call timeout, a client
/// that leaves before the first token, nulls for optional fields, a provider that refuses connections, a path with
/// an empty segment, and a server that answers a stream with the whole object.
@Suite struct GatewayEdgeTests {
    static let usage = #"{"prompt_tokens":12,"completion_tokens":40}"#
    static let words = (1...40).map { "w\($0)" }.joined(separator: " ")

    @Test(arguments: TestDatabase.all)
    func aStreamLongerThanTheRequestTimeoutEndsWithATimeout(database: TestDatabase) async throws {
        let environment = [
            "CHATTER_UPSTREAM_REQUEST_TIMEOUT_SECONDS": "2", "CHATTER_UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS": "30",
            "CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "30", "CHATTER_UPSTREAM_MAX_ATTEMPTS": "1",
        ]
        try await Harness.with(database, environment: environment) { harness in
            // 40 tokens 250 ms apart: 10 s, five times the limit. Read to its end, the call would be `ok` with the 40
            // reported output tokens; the limit ends it with an error and an estimate of what had arrived.
            harness.upstream.enqueue(.reply(content: Self.words, usage: Self.usage, tokenDelay: .milliseconds(250)))
            let reply = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            )
            let chunks = Harness.events(in: reply.body).map(\.data)
            let streamed = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined()
            // On a loaded machine no token may have arrived in time: then the timeout is the response's status.
            let error = streamed.isEmpty ? reply.json["error"] : chunks.last?["error"]
            #expect(reply.status == (streamed.isEmpty ? 504 : 200), "\(reply.body)")
            let expected = streamed.isEmpty ? "did not answer in time" : "did not finish its answer in time"
            // The supervisor's limit, or, on a loaded machine where the answer starts late, the HTTP client's deadline.
            let message = error?["message"]?.string ?? ""
            #expect(message.hasPrefix("the model provider \(expected)") && message.contains("did not end within"), "\(reply.body)")
            let row = try await harness.rows("SELECT status, usage_source, output_tokens, error FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "error")
            #expect(try row.decode(column: "error", as: String?.self)?.contains("did not end within") == true)
            #expect(try row.decode(column: "usage_source", as: String?.self) == (streamed.isEmpty ? "missing" : "estimated"))
            #expect(try row.decode(column: "output_tokens", as: Int64.self) < 40)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    /// A stream stopped by the whole-call timeout keeps what the provider had reported: Anthropic's `message_start`
    /// carries the input and cache counts before any text.
    @Test(arguments: TestDatabase.all)
    func aTimedOutAnthropicStreamKeepsItsReportedInput(database: TestDatabase) async throws {
        let upstream = try await FixtureUpstream.start()
        let environment = [
            "ANTHROPIC_BASE_URL": upstream.baseURL, "ANTHROPIC_API_KEY": "k", "CHATTER_UPSTREAM_REQUEST_TIMEOUT_SECONDS": "4",
            "CHATTER_UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS": "30", "CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "30",
            "CHATTER_UPSTREAM_MAX_ATTEMPTS": "1",
        ]
        try await Harness.with(database, environment: environment) { harness in
            // Ten events 1.5 s apart: 15 s, about four times the limit; message_start comes first, at once.
            try upstream.enqueue("anthropic/stream.sse", pieceDelay: .milliseconds(1500))
            _ = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{"model":"anthropic/claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            )
            let row = try await harness.rows("SELECT status, error, input_tokens, cached_input_tokens FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "error")
            #expect(try row.decode(column: "error", as: String?.self)?.contains("did not end within 4") == true)
            // 12 uncached + 1,000 cache reads, as message_start reported them (an estimate would be a handful).
            #expect(try row.decode(column: "input_tokens", as: Int64.self) == 1012)
            #expect(try row.decode(column: "cached_input_tokens", as: Int64.self) == 1000)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
        await upstream.stop()
    }

    /// The client leaves while the upstream has not answered yet, streamed and not: the call is read to its end and
    /// recorded as `client_disconnected` with the provider's numbers, not as delivered.
    @Test(arguments: TestDatabase.all)
    func aClientThatLeavesBeforeTheFirstTokenIsRecordedAsDisconnected(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            for stream in [true, false] {
                harness.upstream.enqueue(.delayed(.milliseconds(1500), content: "Too late.", usage: Self.usage))
                let body = #"{"model":"openai/gpt-4o-mini","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
                let request = """
                    POST /v1/chat/completions HTTP/1.1\r
                    Host: 127.0.0.1\r
                    Authorization: Bearer \(Harness.adminKey)\r
                    Content-Type: application/json\r
                    Content-Length: \(body.utf8.count)\r
                    \r
                    \(body)
                    """
                try await RawSocket.sendAndLeave(port: harness.port, request, afterMilliseconds: 300)
                try await harness.eventually { try await harness.count("llm_calls", where: "status <> 'in_flight'") == (stream ? 1 : 2) }
                let row = try await harness.rows(
                    "SELECT status, usage_source, input_tokens, output_tokens FROM llm_calls WHERE streamed = \(stream ? 1 : 0)"
                ).first!
                #expect(try row.decode(column: "status", as: String.self) == "client_disconnected", "stream \(stream)")
                #expect(try row.decode(column: "usage_source", as: String?.self) == "reported", "stream \(stream)")
                #expect(try row.decode(column: "input_tokens", as: Int64.self) == 12)
                #expect(try row.decode(column: "output_tokens", as: Int64.self) == 40)
            }
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    /// OpenAI reads a null as an absent field; so does the gateway, for every provider. A field a provider cannot take
    /// is named in the error's `param`, as are unknown models.
    @Test(arguments: TestDatabase.all)
    func nullFieldsAreAbsentAndRefusalsNameTheirField(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let nulls = #""seed":null,"user":null,"response_format":null,"presence_penalty":null,"logprobs":null,"metadata":null"#
            let accepted = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":"hi"}],\#(nulls)}"#
            )
            #expect(accepted.status == 200, "\(accepted.body)")
            #expect(accepted.json["choices"]?[0]?["message"]?["content"]?.string == "Echo #1: hi")

            let seeded = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":"hi"}],"seed":7}"#
            )
            #expect(seeded.status == 400)
            #expect(seeded.json["error"]?["param"]?.string == "seed")

            let image = #"[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]"#
            let pictured = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":\#(image)}]}"#
            )
            #expect(pictured.status == 400)
            #expect(pictured.json["error"]?["param"]?.string == "messages")
            #expect(pictured.json["error"]?["message"]?.string?.contains("non-text message content") == true)

            let unknown = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/no-such-model","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(unknown.status == 404)
            #expect(unknown.json["error"]?["param"]?.string == "model")
            #expect(unknown.json["error"]?["code"]?.string == "model_not_found")
            #expect(try await harness.count("llm_calls", where: "model <> 'echo'") == 0)
        }
    }

    /// A provider whose port refuses connections (named by host, as most are) fails the call with the system's words
    /// for it, once the HTTP client has stopped trying to connect (the connect timeout).
    @Test(arguments: TestDatabase.all)
    func aRefusedConnectionFailsWithTheSystemsWords(database: TestDatabase) async throws {
        let refusing = try RawSocket.refusingPort()
        defer { close(refusing.socket) }
        let deadURL = "http://localhost:\(refusing.port)/v1"
        let environment = ["OPENAI_BASE_URL": deadURL, "CHATTER_UPSTREAM_CONNECT_TIMEOUT_SECONDS": "1", "CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]
        try await Harness.with(database, environment: environment) { harness in
            for stream in [false, true] {
                let reply = try await harness.request(
                    .POST, "/v1/chat/completions",
                    json: #"{"model":"openai/gpt-4o-mini","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
                )
                #expect(reply.status == 502, "stream \(stream): \(reply.body)")
                #expect(reply.json["error"]?["message"]?.string?.hasSuffix("upstream connection failed: Connection refused") == true, "\(reply.body)")
            }
            #expect(try await harness.count("llm_calls", where: "status = 'error' AND usage_source = 'missing'") == 2)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    /// `//api/v1/usage` (a base URL ending in `/`) is the same path as `/api/v1/usage`, for authentication too.
    @Test(arguments: [TestDatabase.sqlite])
    func aPathWithAnEmptySegmentIsServed(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let request = "GET //api/v1/usage HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Harness.adminKey)\r\nConnection: close\r\n\r\n"
            let answer = try await RawSocket.exchange(port: harness.port, request)
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(300))")
            let anonymous = "GET //api/v1/usage HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let unauthenticated = try await RawSocket.exchange(port: harness.port, anonymous)
            #expect(unauthenticated.hasPrefix("HTTP/1.1 401"))
            #expect(unauthenticated.contains("send an API key"))
            // The router serves /metrics for these too: they need the metrics token like /metrics itself.
            for path in ["/metrics/", "//metrics", "//metrics//"] {
                let metrics = try await RawSocket.exchange(port: harness.port, "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                #expect(metrics.hasPrefix("HTTP/1.1 401"), "\(path): \(metrics.prefix(200))")
                #expect(!metrics.contains("chatter_llm_calls"), "\(path)")
            }
        }
    }

    /// A server that answers `"stream": true` with the whole completion object: its content is streamed on as one
    /// delta and its reported usage is what the call records.
    @Test(arguments: TestDatabase.all)
    func aStreamAnsweredWithTheWholeObjectKeepsItsUsage(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.enqueue(.wholeObject(content: "All at once.", usage: #"{"prompt_tokens":11,"completion_tokens":7}"#))
            let reply = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{"model":"openai/gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"#
                    + #""messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(reply.status == 200)
            let chunks = Harness.events(in: reply.body).map(\.data)
            #expect(chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined() == "All at once.")
            #expect(chunks.compactMap { $0["usage"]?["completion_tokens"]?.int }.last == 7)
            let recorded = "status = 'ok' AND usage_source = 'reported' AND input_tokens = 11 AND output_tokens = 7"
            #expect(try await harness.count("llm_calls", where: recorded) == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    /// A provider's `Retry-After` on a 429 reaches the client, whose SDK waits that long before trying again.
    @Test(arguments: TestDatabase.all)
    func aRateLimitPassesTheProvidersRetryAfterOn(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]) { harness in
            let limited = ScriptedUpstream.Behavior.status(429, message: "slow down", headers: ["Retry-After": "7"])
            harness.upstream.enqueue(limited, limited)
            let gateway = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(gateway.status == 429)
            #expect(gateway.header("Retry-After") == "7")
            #expect(gateway.json["error"]?["type"]?.string == "rate_limit_error")

            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let turn = try await harness.send(conversation, #"{"content":"hi"}"#)
            #expect(turn.status == 429)
            #expect(turn.header("Retry-After") == "7")
            #expect(turn.json["retry_after_seconds"]?.string == "7")
            #expect(try await harness.count("llm_calls", where: "status = 'error'") == 2)
        }
    }

    /// `GET /v1/models/{id}`, the SDKs' `models.retrieve`, with ids that hold a `/`.
    @Test(arguments: [TestDatabase.sqlite])
    func oneModelCanBeRetrieved(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let echo = try await harness.request(.GET, "/v1/models/demo/echo")
            #expect(echo.status == 200)
            #expect(echo.json["id"]?.string == "demo/echo")
            #expect(echo.json["object"]?.string == "model")
            #expect(echo.json["owned_by"]?.string == "demo")
            // The OpenAI SDKs escape the id's `/`.
            let escaped = try await harness.request(.GET, "/v1/models/demo%2Fecho")
            #expect(escaped.status == 200)
            #expect(escaped.json["id"]?.string == "demo/echo")
            // A bare name a provider lists, as completions accept it.
            let bare = try await harness.request(.GET, "/v1/models/echo")
            #expect(bare.status == 200)
            #expect(bare.json["id"]?.string == "echo")
            #expect(bare.json["owned_by"]?.string == "demo")
            let missing = try await harness.request(.GET, "/v1/models/demo/no-such-model")
            #expect(missing.status == 404)
            #expect(missing.json["error"]?["code"]?.string == "model_not_found")
            #expect(try await harness.request(.GET, "/v1/models/demo/echo", key: nil).status == 401)
        }
    }
}
