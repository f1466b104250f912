/// The LLM sentiment engine: one call scores all of a conversation's new messages.
struct LLMSentiment {
    let model: any IntelLanguageModel

    static let system = """
        You rate the sentiment of messages in a customer support conversation. Personal data has been replaced by \
        tokens such as [EMAIL]. Answer with JSON only, in this shape: {"messages": [{"seq": <the message's seq>, \
        "compound": <number from -1 (most negative) to 1 (most positive)>, "label": "positive" | "neutral" | "negative", \
        "emotion": "anger" | "disgust" | "fear" | "joy" | "sadness" | "surprise" | "neutral"}]}, one entry per message.
        """

    func score(_ messages: [IntelMessage], of conversation: IntelConversation) async throws -> [MessageSentiment] {
        let prompt = messages.map { "seq \($0.seq) (\($0.role.rawValue)): \($0.text)" }.joined(separator: "\n")
        let answer = try ModelAnswer(try await model.complete(system: Self.system, user: prompt, agent: .sentiment, for: conversation))
        var bySeq: [Int64: MessageSentiment] = [:]
        for entry in try answer.objects("messages") {
            let compound = min(1, max(-1, try entry.number("compound")))
            let label = (try? entry.choice("label", as: SentimentLabel.self)) ?? SentimentLabel(compound: compound)
            let emotion = try entry.choice("emotion", as: Emotion.self)
            bySeq[try entry.integer("seq")] = MessageSentiment(compound: compound, label: label, emotion: emotion)
        }
        return try messages.map { message in
            guard let result = bySeq[message.seq] else { throw IntelLanguageModelFailure("the model's answer skips message \(message.seq)") }
            return result
        }
    }
}
