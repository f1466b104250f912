/// One message for the summarizer: already redacted, with its place in the conversation and who wrote it.
public struct SummaryInput: Sendable {
    public var seq: Int64
    public var role: SpeakerRole
    public var text: String

    public init(seq: Int64, role: SpeakerRole, text: String) {
        self.seq = seq
        self.role = role
        self.text = text
    }
}
