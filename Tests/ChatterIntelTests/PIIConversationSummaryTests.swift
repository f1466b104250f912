import Foundation
import Testing

@testable import ChatterIntel

extension PIITests {
    @Suite struct ConversationSummary {
        let detector = PIIDetector()

        @Test func sameValueTwiceCountsOnce() {
            var summary = PIIConversationSummary()
            summary = summary.merging(detector.analyze("my card is 4111 1111 1111 1111"), messageSeq: 1)
            summary = summary.merging(detector.analyze("sorry, 4111-1111-1111-1111 again, and jane@example.com"), messageSeq: 2)
            #expect(summary.count(of: .paymentCard) == 1)
            #expect(summary.countsByType == [.paymentCard: 1, .email: 1])
            let card = try! #require(summary.items.first { $0.type == .paymentCard })
            #expect(card.occurrences == 2 && card.firstSeenSeq == 1 && card.lastSeenSeq == 2 && card.redactedPreview == "****1111")
        }

        @Test func differentValuesOfOneTypeCountSeparately() {
            let summary = PIIConversationSummary()
                .merging(detector.analyze("cards 4111 1111 1111 1111 and 5555 5555 5555 4444"), messageSeq: 1)
            #expect(summary.count(of: .paymentCard) == 2)
        }

        @Test func hasPIIIsSticky() {
            var summary = PIIConversationSummary()
            summary = summary.merging(detector.analyze("hello"), messageSeq: 1)
            #expect(!summary.hasPII)
            summary = summary.merging(detector.analyze("email me: jane@example.com"), messageSeq: 2)
            summary = summary.merging(detector.analyze("thanks, bye"), messageSeq: 3)
            #expect(summary.hasPII && summary.lastMergedSeq == 3)
        }

        @Test func redeliveredOrOlderMessagesAreIgnored() {
            let result = detector.analyze("call +1 415 555 0132")
            let once = PIIConversationSummary().merging(result, messageSeq: 5)
            #expect(once.merging(result, messageSeq: 5) == once)
            #expect(once.merging(detector.analyze("jane@example.com"), messageSeq: 4) == once)
        }

        @Test func summaryEncodesWithoutRawValues() throws {
            let summary = PIIConversationSummary().merging(detector.analyze("ssn 123-45-6788, phone +44 20 7946 0958"), messageSeq: 1)
            let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
            #expect(!json.contains("123-45-6788") && !json.contains("123456788") && !json.contains("7946"))
            #expect(summary.items.count == 2)
        }
    }
}

extension PIITests.ConversationSummary {
    /// A long conversation keeps its state small: the most recently seen values, and exact counts of distinct values.
    @Test func aLongConversationKeepsTheMostRecentValues() {
        let detector = PIIDetector()
        var summary = PIIConversationSummary()
        for seq in 1...300 {
            summary = summary.merging(detector.analyze("write to buyer\(seq)@example.com please"), messageSeq: Int64(seq))
        }
        #expect(summary.items.count == PIIConversationSummary.itemLimit)
        #expect(summary.count(of: .email) == 300)
        #expect(summary.items.map(\.firstSeenSeq).min() == 201)
        #expect(summary.hasPII)
    }
}
