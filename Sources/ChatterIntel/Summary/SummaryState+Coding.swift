/// The state goes to JSON and back on every batch an agent folds, and Foundation's coders spend about a microsecond
/// per JSON value: as an object per sentence and a dictionary of term counts, a full state took over a millisecond
/// each way. So sentences and term counts are each one string, a line per sentence with tab-separated fields and
/// "term count" pairs, which code in tens of microseconds and still read plainly when a state is inspected.
extension SummaryState {
    private enum CodingKeys: String, CodingKey {
        case summary, candidates, nextSteps, termCounts, sentencesRead, customerMessages, agentMessages, openingSentences
        case outcome
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func corrupted(_ key: CodingKeys, _ description: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: container, debugDescription: description)
        }
        summary = try container.decode(ConversationSummary.self, forKey: .summary)
        guard let candidates = SummarySentence.lines(try container.decode(String.self, forKey: .candidates)) else {
            throw corrupted(.candidates, "a sentence line does not have nine fields")
        }
        guard let nextSteps = SummarySentence.lines(try container.decode(String.self, forKey: .nextSteps)) else {
            throw corrupted(.nextSteps, "a sentence line does not have nine fields")
        }
        guard let termCounts = Self.termCounts(from: try container.decode(String.self, forKey: .termCounts)) else {
            throw corrupted(.termCounts, "term counts are not pairs of a term and a number")
        }
        self.candidates = candidates
        self.nextSteps = nextSteps
        self.termCounts = termCounts
        sentencesRead = try container.decode(Int.self, forKey: .sentencesRead)
        customerMessages = try container.decode(Int.self, forKey: .customerMessages)
        agentMessages = try container.decode(Int.self, forKey: .agentMessages)
        openingSentences = try container.decode(Int.self, forKey: .openingSentences)
        outcome = try container.decodeIfPresent(String.self, forKey: .outcome)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary, forKey: .summary)
        try container.encode(candidates.map(\.line).joined(separator: "\n"), forKey: .candidates)
        try container.encode(nextSteps.map(\.line).joined(separator: "\n"), forKey: .nextSteps)
        try container.encode(Self.termCountsText(termCounts), forKey: .termCounts)
        try container.encode(sentencesRead, forKey: .sentencesRead)
        try container.encode(customerMessages, forKey: .customerMessages)
        try container.encode(agentMessages, forKey: .agentMessages)
        try container.encode(openingSentences, forKey: .openingSentences)
        try container.encodeIfPresent(outcome, forKey: .outcome)
    }

    /// "charge 3 invoice 5 …", sorted by term so that equal states are equal text. Terms hold no ASCII space.
    static func termCountsText(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " ")
    }

    static func termCounts(from text: String) -> [String: Int]? {
        var text = text
        return text.withUTF8 { bytes in
            let fields = StateText.pieces(of: bytes, at: UInt8(ascii: " "))
            guard fields.count % 2 == 0 else { return nil }
            var counts: [String: Int] = [:]
            counts.reserveCapacity(fields.count / 2)
            for index in stride(from: 0, to: fields.count, by: 2) {
                guard let count = Int(StateText.string(fields[index + 1])) else { return nil }
                counts[StateText.string(fields[index])] = count
            }
            return counts
        }
    }
}

/// A sentence as one line: seq, speaker, position, term mask, bonus, score, opening (1 or 0), the terms joined by
/// spaces, and the text last, so that a tab inside it needs no escaping. The text holds no line break: sentences
/// are split at them. Doubles are written in Swift's shortest form, which reads back exactly.
extension SummarySentence {
    var line: String {
        let fields: [String] = [
            String(seq), speaker.rawValue, String(position), String(termMask), bonus.description, score.description,
            isOpening ? "1" : "0", terms.joined(separator: " "), text,
        ]
        return fields.joined(separator: "\t")
    }

    init?(line: UnsafeBufferPointer<UInt8>) {
        let fields = StateText.pieces(of: line, at: UInt8(ascii: "\t"), keepingEmpty: true, maxSplits: 8)
        guard fields.count == 9 else { return nil }
        let opening = StateText.string(fields[6])
        guard let seq = Int64(StateText.string(fields[0])), let speaker = SpeakerRole(rawValue: StateText.string(fields[1])),
            let position = Int(StateText.string(fields[2])), let termMask = UInt64(StateText.string(fields[3])),
            let bonus = Double(StateText.string(fields[4])), let score = Double(StateText.string(fields[5])), opening == "1" || opening == "0"
        else { return nil }
        self.init(
            text: StateText.string(fields[8]), seq: seq, speaker: speaker, position: position,
            terms: StateText.pieces(of: fields[7], at: UInt8(ascii: " ")).map(StateText.string), termMask: termMask, bonus: bonus,
            score: score, isOpening: opening == "1"
        )
    }

    /// The sentences of `text`, a line each; nil when a line is not a sentence.
    static func lines(_ text: String) -> [SummarySentence]? {
        var text = text
        return text.withUTF8 { bytes in
            var sentences: [SummarySentence] = []
            for line in StateText.pieces(of: bytes, at: 0x0A) {
                guard let sentence = SummarySentence(line: line) else { return nil }
                sentences.append(sentence)
            }
            return sentences
        }
    }
}

/// Splitting the state's strings by bytes: `String.split` walks grapheme clusters, which made decoding a state
/// several times slower than the JSON parsing itself.
enum StateText {
    /// The pieces between separator bytes; empty ones are dropped unless `keepingEmpty`. After `maxSplits`
    /// separators the rest is one piece, separators and all.
    static func pieces(
        of bytes: UnsafeBufferPointer<UInt8>, at separator: UInt8, keepingEmpty: Bool = false, maxSplits: Int = .max
    ) -> [UnsafeBufferPointer<UInt8>] {
        var pieces: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count, pieces.count < maxSplits {
            if bytes[index] == separator {
                if keepingEmpty || index > start { pieces.append(UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                start = index + 1
            }
            index += 1
        }
        if keepingEmpty || bytes.count > start { pieces.append(UnsafeBufferPointer(rebasing: bytes[start...])) }
        return pieces
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
