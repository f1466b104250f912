import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// The OpenAI-compatible gateway: the official `openai` Python package runs against it unchanged, and its
/// calls land in the ledger attributed to the key.
@Suite struct GatewayTests {
    static let pythonAvailable: Bool = {
        let started = try? ChildProcess.start("/usr/bin/env", ["python3", "-c", "import openai"], environment: nil, streams: [.null, .null, .null])
        guard let (child, _) = started else { return false }
        return child.waitBlocking() == 0
    }()

    /// Under scripts/test.sh the package is installed, so its absence is a failure, not a skip.
    static let runSDKTests = pythonAvailable || ProcessInfo.processInfo.environment["CHATTER_TEST_REQUIRE_POSTGRES"] == "1"

    @Test(.enabled(if: runSDKTests), arguments: TestDatabase.all)
    func officialOpenAISDKWorksUnchanged(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let usage = #"{"prompt_tokens":31,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":16}}"#
            harness.upstream.setFallback(.reply(content: "Hi from the gateway.", usage: usage))
            let key = try await harness.request(.POST, "/api/v1/admin/keys", json: #"{"name":"sdk","role":"member"}"#).json
            let secret = try #require(key["secret"]?.string)
            let keyID = try #require(key["key"]?["id"]?.string)

            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openai_sdk_client.py")
            let output = try await Self.python([script.path, harness.baseURL + "/v1", secret, "gpt-4o-mini"])
            let results = Dictionary(
                uniqueKeysWithValues: output.split(separator: "\n").compactMap { line -> (String, JSONValue)? in
                    guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), let name = json["scenario"]?.string else { return nil }
                    return (name, json)
                }
            )
            #expect(results["plain"]?["content"]?.string == "Hi from the gateway.")
            #expect(results["plain"]?["finish_reason"]?.string == "stop")
            #expect(results["plain"]?["prompt_tokens"]?.int == 31)
            #expect(results["plain"]?["completion_tokens"]?.int == 9)
            #expect(results["plain"]?["cached_tokens"]?.int == 16)
            // gpt-4o-mini: 15 uncached × $0.15 + 16 cached × $0.075 + 9 × $0.60 per million tokens.
            let cost: Int64 = (15 * 150_000_000 + 16 * 75_000_000 + 9 * 600_000_000 + 500_000) / 1_000_000
            #expect(results["header"]?["cost"]?.string == String(cost))
            #expect(results["stream_usage"]?["content"]?.string == "Hi from the gateway.")
            #expect(results["stream_usage"]?["prompt_tokens"]?.int == 31)
            #expect(results["stream_plain"]?["content"]?.string == "Hi from the gateway.")
            #expect(results["stream_plain"]?["usage_chunks"]?.int == 0)
            #expect(results["unknown_model"]?["status"]?.int == 404)
            #expect(results["unknown_model"]?["code"]?.string == "model_not_found")
            #expect(results["bad_role"]?["status"]?.int == 400)
            #expect(results["bad_key"]?["status"]?.int == 401)
            #expect(results["models"]?["ids"]?.array.contains(.string("openai/gpt-4o-mini")) == true)

            // Chatter asked the upstream for usage on both streams, whatever the client asked.
            let streamed = harness.upstream.requests.filter { $0["stream"] == .bool(true) }
            #expect(streamed.count == 2)
            #expect(streamed.allSatisfy { $0["stream_options"]?["include_usage"] == .bool(true) })
            #expect(harness.upstream.requests.first?["temperature"] == .number(0.3))
            #expect(harness.upstream.requests.first?["messages"]?[0]?["role"]?.string == "system")

            // Four successful calls, attributed to the SDK's key, in the ledger and the usage report.
            #expect(try await harness.count("llm_calls", where: "status = 'ok' AND api_key_id = '\(keyID)'") == 4)
            #expect(try await harness.count("workflow_executions", where: "kind = 'gateway' AND status = 'completed'") == 4)
            let report = try await harness.request(.GET, "/api/v1/usage?group_by=key,provider").json
            let row = report["rows"]!.array.first { $0["api_key_id"]?.string == keyID }
            #expect(row?["calls"]?.int == 4)
            #expect(row?["input_tokens"]?.int == 124)
            #expect(row?["cached_input_tokens"]?.int == 64)
            #expect(row?["output_tokens"]?.int == 36)
            #expect(row?["cost_nanousd"]?.int == 4 * cost)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func gatewayCallsCanBeAttachedToAConversationAndDemoAnswers(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let conversation = try await harness.createConversation()
            let reply = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":"via gateway"}]}"#,
                headers: ["X-Chatter-Conversation-ID": conversation]
            )
            #expect(reply.status == 200)
            #expect(reply.json["choices"]?[0]?["message"]?["content"]?.string == "Echo #1: via gateway")
            #expect(reply.header("X-Chatter-Cost-NanoUSD") == "0")
            let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(totals["calls"]?.int == 1)
            #expect(totals["input_tokens"]?.int == reply.json["usage"]?["prompt_tokens"]?.int)

            let foreign = try await harness.runtime.access.createTenant(named: "other")
            let hidden = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}]}"#,
                key: foreign.secret, headers: ["X-Chatter-Conversation-ID": conversation]
            )
            #expect(hidden.status == 404)
            let observed = try await harness.createConversation(#"{"mode":"observe"}"#)
            let intoObserved = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}]}"#,
                headers: ["X-Chatter-Conversation-ID": observed]
            )
            #expect(intoObserved.status == 400)
            #expect(intoObserved.json["error"]?["message"]?.string?.contains("observed") == true)
            #expect(hidden.json["error"]?["message"]?.string != nil)

            let unsupported = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"logit_bias":{"50256":-100}}"#
            )
            #expect(unsupported.status == 400)
            #expect(unsupported.json["error"]?["message"]?.string?.contains("logit_bias") == true)
            let tools = #""tools":[{"type":"function","function":{"name":"weather"}}]"#
            let ask = #""model":"demo/echo","messages":[{"role":"user","content":"x"}]"#
            for body in [
                #"{"messages":[]}"#, #"{"model":"demo/echo"}"#, #"not json"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"n":2}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":"x"}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"tool_choice":"required"}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes",\#(tools)}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function"},\#(tools)}"#,
                #"{\#(ask),"tool_choice":{"type":"function","function":{"name":"rain"}},\#(tools)}"#,
                #"{\#(ask),"max_tokens":1.5}"#, #"{\#(ask),"max_completion_tokens":0}"#, #"{\#(ask),"max_completion_tokens":null,"max_tokens":0}"#,
                #"{\#(ask),"tool_choice":{"type":"custom","custom":{"name":"weather"}},\#(tools)}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
                #"{"model":"demo/echo","messages":[{"role":"user","content":"a\u0000b"}]}"#,
            ] {
                let bad = try await harness.request(.POST, "/v1/chat/completions", json: body)
                #expect(bad.status == 400, "\(body)")
                #expect(bad.json["error"]?["type"]?.string == "invalid_request_error", "\(body)")
            }
            let badChoice = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes",\#(tools)}"#
            )
            #expect(badChoice.json["error"]?["param"]?.string == "tool_choice")
            let fraction = try await harness.request(.POST, "/v1/chat/completions", json: #"{\#(ask),"max_completion_tokens":2.5}"#)
            #expect(fraction.json["error"]?["param"]?.string == "max_completion_tokens")
            #expect(fraction.json["error"]?["message"]?.string?.contains("whole number") == true)
            // A kind of tool_choice only OpenAI-compatible servers take is refused for the demo provider, not dropped.
            let allowedTools = try await harness.request(
                .POST, "/v1/chat/completions",
                json: #"{\#(ask),"tool_choice":{"type":"allowed_tools"},\#(tools)}"#
            )
            #expect(allowedTools.json["error"]?["message"]?.string?.contains("allowed_tools") == true, "\(allowedTools.body)")
            #expect(try await harness.count("llm_calls") == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func toolCallsPassThroughStreamedAndNot(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let body = #"""
                {"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"weather?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "tool_choice":"auto","seed":7,"max_completion_tokens":100}
                """#
            harness.upstream.enqueue(.toolCall(name: "get_weather", arguments: #"{"city":"Paris"}"#, usage: #"{"prompt_tokens":50,"completion_tokens":12}"#))
            let reply = try await harness.request(.POST, "/v1/chat/completions", json: body)
            #expect(reply.status == 200)
            let call = reply.json["choices"]?[0]?["message"]?["tool_calls"]?[0]
            #expect(call?["function"]?["name"]?.string == "get_weather")
            #expect(call?["function"]?["arguments"]?.string == #"{"city":"Paris"}"#)
            #expect(reply.json["choices"]?[0]?["finish_reason"]?.string == "tool_calls")
            let sent = harness.upstream.requests.last!
            #expect(sent["tools"]?[0]?["function"]?["name"]?.string == "get_weather")
            #expect(sent["tool_choice"]?.string == "auto")
            #expect(sent["seed"]?.int == 7)
            #expect(sent["max_completion_tokens"]?.int == 100)
            #expect(sent["max_tokens"] == nil)

            harness.upstream.enqueue(.toolCall(name: "get_weather", arguments: #"{"city":"Rome"}"#, usage: #"{"prompt_tokens":50,"completion_tokens":12}"#))
            let streamed = try await harness.request(.POST, "/v1/chat/completions", json: body.replacingOccurrences(of: #""seed":7"#, with: #""seed":7,"stream":true"#))
            let chunks = Harness.events(in: streamed.body).map(\.data)
            let arguments = chunks.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["function"]?["arguments"]?.string }.joined()
            #expect(arguments == #"{"city":"Rome"}"#)
            #expect(streamed.body.hasSuffix("data: [DONE]\n\n"))
            #expect(try await harness.count("llm_calls", where: "status = 'ok' AND output_tokens = 12") == 2)
        }
    }

    /// A streamed call's response starts with its first bytes: one that fails before the upstream answers is an HTTP
    /// error in OpenAI's shape (as the SDKs expect), and one cut after tokens ends with an error event.
    @Test(arguments: TestDatabase.all)
    func aStreamFailingBeforeItsFirstTokenIsAnHTTPErrorAndOneCutLaterEndsWithAnErrorEvent(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let body = #"{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            let limit = ScriptedUpstream.Behavior.status(429, message: "slow down", headers: ["Retry-After": "0"])
            harness.upstream.enqueue(limit, limit, limit)
            let limited = try await harness.request(.POST, "/v1/chat/completions", json: body)
            #expect(limited.status == 429)
            #expect(limited.header("Content-Type") == "application/json")
            #expect(limited.json["error"]?["type"]?.string == "rate_limit_error")
            #expect(limited.json["error"]?["message"]?.string?.contains("slow down") == true)

            harness.upstream.enqueue(.status(400, message: "maximum context length exceeded"))
            let refused = try await harness.request(.POST, "/v1/chat/completions", json: body)
            #expect(refused.status == 400)
            #expect(refused.json["error"]?["type"]?.string == "invalid_request_error")

            // A retry before the first token is invisible to the client: one stream, opened once.
            harness.upstream.enqueue(
                .status(503, message: "busy"), .reply(content: "Back again.", usage: #"{"prompt_tokens":9,"completion_tokens":3}"#)
            )
            let recovered = try await harness.request(.POST, "/v1/chat/completions", json: body)
            #expect(recovered.status == 200)
            let chunks = Harness.events(in: recovered.body).map(\.data).filter { $0 != .null }
            #expect(chunks.first?["choices"]?[0]?["delta"]?["role"]?.string == "assistant")
            #expect(chunks.filter { $0["choices"]?[0]?["delta"]?["role"] != nil }.count == 1)
            #expect(chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined() == "Back again.")
            #expect(recovered.body.hasSuffix("data: [DONE]\n\n"))

            harness.upstream.enqueue(.cut(deltas: ["Half", " an"]))
            let cut = try await harness.request(.POST, "/v1/chat/completions", json: body)
            #expect(cut.status == 200)
            let cutChunks = Harness.events(in: cut.body).map(\.data)
            #expect(cutChunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined() == "Half an")
            #expect(cutChunks.last?["error"]?["type"]?.string == "api_error")

            #expect(try await harness.count("llm_calls", where: "status = 'error'") == 6)
            #expect(try await harness.count("llm_calls", where: "status = 'ok' AND input_tokens = 9 AND output_tokens = 3") == 1)
            #expect(try await harness.count("workflow_executions", where: "status = 'failed'") == 3)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    static func python(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/env", ["python3"] + arguments)
        guard result.status == 0 else { throw TestFailure("python failed: \(result.errors)") }
        return result.output
    }
}
