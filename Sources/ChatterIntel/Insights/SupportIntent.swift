/// What a support conversation is about, from a fixed taxonomy so that dashboards can count and route by it.
public enum SupportIntent: String, Sendable, Codable, CaseIterable {
    case billing
    case accountAccess = "account_access"
    case technicalProblem = "technical_problem"
    case cancellation
    case refund
    case orderStatus = "order_status"
    case complaint
    case generalQuestion = "general_question"
    case other

    /// Position in `allCases`, for per-intent score arrays. A switch, because `allCases` builds a new array on
    /// every call and this runs for every intent of every message.
    var ordinal: Int {
        switch self {
        case .billing: 0
        case .accountAccess: 1
        case .technicalProblem: 2
        case .cancellation: 3
        case .refund: 4
        case .orderStatus: 5
        case .complaint: 6
        case .generalQuestion: 7
        case .other: 8
        }
    }

    /// `allCases`, built once.
    static let ordered = allCases

    /// The first thing an agent should do for a conversation about this; nil where the taxonomy has no advice.
    var suggestedAction: String? {
        switch self {
        case .billing: "Review the customer's recent charges"
        case .accountAccess: "Verify identity and send a password reset"
        case .technicalProblem: "Collect error details and check the status page"
        case .cancellation: "Offer retention options before cancelling"
        case .refund: "Check refund eligibility"
        case .orderStatus: "Look up the order's tracking"
        case .complaint: "Acknowledge the problem and apologise"
        case .generalQuestion: "Answer the question and share the relevant help article"
        case .other: nil
        }
    }
}
