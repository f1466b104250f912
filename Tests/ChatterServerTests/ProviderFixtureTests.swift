import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// Each provider's documented wire format, replayed from fixture files through a loopback upstream:
/// the ledger records exactly the provider's final usage, streamed and not, and every aggregate agrees.
@Suite struct ProviderFixtureTests {
    struct Expected {
        var input: Int64
        var cached: Int64 = 0
        var cacheWrite: Int64 = 0
        var output: Int64
        var reasoning: Int64 = 0
        var cost: Int64?
    }

    /// Sends one turn through the chat API and checks the message, the conversation, usage and reconcile.
    static func turn(_ harness: Harness, model: String, stream: Bool, text: String, expected: Expected) async throws {
        let conversation = try await harness.createConversation(#"{"model":"\#(model)","system_prompt":"Be kind."}"#)
        let assistant: JSONValue
        if stream {
            let events = try await harness.stream(conversation, #"{"content":"Hi","stream":true}"#)
            #expect(events.filter { $0.event == "token" }.compactMap { $0.data["delta"]?.string }.joined() == text)
            assistant = try #require(events.last { $0.event == "end" }?.data["assistant_message"])
        } else {
            let reply = try await harness.send(conversation, #"{"content":"Hi"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            assistant = try #require(reply.json["assistant_message"])
        }
        #expect(assistant["content"]?.string == text)
        #expect(assistant["usage_source"]?.string == "reported")
        #expect(assistant["input_tokens"]?.int == expected.input)
        #expect(assistant["cached_input_tokens"]?.int == expected.cached)
        #expect(assistant["cache_write_tokens"]?.int == expected.cacheWrite)
        #expect(assistant["output_tokens"]?.int == expected.output)
        #expect(assistant["reasoning_tokens"]?.int == expected.reasoning)
        #expect(assistant["cost_nanousd"]?.int == expected.cost)
        let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
        #expect(totals["input_tokens"]?.int == expected.input)
        #expect(totals["output_tokens"]?.int == expected.output)
        #expect(totals["cost_nanousd"]?.int == (expected.cost ?? 0))
        #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
    }

    @Test(arguments: TestDatabase.all)
    func anthropic(database: TestDatabase) async throws {
        let upstream = try await FixtureUpstream.start()
        upstream.setListing("/v1/models", #"{"data":[{"id":"claude-sonnet-4-5","type":"model"}],"has_more":false}"#)
        try await Harness.with(database, environment: ["ANTHROPIC_BASE_URL": upstream.baseURL, "ANTHROPIC_API_KEY": "sk-ant-test"]) { harness in
            // input = 12 uncached + 100 cache writes + 1000 cache reads; claude-sonnet-4-5 at $3 / $3.75 / $0.30 / $15.
            try upstream.enqueue("anthropic/message.json")
            let cost: Int64 = (12 * 3_000_000_000 + 100 * 3_750_000_000 + 1000 * 300_000_000 + 25 * 15_000_000_000) / 1_000_000
            try await Self.turn(
                harness, model: "anthropic/claude-sonnet-4-5", stream: false, text: "Hello from Claude.",
                expected: Expected(input: 1112, cached: 1000, cacheWrite: 100, output: 25, cost: cost)
            )
            let sent = try #require(upstream.received.last)
            #expect(sent.path == "/v1/messages")
            #expect(sent.headers["x-api-key"] == "sk-ant-test")
            #expect(sent.headers["anthropic-version"] == "2023-06-01")
            #expect(sent.json["system"]?.string == "Be kind.")
            #expect(sent.json["max_tokens"]?.int == 4096)
            #expect(sent.json["messages"]?[0]?["role"]?.string == "user")

            // Two cumulative message_delta frames (10, then 25): the last wins, nothing is added up.
            try upstream.enqueue("anthropic/stream.sse")
            let streamCost: Int64 = (12 * 3_000_000_000 + 1000 * 300_000_000 + 25 * 15_000_000_000 + 500_000) / 1_000_000
            try await Self.turn(
                harness, model: "anthropic/claude-sonnet-4-5", stream: true, text: "Hello from Claude.",
                expected: Expected(input: 1012, cached: 1000, output: 25, cost: streamCost)
            )
            #expect(upstream.received.last?.json["stream"] == .bool(true))

            // What Anthropic cannot take is refused before anything is written.
            let callsBefore = try await harness.count("llm_calls")
            let refused = try await harness.send(
                try await harness.createConversation(#"{"model":"anthropic/claude-sonnet-4-5"}"#), #"{"content":"x","temperature":1.5}"#
            )
            #expect(refused.status == 400)
            #expect(refused.json["detail"]?.string?.contains("temperature") == true)
            #expect(try await harness.count("llm_calls") == callsBefore)

            // Overloaded (529) is retried; a stream cut before message_stop is an error with its partial output estimated.
            try upstream.enqueue("anthropic/overloaded.json", status: 529)
            try upstream.enqueue("anthropic/message.json")
            let conversation = try await harness.createConversation(#"{"model":"anthropic/claude-sonnet-4-5"}"#)
            #expect(try await harness.send(conversation, #"{"content":"again"}"#).status == 200)
            try upstream.enqueue("anthropic/truncated.sse")
            let events = try await harness.stream(conversation, #"{"content":"cut","stream":true}"#)
            #expect(events.last?.event == "error")
            // Its input was reported in message_start; its output is what had arrived, counted by the estimator.
            let cut = try await harness.rows("SELECT usage_source, input_tokens, output_tokens FROM llm_calls WHERE status = 'error' AND streamed = 1").first!
            #expect(try cut.decode(column: "input_tokens", as: Int64.self) == 30)
            #expect(try cut.decode(column: "output_tokens", as: Int64.self) == 5)
            #expect(try cut.decode(column: "usage_source", as: String?.self) == "estimated")
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
        await upstream.stop()
    }

    @Test(arguments: TestDatabase.all)
    func anthropicThroughTheGatewayWithThinkingAndToolCalls(database: TestDatabase) async throws {
        let upstream = try await FixtureUpstream.start()
        try await Harness.with(database, environment: ["ANTHROPIC_BASE_URL": upstream.baseURL, "ANTHROPIC_API_KEY": "k"]) { harness in
            try upstream.enqueue("anthropic/thinking_tool.sse")
            let body = #"""
                {"model":"anthropic/claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Weather in Paris?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"tool_choice":"required"}
                """#
            let reply = try await harness.request(.POST, "/v1/chat/completions", json: body)
            let chunks = Harness.events(in: reply.body).map(\.data)
            let arguments = chunks.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["function"]?["arguments"]?.string }.joined()
            #expect(arguments == #"{"city": "Paris"}"#)
            #expect(chunks.contains { $0["choices"]?[0]?["finish_reason"]?.string == "tool_calls" })
            let usage = try #require(chunks.last { $0["usage"] != nil }?["usage"])
            // Thinking is billed as output and already inside output_tokens.
            #expect(usage["prompt_tokens"]?.int == 400)
            #expect(usage["completion_tokens"]?.int == 89)
            let sent = try #require(upstream.received.last)
            #expect(sent.json["tools"]?[0]?["input_schema"]?["type"]?.string == "object")
            #expect(sent.json["tool_choice"]?["type"]?.string == "any")
            #expect(try await harness.count("llm_calls", where: "status = 'ok' AND output_tokens = 89 AND input_tokens = 400") == 1)
        }
        await upstream.stop()
    }

    @Test(arguments: TestDatabase.all)
    func gemini(database: TestDatabase) async throws {
        let upstream = try await FixtureUpstream.start()
        upstream.setListing("/v1beta/models", #"{"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent"]}]}"#)
        try await Harness.with(database, environment: ["GEMINI_BASE_URL": upstream.baseURL, "GEMINI_API_KEY": "g-key"]) { harness in
            // input = prompt (cached included); output = candidates 30 + thoughts 100. gemini-2.5-flash: $0.30 / $0.03 / $2.50.
            let cost: Int64 = (20 * 300_000_000 + 100 * 30_000_000 + 130 * 2_500_000_000) / 1_000_000
            try upstream.enqueue("gemini/response.json")
            try await Self.turn(
                harness, model: "gemini/gemini-2.5-flash", stream: false, text: "Hello from Gemini.",
                expected: Expected(input: 120, cached: 100, output: 130, reasoning: 100, cost: cost)
            )
            let sent = try #require(upstream.received.last)
            #expect(sent.path == "/v1beta/models/gemini-2.5-flash:generateContent")
            #expect(sent.headers["x-goog-api-key"] == "g-key")
            #expect(sent.json["systemInstruction"]?["parts"]?[0]?["text"]?.string == "Be kind.")

            // Every chunk repeats the usage so far: the last one counts, once.
            try upstream.enqueue("gemini/stream.sse")
            try await Self.turn(
                harness, model: "gemini/gemini-2.5-flash", stream: true, text: "Hello from Gemini.",
                expected: Expected(input: 120, cached: 100, output: 130, reasoning: 100, cost: cost)
            )
            #expect(upstream.received.last?.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")

            // A Gemini model answers in OpenAI's format through the gateway, tool use prompt tokens counted as input.
            try upstream.enqueue("gemini/function_call.json")
            let reply = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{"model":"gemini/gemini-2.5-flash","messages":[{"role":"user","content":"Weather?"}],"tools":[{"type":"function","function":{"name":"get_weather"}}]}"#
            )
            #expect(reply.json["choices"]?[0]?["message"]?["tool_calls"]?[0]?["function"]?["arguments"]?.string == #"{"city":"Paris"}"#)
            #expect(reply.json["choices"]?[0]?["finish_reason"]?.string == "tool_calls")
            #expect(reply.json["usage"]?["prompt_tokens"]?.int == 88)

            // Quota exhaustion (429) is retried; a stream that ends without a finish reason is an error that keeps
            // the input Gemini reported and counts the output that arrived.
            try upstream.enqueue("gemini/rate_limited.json", status: 429)
            try upstream.enqueue("gemini/response.json")
            let conversation = try await harness.createConversation(#"{"model":"gemini/gemini-2.5-flash"}"#)
            #expect(try await harness.send(conversation, #"{"content":"again"}"#).status == 200)
            #expect(try await harness.count("llm_calls", where: "status = 'error' AND attempt = 1") == 1)
            try upstream.enqueue("gemini/truncated.sse")
            let events = try await harness.stream(conversation, #"{"content":"cut","stream":true}"#)
            #expect(events.last?.event == "error")
            let cut = try await harness.rows("SELECT input_tokens, output_tokens FROM llm_calls WHERE status = 'error' AND streamed = 1").first!
            #expect(try cut.decode(column: "input_tokens", as: Int64.self) == 120)
            #expect(try cut.decode(column: "output_tokens", as: Int64.self) >= 2)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
        await upstream.stop()
    }

    @Test(arguments: TestDatabase.all)
    func ollama(database: TestDatabase) async throws {
        let upstream = try await FixtureUpstream.start()
        upstream.setListing("/api/tags", #"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"}]}"#)
        try await Harness.with(database, environment: ["OLLAMA_BASE_URL": upstream.baseURL]) { harness in
            // No price for a local model: unpriced, never $0.
            try upstream.enqueue("ollama/chat.json")
            try await Self.turn(harness, model: "ollama/llama3.2", stream: false, text: "Hello from Ollama.", expected: Expected(input: 26, output: 298, cost: nil))
            #expect(upstream.received.last?.path == "/api/chat")
            #expect(upstream.received.last?.json["messages"]?[0]?["role"]?.string == "system")
            try upstream.enqueue("ollama/stream.ndjson")
            try await Self.turn(harness, model: "ollama/llama3.2", stream: true, text: "Hello from Ollama.", expected: Expected(input: 26, output: 298, cost: nil))
            let raw = try await harness.rows("SELECT raw_usage FROM llm_calls WHERE status = 'ok'").first!.decode(column: "raw_usage", as: String?.self)
            #expect(raw?.contains("\"eval_duration\":4799921000") == true)
            // Ollama's own generation time: stored, on the event, and behind the monitoring tokens/s
            // (2 calls × 298 tokens over 2 × 4.799921 s of eval_duration = 62.08 tokens/s).
            #expect(try await harness.count("llm_calls", where: "status = 'ok' AND generation_us = 4799921") == 2)
            let completed = try await harness.rows("SELECT data FROM events WHERE type = 'llm.call.completed'").map { try $0.decode(column: "data", as: String.self) }
            #expect(completed.count == 2 && completed.allSatisfy { $0.contains("\"generation_us\":4799921") && $0.contains("\"output_tokens_per_second\":62.08") })
            let summary = try await harness.request(.GET, "/api/v1/monitoring/summary").json
            let llama = try #require(summary["windows"]?.array.first?["models"]?.array.first { $0["model"]?.string == "llama3.2" })
            let rate = try #require(llama["output_tokens_per_second"].flatMap { if case .number(let value) = $0 { value } else { nil } })
            #expect(abs(rate - 596.0 / 9.599842) < 0.01)
            // Ollama's own errors reach the client: a model it does not have is the caller's 400, not an outage;
            // a stream that ends before "done" is an error with its output estimated.
            try upstream.enqueue("ollama/not_found.json", status: 404)
            let conversation = try await harness.createConversation(#"{"model":"ollama/llama3.2"}"#)
            let missing = try await harness.send(conversation, #"{"content":"x"}"#)
            #expect(missing.status == 400)
            #expect(missing.json["detail"]?.string?.contains("try pulling it first") == true)
            try upstream.enqueue("ollama/truncated.ndjson")
            let events = try await harness.stream(conversation, #"{"content":"cut","stream":true}"#)
            #expect(events.last?.event == "error")
            #expect(try await harness.count("llm_calls", where: "status = 'error' AND usage_source = 'estimated'") == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
            let models = try await harness.request(.GET, "/api/v1/models").json
            #expect(models["providers"]?.array.contains { $0["name"]?.string == "ollama" && $0["models"]?[0]?.string == "llama3.2:latest" } == true)
        }
        await upstream.stop()
    }
}
