/// The types of the durable event log (ARCHITECTURE §3). `docs/events.md` is the catalogue of their `data`.
public enum EventType: String, Sendable, CaseIterable {
    case conversationCreated = "conversation.created"
    case messageCreated = "message.created"
    case workflowStarted = "workflow.started"
    case workflowCompleted = "workflow.completed"
    case workflowFailed = "workflow.failed"
    case llmCallStarted = "llm.call.started"
    case llmCallCompleted = "llm.call.completed"
    case llmCallFailed = "llm.call.failed"
    /// The merged conversation intelligence changed (an agent folded in new messages).
    case intelUpdated = "intel.updated"
    /// Reserved for the workflow engine.
    case toolCalled = "tool.called"
    /// Reserved for the workflow engine.
    case toolCompleted = "tool.completed"
}

/// One row of the event log, as stored: `data` is the event's JSON object, kept as text.
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var type: String
    public var tenantID: String
    public var userID: String?
    public var conversationID: String?
    public var executionID: String?
    public var correlationID: String?
    public var atMilliseconds: Int64
    public var data: String

    public init(
        seq: Int64, id: String, type: String, tenantID: String, userID: String?, conversationID: String?, executionID: String?,
        correlationID: String?, atMilliseconds: Int64, data: String
    ) {
        self.seq = seq
        self.id = id
        self.type = type
        self.tenantID = tenantID
        self.userID = userID
        self.conversationID = conversationID
        self.executionID = executionID
        self.correlationID = correlationID
        self.atMilliseconds = atMilliseconds
        self.data = data
    }

    /// The envelope as JSON, as SSE and WebSocket deliver it; `data` is embedded verbatim.
    public var envelopeJSON: String {
        var envelope = JSONObjectWriter()
        envelope["seq"] = .integer(seq)
        envelope["id"] = .string(id)
        envelope["type"] = .string(type)
        envelope["tenant_id"] = .string(tenantID)
        envelope["user_id"] = .optionalString(userID)
        envelope["conversation_id"] = .optionalString(conversationID)
        envelope["execution_id"] = .optionalString(executionID)
        envelope["correlation_id"] = .optionalString(correlationID)
        envelope["at"] = .string(Timestamp.iso8601(milliseconds: atMilliseconds))
        envelope["data"] = .rawJSON(data)
        return envelope.json
    }
}

/// A JSON object written in key order with exact integers (event data holds nano-USD, which a Double would
/// round), without the cost of a Codable encoder on the ledger's hot path.
public struct JSONObjectWriter: Sendable {
    public enum Value: Sendable {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
        case object(JSONObjectWriter)
        /// Text that is already JSON.
        case rawJSON(String)

        public static func optionalString(_ value: String?) -> Value { value.map(Value.string) ?? .null }
        public static func optionalInteger(_ value: Int64?) -> Value { value.map(Value.integer) ?? .null }
    }

    private var fields: [(String, Value)] = []

    public init() {}

    public subscript(key: String) -> Value? {
        get { fields.first { $0.0 == key }?.1 }
        set {
            fields.removeAll { $0.0 == key }
            if let newValue { fields.append((key, newValue)) }
        }
    }

    public var json: String {
        var out = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out += "," }
            Self.writeString(key, to: &out)
            out += ":"
            switch value {
            case .string(let text): Self.writeString(text, to: &out)
            case .integer(let number): out += String(number)
            case .bool(let flag): out += flag ? "true" : "false"
            case .null: out += "null"
            case .object(let object): out += object.json
            case .rawJSON(let raw): out += raw
            }
        }
        return out + "}"
    }

    static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20 || control.value == 0x2028 || control.value == 0x2029:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Times on the wire: UTC, ISO-8601 with milliseconds and `Z`.
public enum Timestamp {
    public static func iso8601(milliseconds: Int64) -> String {
        let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
        let inDay = milliseconds - days * 86_400_000
        let (year, month, day) = UTCDay.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2)):"
            + "\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }
}
