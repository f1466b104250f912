import ChatterCore
import ChatterStore
import Foundation
import NIOHTTP1
import SQLKit
import Synchronization
import Testing

import ChatterIntel

@testable import ChatterServer

/// Conversation intelligence end to end: observed conversations, the four agents as consumer groups of the event
/// log, the merged view with `has_pii` sticky, annotations on message reads, `intel.updated` with a snapshot on
/// subscribe, and no raw PII anywhere it is stored or sent.
@Suite struct IntelTests {
    static let on = ["CHATTER_INTEL_PIPELINE": "on"]
    static let email = "jane.doe@example.com"
    static let card = "4111 1111 1111 1111"

    static func post(_ harness: Harness, _ conversation: String, role: String, _ content: String, author: String? = nil) async throws -> Harness.Reply {
        var body = JSONObjectWriter()
        body["role"] = .string(role)
        body["content"] = .string(content)
        if let author { body["author"] = .string(author) }
        return try await harness.send(conversation, body.json)
    }

    static func insights(_ harness: Harness, _ conversation: String) async throws -> JSONValue {
        try await harness.request(.GET, "/api/v1/conversations/\(conversation)/insights").json
    }

    /// Waits until every agent has folded in messages up to `seq`.
    static func waitForAgents(_ harness: Harness, _ conversation: String, through seq: Int64) async throws -> JSONValue {
        var latest = JSONValue.null
        do {
            try await harness.eventually(timeout: .seconds(45)) {
                latest = try await insights(harness, conversation)
                let agents = latest["agents"]?.object ?? [:]
                return ["pii", "sentiment", "insights", "summary"].allSatisfy { agents[$0]?["watermark_seq"]?.int == seq }
            }
        } catch {
            let watermarks = (latest["agents"]?.object ?? [:]).mapValues { $0["watermark_seq"]?.int ?? -1 }
            throw TestFailure("agents did not reach seq \(seq): \(watermarks), offsets \(try await harness.runtime.intel.offsets())")
        }
        return latest
    }

    @Test(arguments: TestDatabase.all)
    func anObservedSupportConversationIsAnalysedMessageByMessage(database: TestDatabase) async throws {
        try await Harness.with(database, environment: Self.on) { harness in
            let conversation = try await harness.createConversation(#"{"mode":"observe","title":"billing"}"#)
            let created = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(created["mode"]?.string == "observe")
            // Before any message: version 0, no agents, no update time (optional in the schema: absent or null).
            let empty = try await Self.insights(harness, conversation)
            #expect(empty["version"]?.int == 0 && empty["has_pii"] == .bool(false) && empty["agents"]?.object?.isEmpty == true)
            #expect(empty["updated_at"] == nil || empty["updated_at"] == .null)

            let first = try await Self.post(
                harness, conversation, role: "customer",
                "I was charged twice on my invoice! My card \(Self.card) was billed again, email me at \(Self.email).", author: "jane"
            )
            #expect(first.status == 202)
            #expect(first.json["role"]?.string == "customer")
            #expect(first.json["author"]?.string == "jane")
            #expect(first.json["seq"]?.int == 1)
            let view1 = try await Self.waitForAgents(harness, conversation, through: 1)
            #expect(view1["has_pii"] == .bool(true))
            let pii = view1["agents"]?["pii"]?["result"]
            #expect(pii?["counts"]?["email"]?.int == 1)
            #expect(pii?["counts"]?["payment_card"]?.int == 1)
            #expect(view1["agents"]?["pii"]?["engine"]?.string == "offline-patterns")
            #expect(view1["agents"]?["insights"]?["result"]?["intent"]?.string == "billing")
            #expect(view1["agents"]?["sentiment"]?["result"]?["latest_customer"]?["label"]?.string == "negative")

            _ = try await Self.post(harness, conversation, role: "agent", "I am sorry about that. I will refund the duplicate charge today.", author: "sam")
            _ = try await Self.post(harness, conversation, role: "customer", "Thanks, that is great, problem solved!")
            let view3 = try await Self.waitForAgents(harness, conversation, through: 3)
            // Sticky: the later messages have no PII, the conversation still has.
            #expect(view3["has_pii"] == .bool(true))
            #expect((view3["version"]?.int ?? 0) >= 4)
            let summary = view3["agents"]?["summary"]?["result"]
            #expect(summary?["covered_messages"]?.int == 3)
            #expect(summary?["watermark_seq"]?.int == 3)
            #expect(view3["agents"]?["sentiment"]?["result"]?["latest"]?["label"]?.string == "positive")
            for agent in ["pii", "sentiment", "insights", "summary"] {
                #expect(view3["agents"]?[agent]?["degraded"] == .bool(false))
            }

            // Per-message annotations on message reads, the PII one with the redacted text.
            let messages = try await harness.request(.GET, "/api/v1/conversations/\(conversation)/messages").json["data"]!.array
            #expect(messages.count == 3)
            let annotated = try #require(messages.first?["annotations"])
            #expect(annotated["pii"]?["result"]?["redacted_text"]?.string?.contains("[EMAIL]") == true)
            #expect(annotated["pii"]?["result"]?["redacted_text"]?.string?.contains(Self.email) == false)
            #expect(annotated["sentiment"]?["result"]?["label"]?.string == "negative")
            #expect(annotated["insights"]?["result"]?["intent"]?.string == "billing")
            #expect(messages.allSatisfy { $0["annotations"]?["summary"] != nil })

            // No raw PII value in any stored result or event.
            for (table, column) in [("intel_states", "state"), ("intel_states", "view"), ("message_annotations", "result"), ("events", "data")] {
                #expect(try await harness.count(table, where: "\(column) LIKE '%jane.doe%' OR \(column) LIKE '%4111%'") == 0, "\(table).\(column)")
            }
            // Each message once per agent: annotations are unique per (message, agent).
            #expect(try await harness.count("message_annotations") == 12)
            // The agents' own `intel.updated` after the last message do not wake them; the next poll passes over them
            // and saves the offset, so every group's stored offset reaches the (now quiet) log's end.
            let latest = try await harness.runtime.events.latestSeq()
            let deadline = ContinuousClock.now + .seconds(20)
            var offsets: [String: Int64] = [:]
            repeat {
                offsets = try await harness.runtime.intel.offsets().filter { $0.key.hasPrefix("intel.") }
                if offsets.count == 4, offsets.values.allSatisfy({ $0 == latest }) { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            #expect(offsets.count == 4 && offsets.values.allSatisfy { $0 == latest }, "\(offsets) vs \(latest)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func assistantChatsAreAnalysedToo(database: TestDatabase) async throws {
        try await Harness.with(database, environment: Self.on) { harness in
            let conversation = try await harness.createConversation()
            _ = try await harness.send(conversation, #"{"content":"My login is locked out and I can't sign in, help!"}"#)
            let view = try await Self.waitForAgents(harness, conversation, through: 2)
            #expect(view["agents"]?["insights"]?["result"]?["intent"]?.string == "account_access")
            #expect(view["agents"]?["summary"]?["result"]?["covered_messages"]?.int == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func observedMessagesRejectWhatTheyCannotUse(database: TestDatabase) async throws {
        try await Harness.with(database, environment: Self.on) { harness in
            let observed = try await harness.createConversation(#"{"mode":"observe"}"#)
            let chat = try await harness.createConversation()
            let cases: [(String, String)] = [
                (observed, #"{"content":"hello"}"#),
                (observed, #"{"role":"user","content":"hello"}"#),
                (observed, #"{"role":"customer","content":"hello","stream":true}"#),
                (observed, #"{"role":"customer","content":"hello","model":"demo/echo"}"#),
                (observed, #"{"role":"customer","content":"   "}"#),
                (observed, #"{"role":"customer","content":"hi","author":"\#(String(repeating: "a", count: 201))"}"#),
                (observed, #"{"role":"robot","content":"hello"}"#),
                (observed, #"{"role":"agent","content":"hello","author":" "}"#),
                (chat, #"{"role":"customer","content":"hello"}"#),
                (chat, #"{"content":"hello","author":"bob"}"#),
            ]
            for (conversation, body) in cases {
                let reply = try await harness.send(conversation, body)
                #expect(reply.status == 400, "\(body): \(reply.status) \(reply.body)")
                #expect(reply.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            #expect(try await harness.request(.POST, "/api/v1/conversations", json: #"{"mode":"observe","model":"demo/echo"}"#).status == 400)
            #expect(try await harness.request(.POST, "/api/v1/conversations", json: #"{"mode":"watch"}"#).status == 400)
            // As on create, an observed conversation cannot be given a model or a system prompt later.
            for body in [#"{"model":"demo/echo"}"#, #"{"system_prompt":"be brief"}"#] {
                #expect(try await harness.request(.PATCH, "/api/v1/conversations/\(observed)", json: body).status == 400, "\(body)")
            }
            let renamed = try await harness.request(.PATCH, "/api/v1/conversations/\(observed)", json: #"{"title":"renamed"}"#)
            #expect(renamed.status == 200)
            #expect(renamed.json["model"] == nil || renamed.json["model"] == .null)
            #expect(try await harness.count("messages") == 0)
            #expect(try await harness.request(.GET, "/api/v1/conversations/nope/insights").status == 404)
        }
    }

    @Test(arguments: TestDatabase.all)
    func subscribersGetASnapshotThenUpdatesOfTheirTenantOnly(database: TestDatabase) async throws {
        try await Harness.with(database, environment: Self.on) { harness in
            let conversation = try await harness.createConversation(#"{"mode":"observe"}"#)
            let subscriber = try await EventSubscriber.connect(harness, query: "conversation_id=\(conversation)&types=intel.updated")
            defer { Task { await subscriber.close() } }
            let snapshot = try await subscriber.wait { frames in frames.contains { $0.event == "intel.snapshot" } }
            #expect(snapshot.first?.event == "intel.snapshot")
            #expect(snapshot.first?.data["version"]?.int == 0)

            let other = try await harness.runtime.access.createTenant(named: "other")
            let foreign = try await EventSubscriber.connect(harness, query: "conversation_id=\(conversation)", key: other.secret)
            #expect(foreign.status == 404)
            await foreign.close()
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(conversation)/insights", key: other.secret).status == 404)

            _ = try await Self.post(harness, conversation, role: "customer", "This is the third time I ask, my order still has not arrived!")
            let frames = try await subscriber.wait { frames in
                frames.filter { $0.event == "intel.updated" }.count >= 4
            }
            let updates = frames.filter { $0.event == "intel.updated" }
            #expect(Set(updates.compactMap { $0.data["data"]?["agent"]?.string }) == ["pii", "sentiment", "insights", "summary"])
            #expect(updates.allSatisfy { $0.data["conversation_id"]?.string == conversation && $0.id != nil })
            // Each update carries its agent's entry of the merged view; applied to the snapshot, they give the stored view.
            var agents = snapshot.first?.data["agents"]?.object ?? [:]
            var version: Int64 = 0
            for update in updates {
                let data = try #require(update.data["data"])
                agents[data["agent"]?.string ?? ""] = data["result"]
                version = max(version, data["version"]?.int ?? 0)
                #expect(data["has_pii"] == .bool(false))
            }
            #expect(agents["insights"]?["result"]?["intent"]?.string == "order_status")
            let stored = try await Self.insights(harness, conversation)
            #expect(stored["version"]?.int == version)
            #expect(JSONValue.object(agents) == stored["agents"])
        }
    }

    /// Two nodes on one PostgreSQL database both run the agents: each agent is one consumer group, so every
    /// message is analysed by exactly one node, once, whichever node it was posted to.
    @Test func twoNodesShareEachAgentsConsumerGroup() async throws {
        guard TestDatabase.all.contains(.postgres) else { return }
        try await Harness.withTwoNodes(.postgres, environment: Self.on) { first, second in
            let conversation = try await first.createConversation(#"{"mode":"observe"}"#)
            let count = 40
            for index in 0..<count {
                // Both nodes take messages, so both are woken by their own commits and by the other's NOTIFY.
                let node = index % 2 == 0 ? first : second
                let role = index % 2 == 0 ? "customer" : "agent"
                let reply = try await Self.post(node, conversation, role: role, "Message \(index): my order is late, please help.")
                #expect(reply.status == 202)
            }
            let view = try await Self.waitForAgents(first, conversation, through: Int64(count))
            #expect(view["agents"]?["summary"]?["result"]?["covered_messages"]?.int == Int64(count))
            // Exactly once: the two nodes' processed counters add up to the message count, agent by agent.
            let counts = [first, second].map { $0.runtime.intelObserver.snapshot }
            for agent in IntelAgentKind.allCases {
                let processed = counts.reduce(Int64(0)) { $0 + ($1[agent]?.messages ?? 0) }
                #expect(processed == Int64(count), "\(agent): \(processed) analysed")
            }
            #expect(try await first.count("message_annotations") == Int64(count * 4))
            #expect(try await first.count("intel_dead_letters") == 0)
            // Every group is past the last message (an offset may move further, past later events of other types).
            let lastMessage = try await first.rows("SELECT MAX(seq) AS seq FROM events WHERE type = 'message.created'").first!.decode(column: "seq", as: Int64.self)
            let offsets = try await first.runtime.intel.offsets()
            #expect(offsets.count == 4 && offsets.values.allSatisfy { $0 >= lastMessage })
        }
    }

    @Test(arguments: TestDatabase.all)
    func pipelineLagIsInMetrics(database: TestDatabase) async throws {
        try await Harness.with(database, environment: Self.on) { harness in
            let conversation = try await harness.createConversation(#"{"mode":"observe"}"#)
            _ = try await Self.post(harness, conversation, role: "customer", "hello there")
            _ = try await Self.waitForAgents(harness, conversation, through: 1)
            let metrics = try await harness.request(.GET, "/metrics").body
            for agent in ["pii", "sentiment", "insights", "summary"] {
                #expect(metrics.contains(#"chatter_event_consumer_lag{consumer="intel.\#(agent)"}"#))
                #expect(metrics.contains(#"chatter_intel_messages_total{agent="\#(agent)"}"#))
            }
        }
    }
}

/// A summary agent that fails on messages containing "poison" until healed: the pipeline retries, dead-letters
/// the message, moves on, and a retry through the API replays the conversation.
final class FlakySummaryAgent: IntelAgent, Sendable {
    let kind = IntelAgentKind.summary
    let healed = Mutex(false)
    let real = SummaryAgent()

    func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome {
        if !healed.withLock({ $0 }), messages.contains(where: { $0.text.contains("poison") }) {
            throw ChatterError(.internalError, "cannot digest poison")
        }
        return try await real.process(messages, of: conversation, state: state)
    }
}

extension IntelTests {
    @Test(arguments: TestDatabase.all)
    func aMessageThatKeepsFailingIsDeadLetteredAndRetryable(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_INTEL_PIPELINE": "off"]) { harness in
            let runtime = harness.runtime
            let agent = FlakySummaryAgent()
            var settings = IntelSettings()
            settings.retryBackoff = .milliseconds(5)
            let consumer = IntelConsumer(
                agent: agent, store: runtime.intel, events: runtime.events, redactor: runtime.configuration.piiDetector, settings: settings,
                observer: runtime.intelObserver, logger: runtime.logger
            )
            let running = Task { await consumer.run(wakeups: runtime.database.eventSignal.wakeups()) }
            defer { running.cancel() }

            let conversation = try await harness.createConversation(#"{"mode":"observe"}"#)
            for text in ["hello, my order is late", "here is a poison pill", "bye for now"] {
                #expect(try await Self.post(harness, conversation, role: "customer", text).status == 202)
            }
            var letters: [JSONValue] = []
            try await harness.eventually {
                letters = try await harness.request(.GET, "/api/v1/intel/dead-letters").json["data"]?.array ?? []
                return letters.count == 1
            }
            let letter = letters[0]
            #expect(letter["status"]?.string == "dead")
            #expect(letter["agent"]?.string == "summary")
            #expect(letter["message_seq"]?.int == 2)
            #expect(letter["attempts"]?.int == Int64(settings.maxAttempts))
            #expect(letter["error"]?.string?.contains("cannot digest poison") == true)
            try await harness.eventually {
                let summary = try await Self.insights(harness, conversation)["agents"]?["summary"]?["result"]
                return summary?["watermark_seq"]?.int == 3 && summary?["covered_messages"]?.int == 2
            }

            let id = try #require(letter["id"]?.string)
            let other = try await runtime.access.createTenant(named: "other")
            #expect(try await harness.request(.POST, "/api/v1/intel/dead-letters/\(id)/retry", key: other.secret).status == 404)
            agent.healed.withLock { $0 = true }
            let retry = try await harness.request(.POST, "/api/v1/intel/dead-letters/\(id)/retry")
            #expect(retry.status == 202)
            try await harness.eventually {
                let summary = try await Self.insights(harness, conversation)["agents"]?["summary"]?["result"]
                return summary?["covered_messages"]?.int == 3
            }
            try await harness.eventually {
                try await harness.request(.GET, "/api/v1/intel/dead-letters?status=resolved").json["data"]?.array.count == 1
            }
            #expect(try await harness.request(.POST, "/api/v1/intel/dead-letters/\(id)/retry").status == 409)
            #expect(try await harness.count("message_annotations", where: "agent = 'summary'") == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func languageModelEnginesAreInTheLedgerAndDegradeHonestly(database: TestDatabase) async throws {
        let environment = ["CHATTER_INTEL_PIPELINE": "on", "CHATTER_INTEL_ENGINE": "llm", "CHATTER_INTEL_MODEL": "openai/gpt-4o-mini", "CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]
        try await Harness.with(database, environment: environment) { harness in
            // One answer every engine can read: each takes its own fields.
            let answer = """
                {"messages":[{"seq":1,"compound":-0.7,"label":"negative","emotion":"anger","intent":"refund","urgency":"high"}],
                "intent":"refund","urgency":"high","reasons":[{"kind":"impact_phrase","detail":"wants money back"}],
                "suggested_actions":["Check refund eligibility"],"escalate":false,"escalation_reason":null,
                "tldr":"Customer wants a refund.","customer_issue":"Refund for a broken item [EMAIL]","agent_response":"",
                "key_points":["broken item"],"next_steps":["issue refund"]}
                """
            harness.upstream.setFallback(.reply(content: "Here you go:\n```json\n\(answer)\n```", usage: #"{"prompt_tokens":120,"completion_tokens":60}"#))
            let conversation = try await harness.createConversation(#"{"mode":"observe"}"#)
            _ = try await Self.post(harness, conversation, role: "customer", "I want my money back for this broken item, write to \(Self.email)")
            let view = try await Self.waitForAgents(harness, conversation, through: 1)
            for agent in ["sentiment", "insights", "summary"] {
                #expect(view["agents"]?[agent]?["engine"]?.string == "llm:openai/gpt-4o-mini", "\(agent)")
                #expect(view["agents"]?[agent]?["degraded"] == .bool(false))
            }
            #expect(view["agents"]?["pii"]?["engine"]?.string == "offline-patterns")
            #expect(view["agents"]?["insights"]?["result"]?["intent"]?.string == "refund")
            #expect(view["agents"]?["summary"]?["result"]?["tldr"]?.string == "Customer wants a refund.")
            #expect(view["agents"]?["sentiment"]?["result"]?["latest"]?["emotion"]?.string == "anger")

            // The calls are ledger rows under their purposes, on the conversation's totals, and no prompt held the raw email.
            for purpose in ["intel.sentiment", "intel.insights", "intel.summary"] {
                #expect(try await harness.count("llm_calls", where: "purpose = '\(purpose)' AND status = 'ok'") == 1, "\(purpose)")
            }
            let prompts = try harness.upstream.requests.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            #expect(prompts.count == 3)
            #expect(prompts.allSatisfy { !$0.contains(Self.email) })
            #expect(prompts.allSatisfy { $0.contains("[EMAIL]") })
            let usage = try await harness.request(.GET, "/api/v1/usage?group_by=purpose").json
            let purposes = Dictionary(uniqueKeysWithValues: (usage["rows"]?.array ?? []).map { ($0["purpose"]?.string ?? "", $0["calls"]?.int ?? 0) })
            #expect(purposes["intel.sentiment"] == 1 && purposes["intel.insights"] == 1 && purposes["intel.summary"] == 1)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json["calls"]?.int == 3)

            harness.upstream.setFallback(.status(500, message: "model down"))
            _ = try await Self.post(harness, conversation, role: "customer", "Still waiting for that refund!!")
            let degraded = try await Self.waitForAgents(harness, conversation, through: 2)
            for agent in ["sentiment", "insights", "summary"] {
                #expect(degraded["agents"]?[agent]?["degraded"] == .bool(true), "\(agent)")
                #expect(degraded["agents"]?[agent]?["degraded_reason"]?.string?.isEmpty == false)
                #expect(degraded["agents"]?[agent]?["engine"]?.string?.hasPrefix("offline-") == true)
            }
            #expect(degraded["agents"]?["summary"]?["result"]?["covered_messages"]?.int == 2)
            #expect(try await harness.count("llm_calls", where: "purpose LIKE 'intel.%' AND status = 'error'") == 3)
        }
    }
}
