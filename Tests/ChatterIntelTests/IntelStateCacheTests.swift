import Foundation
import Testing

@testable import ChatterIntel

/// The agents' decoded-state cache changes the cost of a fold, never its result.
@Suite struct IntelStateCacheTests {
    static let conversation = IntelConversation(tenantID: "t", userID: "u", conversationID: "c1")
    static let messages = [
        IntelMessage(id: "m1", seq: 1, role: .customer, text: "My card was charged twice for the same order and I am really upset."),
        IntelMessage(id: "m2", seq: 2, role: .agent, text: "I'm sorry about that. I will refund the duplicate charge today."),
        IntelMessage(id: "m3", seq: 3, role: .customer, text: "Thanks, but this is the third time I have contacted you about it!"),
        IntelMessage(id: "m4", seq: 4, role: .agent, text: "I understand. I have escalated it and you will get an email within 24 hours."),
    ]

    static func agents() -> [any IntelAgent] { [PIIAgent(), SentimentAgent(), InsightsAgent(), SummaryAgent()] }

    @Test func foldingThroughTheCacheEqualsFoldingFromTheStoredJSON() async throws {
        let cached = Self.agents()
        for index in cached.indices {
            var state: String?
            for message in Self.messages {
                // A new agent has an empty cache, so it decodes the stored state every time.
                let fresh = try await Self.agents()[index].process([message], of: Self.conversation, state: state)
                let viaCache = try await cached[index].process([message], of: Self.conversation, state: state)
                #expect(viaCache.state == fresh.state, "\(cached[index].kind)")
                #expect(viaCache.view == fresh.view, "\(cached[index].kind)")
                #expect(viaCache.annotations.map(\.json) == fresh.annotations.map(\.json), "\(cached[index].kind)")
                state = viaCache.state
            }
        }
    }

    @Test func aStateTheCacheDidNotWriteLastIsDecoded() async throws {
        let agent = SummaryAgent()
        let first = try await agent.process([Self.messages[0]], of: Self.conversation, state: nil)
        // The cache now holds the state after m2, but the commit of that fold "lost its race": the next fold starts
        // again from the stored state after m1, with m2 and m3.
        _ = try await agent.process([Self.messages[1]], of: Self.conversation, state: first.state)
        let retried = try await agent.process(Array(Self.messages[1...2]), of: Self.conversation, state: first.state)
        let expected = try await SummaryAgent().process(Array(Self.messages[1...2]), of: Self.conversation, state: first.state)
        #expect(retried.state == expected.state)
        #expect(retried.view == expected.view)
        #expect(retried.view.contains(#""covered_messages":3"#))
    }

    @Test func theCacheIsBounded() throws {
        let cache = IntelStateCache<SentimentTrendProbe>(capacity: 8)
        for index in 0..<50 {
            let conversation = IntelConversation(tenantID: "t", userID: "u", conversationID: "c\(index)")
            let json = try cache.encode(SentimentTrendProbe(value: index), of: conversation)
            #expect(try cache.decode(json, of: conversation) == SentimentTrendProbe(value: index))
            #expect(cache.count <= 8)
        }
        // An evicted conversation's state still decodes from its JSON.
        let evicted = IntelConversation(tenantID: "t", userID: "u", conversationID: "c0")
        #expect(try cache.decode(#"{"value":0}"#, of: evicted) == SentimentTrendProbe(value: 0))
    }
}

struct SentimentTrendProbe: Codable, Sendable, Equatable {
    var value: Int
}
