import ChatterCore
import ChatterServer
import Foundation
import NIOHTTP1
import Testing

/// Monitoring: what runs now (with the model it waits on), what just ended, and per-model health by window.
@Suite struct MonitoringTests {
    static let usage = #"{"prompt_tokens":100,"completion_tokens":40,"total_tokens":140}"#

    @Test(arguments: TestDatabase.all)
    func runningAndRecentWorkflowsAndTheSummary(database: TestDatabase) async throws {
        // Six tokens 400 ms apart: the turn runs for about 2.4 s, long enough for a poll to see it running while the
        // whole suite loads the machine (at 150 ms apart, a poll slower than the 0.9 s turn missed it).
        try await Harness.with(database, environment: ["CHATTER_DEMO_TOKEN_DELAY_MS": "400", "CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]) { harness in
            let slow = try await harness.createConversation()
            let turn = Task { try await harness.send(slow, #"{"content":"one two three four five six","stream":true}"#) }
            try await harness.eventually {
                let running = try await harness.request(.GET, "/api/v1/monitoring/workflows").json["running"]!.array
                return running.contains { $0["in_flight_provider"]?.string == "demo" && $0["conversation_id"]?.string == slow }
            }
            _ = try await turn.value
            let after = try await harness.request(.GET, "/api/v1/monitoring/workflows").json
            #expect(after["running"]!.array.isEmpty)
            let finished = try #require(after["recent"]!.array.first)
            #expect(finished["status"]?.string == "completed")
            #expect(finished["kind"]?.string == "chat")
            #expect(finished["calls"]?.int == 1)
            #expect((finished["input_tokens"]?.int ?? 0) > 0)
            #expect((finished["duration_ms"]?.int ?? 0) >= 150)

            let priced = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            harness.upstream.enqueue(.reply(content: "Fine.", usage: Self.usage))
            _ = try await harness.send(priced, #"{"content":"ok","stream":true}"#)
            harness.upstream.enqueue(.status(500, message: "down"))
            _ = try await harness.send(priced, #"{"content":"fails"}"#)

            let summary = try await harness.request(.GET, "/api/v1/monitoring/summary").json
            let windows = summary["windows"]!.array
            #expect(windows.map { $0["window"]?.string } == ["5m", "1h", "24h"])
            for window in windows {
                let gpt = try #require(window["models"]!.array.first { $0["model"]?.string == "gpt-4o-mini" })
                #expect(gpt["calls"]?.int == 2)
                #expect(gpt["failed_calls"]?.int == 1)
                #expect(gpt["error_rate"] == .number(0.5))
                #expect(gpt["input_tokens"]?.int == 100)
                #expect(gpt["output_tokens"]?.int == 40)
                #expect(gpt["latency_p50_ms"]?.int != nil)
                #expect(gpt["ttft_p50_ms"]?.int != nil)
                let demo = try #require(window["models"]!.array.first { $0["provider"]?.string == "demo" })
                #expect(demo["calls"]?.int == 1)
                #expect((demo["latency_p99_ms"]?.int ?? 0) >= 150)
            }
            let recent = try await harness.request(.GET, "/api/v1/monitoring/workflows?limit=2").json["recent"]!.array
            #expect(recent.count == 2)
            #expect(recent.first?["status"]?.string == "failed")
            #expect(recent.first?["error"]?.string?.isEmpty == false)
            #expect(try await harness.request(.GET, "/api/v1/monitoring/workflows?limit=0").status == 400)
        }
    }
}
