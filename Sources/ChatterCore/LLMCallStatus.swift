/// The life of one upstream call, the ledger's atom.
public enum LLMCallStatus: String, Sendable, Codable, CaseIterable {
    /// Written before the request is sent.
    case inFlight = "in_flight"
    case ok
    case error
    case cancelled
    /// The client went away; Chatter read the upstream to its end and recorded what it reported.
    case clientDisconnected = "client_disconnected"
    /// Left in flight by a crash and finalised at the next start-up with an estimate.
    case interrupted

    public var isFinal: Bool { self != .inFlight }
}

/// The life of one workflow execution (a chat turn is the simplest workflow).
public enum ExecutionStatus: String, Sendable, Codable {
    case running
    case completed
    case failed
    case interrupted
}
