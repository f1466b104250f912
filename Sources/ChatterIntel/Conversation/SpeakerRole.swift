/// Who wrote a message, as the intelligence engines see it: the customer side (`user` in assistant chats, `customer`
/// in observed ones) or the answering side (`assistant`, `agent`).
public enum SpeakerRole: String, Sendable, Codable {
    case customer, agent

    /// Any other role (`system`, `tool`, a role added later) reads as the customer side: the rules look for urgency
    /// and issues there, and missing an urgent message costs more than reading one more message for it.
    public init(messageRole: String) {
        switch messageRole.lowercased() {
        case "assistant", "agent": self = .agent
        default: self = .customer
        }
    }
}
