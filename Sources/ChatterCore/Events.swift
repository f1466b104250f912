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
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends this object's JSON as UTF-8.
    public func write(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text): Self.writeString(text, to: &out)
            case .integer(let number): out += String(number).utf8
            case .bool(let flag): out += (flag ? "true" : "false").utf8
            case .null: out += "null".utf8
            case .object(let object): object.write(to: &out)
            case .rawJSON(let raw): out += raw.utf8
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (the short forms where JSON has
    /// them, as Foundation writes them), and U+2028/U+2029 too (so the text is also valid JavaScript). Runs of plain
    /// bytes are copied at once.
    public static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var plainFrom = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                var width = 1
                let escape: StaticString?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                case 0..<0x20: escape = nil
                default:
                    index += 1
                    continue
                }
                out += UnsafeBufferPointer(rebasing: bytes[plainFrom..<index])
                if let escape {
                    out += UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount)
                } else {
                    out += "\\u00".utf8
                    out.append(Hex.digit(byte >> 4))
                    out.append(Hex.digit(byte & 0x0F))
                }
                index += width
                plainFrom = index
            }
            out += UnsafeBufferPointer(rebasing: bytes[plainFrom..<bytes.count])
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Lowercase hexadecimal.
public enum Hex {
    /// The digit for a value below 16.
    static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Times on the wire: UTC, ISO-8601 with milliseconds and `Z`.
public enum Timestamp {
    public static func iso8601(milliseconds: Int64) -> String {
        let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
        let inDay = milliseconds - days * 86_400_000
        let (year, month, day) = UTCDay.civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func pad(_ value: Int64, _ width: Int) {
            let digits = String(value).utf8
            for _ in digits.count..<max(digits.count, width) { out.append(UInt8(ascii: "0")) }
            out += digits
        }
        pad(year, 4)
        out.append(UInt8(ascii: "-"))
        pad(month, 2)
        out.append(UInt8(ascii: "-"))
        pad(day, 2)
        out.append(UInt8(ascii: "T"))
        pad(inDay / 3_600_000, 2)
        out.append(UInt8(ascii: ":"))
        pad(inDay / 60_000 % 60, 2)
        out.append(UInt8(ascii: ":"))
        pad(inDay / 1000 % 60, 2)
        out.append(UInt8(ascii: "."))
        pad(inDay % 1000, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
