import ChatterCore
@testable import ChatterServer
import ChatterStore
import Foundation
import NIOHTTP1
import SQLKit
import Testing

/// The event log end to end: written in the ledger's transactions, delivered over SSE in commit order with
/// the request's correlation id, replayed with Last-Event-ID, scoped by tenant and user, and never held up by
/// a slow client.
@Suite struct EventTests {
    static let usage = #"{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}"#

    @Test(arguments: TestDatabase.all)
    func aStreamedTurnAnnouncesItsLifecycleInCommitOrder(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let subscriber = try await EventSubscriber.connect(harness)
            defer { Task { await subscriber.close() } }
            #expect(subscriber.status == 200)
            harness.upstream.enqueue(.reply(content: "Streamed answer.", usage: Self.usage))
            let created = try await harness.request(
                .POST, "/api/v1/conversations", json: #"{"model":"openai/gpt-4o-mini"}"#, headers: ["X-Request-ID": "create-req-1"]
            )
            let conversation = try #require(created.json["id"]?.string)
            let reply = try await harness.request(
                .POST, "/api/v1/conversations/\(conversation)/messages", json: #"{"content":"Hi","stream":true}"#,
                headers: ["X-Request-ID": "turn-req-1"]
            )
            let end = try #require(Harness.events(in: reply.body).last?.data)
            let frames = try await subscriber.wait { $0.contains { $0.event == "workflow.completed" } }

            #expect(
                frames.map(\.event) == [
                    "conversation.created", "workflow.started", "message.created", "llm.call.started", "llm.call.completed",
                    "message.created", "workflow.completed",
                ]
            )
            let seqs = frames.compactMap { $0.data["seq"]?.int }
            #expect(seqs.count == frames.count && seqs == seqs.sorted() && Set(seqs).count == seqs.count)
            #expect(frames.map(\.id) == seqs.map { String($0) })
            #expect(frames[0].data["correlation_id"]?.string == "create-req-1")
            #expect(frames.dropFirst().allSatisfy { $0.data["correlation_id"]?.string == "turn-req-1" })
            #expect(frames.allSatisfy { $0.data["conversation_id"]?.string == conversation })
            let executionID = end["execution_id"]?.string
            #expect(frames.dropFirst().allSatisfy { $0.data["execution_id"]?.string == executionID })

            let assistant = try #require(end["assistant_message"])
            let completed = try #require(frames[4].data["data"])
            #expect(completed["llm_call_id"]?.string == end["llm_call_id"]?.string)
            #expect(completed["status"]?.string == "ok")
            #expect(completed["usage"]?["input_tokens"]?.int == 120)
            #expect(completed["usage"]?["output_tokens"]?.int == 30)
            #expect(completed["usage"]?["source"]?.string == "reported")
            #expect(completed["cost_nanousd"]?.int == assistant["cost_nanousd"]?.int)
            #expect((completed["cost_nanousd"]?.int ?? 0) > 0)
            #expect(frames[2].data["data"]?["role"]?.string == "user")
            #expect(frames[5].data["data"]?["message_id"]?.string == assistant["id"]?.string)
            #expect(frames[5].data["data"]?["usage"]?["output_tokens"]?.int == assistant["output_tokens"]?.int)
            let workflow = try #require(frames[6].data["data"])
            #expect(workflow["status"]?.string == "completed")
            #expect(workflow["calls"]?.int == 1)
            #expect(workflow["cost_nanousd"]?.int == assistant["cost_nanousd"]?.int)
            #expect(workflow["usage"]?["input_tokens"]?.int == 120)
            #expect(try await harness.count("events") == Int64(frames.count))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aFailedUpstreamAnnouncesTheFailure(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_UPSTREAM_MAX_ATTEMPTS": "1"]) { harness in
            let subscriber = try await EventSubscriber.connect(harness)
            defer { Task { await subscriber.close() } }
            harness.upstream.enqueue(.status(500, message: "upstream exploded"))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let reply = try await harness.request(
                .POST, "/api/v1/conversations/\(conversation)/messages", json: #"{"content":"Hi"}"#, headers: ["X-Request-ID": "failing-turn"]
            )
            #expect(reply.status >= 500)
            let frames = try await subscriber.wait { $0.contains { $0.event == "workflow.failed" } }
            #expect(
                frames.map(\.event) == [
                    "conversation.created", "workflow.started", "message.created", "llm.call.started", "llm.call.failed", "workflow.failed",
                ]
            )
            #expect(frames[4].data["data"]?["status"]?.string == "error")
            #expect(frames[4].data["data"]?["error"]?.string?.isEmpty == false)
            #expect(frames[5].data["data"]?["status"]?.string == "failed")
            #expect(frames.dropFirst().allSatisfy { $0.data["correlation_id"]?.string == "failing-turn" })
        }
    }

    @Test(arguments: TestDatabase.all)
    func lastEventIDReplaysExactlyWhatWasMissed(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let everything = try await EventSubscriber.connect(harness)
            defer { Task { await everything.close() } }
            let conversation = try await harness.createConversation()
            for turn in 1...2 { _ = try await harness.send(conversation, #"{"content":"turn \#(turn)"}"#) }
            let seen = try await everything.wait { $0.filter { $0.event == "workflow.completed" }.count == 2 }
            let cut = try #require(seen[3].id)

            let resumed = try await EventSubscriber.connect(harness, lastEventID: cut)
            let byQuery = try await EventSubscriber.connect(harness, query: "after_seq=\(cut)&types=llm.call.completed,workflow.completed")
            let onlyThis = try await EventSubscriber.connect(harness, query: "conversation_id=\(conversation)&after_seq=0")
            defer { Task { await resumed.close(); await byQuery.close(); await onlyThis.close() } }
            _ = try await harness.createConversation()
            _ = try await harness.send(conversation, #"{"content":"turn 3"}"#)
            let all = try await everything.wait { $0.filter { $0.event == "workflow.completed" }.count == 3 }

            let missed = Array(all.dropFirst(4))
            let replayed = try await resumed.wait { $0.count == missed.count }
            #expect(replayed.map(\.id) == missed.map(\.id))
            #expect(replayed.map(\.event) == missed.map(\.event))
            let wanted = missed.filter { ["llm.call.completed", "workflow.completed"].contains($0.event) }
            #expect(try await byQuery.wait { $0.count == wanted.count }.map(\.id) == wanted.map(\.id))
            let ofConversation = all.filter { $0.data["conversation_id"]?.string == conversation }
            // A subscriber of one conversation first gets its intelligence snapshot (not a log event: no id).
            let conversationFrames = try await onlyThis.wait { $0.count == ofConversation.count + 1 }
            #expect(conversationFrames.first?.event == "intel.snapshot")
            #expect(conversationFrames.dropFirst().map(\.id) == ofConversation.map(\.id))
            // Nothing more arrives than was committed.
            try await Task.sleep(for: .milliseconds(400))
            #expect(resumed.frames.count == missed.count)
            #expect(try await harness.count("events") == Int64(all.count))
        }
    }

    @Test(arguments: TestDatabase.all)
    func eventsStayWithinTheTenantAndMembersSeeTheirOwn(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let tenantA = try #require(try await harness.runtime.access.tenantIDs().first)
            let member = try await harness.runtime.access.createKey(
                tenantID: tenantA, userID: nil, userName: "member", role: .member, name: "member key"
            )
            let otherTenant = try await harness.runtime.access.createTenant(named: "other")
            let admin = try await EventSubscriber.connect(harness)
            let own = try await EventSubscriber.connect(harness, key: member.secret)
            let foreign = try await EventSubscriber.connect(harness, key: otherTenant.secret)
            defer { Task { await admin.close(); await own.close(); await foreign.close() } }

            let adminConversation = try await harness.createConversation()
            _ = try await harness.send(adminConversation, #"{"content":"admin turn"}"#)
            let memberConversation = try await harness.createConversation(key: member.secret)
            _ = try await harness.send(memberConversation, #"{"content":"member turn"}"#, key: member.secret)

            let adminFrames = try await admin.wait { $0.filter { $0.event == "workflow.completed" }.count == 2 }
            let memberFrames = try await own.wait { $0.contains { $0.event == "workflow.completed" } }
            try await Task.sleep(for: .milliseconds(400))
            #expect(adminFrames.count == 14)
            #expect(own.frames.count == 7)
            #expect(memberFrames.allSatisfy { $0.data["user_id"]?.string == member.key.userID })
            #expect(memberFrames.allSatisfy { $0.data["conversation_id"]?.string == memberConversation })
            #expect(foreign.frames.isEmpty)
            // Replays are scoped the same way.
            let replay = try await EventSubscriber.connect(harness, key: otherTenant.secret, lastEventID: "0")
            defer { Task { await replay.close() } }
            try await Task.sleep(for: .milliseconds(400))
            #expect(replay.frames.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSlowSubscriberIsCutOffWithoutHoldingUpOthers(database: TestDatabase) async throws {
        // No keepalive may take a place in the slow queue, however long a loaded machine takes over this test.
        try await Harness.with(database, environment: ["CHATTER_EVENTS_KEEPALIVE_SECONDS": "300"]) { harness in
            let tenant = try #require(try await harness.runtime.access.tenantIDs().first)
            let filter = EventStore.Filter(tenantID: tenant, userID: nil, types: nil, conversationID: nil, executionID: nil)
            let hub = harness.runtime.hub
            // Subscribed but never read: its queue holds three events.
            let slow = try await hub.subscribe(filter, queueLimit: 3)
            let reader = try await EventSubscriber.connect(harness)
            defer { Task { await reader.close() } }
            let conversation = try await harness.createConversation()
            for turn in 1...2 { _ = try await harness.send(conversation, #"{"content":"turn \#(turn)"}"#) }
            let frames = try await reader.wait { $0.filter { $0.event == "workflow.completed" }.count == 2 }
            #expect(frames.count == 13)
            #expect(hub.overflowed(slow))

            // On the wire the slow client gets what was queued, then a final error telling it where to resume.
            var iterator = EventStreamBody(hub: hub, subscription: slow, filter: filter, replayAfter: nil, snapshot: nil, stillAuthorized: { true }).makeAsyncIterator()
            var text = ""
            while let chunk = try await iterator.next() { text += String(decoding: chunk, as: UTF8.self) }
            // Queued events may share a write; frame by frame it is the opening, three events, the error.
            let wire = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(wire.count == 5)
            #expect(wire.dropFirst().prefix(3).allSatisfy { $0.hasPrefix("id: ") })
            #expect(wire.last?.hasPrefix("event: error\n") == true)
            #expect(wire.last?.contains("Last-Event-ID: \(frames[2].id!)") == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aRevokedKeyLosesItsStream(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_EVENTS_KEEPALIVE_SECONDS": "1"]) { harness in
            let tenant = try #require(try await harness.runtime.access.tenantIDs().first)
            let member = try await harness.runtime.access.createKey(tenantID: tenant, userID: nil, userName: "m", role: .member, name: "m")
            let subscriber = try await EventSubscriber.connect(harness, key: member.secret)
            defer { Task { await subscriber.close() } }
            _ = try await harness.send(try await harness.createConversation(key: member.secret), #"{"content":"hi"}"#, key: member.secret)
            try await subscriber.wait { $0.contains { $0.event == "workflow.completed" } }
            let revoked = try await harness.request(.DELETE, "/api/v1/admin/keys/\(member.key.id)")
            #expect(revoked.status == 200)
            let frames = try await subscriber.wait { $0.last?.event == "error" }
            #expect(frames.last?.data["detail"]?.string?.contains("revoked") == true)
            try await harness.eventually { subscriber.ended }
        }
    }

    /// Between keepalives a revoked key's stream is checked again before its next event once the last check is 4 s
    /// old, so it sees nothing committed after that (the key could have been revoked on another node).
    @Test(arguments: TestDatabase.all)
    func aRevokedKeysStreamGetsNoEventAfterTheRecheck(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_EVENTS_KEEPALIVE_SECONDS": "120"]) { harness in
            let tenant = try #require(try await harness.runtime.access.tenantIDs().first)
            let watcher = try await harness.runtime.access.createKey(tenantID: tenant, userID: nil, userName: "w", role: .admin, name: "w")
            let subscriber = try await EventSubscriber.connect(harness, query: "types=workflow.completed", key: watcher.secret)
            defer { Task { await subscriber.close() } }
            _ = try await harness.send(try await harness.createConversation(), #"{"content":"hi"}"#)
            try await subscriber.wait { $0.contains { $0.event == "workflow.completed" } }
            #expect(try await harness.request(.DELETE, "/api/v1/admin/keys/\(watcher.key.id)").status == 200)
            try await Task.sleep(for: .milliseconds(4500))
            _ = try await harness.send(try await harness.createConversation(), #"{"content":"again"}"#)
            let frames = try await subscriber.wait { $0.last?.event == "error" }
            #expect(frames.last?.data["detail"]?.string?.contains("revoked") == true)
            #expect(frames.filter { $0.event == "workflow.completed" }.count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func retentionDeletesOnlyOldEvents(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let conversation = try await harness.createConversation()
            _ = try await harness.send(conversation, #"{"content":"kept or not"}"#)
            let all = try await harness.count("events")
            #expect(all == 7)
            #expect(try await harness.runtime.events.prune(before: Clock.nowMilliseconds() - 60_000) == 0)
            #expect(try await harness.count("events") == all)
            // A consumer that has read up to the third event holds the rest back while it is active, that is while it
            // has moved since the cutoff (here a cutoff just after now, so the consumer "moved" a minute later).
            let third = try await harness.rows("SELECT seq FROM events ORDER BY seq LIMIT 1 OFFSET 2").first!.decode(column: "seq", as: Int64.self)
            _ = try await harness.rows(
                "INSERT INTO consumer_offsets (consumer, seq, updated_at_ms) VALUES ('test.reader', \(third), \(Clock.nowMilliseconds() + 60_000)) RETURNING seq"
            )
            #expect(try await harness.runtime.events.prune(before: Clock.nowMilliseconds() + 1) == 3)
            #expect(try await harness.count("events") == all - 3)
            // Idle for longer than the retention: no longer waited for.
            _ = try await harness.rows("UPDATE consumer_offsets SET updated_at_ms = 0 WHERE consumer = 'test.reader' RETURNING seq")
            #expect(try await harness.runtime.events.prune(before: Clock.nowMilliseconds() + 1) == Int(all) - 3)
            #expect(try await harness.count("events") == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func badSubscriptionsAreRefused(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let unknownType = try await harness.request(.GET, "/api/v1/events?types=workflow.started,nope")
            #expect(unknownType.status == 400)
            #expect(unknownType.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect(unknownType.json["detail"]?.string?.contains("nope") == true)
            let badCursor = try await harness.request(.GET, "/api/v1/events", headers: ["Last-Event-ID": "abc"])
            #expect(badCursor.status == 400)
            let anonymous = try await harness.request(.GET, "/api/v1/events", key: nil)
            #expect(anonymous.status == 401)
            #expect(try await harness.count("events") == 0)
        }
    }

    /// Two nodes on one PostgreSQL database: a turn served by one reaches the other's subscribers through
    /// LISTEN/NOTIFY. The readers' safety-net poll is set to ten minutes, so only a notification can deliver it.
    @Test func anotherNodesCommitReachesSubscribersThroughNotify() async throws {
        guard TestDatabase.all.contains(.postgres) else { return }
        try await Harness.withTwoNodes(.postgres, environment: ["CHATTER_EVENTS_POLL_MS": "600000"]) { first, second in
            try await second.eventually { second.runtime.database.hearsOtherNodes }
            let subscriber = try await EventSubscriber.connect(second)
            defer { Task { await subscriber.close() } }
            let created = try await first.request(.POST, "/api/v1/conversations", json: "{}", headers: ["X-Request-ID": "node-a-1"])
            let conversation = try #require(created.json["id"]?.string)
            _ = try await first.send(conversation, #"{"content":"Hello from node A"}"#)
            let frames = try await subscriber.wait { $0.contains { $0.event == "workflow.completed" } }
            #expect(frames.first?.event == "conversation.created")
            #expect(frames.first?.data["correlation_id"]?.string == "node-a-1")
            #expect(frames.filter { $0.event == "message.created" }.count == 2)
            #expect(frames.allSatisfy { $0.data["conversation_id"]?.string == conversation })
        }
    }
}
