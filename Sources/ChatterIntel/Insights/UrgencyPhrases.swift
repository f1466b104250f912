/// Phrases by which a customer says how urgent things are, written for Chatter: what is at stake, how long they have
/// waited, that they have asked before, or that they want a person in charge. The rules that need more than a fixed
/// phrase (a system that "is down", "waiting 3 days", "writing again") are in `UrgencyRules`.
enum UrgencyPhrases {
    /// Outages, lost data, security and legal threats are critical; money, blocked work and explicit urgency high.
    static let impact: [(String, Urgency)] =
        levelled(
            .critical, "outage", "outages", "data loss", "lost data", "lost all my data", "lost all our data", "security breach",
            "data breach", "been hacked", "hacked", "compromised", "unauthorized access", "unauthorised access", "legal action",
            "lawyer", "lawyers", "attorney", "lawsuit", "sue you", "take you to court"
        )
        + levelled(
            .high, "all users", "all our users", "all of our users", "all customers", "all our customers", "all of our customers",
            "every user", "entire team", "whole team", "entire company", "whole company", "losing money", "losing customers",
            "losing sales", "losing revenue", "losing business", "costing us", "can't work", "cannot work", "unable to work",
            "can't do my job", "can't do our jobs", "i'm blocked", "i am blocked", "we're blocked", "we are blocked",
            "completely blocked", "blocking us", "blocker", "business critical", "mission critical", "critical",
            "urgent", "urgently", "asap", "immediately", "emergency", "as soon as possible", "time sensitive", "deadline",
            "right away", "high priority", "fraud", "fraudulent"
        )
        + levelled(.medium, "as soon as you can", "by tomorrow", "by end of day", "end of day", "eod", "sla")

    /// Waiting without a number ("still waiting", "since yesterday"); numbered durations are read by `UrgencyRules`.
    static let waiting: [(String, Urgency)] =
        levelled(
            .high, "for weeks", "for months", "for ages", "since last week", "since last month"
        )
        + levelled(
            .medium, "still waiting", "since yesterday", "since this morning", "since last night", "since monday",
            "since tuesday", "since wednesday", "since thursday", "since friday", "since saturday", "since sunday", "all day",
            "for days", "for hours", "no response", "no reply", "no answer", "nobody answers", "nobody has answered",
            "nobody replied", "no one replied", "haven't heard back", "not heard back", "never heard back", "on hold"
        )

    /// Phrases that say the customer has been here before. The ordinal ones carry the detail a reason shows.
    static let repeatedContact: [(phrase: String, level: Urgency, detail: String?)] =
        [
            ("second time", .medium, "second contact"), ("2nd time", .medium, "second contact"),
            ("third time", .high, "third contact"), ("3rd time", .high, "third contact"),
            ("fourth time", .high, "fourth contact"), ("4th time", .high, "fourth contact"),
            ("fifth time", .high, "fifth contact"), ("5th time", .high, "fifth contact"),
        ]
        + levelled(
            .high, "multiple times", "several times", "many times", "so many times", "how many times", "countless times",
            "keep asking", "keep telling", "keep having to", "again and again", "over and over"
        ).map { ($0.0, $0.1, nil) }
        + levelled(
            .medium, "still not fixed", "still not resolved", "still not working", "still broken", "still doesn't work",
            "still does not work", "still haven't", "still have not", "still no", "already contacted", "already called",
            "already emailed", "already asked", "already reported", "already told", "already explained", "already sent",
            "contacted you before", "asked before", "told you before", "yet again", "once again", "same problem again",
            "same issue again", "previous ticket", "my last ticket", "existing ticket", "open ticket", "following up",
            "follow up on my"
        ).map { ($0.0, $0.1, nil) }

    /// Asking for someone with more authority than the person answering. "manager" on its own is read by
    /// `UrgencyRules`, since "account manager" and "password manager" are not requests.
    static let humanRequest = [
        "speak to a manager", "talk to a manager", "speak with a manager", "speak to your manager", "talk to your manager",
        "get me a manager", "want a manager", "need a manager", "speak to a supervisor", "talk to a supervisor",
        "speak to a human", "talk to a human", "speak with a human", "real person", "real human", "human agent",
        "escalate this", "escalate my", "escalate it",
    ]

    /// Phrases that contain an urgency word while saying the opposite.
    static let neutral = [
        "not urgent", "non urgent", "no rush", "no hurry", "not critical", "not a priority", "low priority", "not in a hurry",
        "whenever you can", "critical thinking",
    ]

    private static func levelled(_ level: Urgency, _ phrases: String...) -> [(String, Urgency)] {
        phrases.map { ($0, level) }
    }
}
