import AsyncHTTPClient
import ChatterCore
import ChatterStore
import Foundation
import NIOCore
import NIOHTTP1
import Logging
import SQLKit
import Testing

/// `kill -9` of the real `chatter` binary in the middle of a burst of observed messages, then a restart: every
/// message is analysed exactly once by each agent, and the merged view equals that of an uninterrupted run.
@Suite struct IntelCrashTests {
    static let lines: [(String, String)] = (0..<80).map { index in
        let customer = [
            "I was charged twice this month, please refund the duplicate. Reach me at buyer\(index)@example.com.",
            "Still waiting for my order, it is the third time I ask and nothing has moved!",
            "The app crashes every time I open the billing page, this is really frustrating.",
            "Thanks, that fixed it. Great support!",
        ]
        let agent = [
            "Sorry about that, I will refund the duplicate charge today.",
            "I am checking the tracking now and will send you an update within the hour.",
        ]
        return index % 2 == 0 ? ("customer", customer[(index / 2) % customer.count]) : ("agent", agent[(index / 2) % agent.count])
    }

    static func post(_ base: String, _ conversation: String, _ line: (String, String)) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["role": line.0, "content": line.1])
        _ = try await ChatterProcess.json(.POST, base + "/api/v1/conversations/\(conversation)/messages", String(decoding: body, as: UTF8.self))
    }

    /// Each agent's result once every agent has covered `count` messages.
    static func settledResults(_ base: String, _ conversation: String, count: Int64) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let view = try await ChatterProcess.json(.GET, base + "/api/v1/conversations/\(conversation)/insights", nil)
            let agents = view["agents"]?.object ?? [:]
            if ["pii", "sentiment", "insights", "summary"].allSatisfy({ agents[$0]?["watermark_seq"]?.int == count }) {
                var results: [String: JSONValue] = ["has_pii": view["has_pii"] ?? .null]
                for (name, agent) in agents { results[name] = agent["result"] ?? .null }
                return .object(results)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the agents did not cover \(count) messages")
    }

    @Test(arguments: TestDatabase.all)
    func killedInABurstEveryMessageIsAnalysedExactlyOnce(database: TestDatabase) async throws {
        let upstream = try await ScriptedUpstream.start()
        defer { Task { await upstream.stop() } }
        func environment(_ url: String) -> [String: String] {
            ["CHATTER_DATABASE_URL": url, "CHATTER_ADMIN_KEY": Harness.adminKey, "OPENAI_BASE_URL": upstream.baseURL,
             "CHATTER_NODE_ID": "intel-crash", "CHATTER_DATABASE_MAX_CONNECTIONS": "4"]
        }
        let count = Int64(Self.lines.count)

        // The reference: the same messages, uninterrupted.
        let referenceServer = try await ChatterProcess.start(environment: environment(try await database.makeURL()))
        let referenceBase = "http://127.0.0.1:\(referenceServer.port)"
        let referenceConversation = try await ChatterProcess.json(.POST, referenceBase + "/api/v1/conversations", #"{"mode":"observe"}"#)["id"]!.string!
        for line in Self.lines { try await Self.post(referenceBase, referenceConversation, line) }
        let reference = try await Self.settledResults(referenceBase, referenceConversation, count: count)
        referenceServer.kill()

        let databaseURL = try await database.makeURL()
        var server = try await ChatterProcess.start(environment: environment(databaseURL))
        var base = "http://127.0.0.1:\(server.port)"
        let conversation = try await ChatterProcess.json(.POST, base + "/api/v1/conversations", #"{"mode":"observe"}"#)["id"]!.string!
        // Half the burst, then SIGKILL at once, while the agents are (usually) still behind.
        for line in Self.lines.prefix(40) { try await Self.post(base, conversation, line) }
        server.kill()
        try await Task.sleep(for: .milliseconds(200))
        var logger = Logger(label: "intel-crash-test")
        logger.logLevel = .error
        let inspector = try await ChatterDatabase.open(url: databaseURL, logger: logger, maxPostgresConnections: 1)
        let behind = try await inspector.sql.raw(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM events WHERE type = 'message.created' AND seq > (SELECT MIN(seq) FROM consumer_offsets)"
        ).first()?.decode(column: "n", as: Int64.self)
        await inspector.shutdown()
        print("intel crash test (\(database)): \(behind ?? -1) message events not yet consumed by every agent at the kill")
        server = try await ChatterProcess.start(environment: environment(databaseURL))
        base = "http://127.0.0.1:\(server.port)"
        for line in Self.lines.dropFirst(40) { try await Self.post(base, conversation, line) }
        let recovered = try await Self.settledResults(base, conversation, count: count)
        defer { server.kill() }

        #expect(recovered == reference)
        // Exactly once: a message folded in twice would show in these counts.
        let sentiment = recovered["sentiment"]?["label_counts"]?.object?.values.compactMap(\.int).reduce(0, +)
        #expect(sentiment == count)
        #expect(recovered["insights"].map { ($0["customer_messages"]?.int ?? 0) + ($0["agent_messages"]?.int ?? 0) } == count)
        #expect(recovered["summary"]?["covered_messages"]?.int == count)
        let messages = try await ChatterProcess.json(.GET, base + "/api/v1/conversations/\(conversation)/messages?limit=1000", nil)["data"]!.array
        #expect(messages.count == Int(count))
        #expect(messages.allSatisfy { ($0["annotations"]?.object?.count ?? 0) == 4 })
        #expect(try await ChatterProcess.json(.GET, base + "/api/v1/intel/dead-letters", nil)["data"]?.array.isEmpty == true)
    }
}
