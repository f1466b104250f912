/// How a conversation's mood is moving: an exponentially weighted moving average of the messages' compound scores,
/// and a direction from the least-squares slope of the last few. A value type: fold messages in with `adding(_:)`
/// and store the result with the conversation.
public struct SentimentTrend: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable {
        case improving, worsening, stable
    }

    /// Weight of the newest message in the moving average.
    public static let defaultSmoothing = 0.3
    /// How many of the latest messages the direction is computed from.
    public static let defaultWindow = 5
    /// Slope, in compound points per message, beyond which the mood counts as moving: over a window of five, a
    /// change of about 0.4 from first to last.
    public static let slopeThreshold = 0.1

    /// The moving average of compound scores, -1 ... 1; 0 before any message.
    public var average: Double
    public var direction: Direction
    /// Messages folded in so far.
    public var samples: Int
    /// The latest compound scores, oldest first, at most `window` of them.
    public var recent: [Double]
    public var smoothing: Double
    public var window: Int

    public init(smoothing: Double = defaultSmoothing, window: Int = defaultWindow) {
        precondition(smoothing > 0 && smoothing <= 1, "smoothing must be in (0, 1]")
        precondition(window >= 2, "a direction needs a window of at least two messages")
        self.average = 0
        self.direction = .stable
        self.samples = 0
        self.recent = []
        self.smoothing = smoothing
        self.window = window
    }

    /// The trend of a whole conversation, oldest message first.
    public init(compounds: some Sequence<Double>, smoothing: Double = defaultSmoothing, window: Int = defaultWindow) {
        self.init(smoothing: smoothing, window: window)
        for compound in compounds {
            self = adding(compound)
        }
    }

    /// The trend after one more message. The first message sets the average outright; a non-finite score is
    /// not a message's sentiment and leaves the trend unchanged.
    public func adding(_ compound: Double) -> SentimentTrend {
        guard compound.isFinite else { return self }
        let score = min(1, max(-1, compound))
        var next = self
        next.average = samples == 0 ? score : smoothing * score + (1 - smoothing) * average
        next.samples = samples + 1
        next.recent.append(score)
        let limit = max(window, 2)
        if next.recent.count > limit {
            next.recent.removeFirst(next.recent.count - limit)
        }
        next.direction = Self.direction(ofSlope: Self.slope(of: next.recent))
        return next
    }

    /// Least-squares slope of `values` against their positions 0, 1, 2, …; 0 for fewer than two values.
    static func slope(of values: [Double]) -> Double {
        guard values.count >= 2 else { return 0 }
        let count = Double(values.count)
        let meanX = (count - 1) / 2
        let meanY = values.reduce(0, +) / count
        var covariance = 0.0
        var variance = 0.0
        for (position, value) in values.enumerated() {
            let dx = Double(position) - meanX
            covariance += dx * (value - meanY)
            variance += dx * dx
        }
        return covariance / variance
    }

    static func direction(ofSlope slope: Double) -> Direction {
        if slope > slopeThreshold {
            return .improving
        }
        if slope < -slopeThreshold {
            return .worsening
        }
        return .stable
    }
}
