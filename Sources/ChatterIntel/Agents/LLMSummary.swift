/// The LLM summary engine: the previous summary and every new message, in one call.
struct LLMSummary {
    let model: any IntelLanguageModel

    static let system = """
        You keep a running summary of a customer support conversation. Personal data has been replaced by tokens such \
        as [EMAIL]; keep them as they are and never guess what they stand for. Given the summary so far and the new \
        messages, answer with the updated summary covering the whole conversation, as JSON only, in this shape: \
        {"tldr": <one sentence>, "customer_issue": <text>, "agent_response": <text>, "key_points": [<up to 5 short \
        points>], "next_steps": [<up to 3 short steps>]}.
        """

    func summarize(_ messages: [IntelMessage], previous: ConversationSummary, of conversation: IntelConversation) async throws -> ConversationSummary {
        let prompt = "Summary so far: \(try IntelJSON.view(previous))\nNew messages:\n"
            + messages.map { "seq \($0.seq) (\($0.role.rawValue)): \($0.text)" }.joined(separator: "\n")
        let answer = try ModelAnswer(try await model.complete(system: Self.system, user: prompt, agent: .summary, for: conversation))
        var summary = previous
        summary.tldr = try answer.string("tldr")
        summary.customerIssue = answer.optionalString("customer_issue") ?? ""
        summary.agentResponse = answer.optionalString("agent_response") ?? ""
        summary.keyPoints = Array(answer.strings("key_points").prefix(5))
        summary.nextSteps = Array(answer.strings("next_steps").prefix(3))
        return summary
    }
}
