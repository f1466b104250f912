import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOHTTP1
import Testing

/// The event contract on both wires: every type's envelope and data, identical over SSE and WebSocket;
/// WebSocket subscribe / unsubscribe with filters, and its refusals.
@Suite struct EventSocketTests {
    static let usage = #"{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}"#

    /// The fields each type's `data` carries (docs/events.md is the catalogue).
    static let contract: [String: Set<String>] = [
        "conversation.created": ["title", "model"],
        "workflow.started": ["kind", "status"],
        "message.created": ["message_id", "role", "seq"],
        "llm.call.started": ["llm_call_id", "provider", "model", "purpose", "attempt", "streamed"],
        "llm.call.completed": [
            "llm_call_id", "provider", "model", "purpose", "attempt", "status", "usage", "cost_nanousd", "unpriced", "price_id",
            "finish_reason", "upstream_request_id", "latency_ms", "ttft_ms",
        ],
        "llm.call.failed": ["llm_call_id", "provider", "model", "status", "usage", "cost_nanousd", "unpriced", "error", "latency_ms"],
        "workflow.completed": ["kind", "status", "duration_ms", "calls", "usage", "cost_nanousd", "unpriced_calls"],
        "workflow.failed": ["kind", "status", "duration_ms", "calls", "usage", "cost_nanousd", "unpriced_calls", "error"],
        "intel.updated": ["agent", "message_seq", "version", "has_pii", "result"],
    ]
    static let envelope: Set<String> = [
        "seq", "id", "type", "tenant_id", "user_id", "conversation_id", "execution_id", "correlation_id", "at", "data",
    ]

    @Test(arguments: TestDatabase.all)
    func everyEventTypeHasTheSameContractOnBothWires(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1", "CHATTER_INTEL_PIPELINE": "on"]) { harness in
            let sse = try await EventSubscriber.connect(harness)
            let socket = EventSocketClient.connect(harness)
            defer { Task { await sse.close(); await socket.close() } }
            socket.send(#"{"type":"subscribe","id":"all"}"#)
            try await socket.wait { $0.contains { $0["type"]?.string == "subscribed" } }

            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini","title":"contract"}"#)
            harness.upstream.enqueue(.reply(content: "Fine.", usage: Self.usage))
            _ = try await harness.send(conversation, #"{"content":"ok turn","stream":true}"#)
            harness.upstream.enqueue(.status(500, message: "down"))
            _ = try await harness.send(conversation, #"{"content":"failing turn"}"#)

            // The intelligence agents announce their results asynchronously: wait for the last turn's too.
            let frames = try await sse.wait { frames in
                frames.contains { $0.event == "workflow.failed" }
                    && Set(frames.filter { $0.data["data"]?["message_seq"]?.int == 3 }.compactMap { $0.data["data"]?["agent"]?.string }).count == 4
            }
            let events = try await socket.wait { messages in messages.filter { $0["type"]?.string == "event" }.count >= frames.count }
                .filter { $0["type"]?.string == "event" }
            #expect(Set(frames.map(\.event)) == Set(Self.contract.keys))
            #expect(events.count >= frames.count)
            for (frame, message) in zip(frames, events) {
                #expect(message["subscription"]?.string == "all")
                // The same envelope, byte for byte in meaning, on both wires.
                #expect(message["event"] == frame.data)
                guard case .object(let fields) = frame.data, case .object(let data)? = fields["data"] else {
                    Issue.record("\(frame.event) has no data object")
                    continue
                }
                #expect(Set(fields.keys) == Self.envelope, "\(frame.event) envelope")
                #expect(frame.data["type"]?.string == frame.event)
                #expect(frame.data["at"]?.string?.hasSuffix("Z") == true)
                let missing = Self.contract[frame.event, default: []].subtracting(data.keys)
                #expect(missing.isEmpty, "\(frame.event) lacks \(missing.sorted())")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func subscriptionsFilterAndEnd(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let socket = EventSocketClient.connect(harness)
            defer { Task { await socket.close() } }
            socket.send(#"{"type":"subscribe","id":"everything"}"#)
            socket.send(#"{"type":"subscribe","id":"calls","types":["llm.call.completed"]}"#)
            try await socket.wait { $0.filter { $0["type"]?.string == "subscribed" }.count == 2 }
            let conversation = try await harness.createConversation()
            _ = try await harness.send(conversation, #"{"content":"first"}"#)
            try await socket.wait { messages in
                messages.contains { $0["subscription"]?.string == "everything" && $0["event"]?["type"]?.string == "workflow.completed" }
                    && messages.contains { $0["subscription"]?.string == "calls" }
            }
            socket.send(#"{"type":"unsubscribe","id":"everything"}"#)
            try await socket.wait { $0.contains { $0["type"]?.string == "unsubscribed" } }
            let before = socket.messages.count
            _ = try await harness.send(conversation, #"{"content":"second"}"#)
            let after = try await socket.wait { $0.filter { $0["subscription"]?.string == "calls" }.count == 2 }
            let later = after.dropFirst(before)
            #expect(later.allSatisfy { $0["subscription"]?.string == "calls" })
            #expect(later.count == 1)
            #expect(after.filter { $0["subscription"]?.string == "calls" }.allSatisfy { $0["event"]?["type"]?.string == "llm.call.completed" })

            // Replay on subscribe, like Last-Event-ID.
            socket.send(#"{"type":"subscribe","id":"replay","after_seq":0,"types":["workflow.completed"]}"#)
            let replayed = try await socket.wait { $0.filter { $0["subscription"]?.string == "replay" }.count == 2 }
            #expect(replayed.filter { $0["subscription"]?.string == "replay" }.compactMap { $0["event"]?["seq"]?.int } == replayed.filter {
                $0["subscription"]?.string == "replay"
            }.compactMap { $0["event"]?["seq"]?.int }.sorted())

            socket.send(#"{"type":"subscribe","id":"bad","types":["nope"]}"#)
            socket.send(#"{"type":"jump","id":"x"}"#)
            socket.send("not json")
            socket.send(#"{"type":"subscribe","id":"calls"}"#)
            // A refusal names the field at fault; an unknown field is refused, not a subscription to everything.
            socket.send(#"{"type":"subscribe","id":"typo","typo_types":["x"]}"#)
            socket.send(#"{"type":"subscribe","id":"seq","after_seq":"3"}"#)
            socket.send(#"{"type":"subscribe","id":"ahead","after_seq":100000}"#)
            socket.send(#"{"type":"subscribe","id":"ghost","execution_id":"nope"}"#)
            let errors = try await socket.wait { $0.filter { $0["type"]?.string == "error" }.count == 8 }.filter { $0["type"]?.string == "error" }
            #expect(errors[0]["detail"]?.string?.contains("nope") == true)
            #expect(errors[1]["detail"]?.string?.contains("jump") == true)
            #expect(errors[3]["detail"]?.string?.contains("already exists") == true)
            #expect(errors[4]["id"]?.string == "typo" && errors[4]["detail"]?.string?.contains("typo_types") == true)
            #expect(errors[5]["id"]?.string == "seq" && errors[5]["detail"]?.string?.contains("after_seq must be a whole number") == true)
            #expect(errors[6]["detail"]?.string?.contains("beyond the event log's latest event") == true)
            #expect(errors[7]["detail"]?.string?.contains("execution nope was not found") == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func socketsAreAuthenticatedAndTenantScoped(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let refused = EventSocketClient.connect(harness, key: "chk_not_a_real_key_at_all_000000")
            await #expect(throws: (any Error).self) { try await refused.result() }

            let other = try await harness.runtime.access.createTenant(named: "other")
            let foreign = EventSocketClient.connect(harness, key: other.secret)
            let own = EventSocketClient.connect(harness)
            defer { Task { await foreign.close(); await own.close() } }
            foreign.send(#"{"type":"subscribe","id":"s","after_seq":0}"#)
            own.send(#"{"type":"subscribe","id":"s","after_seq":0}"#)
            try await foreign.wait { $0.contains { $0["type"]?.string == "subscribed" } }
            _ = try await harness.send(try await harness.createConversation(), #"{"content":"hi"}"#)
            try await own.wait { $0.contains { $0["event"]?["type"]?.string == "workflow.completed" } }
            try await Task.sleep(for: .milliseconds(400))
            let foreignEvents = foreign.messages.filter { $0["type"]?.string == "event" }
            #expect(foreignEvents.count == 0)
        }
    }
}
