/// Polarity of a message, from its compound score and the ±0.05 thresholds VADER's authors recommend.
public enum SentimentLabel: String, Sendable, Codable {
    case positive, neutral, negative

    /// The threshold below which a compound score counts as neutral.
    public static let neutralBand = 0.05

    public init(compound: Double) {
        if compound >= Self.neutralBand {
            self = .positive
        } else if compound <= -Self.neutralBand {
            self = .negative
        } else {
            self = .neutral
        }
    }
}

/// The dominant emotion of a message: Ekman's six basic emotions minus contempt, plus neutral.
public enum Emotion: String, Sendable, Codable, CaseIterable {
    case anger, disgust, fear, joy, sadness, surprise, neutral

    /// The six emotions that carry evidence; `neutral` is the absence of it.
    public static let expressed: [Emotion] = [.anger, .disgust, .fear, .joy, .sadness, .surprise]
}

/// What the offline sentiment engine concluded about one message.
public struct SentimentResult: Sendable, Equatable, Codable {
    /// Normalised sum of the message's valences, in -1 ... 1.
    public var compound: Double
    /// Shares of the message's positive, negative and neutral material; they sum to 1.
    public var positive: Double
    public var negative: Double
    public var neutral: Double
    public var label: SentimentLabel
    public var emotion: Emotion
    /// Keyed by `Emotion.rawValue`, every case present. When the message shows any emotional evidence the six
    /// expressed emotions hold their share of it (summing to 1) and `neutral` is 0; otherwise `neutral` is 1.
    public var emotionScores: [String: Double]

    public init(
        compound: Double,
        positive: Double,
        negative: Double,
        neutral: Double,
        label: SentimentLabel,
        emotion: Emotion,
        emotionScores: [String: Double]
    ) {
        self.compound = compound
        self.positive = positive
        self.negative = negative
        self.neutral = neutral
        self.label = label
        self.emotion = emotion
        self.emotionScores = emotionScores
    }
}
