import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOHTTP1
import SQLKit
import Testing

/// Analytics read the hourly rollups; their answers equal sums over `llm_calls` for the same filters.
@Suite struct AnalyticsTests {
    static let usage = #"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024}}"#

    @Test(arguments: TestDatabase.all)
    func answersEqualSumsOverTheCalls(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]) { harness in
            let tenant = try #require(try await harness.runtime.access.tenantIDs().first)
            let member = try await harness.runtime.access.createKey(tenantID: tenant, userID: nil, userName: "m", role: .member, name: "m")
            let demo = try await harness.createConversation()
            for turn in 1...3 { _ = try await harness.send(demo, #"{"content":"demo turn \#(turn)"}"#) }
            let priced = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            harness.upstream.enqueue(.reply(content: "A reported answer.", usage: Self.usage))
            _ = try await harness.send(priced, #"{"content":"priced"}"#)
            harness.upstream.enqueue(.reply(content: "Streamed.", usage: Self.usage))
            _ = try await harness.send(priced, #"{"content":"streamed","stream":true}"#)
            harness.upstream.enqueue(.status(500, message: "down"))
            _ = try await harness.send(priced, #"{"content":"fails"}"#)
            harness.upstream.enqueue(.reply(content: "Gateway.", usage: Self.usage))
            _ = try await harness.request(
                .POST, "/v1/chat/completions", json: #"{"model":"openai/local-model","messages":[{"role":"user","content":"hi"}]}"#
            )
            let memberConversation = try await harness.createConversation(key: member.secret)
            _ = try await harness.send(memberConversation, #"{"content":"mine"}"#, key: member.secret)

            // By model and day, against the calls.
            let byModel = try await harness.request(.GET, "/api/v1/analytics/usage?bucket=day&group_by=model")
            #expect(byModel.status == 200)
            let expected = try await harness.rows(
                """
                SELECT model, CAST(COUNT(*) AS BIGINT) AS calls, CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
                    CAST(SUM(cached_input_tokens) AS BIGINT) AS cached, CAST(SUM(output_tokens) AS BIGINT) AS output_tokens,
                    CAST(COALESCE(SUM(cost_nanousd), 0) AS BIGINT) AS cost, CAST(SUM(CASE WHEN cost_nanousd IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unpriced,
                    CAST(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS BIGINT) AS failed,
                    CAST(SUM(finished_at_ms - started_at_ms) AS BIGINT) AS latency
                FROM llm_calls GROUP BY model ORDER BY model
                """
            )
            let rows = byModel.json["rows"]!.array.sorted { ($0["model"]?.string ?? "") < ($1["model"]?.string ?? "") }
            #expect(rows.count == expected.count)
            for (row, want) in zip(rows, expected) {
                #expect(row["model"]?.string == (try want.decode(column: "model", as: String.self)))
                #expect(row["calls"]?.int == (try want.decode(column: "calls", as: Int64.self)))
                #expect(row["input_tokens"]?.int == (try want.decode(column: "input_tokens", as: Int64.self)))
                #expect(row["cached_input_tokens"]?.int == (try want.decode(column: "cached", as: Int64.self)))
                #expect(row["output_tokens"]?.int == (try want.decode(column: "output_tokens", as: Int64.self)))
                #expect(row["cost_nanousd"]?.int == (try want.decode(column: "cost", as: Int64.self)))
                #expect(row["unpriced_calls"]?.int == (try want.decode(column: "unpriced", as: Int64.self)))
                #expect(row["failed_calls"]?.int == (try want.decode(column: "failed", as: Int64.self)))
                let calls = Double(try want.decode(column: "calls", as: Int64.self))
                let latency = Double(try want.decode(column: "latency", as: Int64.self))
                if case .number(let average)? = row["avg_latency_ms"] { #expect(abs(average - latency / calls) < 0.001) }
                #expect(row["latency_p50_ms"] != nil)
                #expect(row["bucket_start"]?.string?.hasSuffix("T00:00:00.000Z") == true)
            }
            let gpt = rows.first { $0["model"]?.string == "gpt-4o-mini" }
            #expect(gpt?["calls"]?.int == 3)
            #expect(gpt?["failed_calls"]?.int == 1)
            if case .number(let rate)? = gpt?["error_rate"] { #expect(abs(rate - 1.0 / 3.0) < 1e-9) }
            #expect(gpt?["ttft_p50_ms"] != nil)

            // The latency and TTFT histograms hold each call once, in its bucket (bounds in milliseconds).
            let bounds: [Int64] = [50, 100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400]
            func bucket(_ milliseconds: Int64) -> Int { bounds.firstIndex { max(0, milliseconds) <= $0 } ?? bounds.count }
            var latencies = Array(repeating: Int64(0), count: bounds.count + 1)
            var ttfts = latencies
            for call in try await harness.rows("SELECT started_at_ms, finished_at_ms, first_token_at_ms FROM llm_calls") {
                let started = try call.decode(column: "started_at_ms", as: Int64.self)
                latencies[bucket(try call.decode(column: "finished_at_ms", as: Int64.self) - started)] += 1
                if let first = try call.decode(column: "first_token_at_ms", as: Int64?.self) { ttfts[bucket(first - started)] += 1 }
            }
            #expect(ttfts.reduce(0, +) > 0)
            for table in ["usage_daily", "usage_hourly"] {
                let sums = latencies.indices.map { "CAST(SUM(latency_b\($0)) AS BIGINT) AS l\($0), CAST(SUM(ttft_b\($0)) AS BIGINT) AS t\($0)" }
                let row = try #require(try await harness.rows("SELECT \(sums.joined(separator: ", ")) FROM \(table)").first)
                #expect(try latencies.indices.map { try row.decode(column: "l\($0)", as: Int64.self) } == latencies, "\(table)")
                #expect(try ttfts.indices.map { try row.decode(column: "t\($0)", as: Int64.self) } == ttfts, "\(table)")
            }

            // Hourly, by every dimension but conversation: the rows add up to the usage totals.
            let fine = try await harness.request(.GET, "/api/v1/analytics/usage?group_by=provider,model,user,key").json
            let totals = try await harness.request(.GET, "/api/v1/usage").json["totals"]!
            #expect(fine["rows"]!.array.compactMap { $0["calls"]?.int }.reduce(0, +) == totals["calls"]?.int)
            #expect(fine["rows"]!.array.compactMap { $0["cost_nanousd"]?.int }.reduce(0, +) == totals["cost_nanousd"]?.int)
            #expect(fine["rows"]!.array.allSatisfy { $0["bucket_start"]?.string?.hasSuffix(":00:00.000Z") == true })

            // By conversation, and the top conversations by cost.
            let byConversation = try await harness.request(.GET, "/api/v1/analytics/usage?group_by=conversation").json["rows"]!.array
            let perConversation = try await harness.rows(
                """
                SELECT conversation_id, CAST(COUNT(*) AS BIGINT) AS calls, CAST(COALESCE(SUM(cost_nanousd), 0) AS BIGINT) AS cost
                FROM llm_calls WHERE conversation_id IS NOT NULL GROUP BY conversation_id
                """
            )
            // Rows are per hour and conversation: a test running across an hour's end splits a conversation in two.
            let conversationIDs = Set(byConversation.compactMap { $0["conversation_id"]?.string })
            #expect(conversationIDs.count == perConversation.count)
            for want in perConversation {
                let id = try want.decode(column: "conversation_id", as: String.self)
                let rows = byConversation.filter { $0["conversation_id"]?.string == id }
                #expect(rows.compactMap { $0["calls"]?.int }.reduce(0, +) == (try want.decode(column: "calls", as: Int64.self)))
                #expect(rows.compactMap { $0["cost_nanousd"]?.int }.reduce(0, +) == (try want.decode(column: "cost", as: Int64.self)))
            }
            let top = try await harness.request(.GET, "/api/v1/analytics/top?by=conversation&limit=2").json["rows"]!.array
            #expect(top.count == 2)
            #expect(top.first?["conversation_id"]?.string == priced)
            let costs = top.compactMap { $0["cost_nanousd"]?.int }
            #expect(costs == costs.sorted(by: >))
            let topUsers = try await harness.request(.GET, "/api/v1/analytics/top?by=user").json["rows"]!.array
            #expect(topUsers.count == 2)

            // A member sees only its own calls.
            let mine = try await harness.request(.GET, "/api/v1/analytics/usage?group_by=user", key: member.secret).json["rows"]!.array
            #expect(mine.count == 1)
            #expect(mine.first?["user_id"]?.string == member.key.userID)
            #expect(mine.first?["calls"]?.int == 1)

            // Bad input is refused.
            for query in [
                "bucket=week", "group_by=nope", "group_by=conversation,model", "from=2026-11-22&to=2026-11-21", "from=yesterday",
                "group_by=,", "group_by=model,model", "from=0001-01-01&bucket=day",
            ] {
                let reply = try await harness.request(.GET, "/api/v1/analytics/usage?\(query)")
                #expect(reply.status == 400, "\(query)")
            }
            #expect(try await harness.request(.GET, "/api/v1/analytics/top?by=conversation&limit=0").status == 400)
            #expect(try await harness.request(.GET, "/api/v1/analytics/top").status == 400)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }
}
