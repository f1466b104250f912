/// The urgency rules a fixed phrase cannot express: they look a few words back from a trigger word, never across a
/// clause boundary, and read word traits (`InsightWordTraits`) rather than sets, so each costs a constant amount of
/// work per word.
enum UrgencyRules {
    /// A reason found by a rule, with the urgency it stands for.
    struct Finding: Equatable {
        var level: Urgency
        var reason: UrgencyReason
    }

    /// Things that can be down for everyone at once; "the site is down" is an outage, "I feel down" is not.
    static let systems: Set<String> = [
        "production", "prod", "site", "website", "server", "servers", "service", "services", "system", "systems", "app",
        "application", "platform", "api", "store", "shop", "checkout", "portal", "dashboard", "everything", "network",
        "database", "db", "cluster", "backend", "infrastructure", "login", "payments", "page", "pages", "vpn", "sso",
        "integration", "sync", "webhooks", "internet", "connection",
    ]
    static let outageWords: Set<String> = ["down", "offline", "unreachable"]
    /// Words that may stand between the system and "down": "the site is down", "servers went completely down".
    static let outageLinks: Set<String> = [
        "is", "are", "was", "were", "went", "goes", "go", "been", "has", "have", "gone", "completely", "totally", "still",
        "all", "just", "entirely", "fully",
    ]
    /// "down payment", "down to", "down the page" are not outages.
    static let notOutagesAfter: Set<String> = ["payment", "to", "the", "arrow", "menu"]

    /// "production is down", "our site went down": critical, with the words from the system to "down" as detail.
    static func outages(in text: InsightText) -> [Finding] {
        var findings: [Finding] = []
        for index in 0..<text.count where text.traits[index].contains(.outage) {
            if text.continues(after: index), text.traits[index + 1].contains(.notOutageAfter) { continue }
            // The furthest system within four words, with only link words between it and "down" until one is seen.
            var start: Int?
            var position = index - 1
            while position >= 0, index - position <= 4, !text.words[position].endsClause {
                if text.traits[position].contains(.system) {
                    start = position
                } else if start == nil, !text.traits[position].contains(.outageLink) {
                    break
                }
                position -= 1
            }
            if let start {
                findings.append(Finding(level: .critical, reason: UrgencyReason(kind: .impactPhrase, detail: text.phrase(start...index))))
            }
        }
        return findings
    }

    /// Verbs after which "again" means the customer is back about the same thing: "writing again", "charged me
    /// again", "it crashed again". "Try again" and "log in again" are instructions, not history.
    static let recurrenceVerbs: Set<String> = [
        "contact", "contacting", "contacted", "write", "writing", "wrote", "ask", "asking", "asked", "call", "calling",
        "called", "email", "emailing", "emailed", "message", "messaging", "messaged", "chat", "chatting", "reach",
        "reaching", "here", "explain", "explaining", "complain", "complaining", "report", "reporting", "happened",
        "happening", "happens", "broke", "broken", "crashed", "crashing", "failed", "failing", "down", "charged", "billed",
        "stopped", "same",
    ]

    static func recurrences(in text: InsightText) -> [Finding] {
        var findings: [Finding] = []
        for index in 0..<text.count where text.words[index].text == "again" {
            if let verb = text.lastBefore(index, within: 3, where: { text.traits[$0].contains(.recurrenceVerb) }) {
                findings.append(Finding(level: .medium, reason: UrgencyReason(kind: .repeatedContact, detail: text.phrase(verb...index))))
            }
        }
        return findings
    }

    static let ticketWords: Set<String> = ["ticket", "case"]
    static let ticketLinks: Set<String> = ["number", "no", "id", "ref"]

    /// "ticket 48213", "case #7781", "ticket number 512": the customer refers to an earlier ticket. The number is
    /// left out of the detail.
    static func ticketReferences(in text: InsightText) -> [Finding] {
        var findings: [Finding] = []
        for index in 0..<text.count where text.traits[index].contains(.ticket) && text.continues(after: index) {
            var next = index + 1
            if text.traits[next].contains(.ticketLink), text.continues(after: next) {
                next += 1
            }
            if text.words[next].number != nil {
                findings.append(Finding(level: .medium, reason: UrgencyReason(kind: .repeatedContact, detail: "existing \(text.words[index].text)")))
            }
        }
        return findings
    }

    /// People a customer may ask for, and the verbs of asking. The word right before the person must not make it
    /// a different thing: "account manager", "password manager".
    static let authorities: Set<String> = ["manager", "supervisor", "boss", "human", "person"]
    static let askingVerbs: Set<String> = [
        "speak", "talk", "speaking", "talking", "want", "need", "get", "see", "connect", "transfer", "put", "escalate",
        "demand", "request", "requesting", "give",
    ]
    /// "I need a person to look at this" is not a request for someone else: a human or person must be talked to.
    static let persons: Set<String> = ["human", "person"]
    static let talkingVerbs: Set<String> = ["speak", "talk", "speaking", "talking", "connect", "transfer"]
    static let otherManagers: Set<String> = ["account", "project", "product", "password", "package", "task", "community", "property"]

    /// Whether the customer asks for a manager, supervisor or human; the phrases of `UrgencyPhrases.humanRequest`
    /// cover the fixed forms.
    static func asksForAuthority(in text: InsightText) -> Bool {
        for index in 0..<text.count where text.traits[index].contains(.authority) {
            if index > 0, text.traits[index - 1].contains(.otherManager) { continue }
            let verb: InsightWordTraits = text.traits[index].contains(.person) ? .talkingVerb : .askingVerb
            if text.lastBefore(index, within: 4, where: { text.traits[$0].contains(verb) }) != nil { return true }
        }
        return false
    }
}
