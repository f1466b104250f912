/// Words and phrases that point at each support intent, with how strongly, written for Chatter. About 1 is a clear
/// sign on its own ("invoice"), 1.5 and more an unmistakable one ("double charged"), 0.5 and less a hint that only
/// counts together with others ("plan", "app"). Refund outweighs billing and cancellation outweighs order words on
/// purpose: "charged twice, I want a refund" is a refund, "cancel my order" a cancellation.
enum IntentPhrases {
    static let all: [(SupportIntent, [(String, Double)])] = [
        (.billing, billing), (.accountAccess, accountAccess), (.technicalProblem, technicalProblem),
        (.cancellation, cancellation), (.refund, refund), (.orderStatus, orderStatus), (.complaint, complaint),
        (.generalQuestion, generalQuestion),
    ]

    /// Weight a question mark adds to `generalQuestion`: a question that names no topic is a general question.
    static let questionMarkWeight = 0.3

    static let billing =
        weighted(1.5, "overcharged", "double charged", "charged twice", "double charge", "subscription fee", "billing error")
        + weighted(1.2, "invoice", "invoices", "invoiced", "billing", "billed", "charged", "receipt", "auto renew", "auto renewal")
        + weighted(1.0, "bill", "bills", "charge", "charges", "payment", "payments", "credit card", "fee", "fees", "renewal")
        + weighted(0.8, "pricing", "vat", "downgrade", "statement")
        + weighted(0.6, "price", "paid", "pay", "subscription", "upgrade", "tax")
        + weighted(0.5, "[card]", "[payment_card]", "[iban]", "card", "amount", "plan")

    static let accountAccess =
        weighted(
            1.5, "password", "passwords", "locked out", "2fa", "mfa", "two factor", "reset link", "account locked",
            "access my account", "account access", "can't sign in", "can't log in", "cannot log in", "cannot sign in"
        )
        + weighted(1.2, "log in", "login", "logging in", "sign in", "signin", "signing in", "verification code", "authenticator", "otp")
        + weighted(1.0, "username", "security code", "one time code", "into my account", "sso", "hacked")
        + weighted(0.8, "forgot", "locked")
        + weighted(0.4, "reset")

    static let technicalProblem =
        weighted(1.5, "stopped working", "stack trace", "error message", "error code")
        + weighted(
            1.2, "error", "errors", "crash", "crashes", "crashed", "crashing", "bug", "bugs", "not working", "isn't working",
            "doesn't work", "does not work", "won't load", "not loading", "outage", "timeout", "timed out", "times out"
        )
        + weighted(1.0, "fails", "failing", "failure", "glitch", "freezes", "freeze", "exception", "blank page", "won't start")
        + weighted(0.8, "broken", "failed", "frozen", "500 error", "error 500")
        + weighted(0.6, "down", "slow", "lag", "sync", "api", "install", "404", "out of order")
        + weighted(0.3, "app", "update", "issue", "problem", "500")

    static let cancellation =
        weighted(
            1.5, "cancel", "cancelling", "canceling", "cancellation", "unsubscribe", "close my account", "delete my account",
            "end my subscription", "stop my subscription", "close account"
        )
        + weighted(1.2, "terminate", "terminating", "termination", "don't want to renew")
        + weighted(1.0, "cancelled", "canceled")
        + weighted(0.8, "switching to", "quit")

    static let refund =
        weighted(1.8, "refund", "refunds", "refunded", "refunding", "money back", "chargeback", "charge back")
        + weighted(1.5, "reimburse", "reimbursed", "reimbursement")
        + weighted(1.0, "store credit", "credit back")
        + weighted(0.6, "return")
        + weighted(0.5, "returned")

    static let orderStatus =
        weighted(
            1.5, "tracking", "tracking number", "hasn't arrived", "not arrived", "never arrived", "where is my order",
            "wrong item", "in transit"
        )
        + weighted(1.2, "shipping", "shipment", "shipped", "delivery", "package", "parcel", "courier")
        + weighted(1.0, "order", "orders", "ordered", "delivered", "deliver", "dispatch", "dispatched", "ups", "fedex", "dhl", "usps")
        + weighted(0.8, "arrived", "arrive")
        + weighted(0.6, "damaged", "out of stock")

    static let complaint =
        weighted(
            1.5, "unacceptable", "terrible service", "complain", "complaint", "speak to a manager", "talk to a manager",
            "poor service", "bad service", "not good enough"
        )
        + weighted(1.2, "worst", "complaining", "rude", "disgrace")
        + weighted(1.0, "disappointed", "disappointing", "ridiculous", "waste of time", "fed up", "never again")
        + weighted(0.4, "manager", "supervisor")
        + weighted(0.6, "terrible", "awful", "horrible", "frustrated", "frustrating")
        + weighted(0.4, "customer service")

    static let generalQuestion =
        weighted(0.8, "how do i", "how can i", "is it possible", "wondering", "difference between")
        + weighted(0.7, "where can i")
        + weighted(0.6, "how to", "can i", "what is", "what are", "does it", "curious")
        + weighted(0.5, "question", "questions", "do you", "is there", "information", "explain")

    /// Phrases that contain an intent word without meaning it. They are matched so that the word inside does not
    /// count: "in order to" says nothing about an order.
    static let neutral = ["in order to", "in order for", "order of", "in the order", "reset the filter", "pay attention"]

    private static func weighted(_ weight: Double, _ phrases: String...) -> [(String, Double)] {
        phrases.map { ($0, weight) }
    }
}
