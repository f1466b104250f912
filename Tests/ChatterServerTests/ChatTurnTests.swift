import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// A chat turn end to end: the numbers the provider reported (or our estimate for demo) reach the message,
/// the conversation, the usage report and reconcile, streamed and not, on both databases.
@Suite struct ChatTurnTests {
    static let cachedUsage = #"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}}"#
    // gpt-4o-mini: 176 uncached × $0.15 + 1024 cached × $0.075 + 300 output × $0.60, per million tokens.
    static let cachedUsageCostNanoUSD: Int64 = 283_200

    @Test(arguments: TestDatabase.all)
    func demoAnswersStreamedAndNot(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let conversation = try await harness.createConversation(#"{"title":"demo"}"#)
            let reply = try await harness.send(conversation, #"{"content":"Hello there"}"#)
            #expect(reply.status == 200)
            let assistant = try #require(reply.json["assistant_message"])
            #expect(assistant["content"]?.string == "Echo #1: Hello there")
            #expect(assistant["usage_source"]?.string == "estimated")
            #expect(assistant["provider"]?.string == "demo")
            #expect((assistant["input_tokens"]?.int ?? 0) > 0)
            #expect(assistant["cost_nanousd"]?.int == 0)
            #expect(reply.json["user_message"]?["seq"]?.int == 1)
            #expect(assistant["seq"]?.int == 2)

            let events = try await harness.stream(conversation, #"{"content":"Again","stream":true}"#)
            #expect(events.map(\.event).first == "start")
            #expect(events.suffix(2).map(\.event) == ["usage", "end"])
            let streamedText = events.filter { $0.event == "token" }.compactMap { $0.data["delta"]?.string }.joined()
            #expect(streamedText == "Echo #2: Again")
            let end = events.last!.data
            #expect(end["assistant_message"]?["content"]?.string == streamedText)
            #expect(end["conversation"]?["message_count"]?.int == 4)

            let stored = try await harness.request(.GET, "/api/v1/conversations/\(conversation)")
            let messages = try await harness.request(.GET, "/api/v1/conversations/\(conversation)/messages").json["data"]!.array
            #expect(messages.map { $0["seq"]?.int } == [1, 2, 3, 4])
            let assistantInput = messages.compactMap { $0["input_tokens"]?.int }.reduce(0, +)
            let assistantOutput = messages.compactMap { $0["output_tokens"]?.int }.reduce(0, +)
            #expect(stored.json["input_tokens"]?.int == assistantInput)
            #expect(stored.json["output_tokens"]?.int == assistantOutput)
            #expect(stored.json["calls"]?.int == 2)

            let usage = try await harness.request(.GET, "/api/v1/usage?group_by=provider").json
            #expect(usage["totals"]?["calls"]?.int == 2)
            #expect(usage["totals"]?["input_tokens"]?.int == assistantInput)
            #expect(usage["rows"]?[0]?["provider"]?.string == "demo")
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func openAIReportedUsageIsRecordedExactly(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.enqueue(.reply(content: "Cached answer.", usage: Self.cachedUsage))
            let conversation = try await harness.createConversation(
                #"{"model":"openai/gpt-4o-mini","system_prompt":"You are terse."}"#
            )
            let reply = try await harness.send(conversation, #"{"content":"What is cached?","temperature":0.2,"max_tokens":50}"#)
            #expect(reply.status == 200)
            let assistant = try #require(reply.json["assistant_message"])
            #expect(assistant["input_tokens"]?.int == 1200)
            #expect(assistant["cached_input_tokens"]?.int == 1024)
            #expect(assistant["output_tokens"]?.int == 300)
            #expect(assistant["usage_source"]?.string == "reported")
            #expect(assistant["cost_nanousd"]?.int == Self.cachedUsageCostNanoUSD)
            #expect(assistant["finish_reason"]?.string == "stop")

            let sent = harness.upstream.requests.last!
            #expect(sent["model"]?.string == "gpt-4o-mini")
            #expect(sent["temperature"] == .number(0.2))
            #expect(sent["max_tokens"]?.int == 50)
            #expect(sent["messages"]?[0]?["role"]?.string == "system")
            #expect(sent["messages"]?[1]?["content"]?.string == "What is cached?")

            let call = try await harness.rows("SELECT upstream_request_id, raw_usage, price_id, status FROM llm_calls").first!
            #expect(try call.decode(column: "upstream_request_id", as: String?.self) == "req_scripted")
            #expect(try call.decode(column: "price_id", as: String?.self) == "builtin/openai/gpt-4o-mini/2025-08-01")
            #expect(try call.decode(column: "raw_usage", as: String?.self)?.contains("\"cached_tokens\":1024") == true)

            // The next turn carries the history: system, first question, first answer, new question.
            harness.upstream.enqueue(.reply(content: "Second.", usage: #"{"prompt_tokens":40,"completion_tokens":2}"#))
            _ = try await harness.send(conversation, #"{"content":"And now?"}"#)
            let history = harness.upstream.requests.last!["messages"]!.array.compactMap { $0["content"]?.string }
            #expect(history == ["You are terse.", "What is cached?", "Cached answer.", "And now?"])

            let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(totals["input_tokens"]?.int == 1240)
            #expect(totals["cached_input_tokens"]?.int == 1024)
            #expect(totals["output_tokens"]?.int == 302)
            #expect(totals["total_tokens"]?.int == 1542)
            let secondCost: Int64 = (40 * 150_000_000 + 2 * 600_000_000 + 500_000) / 1_000_000
            #expect(totals["cost_nanousd"]?.int == Self.cachedUsageCostNanoUSD + secondCost)
            let usage = try await harness.request(.GET, "/api/v1/usage?group_by=model,day").json
            #expect(usage["totals"]?["cost_nanousd"]?.int == Self.cachedUsageCostNanoUSD + secondCost)
            #expect(usage["totals"]?["input_tokens"]?.int == 1240)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func openAIStreamRecordsTheFinalUsageChunk(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let reasoning = #"{"prompt_tokens":50,"completion_tokens":500,"completion_tokens_details":{"reasoning_tokens":448}}"#
            harness.upstream.enqueue(.reply(content: "Thought hard about it.", usage: reasoning))
            let conversation = try await harness.createConversation()
            let events = try await harness.stream(conversation, #"{"content":"Think","stream":true,"model":"openai/o3-mini"}"#)
            #expect(harness.upstream.requests.last?["stream_options"]?["include_usage"] == .bool(true))
            let text = events.filter { $0.event == "token" }.compactMap { $0.data["delta"]?.string }.joined()
            #expect(text == "Thought hard about it.")
            let usage = try #require(events.first { $0.event == "usage" }, "the stream's events: \(events)").data
            #expect(usage["input_tokens"]?.int == 50)
            #expect(usage["output_tokens"]?.int == 500)
            #expect(usage["reasoning_tokens"]?.int == 448)
            #expect(usage["usage_source"]?.string == "reported")
            // o3-mini: 50 × $1.10 + 500 × $4.40 per million tokens.
            #expect(usage["cost_nanousd"]?.int == 2_255_000)
            let assistant = events.last!.data["assistant_message"]!
            #expect(assistant["reasoning_tokens"]?.int == 448)
            #expect(assistant["ttft_ms"]?.int != nil)
            #expect(assistant["model"]?.string == "o3-mini")
            #expect(events.last!.data["conversation"]?["cost_nanousd"]?.int == 2_255_000)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func streamWithoutUsageIsEstimatedAndFlagged(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.enqueue(.reply(content: "No usage from this server.", usage: nil))
            let conversation = try await harness.createConversation(#"{"model":"openai/local-model"}"#)
            let events = try await harness.stream(conversation, #"{"content":"Hi","stream":true}"#)
            let usage = try #require(events.first { $0.event == "usage" }, "the stream's events: \(events)").data
            #expect(usage["usage_source"]?.string == "estimated")
            #expect((usage["output_tokens"]?.int ?? 0) > 0)
            // local-model has no price: the cost is unknown, not zero.
            #expect(usage["cost_nanousd"] == .null)
            let conversationTotals = events.last!.data["conversation"]!
            #expect(conversationTotals["unpriced_calls"]?.int == 1)
            #expect(conversationTotals["cost_nanousd"]?.int == 0)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func historyIsBoundedByTheTokenBudget(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_HISTORY_TOKEN_BUDGET": "100"]) { harness in
            harness.upstream.setFallback(.reply(content: "ok", usage: #"{"prompt_tokens":5,"completion_tokens":1}"#))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let long = String(repeating: "word ", count: 120)
            for content in [long, "short one", "latest"] {
                #expect(try await harness.send(conversation, #"{"content":"\#(content)"}"#).status == 200)
            }
            // 120 words do not fit beside the rest of a 100-token budget: only the newer messages are sent.
            let sent = harness.upstream.requests.last!["messages"]!.array.compactMap { $0["content"]?.string }
            #expect(sent == ["ok", "short one", "ok", "latest"])
        }
    }
}
