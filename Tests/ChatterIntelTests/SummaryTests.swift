import Foundation
import Testing

@testable import ChatterIntel

@Suite struct SummaryTests {
    static let summarizer = ExtractiveSummarizer()

    static let headphones = [
        SummaryInput(
            seq: 1, role: .customer,
            text: "Hi there. My headphones arrived broken yesterday and the left ear cup does not work at all. "
                + "I ordered them two weeks ago, you can reach me at [EMAIL]."
        ),
        SummaryInput(
            seq: 2, role: .agent,
            text: "Thanks for reaching out, I'm sorry to hear that. I checked your order and the headphones are still under "
                + "warranty. I will send you a replacement tomorrow."
        ),
        SummaryInput(seq: 3, role: .customer, text: "Great, thank you! Please ship it to my office address instead."),
    ]

    static func summary(_ messages: [SummaryInput]) -> SummaryState {
        summarizer.adding(messages, to: SummaryState())
    }

    @Suite struct Folding {
        @Test func everyMessageOfABatchIsCovered() {
            let state = summary(headphones)
            #expect(state.summary.coveredMessages == 3)
            #expect(state.summary.watermarkSeq == 3)
            #expect(state.customerMessages == 2 && state.agentMessages == 1)
            #expect(state.candidates.contains { $0.seq == 1 } && state.candidates.contains { $0.seq == 2 })
            #expect(state.candidates.contains { $0.seq == 3 })
        }

        @Test func redeliveryChangesNothing() {
            let state = summary(headphones)
            #expect(summarizer.adding(headphones, to: state) == state)
            #expect(summarizer.adding([headphones[2]], to: state) == state)
            // An overlapping batch folds in only what is new.
            let next = summarizer.adding(headphones + [SummaryInput(seq: 4, role: .agent, text: "The replacement ships tomorrow.")], to: state)
            #expect(next.summary.coveredMessages == 4)
            #expect(next.summary.watermarkSeq == 4)
        }

        @Test func batchingDoesNotChangeTheResult() {
            let messages = (1...40).map { seq in
                SummaryInput(
                    seq: Int64(seq), role: seq % 2 == 1 ? .customer : .agent,
                    text: "Message \(seq) is about the invoice number \(seq % 7) and the shipping label for parcel \(seq % 5)."
                )
            }
            let whole = summary(messages)
            let oneByOne = messages.reduce(SummaryState()) { state, message in summarizer.adding([message], to: state) }
            #expect(whole == oneByOne)
        }
    }

    @Suite struct Content {
        @Test func customerIssueComesFromTheCustomer() {
            let issue = summary(headphones).summary.customerIssue
            #expect(issue.contains("My headphones arrived broken yesterday"))
            #expect(!issue.contains("warranty"))
            #expect(!issue.contains("Hi there"))
        }

        @Test func agentResponseSaysWhatWasDone() {
            let response = summary(headphones).summary.agentResponse
            #expect(response.contains("I checked your order"))
            #expect(!response.contains("Thanks for reaching out"))
        }

        @Test func nextStepsPickTheCommitment() {
            let summary = SummaryTests.summary(headphones).summary
            #expect(summary.nextSteps == ["I will send you a replacement tomorrow."])
        }

        @Test func keyPointsAreQuotesInOrderWithoutDuplicates() {
            let summary = SummaryTests.summary(
                headphones + [
                    SummaryInput(seq: 4, role: .customer, text: "My headphones arrived broken yesterday and the left ear cup does not work at all.")
                ]
            ).summary
            #expect(!summary.keyPoints.isEmpty && summary.keyPoints.count <= 5)
            #expect(summary.keyPoints.count { $0.hasPrefix("My headphones arrived broken") } == 1)
            let texts = headphones.map(\.text)
            for point in summary.keyPoints {
                #expect(texts.contains { $0.contains(point) } || point.hasPrefix("My headphones"))
            }
            let positions = summary.keyPoints.compactMap { point in texts.joined(separator: " ").range(of: point)?.lowerBound }
            #expect(positions == positions.sorted())
        }

        @Test func redactionTokensPassThroughUnaltered() {
            let summary = SummaryTests.summary(headphones).summary
            #expect(summary.customerIssue.contains("you can reach me at [EMAIL]."))
            let card = SummaryTests.summary(
                [SummaryInput(seq: 1, role: .customer, text: "The charge on [PAYMENT_CARD] and [PHONE] is wrong, I never ordered this.")]
            ).summary
            #expect(card.customerIssue == "The charge on [PAYMENT_CARD] and [PHONE] is wrong, I never ordered this.")
        }

        @Test func tldrIsTheIssuePlusTheOutcome() {
            var state = summary([
                SummaryInput(seq: 1, role: .customer, text: "Hi, I was charged twice for my March invoice and need the extra charge refunded."),
                SummaryInput(seq: 2, role: .agent, text: "I have issued a refund for the duplicate charge."),
            ])
            // The greeting is dropped; the outcome is appended while no later sentence says otherwise.
            #expect(state.summary.tldr == "I was charged twice for my March invoice and need the extra charge refunded. — refund issued")
            #expect(state.summary.customerIssue.hasPrefix("Hi, I was charged twice"))
            state = summarizer.adding([SummaryInput(seq: 3, role: .customer, text: "The refund has still not arrived.")], to: state)
            #expect(state.summary.tldr == "I was charged twice for my March invoice and need the extra charge refunded.")
        }

        @Test func longSentencesAreClippedAtAWord() {
            let long = "My " + String(repeating: "very ", count: 80) + "long complaint about the invoice."
            let summary = SummaryTests.summary([SummaryInput(seq: 1, role: .customer, text: long)]).summary
            #expect(summary.tldr.count <= 160)
            #expect(summary.tldr.hasSuffix("very…"))
            #expect(summary.customerIssue.count <= SummarySentence.textLimit)
        }

        @Test func sentencesSplitAtTerminalPunctuationOnly() {
            let sentences = SentenceSplitter.sentences(of: "Version 2.5 crashed!! Write to [EMAIL]. Thanks\nBye")
            #expect(sentences == ["Version 2.5 crashed!!", "Write to [EMAIL].", "Thanks", "Bye"])
        }
    }

    @Suite struct Bounds {
        @Test func stateStaysSmallOverALongConversation() throws {
            let topics = ["invoice", "shipping", "password", "refund", "crash", "upgrade", "export", "calendar", "printer", "webhook"]
            var state = SummaryState()
            for seq in 1...5_000 {
                let topic = topics[seq % topics.count]
                let text =
                    "Message \(seq): the \(topic) issue number \(seq) needs attention from team\(seq % 97) and ticket\(seq). "
                    + "Please check the \(topic) logs for word\(seq) today."
                state = summarizer.adding([SummaryInput(seq: Int64(seq), role: seq % 3 == 0 ? .agent : .customer, text: text)], to: state)
            }
            let bytes = try JSONEncoder().encode(state).count
            #expect(bytes < 64 * 1024, "state is \(bytes) bytes")
            #expect(state.candidates.count <= SummaryState.candidateLimit + SummaryState.openingLimit + SummaryState.recentLimit)
            #expect(state.termCounts.count < 2 * SummaryState.termLimit)
            #expect(state.summary.coveredMessages == 5_000)
            #expect(state.summary.customerIssue.contains("Message 1:"))
            // "Please check …" is a next step when the agent (every third message) says it.
            #expect(state.summary.nextSteps.last?.contains("word4998") == true)
            let decoded = try JSONDecoder().decode(SummaryState.self, from: JSONEncoder().encode(state))
            #expect(decoded == state)
        }

        @Test func stateJSONIsCompactAndExact() throws {
            let state = summary([
                SummaryInput(seq: 7, role: .customer, text: "Die Rechnung für März\tist falsch, bitte prüfen 🙏 [EMAIL]."),
                SummaryInput(seq: 9, role: .agent, text: "I will send you the corrected invoice tomorrow morning."),
            ])
            let json = try JSONEncoder().encode(state)
            #expect(try JSONDecoder().decode(SummaryState.self, from: json) == state)
            // Sentences are lines of one string, term counts one string: no object per sentence or term.
            let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            #expect(object?["candidates"] is String && object?["termCounts"] is String)
            let broken = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\\tcustomer\\t", with: "\\tnobody\\t")
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(SummaryState.self, from: Data(broken.utf8)) }
        }

        @Test func everyOneOfTwoThousandMessagesIsCovered() {
            let text = headphones[0].text + " " + headphones[1].text
            var state = SummaryState()
            let count = 2_000
            for seq in 1...count {
                state = summarizer.adding([SummaryInput(seq: Int64(seq), role: seq % 2 == 0 ? .agent : .customer, text: text)], to: state)
            }
            #expect(state.summary.coveredMessages == count)
            #expect(state.summary.watermarkSeq == Int64(count))
        }
    }

    @Suite struct Rouge {
        @Test func f1OfTheLongestCommonSubsequence() {
            #expect(RougeL.f1(candidate: "the cat sat on the mat", reference: "the cat sat on the mat") == 1)
            // LCS "the cat on the mat": 5 of 6 words either way.
            #expect(abs(RougeL.f1(candidate: "the cat sat on the mat", reference: "the cat is on the mat") - 5.0 / 6) < 1e-12)
            // Precision 2/2, recall 2/4.
            #expect(abs(RougeL.f1(candidate: "refund issued", reference: "the refund was issued") - 2.0 / 3) < 1e-12)
            #expect(RougeL.f1(candidate: "completely different", reference: "nothing shared here") == 0)
            #expect(RougeL.f1(candidate: "", reference: "anything") == 0)
        }

        @Test func tokensIgnoreCaseAndPunctuation() {
            #expect(RougeL.f1(candidate: "Refund, ISSUED!", reference: "refund issued") == 1)
            #expect(RougeL.tokens("It's [EMAIL]-based") == ["it", "s", "email", "based"])
        }
    }
}
