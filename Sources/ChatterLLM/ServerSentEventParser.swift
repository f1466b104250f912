/// Incremental parser for `text/event-stream` bodies (the WHATWG event-stream format):
/// bytes go in as they arrive, whole events come out at each blank line.
public struct ServerSentEventParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var event: String?
        public var data: String
    }

    private var pending: [UInt8] = []
    private var eventName: String?
    private var dataLines: [String] = []

    public init() {}

    public mutating func consume(_ bytes: some Sequence<UInt8>) -> [Event] {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var lineStart = 0
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                // A CR immediately followed by LF is one line break; wait for the LF if it has not arrived.
                if byte == UInt8(ascii: "\r") && index + 1 == pending.count { break }
                let line = String(decoding: pending[lineStart..<index], as: UTF8.self)
                if byte == UInt8(ascii: "\r") && pending[index + 1] == UInt8(ascii: "\n") { index += 1 }
                if let event = handle(line: line) { events.append(event) }
                lineStart = index + 1
            }
            index += 1
        }
        pending.removeFirst(lineStart)
        return events
    }

    /// Whatever complete event is left when the body ends without a final blank line.
    public mutating func finish() -> Event? {
        if !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            pending.removeAll()
            if let event = handle(line: line) { return event }
        }
        return handle(line: "")
    }

    private mutating func handle(line: String) -> Event? {
        if line.isEmpty {
            defer {
                eventName = nil
                dataLines.removeAll()
            }
            guard !dataLines.isEmpty else { return nil }
            return Event(event: eventName, data: dataLines.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": eventName = String(value)
        default: break
        }
        return nil
    }
}
