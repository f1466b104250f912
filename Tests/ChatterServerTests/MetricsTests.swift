import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOHTTP1
import Testing

/// `/metrics`: Prometheus text that promtool accepts, whose token and cost counters equal the ledger's sums.
@Suite struct MetricsTests {
    static let usage = #"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":64}}"#

    @Test(arguments: TestDatabase.all)
    func countersEqualTheLedgerAfterAMixedRun(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1", "CHATTER_METRICS_TOKEN": "metrics-token-0123456789"]) { harness in
            let demo = try await harness.createConversation()
            _ = try await harness.send(demo, #"{"content":"one"}"#)
            _ = try await harness.send(demo, #"{"content":"two","stream":true}"#)
            let priced = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            harness.upstream.enqueue(.reply(content: "Reported.", usage: Self.usage))
            _ = try await harness.send(priced, #"{"content":"three"}"#)
            harness.upstream.enqueue(.status(500, message: "broken"))
            _ = try await harness.send(priced, #"{"content":"four"}"#)
            harness.upstream.enqueue(.reply(content: "Unpriced.", usage: Self.usage))
            let gateway = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"openai/local-model","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(gateway.status == 200)

            let scrape = try await harness.request(.GET, "/metrics", key: "metrics-token-0123456789")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type")?.hasPrefix("text/plain") == true)
            let samples = Self.samples(scrape.body)
            let usage = try await harness.request(.GET, "/api/v1/usage").json["totals"]!

            func sum(_ name: String, _ labels: [String: String] = [:]) -> Int64 {
                samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
                    .reduce(0) { $0 + Int64($1.value) }
            }
            #expect(sum("chatter_llm_calls_total") == usage["calls"]?.int)
            #expect(sum("chatter_llm_calls_total", ["status": "error"]) == usage["failed_calls"]?.int)
            #expect(sum("chatter_llm_tokens_total", ["type": "input"]) == usage["input_tokens"]?.int)
            #expect(sum("chatter_llm_tokens_total", ["type": "cached_input"]) == usage["cached_input_tokens"]?.int)
            #expect(sum("chatter_llm_tokens_total", ["type": "output"]) == usage["output_tokens"]?.int)
            #expect(sum("chatter_llm_tokens_total", ["type": "reasoning"]) == usage["reasoning_tokens"]?.int)
            #expect(sum("chatter_llm_cost_nanousd_total") == usage["cost_nanousd"]?.int)
            #expect(sum("chatter_llm_unpriced_calls_total") == usage["unpriced_calls"]?.int)
            #expect(sum("chatter_llm_unpriced_calls_total") == 1)
            #expect(sum("chatter_llm_cost_nanousd_total") > 0)
            #expect(sum("gen_ai_client_token_usage_count", ["gen_ai_token_type": "input"]) == 4)
            #expect(sum("chatter_events_written_total") == (try await harness.count("events")))
            #expect(sum("chatter_http_requests_total", ["route": "/api/v1/conversations/{id}/messages"]) == 4)

            let environment = ProcessInfo.processInfo.environment
            // The test script always provides promtool; a bare `swift test` may not have it.
            #expect(environment["CHATTER_TEST_PROMTOOL"] != nil || environment["CHATTER_TEST_REQUIRE_POSTGRES"] == nil)
            if let promtool = environment["CHATTER_TEST_PROMTOOL"] {
                let result = try await ChildProcess.run(promtool, ["check", "metrics"], input: scrape.body)
                #expect(result.status == 0, "promtool: \(result.output)")
            }

            let anonymous = try await harness.request(.GET, "/metrics", key: nil)
            #expect(anonymous.status == 401)
            let member = try await harness.runtime.access.createKey(
                tenantID: try await harness.runtime.access.tenantIDs()[0], userID: nil, userName: "m", role: .member, name: "m"
            )
            #expect(try await harness.request(.GET, "/metrics", key: member.secret).status == 403)
            #expect(try await harness.request(.GET, "/metrics").status == 200)
            // Metrics cover every tenant: another tenant's admin may not read them.
            let otherAdmin = try await harness.runtime.access.createTenant(named: "other")
            #expect(try await harness.request(.GET, "/metrics", key: otherAdmin.secret).status == 403)
        }
    }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of the exposition text (labels without escapes, which these metrics never need).
    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }
}
