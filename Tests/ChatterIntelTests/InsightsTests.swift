import Foundation
import Testing

@testable import ChatterIntel

@Suite struct InsightsTests {
    static let analyzer = InsightsAnalyzer()

    static func customer(_ text: String) -> MessageInsights {
        analyzer.analyze(text, role: .customer)
    }

    /// Folds the messages in order, seq 1, 2, 3, …
    static func conversation(_ messages: [(SpeakerRole, String)]) -> (messages: [MessageInsights], state: ConversationInsights) {
        var state = ConversationInsights()
        var insights: [MessageInsights] = []
        for (offset, (role, text)) in messages.enumerated() {
            let (message, next) = analyzer.adding(text, role: role, seq: Int64(offset + 1), to: state)
            insights.append(message)
            state = next
        }
        return (insights, state)
    }

    @Suite struct Roles {
        @Test func messageRolesMapToTwoSides() {
            #expect(SpeakerRole(messageRole: "user") == .customer)
            #expect(SpeakerRole(messageRole: "customer") == .customer)
            #expect(SpeakerRole(messageRole: "assistant") == .agent)
            #expect(SpeakerRole(messageRole: "Agent") == .agent)
            #expect(SpeakerRole(messageRole: "system") == .customer)
        }
    }

    @Suite struct Intent {
        @Test(arguments: [
            ("I was charged twice for my subscription this month, can you check my invoice?", SupportIntent.billing),
            ("I can't log in, the reset link never arrives and I'm locked out of my account.", .accountAccess),
            ("My 2FA code is rejected every time I try to sign in", .accountAccess),
            ("The app crashes with an error every time I open the settings page.", .technicalProblem),
            ("Uploads keep failing with a timeout since the last update", .technicalProblem),
            ("I want to cancel my subscription, please close my account.", .cancellation),
            ("I'd like a refund for the broken headphones, I want my money back.", .refund),
            ("I was charged twice and I want a refund", .refund),
            ("Where is my order? The tracking number says it shipped but the package hasn't arrived.", .orderStatus),
            ("This is unacceptable, the worst service I have ever had. I want to speak to a manager.", .complaint),
            ("How do I export my contacts to a CSV file?", .generalQuestion),
            ("Quick question: is there a dark mode?", .generalQuestion),
            ("Hello there", .other),
        ])
        func taxonomyClasses(text: String, intent: SupportIntent) {
            #expect(customer(text).intent == intent)
        }

        @Test func phrasesMatchWholeWordsInAnyCase() {
            #expect(customer("I am LOCKED OUT").intent == .accountAccess)
            // "log" inside "blog", and "order" in "in order to", are not evidence.
            #expect(customer("I read your blog in order to learn more").intent == .other)
            #expect(customer("I can’t log in").intent == .accountAccess)
            #expect(customer("cant log in").intent == .accountAccess)
        }

        @Test func confidenceDropsWhenIntentsCompete() {
            let clear = customer("Please refund me, I want my money back")
            let mixed = customer("I was charged twice and I want a refund")
            #expect(clear.intent == .refund && mixed.intent == .refund)
            #expect(clear.intentConfidence > mixed.intentConfidence)
            #expect((0...1).contains(mixed.intentConfidence))
        }

        @Test func redactionTokensCountAsBillingHints() {
            #expect(customer("My card [CARD] was charged 2 times").intent == .billing)
        }
    }

    @Suite struct Urgency {
        @Test func productionDownIsCritical() {
            let insights = customer("Our production site is down and we are losing money every minute")
            #expect(insights.urgency == .critical)
            #expect(insights.reasons.contains(UrgencyReason(kind: .impactPhrase, detail: "production site is down")))
            #expect(insights.reasons.contains(UrgencyReason(kind: .impactPhrase, detail: "losing money")))
            #expect(insights.intent == .technicalProblem)
        }

        @Test func feelingDownOrScrollingDownIsNoOutage() {
            #expect(customer("I feel a bit down today").urgency == .low)
            #expect(customer("Scroll down the page to find the button").urgency == .low)
        }

        @Test func explicitUrgencyIsHighUnlessNegated() {
            #expect(customer("This is urgent, please help ASAP").urgency == .high)
            #expect(customer("Not urgent, whenever you can").urgency == .low)
        }

        @Test func waitingTimeRaisesByDuration() {
            let days = customer("I have been waiting for 3 days for an answer")
            #expect(days.urgency == .high)
            #expect(days.reasons == [UrgencyReason(kind: .waitingTime, detail: "waiting 3 days")])
            let words = customer("It's been two weeks and nothing")
            #expect(words.reasons.first?.detail == "waiting two weeks")
            let hours = customer("I've been on the phone for 2 hours")
            #expect(hours.urgency == .medium)
            #expect(customer("I've been waiting since yesterday").reasons == [UrgencyReason(kind: .waitingTime, detail: "waiting since yesterday")])
            #expect(customer("It has been down for 3 hours").reasons == [UrgencyReason(kind: .waitingTime, detail: "waiting 3 hours")])
            // A plan is not a wait.
            #expect(customer("I need it delivered in 2 days").reasons.isEmpty)
            #expect(customer("I'll be on vacation for 2 weeks, please pause my subscription").reasons.isEmpty)
        }

        @Test func repeatedContactRaises() {
            let third = customer("This is the third time I'm writing about this")
            #expect(third.urgency == .high)
            #expect(third.reasons.contains(UrgencyReason(kind: .repeatedContact, detail: "third contact")))
            let again = customer("You charged me again!")
            #expect(again.reasons.contains { $0.kind == .repeatedContact })
            let ticket = customer("Any news on ticket #48213?")
            #expect(ticket.reasons == [UrgencyReason(kind: .repeatedContact, detail: "existing ticket")])
            #expect(ticket.urgency == .medium)
            // An instruction to retry is not history.
            #expect(customer("I will try again later").reasons.isEmpty)
        }

        @Test func agentMessagesCarryNoUrgency() {
            let agent = analyzer.analyze("I understand this is urgent, we will have it fixed within 24 hours", role: .agent)
            #expect(agent.urgency == .low)
            #expect(agent.reasons.isEmpty)
        }

        @Test func veryNegativeMessageRaisesALevel() {
            let insights = customer("This is the worst, most useless product I have ever used. I hate it!")
            #expect(insights.urgency == .medium)
            #expect(insights.reasons.contains { $0.kind == .strongNegative })
        }

        @Test func angryCancellationIsAChurnRisk() {
            let insights = customer("Cancel my subscription, this service is bad")
            #expect(insights.intent == .cancellation)
            #expect(insights.urgency >= .medium)
            #expect(insights.reasons.contains { $0.kind == .churnRisk })
            #expect(customer("Please cancel my subscription, thanks").reasons.isEmpty)
        }

        @Test func levelsAreOrdered() {
            #expect(ChatterIntel.Urgency.low < .medium && ChatterIntel.Urgency.high < .critical)
            #expect(ChatterIntel.Urgency.critical.raised == .critical)
            #expect(ChatterIntel.Urgency.low.lowered == .low)
        }
    }
}

extension InsightsTests {
    @Suite struct Conversation {
        static let angrier: [(SpeakerRole, String)] = [
            (.customer, "Hi, I have a question about my invoice."),
            (.agent, "Sure, what would you like to know?"),
            (.customer, "The invoice amount looks wrong, it is higher than usual."),
            (.agent, "Let me check that for you."),
            (.customer, "This is really frustrating, nobody explains anything."),
            (.customer, "This is terrible. I am extremely angry and fed up with you!"),
        ]

        @Test func worseningSentimentRaisesUrgency() {
            let (messages, state) = conversation(Self.angrier)
            let reason = UrgencyReason(kind: .worseningSentiment, detail: "sentiment worsening over last 3 messages")
            #expect(messages[4].reasons.contains(reason))
            #expect(messages[4].urgency == .medium)
            #expect(state.sentimentTrend.direction == .worsening)
            #expect(state.urgency == .high)
            #expect(state.intent == .billing)
            #expect(state.escalate)
            #expect(state.escalationReason == "high urgency and worsening sentiment")
            #expect(state.suggestedActions.contains("Acknowledge the customer's frustration"))
        }

        @Test func askingForAManagerEscalates() {
            let (_, state) = conversation([
                (.customer, "My order still hasn't arrived."),
                (.agent, "I'm sorry, let me look into it."),
                (.customer, "I want to talk to your supervisor."),
            ])
            #expect(state.humanRequested)
            #expect(state.escalate)
            #expect(state.escalationReason == "customer asked for a manager or a human")
            #expect(state.suggestedActions.first == "Hand the conversation to a supervisor")
            #expect(conversation([(.customer, "My account manager set this up")]).state.escalate == false)
            #expect(conversation([(.agent, "I can transfer you to a supervisor")]).state.humanRequested == false)
        }

        @Test func criticalEscalatesAndSuggestsOnCall() {
            let (_, state) = conversation([(.customer, "Our production site is down and we are losing money every minute")])
            #expect(state.urgency == .critical)
            #expect(state.escalate)
            #expect(state.escalationReason == "critical urgency: production site is down")
            #expect(state.suggestedActions == ["Escalate to on-call / senior support", "Collect error details and check the status page"])
        }

        @Test func theCriticalReasonLeadsAndIsKeptWhileCritical() {
            let (messages, state) = conversation([
                (.customer, "This is urgent: we have an outage"),
                (.customer, "Any update? It is urgent"),
            ])
            #expect(messages[0].reasons.first == UrgencyReason(kind: .impactPhrase, detail: "outage"))
            #expect(state.criticalReason == UrgencyReason(kind: .impactPhrase, detail: "outage"))
            #expect(state.escalationReason == "critical urgency: outage")
        }

        @Test func highWithRepeatedContactEscalates() {
            let (_, state) = conversation([(.customer, "This is the third time I'm asking about my refund")])
            #expect(state.urgency == .high)
            #expect(state.escalationReason == "high urgency and repeated contact (third contact)")
            #expect(state.suggestedActions.contains("Read the earlier contacts before replying"))
        }

        @Test func urgencyDecaysAfterThreePositiveCustomerMessages() {
            let (_, state) = conversation([
                (.customer, "Our production site is down and we are losing money every minute"),
                (.agent, "I'm paging the on-call engineers now."),
                (.customer, "Ok, thanks for the quick help."),
                (.customer, "Great, the site is loading again, thank you!"),
            ])
            #expect(state.urgency == .critical)
            let (_, calmer) = analyzer.adding("Thanks, that fixed it. Really appreciate it!", role: .customer, seq: 5, to: state)
            #expect(calmer.urgency == .high)
            #expect(calmer.escalate == false)
            #expect(calmer.reasons == state.reasons)
        }

        @Test func redeliveryLeavesTheStateUnchanged() {
            let (_, state) = conversation(Self.angrier)
            let (message, again) = analyzer.adding("This is terrible. I am extremely angry and fed up with you!", role: .customer, seq: 6, to: state)
            #expect(again == state)
            #expect(message.intent == .complaint)
            #expect(analyzer.adding("Hello?", role: .customer, seq: 2, to: state).conversation == state)
        }

        @Test func customerEvidenceOutweighsTheAgents() {
            let (_, state) = conversation([
                (.customer, "I need a refund"),
                (.agent, "I can see the invoice and the payment for your order"),
            ])
            #expect(state.intent == .refund)
            #expect(state.intentScores["refund"] == 1.8)
            #expect(abs(state.intentScores["billing"]! - 0.4 * 2.2) < 1e-9)
            #expect(state.customerMessages == 1 && state.agentMessages == 1 && state.lastSeq == 2)
        }

        @Test func reasonsAreDistinctAndBounded() {
            var messages: [(SpeakerRole, String)] = []
            for day in 1...20 {
                messages.append((.customer, "I have been waiting for \(day + 3) days, this is urgent"))
                messages.append((.customer, "This is urgent"))
            }
            let (_, state) = conversation(messages)
            #expect(state.reasons.count == ConversationInsights.reasonLimit)
            #expect(state.reasons.count { $0 == UrgencyReason(kind: .impactPhrase, detail: "urgent") } == 1)
            #expect(state.reasons.last == UrgencyReason(kind: .impactPhrase, detail: "urgent"))
            #expect(state.suggestedActions.count <= ConversationInsights.actionLimit)
            #expect(Set(state.suggestedActions).count == state.suggestedActions.count)
        }

        @Test func roundTripsThroughJSON() throws {
            let (_, state) = conversation(Self.angrier)
            let decoded = try JSONDecoder().decode(ConversationInsights.self, from: JSONEncoder().encode(state))
            #expect(decoded == state)
        }
    }

    @Suite struct Cost {
        static let message =
            "Hi, I was charged twice for my subscription this month and the app keeps crashing with an error. I've been "
            + "waiting for 3 days, please refund me at [EMAIL] asap, this is the second time I ask!"

        /// One run of `count` messages, in seconds per message.
        static func secondsPerMessage(_ text: String, count: Int) -> Double {
            let sentiment = SentimentAnalyzer().analyze(text)
            var state = ConversationInsights()
            let start = ContinuousClock.now
            for seq in 0..<count {
                state = analyzer.adding(text, role: .customer, seq: Int64(seq), sentiment: sentiment, to: state).conversation
            }
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            return (Double(seconds) + Double(attoseconds) / 1e18) / Double(count)
        }

        @Test func timeIsLinearInMessageLength() {
            _ = analyzer.analyze(Self.message, role: .customer)
            let longMessage = String(repeating: Self.message + " ", count: 8)
            // The best of five runs each, taken in turns, so that the rest of the suite running alongside slows both alike.
            var short = Double.infinity
            var long = Double.infinity
            for _ in 0..<5 {
                short = min(short, Self.secondsPerMessage(Self.message, count: 50))
                long = min(long, Self.secondsPerMessage(longMessage, count: 50))
            }
            // Eight times the text: linear work takes about 8x, quadratic about 64x.
            #expect(long / short < 24, "short \(short) s, long \(long) s")
        }
    }
}
