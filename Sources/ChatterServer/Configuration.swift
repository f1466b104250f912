import ChatterCore
import Foundation
import Logging

/// Everything Chatter reads from its environment (ARCHITECTURE §9), validated once at start-up.
public struct Configuration: Sendable {
    public var databaseURL: String
    public var host: String
    public var port: Int
    public var adminKey: String?
    /// Configured providers besides the built-in `demo`, in order.
    public var providers: [ProviderSetting]
    /// Short names for `provider/model`, usable wherever a model is named.
    public var aliases: [String: ModelReference]
    public var defaultModel: ModelReference
    public var pricesFile: String?
    public var maxBodyBytes: Int
    /// How long a new connection may take to send a whole request head before it gets a 408 and is closed.
    public var requestHeadTimeout: Duration
    public var historyTokenBudget: Int64
    public var upstreamConnectTimeout: Duration
    /// Longest silence between two pieces of an upstream response.
    public var upstreamIdleTimeout: Duration
    /// Longest a whole upstream call may take, streaming included (also bounds a drain after a client leaves).
    public var upstreamRequestTimeout: Duration
    public var nodeID: String
    public var streamLimits: StreamLimits
    /// Attempts per upstream call, retries included (429 and 5xx, before the first token only).
    public var upstreamMaxAttempts: Int
    public var logLevel: Logger.Level
    public var demoTokenDelay: Duration
    /// PostgreSQL connections this node may open (SQLite always uses one).
    public var maxDatabaseConnections: Int
    public var sqliteSynchronous: String
    /// The event log's live delivery: keepalive period, per-subscriber queue, and how long events are kept.
    public var eventKeepalive: Duration
    public var eventQueueLimit: Int
    public var eventRetentionDays: Int
    /// How often the event readers look for commits they were not woken for: another process's on SQLite, or a
    /// notification lost while PostgreSQL's listening connection was down.
    public var eventPollInterval: Duration
    /// A bearer token that may read `/metrics` (admin API keys always may).
    public var metricsToken: String?
    /// Which engines the intelligence agents use: `offline` (all offline), `llm` (a language model for sentiment,
    /// insights and summary), `hybrid` (offline sentiment, a language model for insights and summary). PII detection
    /// is always the deterministic engine.
    public var intelEngine: IntelEngineChoice
    /// The model the LLM engines call, `provider/model` or an alias (required unless the engine is offline).
    public var intelModel: ModelReference?
    /// Whether this node runs the intelligence consumers (`CHATTER_INTEL_PIPELINE=off` leaves them to other nodes).
    public var intelPipeline: Bool
    /// Where OpenTelemetry traces go over OTLP/HTTP (a base URL, `/v1/traces` appended, or the full traces URL);
    /// nil sends none.
    public var otelEndpoint: String?
    /// `http/protobuf` (the default) or `http/json`.
    public var otelProtocol: String
    /// The traces' `service.name`.
    public var otelServiceName: String
    /// The key PII value hashes are made with, so that hashes cannot be matched against another deployment's.
    public var piiHashSecret: String?

    public enum IntelEngineChoice: String, Sendable {
        case offline, llm, hybrid
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String {
            "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads and validates; every problem is reported at once, each naming its variable.
    public init(environment: [String: String]) throws {
        var problems: [String] = []
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
            guard let raw = value(name) else { return fallback }
            guard let parsed = Int(raw), range.contains(parsed) else {
                problems.append("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(raw)\")")
                return fallback
            }
            return parsed
        }

        databaseURL = value("CHATTER_DATABASE_URL") ?? "sqlite://./data/chatter.sqlite"
        if !(databaseURL.hasPrefix("sqlite://") || databaseURL == "sqlite::memory:" || databaseURL.hasPrefix("postgres://")
            || databaseURL.hasPrefix("postgresql://"))
        {
            problems.append("CHATTER_DATABASE_URL must be sqlite:///path/file.sqlite or postgres://user:pass@host:port/db")
        }
        host = value("CHATTER_HOST") ?? "127.0.0.1"
        port = integer("CHATTER_PORT", default: 8080, range: 0...65535)
        adminKey = value("CHATTER_ADMIN_KEY")
        if let adminKey, adminKey.count < 20 {
            problems.append("CHATTER_ADMIN_KEY must be at least 20 characters long")
        }
        (providers, aliases, defaultModel) = Self.providerSettings(environment: environment, value: value, problems: &problems)
        pricesFile = value("CHATTER_PRICES_FILE")
        maxBodyBytes = integer("CHATTER_MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20))
        requestHeadTimeout = .seconds(integer("CHATTER_REQUEST_HEAD_TIMEOUT_SECONDS", default: 30, range: 1...600))
        historyTokenBudget = Int64(integer("CHATTER_HISTORY_TOKEN_BUDGET", default: 8000, range: 100...2_000_000))
        upstreamConnectTimeout = .seconds(integer("CHATTER_UPSTREAM_CONNECT_TIMEOUT_SECONDS", default: 10, range: 1...300))
        upstreamIdleTimeout = .seconds(integer("CHATTER_UPSTREAM_IDLE_TIMEOUT_SECONDS", default: 60, range: 1...3600))
        upstreamRequestTimeout = .seconds(integer("CHATTER_UPSTREAM_REQUEST_TIMEOUT_SECONDS", default: 600, range: 1...7200))
        nodeID = value("CHATTER_NODE_ID") ?? ProcessInfo.processInfo.hostName
        let disconnect = (value("CHATTER_ON_CLIENT_DISCONNECT") ?? "drain").lowercased()
        if !["drain", "cancel"].contains(disconnect) { problems.append("CHATTER_ON_CLIENT_DISCONNECT must be drain or cancel") }
        streamLimits = StreamLimits(
            firstTokenTimeout: .seconds(integer("CHATTER_UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS", default: 60, range: 1...3600)),
            requestTimeout: upstreamRequestTimeout,
            cancelOnDisconnect: disconnect == "cancel",
            drainTimeout: .seconds(integer("CHATTER_DRAIN_TIMEOUT_SECONDS", default: 120, range: 1...3600)),
            maxConcurrentDrains: integer("CHATTER_MAX_CONCURRENT_DRAINS", default: 64, range: 0...100_000)
        )
        upstreamMaxAttempts = integer("CHATTER_UPSTREAM_MAX_ATTEMPTS", default: 3, range: 1...10)
        maxDatabaseConnections = integer("CHATTER_DATABASE_MAX_CONNECTIONS", default: 16, range: 1...500)
        sqliteSynchronous = (value("CHATTER_SQLITE_SYNCHRONOUS") ?? "FULL").uppercased()
        if !["FULL", "NORMAL"].contains(sqliteSynchronous) {
            problems.append("CHATTER_SQLITE_SYNCHRONOUS must be FULL or NORMAL")
        }
        eventKeepalive = .seconds(integer("CHATTER_EVENTS_KEEPALIVE_SECONDS", default: 15, range: 1...300))
        eventQueueLimit = integer("CHATTER_EVENTS_QUEUE_LIMIT", default: 1000, range: 1...1_000_000)
        eventRetentionDays = integer("CHATTER_EVENT_RETENTION_DAYS", default: 30, range: 1...3650)
        eventPollInterval = .milliseconds(integer("CHATTER_EVENTS_POLL_MS", default: 2000, range: 50...600_000))
        metricsToken = value("CHATTER_METRICS_TOKEN")
        if let metricsToken, metricsToken.count < 16 { problems.append("CHATTER_METRICS_TOKEN must be at least 16 characters long") }
        let engineText = value("CHATTER_INTEL_ENGINE") ?? "offline"
        intelEngine = IntelEngineChoice(rawValue: engineText) ?? .offline
        if IntelEngineChoice(rawValue: engineText) == nil { problems.append("CHATTER_INTEL_ENGINE must be offline, llm or hybrid (got \"\(engineText)\")") }
        intelModel = nil
        if let modelText = value("CHATTER_INTEL_MODEL") {
            intelModel = aliases[modelText] ?? ModelReference(parsing: modelText)
            if intelModel == nil { problems.append("CHATTER_INTEL_MODEL must be provider/model or an alias (got \"\(modelText)\")") }
        } else if intelEngine != .offline {
            problems.append("CHATTER_INTEL_ENGINE=\(engineText) needs CHATTER_INTEL_MODEL (provider/model)")
        }
        let pipelineText = value("CHATTER_INTEL_PIPELINE") ?? "on"
        intelPipeline = pipelineText != "off"
        if !["on", "off"].contains(pipelineText) { problems.append("CHATTER_INTEL_PIPELINE must be on or off") }
        otelEndpoint = value("CHATTER_OTEL_ENDPOINT")
        if let endpoint = otelEndpoint, URL(string: endpoint).flatMap({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            problems.append("CHATTER_OTEL_ENDPOINT must be an http:// or https:// URL (got \"\(endpoint)\")")
        }
        otelProtocol = value("CHATTER_OTEL_PROTOCOL") ?? "http/protobuf"
        if !["http/protobuf", "http/json"].contains(otelProtocol) {
            problems.append("CHATTER_OTEL_PROTOCOL must be http/protobuf or http/json (got \"\(otelProtocol)\")")
        }
        otelServiceName = value("CHATTER_OTEL_SERVICE_NAME") ?? "chatter"
        piiHashSecret = value("CHATTER_PII_HASH_SECRET")
        if let piiHashSecret, piiHashSecret.utf8.count < 16 { problems.append("CHATTER_PII_HASH_SECRET must be at least 16 bytes long") }
        demoTokenDelay = .milliseconds(integer("CHATTER_DEMO_TOKEN_DELAY_MS", default: 0, range: 0...10_000))
        let levelText = value("CHATTER_LOG_LEVEL") ?? "info"
        if let level = Logger.Level(rawValue: levelText) {
            logLevel = level
        } else {
            logLevel = .info
            problems.append("CHATTER_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        if !problems.isEmpty { throw Invalid(problems: problems) }
    }
}
