/// The sentiment and emotion agent: a result per message and the conversation's mood, overall and on the
/// customer's side (where a worsening trend matters). Offline by default; with a language model configured,
/// the model scores the messages and the offline engine stands in, marked degraded, when it fails.
public struct SentimentAgent: IntelAgent {
    public let kind = IntelAgentKind.sentiment
    let analyzer = SentimentAnalyzer()
    let model: (any IntelLanguageModel)?
    let states = IntelStateCache<State>()

    public init(model: (any IntelLanguageModel)? = nil) {
        self.model = model
    }

    struct State: Codable, Sendable {
        var overall = SentimentTrend()
        var customer = SentimentTrend()
        var latest: Latest?
        var latestCustomer: Latest?
        var labelCounts: [String: Int] = [:]
        var emotionCounts: [String: Int] = [:]
    }

    struct Latest: Codable {
        var seq: Int64
        var role: SpeakerRole
        var compound: Double
        var label: SentimentLabel
        var emotion: Emotion
    }

    struct TrendView: Encodable {
        var average: Double
        var direction: SentimentTrend.Direction
        var samples: Int

        init(_ trend: SentimentTrend) {
            average = trend.average
            direction = trend.direction
            samples = trend.samples
        }
    }

    struct ConversationView: Encodable {
        var latest: Latest?
        var latestCustomer: Latest?
        var trend: TrendView
        var customerTrend: TrendView
        var labelCounts: [String: Int]
        var emotionCounts: [String: Int]
    }

    public func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome {
        var current = try states.decode(state, of: conversation) ?? State()
        let scored = await score(messages, of: conversation)
        var annotations: [IntelOutcome.Annotation] = []
        for (message, result) in zip(messages, scored.results) {
            let latest = Latest(seq: message.seq, role: message.role, compound: result.compound, label: result.label, emotion: result.emotion)
            current.overall = current.overall.adding(result.compound)
            current.latest = latest
            if message.role == .customer {
                current.customer = current.customer.adding(result.compound)
                current.latestCustomer = latest
            }
            current.labelCounts[result.label.rawValue, default: 0] += 1
            current.emotionCounts[result.emotion.rawValue, default: 0] += 1
            annotations.append(IntelOutcome.Annotation(messageID: message.id, seq: message.seq, json: try IntelJSON.view(result)))
        }
        let view = ConversationView(
            latest: current.latest, latestCustomer: current.latestCustomer, trend: TrendView(current.overall),
            customerTrend: TrendView(current.customer), labelCounts: current.labelCounts, emotionCounts: current.emotionCounts
        )
        return IntelOutcome(
            annotations: annotations, state: try states.encode(current, of: conversation), view: try IntelJSON.view(view), engine: scored.engine,
            degradedReason: scored.degradedReason
        )
    }

    /// The model's scores when one is configured and answers well; otherwise the offline engine's.
    func score(_ messages: [IntelMessage], of conversation: IntelConversation) async -> EngineAnswer<[MessageSentiment]> {
        let offline = { messages.map { MessageSentiment(analyzer.analyze($0.text)) } }
        guard let model else { return EngineAnswer(results: offline(), engine: SentimentAnalyzer.engine) }
        do {
            return EngineAnswer(results: try await LLMSentiment(model: model).score(messages, of: conversation), engine: "llm:\(model.name)")
        } catch {
            return EngineAnswer(results: offline(), engine: SentimentAnalyzer.engine, degradedReason: IntelLanguageModelFailure.reason(error))
        }
    }
}

/// One message's sentiment. The offline engine also gives the shares of positive, negative and neutral material
/// and a score per emotion; a language model gives only the compound score, label and emotion.
struct MessageSentiment: Encodable, Equatable {
    var compound: Double
    var label: SentimentLabel
    var emotion: Emotion
    var positive: Double?
    var negative: Double?
    var neutral: Double?
    var emotionScores: [String: Double]?

    init(compound: Double, label: SentimentLabel, emotion: Emotion) {
        self.compound = compound
        self.label = label
        self.emotion = emotion
    }

    init(_ result: SentimentResult) {
        self.init(compound: result.compound, label: result.label, emotion: result.emotion)
        positive = result.positive
        negative = result.negative
        neutral = result.neutral
        emotionScores = result.emotionScores
    }
}

/// What an engine answered, and which engine it was.
struct EngineAnswer<Results> {
    var results: Results
    var engine: String
    var degradedReason: String? = nil
}
