import AsyncHTTPClient
import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// Faults never lose a call: each ends in a final `llm_calls` row, a clear error to the client, and a ledger
/// that reconciles.
@Suite struct LedgerFaultTests {
    static let usage = #"{"prompt_tokens":20,"completion_tokens":7}"#

    @Test(arguments: TestDatabase.all)
    func concurrentTurnsGetUniqueGapFreeSeqsAndExactTotals(database: TestDatabase) async throws {
        // The suite runs in parallel on two cores: give the loaded upstream more than the harness's 15 s of silence,
        // and the pool the product's default 16 connections rather than the harness's 4 (200 turns on one
        // conversation queue behind its lock; with 4 connections, waiters for a connection hit the pool's 30 s
        // timeout when other PostgreSQL tests load the machine).
        let environment = ["CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "60", "CHATTER_DATABASE_MAX_CONNECTIONS": "16"]
        try await Harness.with(database, environment: environment) { harness in
            harness.upstream.setFallback(.reply(content: "ok", usage: Self.usage))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let turns = 200
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<turns {
                    group.addTask { try await harness.send(conversation, #"{"content":"turn \#(index)"}"#).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(Dictionary(statuses.map { ($0, 1) }, uniquingKeysWith: +))")
            let seqs = try await harness.rows("SELECT seq FROM messages ORDER BY seq").map { try $0.decode(column: "seq", as: Int64.self) }
            #expect(seqs == Array(1...Int64(2 * turns)))
            let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(totals["message_count"]?.int == Int64(2 * turns))
            #expect(totals["calls"]?.int == Int64(turns))
            #expect(totals["input_tokens"]?.int == Int64(20 * turns))
            #expect(totals["output_tokens"]?.int == Int64(7 * turns))
            let oneCall: Int64 = (20 * 150_000_000 + 7 * 600_000_000 + 500_000) / 1_000_000
            #expect(totals["cost_nanousd"]?.int == oneCall * Int64(turns))
            let usage = try await harness.request(.GET, "/api/v1/usage").json["totals"]!
            #expect(usage["calls"]?.int == Int64(turns))
            #expect(usage["cost_nanousd"]?.int == oneCall * Int64(turns))
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func upstreamErrorBeforeTheStreamLeavesAnErrorRowAndNoReply(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]) { harness in
            harness.upstream.enqueue(.status(500, message: "boom"), .status(500, message: "boom"))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let reply = try await harness.send(conversation, #"{"content":"Hello"}"#)
            #expect(reply.status == 502)
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect(reply.json["llm_call_id"]?.string != nil)
            #expect(reply.json["request_id"]?.string != nil)

            let events = try await harness.stream(conversation, #"{"content":"Hello","stream":true}"#)
            #expect(events.map(\.event) == ["start", "error"])
            #expect(events.last?.data["status"]?.int == 502)

            #expect(try await harness.count("llm_calls", where: "status = 'error'") == 2)
            #expect(try await harness.count("workflow_executions", where: "status = 'failed'") == 2)
            #expect(try await harness.count("messages", where: "role = 'assistant'") == 0)
            // The user's own words are kept.
            #expect(try await harness.count("messages", where: "role = 'user'") == 2)
            let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(totals["message_count"]?.int == 2)
            #expect(totals["calls"]?.int == 2)
            #expect(try await harness.request(.GET, "/api/v1/usage").json["totals"]?["failed_calls"]?.int == 2)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func rateLimitsAndServerErrorsAreRetriedEachAttemptItsOwnRow(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.enqueue(
                .status(429, message: "slow down", headers: ["Retry-After": "0"]), .status(503, message: "busy"),
                .reply(content: "Third time lucky.", usage: Self.usage)
            )
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let reply = try await harness.send(conversation, #"{"content":"Hello"}"#)
            #expect(reply.status == 200)
            #expect(reply.json["assistant_message"]?["content"]?.string == "Third time lucky.")
            let attempts = try await harness.rows("SELECT attempt, status, execution_id FROM llm_calls ORDER BY attempt")
            #expect(try attempts.map { try $0.decode(column: "status", as: String.self) } == ["error", "error", "ok"])
            #expect(try attempts.map { try $0.decode(column: "attempt", as: Int64.self) } == [1, 2, 3])
            #expect(try Set(attempts.map { try $0.decode(column: "execution_id", as: String.self) }).count == 1)
            let execution = try await harness.rows("SELECT status, calls, input_tokens FROM workflow_executions").first!
            #expect(try execution.decode(column: "status", as: String.self) == "completed")
            #expect(try execution.decode(column: "calls", as: Int64.self) == 3)
            #expect(try execution.decode(column: "input_tokens", as: Int64.self) == 20)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json["calls"]?.int == 3)

            // A rate limit that lasts is the client's 429 after the last attempt.
            harness.upstream.enqueue(
                .status(429, message: "slow down", headers: ["Retry-After": "0"]), .status(429, message: "slow down", headers: ["Retry-After": "0"]),
                .status(429, message: "slow down", headers: ["Retry-After": "0"])
            )
            let limited = try await harness.send(conversation, #"{"content":"Again"}"#)
            #expect(limited.status == 429)

            // A request the provider refuses (400) is the caller's error, not a gateway error, and is not retried.
            harness.upstream.enqueue(.status(400, message: "maximum context length exceeded"))
            let refused = try await harness.send(conversation, #"{"content":"too long"}"#)
            #expect(refused.status == 400)
            #expect(refused.json["detail"]?.string?.contains("maximum context length") == true)
            #expect(try await harness.count("llm_calls", where: "status = 'error'") == 6)
            #expect(try await harness.count("workflow_executions", where: "status = 'failed'") == 2)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func upstreamTimeoutIsAGatewayTimeout(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "4"]) { harness in
            harness.upstream.enqueue(.hang(.seconds(5)))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let reply = try await harness.send(conversation, #"{"content":"Hello"}"#)
            #expect(reply.status == 504)
            let row = try await harness.rows("SELECT status, error, usage_source FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "error")
            #expect(try row.decode(column: "usage_source", as: String?.self) == "missing")
            #expect(try await harness.count("workflow_executions", where: "status = 'failed'") == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func streamCutMidwayIsRecordedWithItsPartialOutputEstimated(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.enqueue(.cut(deltas: ["Partial", " answer", " that"]))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let events = try await harness.stream(conversation, #"{"content":"Hello","stream":true}"#)
            #expect(events.first?.event == "start")
            #expect(events.filter { $0.event == "token" }.count == 3)
            #expect(events.last?.event == "error")
            #expect(events.last?.data["status"]?.int == 502)
            let row = try await harness.rows("SELECT status, usage_source, output_tokens FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "error")
            #expect(try row.decode(column: "usage_source", as: String?.self) == "estimated")
            #expect(try row.decode(column: "output_tokens", as: Int64.self) > 0)
            #expect(try await harness.count("messages", where: "role = 'assistant'") == 0)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func upstreamFallingSilentMidStreamTimesOut(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "4"]) { harness in
            harness.upstream.enqueue(.stall(deltas: ["Some", " words"], silence: .seconds(6)))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let events = try await harness.stream(conversation, #"{"content":"Hello","stream":true}"#)
            #expect(events.filter { $0.event == "token" }.count == 2)
            #expect(events.last?.event == "error")
            #expect(events.last?.data["status"]?.int == 504)
            let row = try await harness.rows("SELECT status, usage_source FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "error")
            #expect(try row.decode(column: "usage_source", as: String?.self) == "estimated")
            #expect(try await harness.count("workflow_executions", where: "status = 'failed'") == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func clientDisconnectKeepsReadingToTheReportedUsage(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let words = (1...40).map { "w\($0)" }.joined(separator: " ")
            harness.upstream.enqueue(.reply(content: words, usage: #"{"prompt_tokens":33,"completion_tokens":40}"#, tokenDelay: .milliseconds(25)))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)

            try await harness.streamAndDisconnect(conversation, #"{"content":"Long one","stream":true}"#, afterTokens: 3)

            try await harness.eventually {
                try await harness.count("llm_calls", where: "status <> 'in_flight'") == 1
            }
            let row = try await harness.rows("SELECT status, usage_source, input_tokens, output_tokens FROM llm_calls").first!
            #expect(try row.decode(column: "status", as: String.self) == "client_disconnected")
            #expect(try row.decode(column: "usage_source", as: String?.self) == "reported")
            #expect(try row.decode(column: "input_tokens", as: Int64.self) == 33)
            #expect(try row.decode(column: "output_tokens", as: Int64.self) == 40)
            // The reply the client did not wait for is still stored, whole.
            let stored = try await harness.rows("SELECT content FROM messages WHERE role = 'assistant'").first!
            #expect(try stored.decode(column: "content", as: String.self) == words)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json["output_tokens"]?.int == 40)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func disconnectPoliciesBoundWhatIsReadAfterTheClientLeaves(database: TestDatabase) async throws {
        let slow = ScriptedUpstream.Behavior.reply(
            content: (1...100).map { "w\($0)" }.joined(separator: " "), usage: #"{"prompt_tokens":33,"completion_tokens":100}"#,
            tokenDelay: .milliseconds(40)
        )
        for (environment, reason) in [
            (["CHATTER_ON_CLIENT_DISCONNECT": "cancel"], "cancelled"),
            (["CHATTER_DRAIN_TIMEOUT_SECONDS": "1"], "drain time"),
            (["CHATTER_MAX_CONCURRENT_DRAINS": "0"], "concurrent drains"),
        ] {
            try await Harness.with(database, environment: environment) { harness in
                harness.upstream.enqueue(slow)
                let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
                try await harness.streamAndDisconnect(conversation, #"{"content":"Long one","stream":true}"#, afterTokens: 3)
                try await harness.eventually { try await harness.count("llm_calls", where: "status <> 'in_flight'") == 1 }
                // Read to its end, the call would carry the reported 100 output tokens; each policy stopped it
                // early, so it carries an estimate of what had arrived.
                let row = try await harness.rows("SELECT status, usage_source, output_tokens, error FROM llm_calls").first!
                // Cut short, the call was cancelled: it counts as failed, as its execution does.
                #expect(try row.decode(column: "status", as: String.self) == "cancelled", "\(reason)")
                #expect(try await harness.count("events", where: "type = 'llm.call.failed'") == 1, "\(reason)")
                let windows = try await harness.request(.GET, "/api/v1/monitoring/summary").json["windows"]?.array ?? []
                #expect(windows.first?["models"]?.array.first?["failed_calls"]?.int == 1, "\(reason): \(windows)")
                #expect(try row.decode(column: "usage_source", as: String?.self) == "estimated", "\(reason)")
                #expect(try row.decode(column: "output_tokens", as: Int64.self) < 100, "\(reason)")
                #expect(try row.decode(column: "error", as: String?.self)?.contains(reason) == true, "\(reason)")
                #expect(try await harness.count("messages", where: "role = 'assistant'") == 0)
                #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func noFirstTokenInTimeIsATimeout(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS": "1", "CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS": "30"]) { harness in
            harness.upstream.enqueue(.stall(deltas: [], silence: .seconds(5)))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let events = try await harness.stream(conversation, #"{"content":"Hello","stream":true}"#)
            // 504, not the 502 of the dropped connection 5 s later: the first-token watchdog ended it.
            #expect(events.last?.event == "error")
            #expect(events.last?.data["status"]?.int == 504)
            #expect(try await harness.count("llm_calls", where: "status = 'error'") == 1)
        }
    }
}
