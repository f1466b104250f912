import Foundation
import Testing

@testable import ChatterIntel

/// The agents' JSON encoder writes exactly what Foundation's `JSONEncoder` writes with the same settings.
@Suite struct IntelJSONEncoderTests {
    static func foundation(_ value: some Encodable, snakeCase: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func expectSame(_ value: some Encodable, _ comment: Comment? = nil) throws {
        for snakeCase in [false, true] {
            #expect(try IntelJSONEncoder(snakeCaseKeys: snakeCase).encode(value) == (try foundation(value, snakeCase: snakeCase)), comment)
        }
    }

    enum Mood: String, Codable { case calm, veryAngry }

    struct Shapes: Codable {
        struct Inner: Codable {
            var valueV2: Double
            var flags: [Bool]
        }

        var userID: String
        var HTTPStatus: Int
        var aURLValue: Int64
        var value2Count: UInt8
        var _private: Int
        var trailing_: Int
        var scoresByName: [String: Double]
        var mood: Mood
        var missing: String?
        var present: String?
        var inners: [Inner]
        var matrix: [[Int?]]
        var emptyObject: [String: Int]
        var text: String
    }

    @Test func plainShapesMatchFoundation() throws {
        let doubles = [0.1, 1.0, -0.0, 1e-7, 2.5e-5, 123_456.789, 0.30000000000000004, 1e21, 1.2345678901234568e16, 1_234_567.0, -42.5]
        for (index, number) in doubles.enumerated() {
            let value = Shapes(
                userID: "u-\(index)", HTTPStatus: 200, aURLValue: -9_007_199_254_740_993, value2Count: 7, _private: 1, trailing_: 2,
                scoresByName: ["fooBar": number, "EMAIL": 2, "a_b": 3, "é": 4, "B": 5, "a10": 6, "a9": 7], mood: .veryAngry, missing: nil,
                present: "here", inners: [Shapes.Inner(valueV2: number, flags: [true, false]), Shapes.Inner(valueV2: -number, flags: [])],
                matrix: [[1, nil, 3], []], emptyObject: [:],
                text: "quote \" backslash \\ slash / bell \u{07} bs \u{08} ff \u{0C} nl \n cr \r tab \t esc \u{1B} del \u{7F} sep \u{2028} ünï 🙂"
            )
            try Self.expectSame(value, "with \(number)")
        }
        try Self.expectSame(["top": [1, 2]])
        try Self.expectSame([Mood.calm])
        try Self.expectSame("just a string")
    }

    @Test func snakeCaseMatchesFoundation() throws {
        struct Keys: Encodable {
            let keys: [String]
            struct Key: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for key in keys { try container.encode(1, forKey: Key(stringValue: key)) }
            }
        }
        let keys = [
            "a", "A", "ab", "aB", "AB", "abc", "userID", "userIDs", "HTTPStatus", "myURLProperty", "URL", "value2Count", "v2", "sentimentScoreV2",
            "already_snake", "_leading", "trailing_", "__double", "camelCaseKey", "XMLHttpRequest", "aBCdEF", "x1Y2z3", "éAccent", "ÀB",
        ]
        for key in keys {
            try Self.expectSame(Keys(keys: [key]), "key \(key)")
        }
    }

    @Test func agentStatesAndViewsMatchFoundation() async throws {
        let conversation = IntelConversation(tenantID: "t", userID: "u", conversationID: "c1")
        let texts = [
            "My card 4111 1111 1111 1111 was charged twice and I am REALLY upset!!! Email me at jane.doe@example.com",
            "I'm sorry about that. I will refund the duplicate charge today; call +1 (415) 555-0134 if it doesn't show.",
            "Thanks :) but this is the third time I've contacted you about it. Cancel my subscription or I'll dispute it.",
            "I understand. I have escalated it and you will get an email within 24 hours. Anything else?",
        ]
        let messages = texts.enumerated().map { index, text in
            IntelMessage(id: "m\(index)", seq: Int64(index + 1), role: index % 2 == 0 ? .customer : .agent, text: text)
        }
        var pii: String?
        var sentiment: String?
        var insights: String?
        var summary: String?
        for message in messages {
            pii = try await PIIAgent().process([message], of: conversation, state: pii).state
            sentiment = try await SentimentAgent().process([message], of: conversation, state: sentiment).state
            let insightsOutcome = try await InsightsAgent().process([message], of: conversation, state: insights)
            insights = insightsOutcome.state
            summary = try await SummaryAgent().process([message], of: conversation, state: summary).state
            try Self.expectSame(try #require(try IntelJSON.decodeState(PIIConversationSummary.self, from: pii)))
            try Self.expectSame(try #require(try IntelJSON.decodeState(SentimentAgent.State.self, from: sentiment)))
            try Self.expectSame(try #require(try IntelJSON.decodeState(InsightsAgent.State.self, from: insights)))
            try Self.expectSame(try #require(try IntelJSON.decodeState(SummaryAgent.State.self, from: summary)))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let view = try decoder.decode(InsightsAgent.InsightsView.self, from: Data(insightsOutcome.view.utf8))
            #expect(insightsOutcome.view == (try Self.foundation(view, snakeCase: true)))
        }
    }

    /// Hand-written `encode(to:)` with nested, repeated and super containers, as Foundation lays them out.
    struct Containers: Encodable {
        enum Keys: String, CodingKey { case outerBox, listOfThings, parentPart }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var first = container.nestedContainer(keyedBy: Keys.self, forKey: .outerBox)
            try first.encode(1, forKey: .listOfThings)
            // Asked for again: the same object, not a new one.
            var again = container.nestedContainer(keyedBy: Keys.self, forKey: .outerBox)
            try again.encode(Float(0.1), forKey: .parentPart)
            var list = container.nestedUnkeyedContainer(forKey: .listOfThings)
            try list.encode(Float(2.5))
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode("x", forKey: .outerBox)
            _ = list.superEncoder()
            _ = container.superEncoder(forKey: .parentPart)
            _ = container.superEncoder()
        }
    }

    @Test func nestedAndSuperContainersMatchFoundation() throws {
        try Self.expectSame(Containers())
    }

    @Test func notANumberIsRefusedLikeFoundation() {
        struct Score: Encodable { var value: Double }
        #expect(throws: EncodingError.self) { try IntelJSONEncoder().encode(Score(value: .nan)) }
        #expect(throws: EncodingError.self) { try IntelJSONEncoder().encode([Double.infinity]) }
        #expect(throws: (any Error).self) { try Self.foundation(Score(value: .nan), snakeCase: false) }
    }
}
