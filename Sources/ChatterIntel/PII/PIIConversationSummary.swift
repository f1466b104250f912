/// The PII of a whole conversation: each distinct value once, identified by type and value hash, with when it was
/// first and last seen. Built by merging each message's `PIIResult` in message order; like the results, it holds
/// no raw value. `hasPII` is sticky: once a conversation contained personal data, it always has.
public struct PIIConversationSummary: Sendable, Equatable, Codable {
    public struct Item: Sendable, Equatable, Codable {
        public var type: PIIType
        public var valueHash: String
        public var redactedPreview: String?
        /// Mentions across all merged messages (the same card twice in one message counts twice).
        public var occurrences: Int
        public var firstSeenSeq: Int64
        public var lastSeenSeq: Int64
        public var maxConfidence: Double
    }

    /// Distinct values kept per conversation: the most recently seen, so a long conversation's state stays small.
    public static let itemLimit = 100

    /// Distinct values, in the order they first appeared; at most `itemLimit`, the least recently seen dropped first.
    public private(set) var items: [Item]
    /// Distinct values per type (`PIIType.rawValue`) over the whole conversation. Exact while a conversation has at
    /// most `itemLimit` distinct values; beyond, a value dropped from `items` and seen again counts again.
    public private(set) var distinctCounts: [String: Int]
    public private(set) var hasPII: Bool
    /// The last message merged; results for it or earlier messages are ignored, so redelivery cannot double-count.
    public private(set) var lastMergedSeq: Int64?

    public init() {
        items = []
        distinctCounts = [:]
        hasPII = false
        lastMergedSeq = nil
    }

    /// Distinct values per type.
    public var countsByType: [PIIType: Int] {
        Dictionary(uniqueKeysWithValues: distinctCounts.compactMap { key, count in PIIType(rawValue: key).map { ($0, count) } })
    }

    public func count(of type: PIIType) -> Int {
        distinctCounts[type.rawValue] ?? 0
    }

    public func merging(_ result: PIIResult, messageSeq: Int64) -> Self {
        if let lastMergedSeq, messageSeq <= lastMergedSeq { return self }
        var merged = self
        merged.lastMergedSeq = messageSeq
        merged.hasPII = hasPII || result.hasPII
        for entity in result.entities {
            if let index = merged.items.firstIndex(where: { $0.type == entity.type && $0.valueHash == entity.valueHash }) {
                merged.items[index].occurrences += 1
                merged.items[index].lastSeenSeq = messageSeq
                merged.items[index].maxConfidence = max(merged.items[index].maxConfidence, entity.confidence)
                if merged.items[index].redactedPreview == nil { merged.items[index].redactedPreview = entity.redactedPreview }
            } else {
                merged.items.append(
                    Item(
                        type: entity.type, valueHash: entity.valueHash, redactedPreview: entity.redactedPreview, occurrences: 1,
                        firstSeenSeq: messageSeq, lastSeenSeq: messageSeq, maxConfidence: entity.confidence
                    )
                )
                merged.distinctCounts[entity.type.rawValue, default: 0] += 1
                if merged.items.count > Self.itemLimit, let stalest = merged.items.indices.min(by: { merged.items[$0].lastSeenSeq < merged.items[$1].lastSeenSeq }) {
                    merged.items.remove(at: stalest)
                }
            }
        }
        return merged
    }
}
