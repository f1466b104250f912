import ChatterCore
import ChatterIntel
import ChatterStore
import Prometheus
import Synchronization

/// The node's Prometheus metrics. LLM counters are fed by the ledger after each finalising commit, so over
/// the process's lifetime they equal the sums of the calls it finalised; nothing here is sampled or guessed.
/// Token and duration histograms follow OpenTelemetry's GenAI conventions (`gen_ai.client.token.usage`,
/// `gen_ai.client.operation.duration`), named as Prometheus spells them.
final class ChatterMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// OpenTelemetry's advised buckets for token counts and for operation durations (seconds).
    static let tokenBuckets: [Double] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864]
    static let durationBuckets: [Double] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
    static let httpBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private let subscribers: Gauge
    private let lag: Gauge
    private let delivered: Counter
    private let deliveredReported = Mutex<Int64>(0)
    /// The registry finds a labelled series by searching its label sets; on the hot path a keyed cache is cheaper.
    private let counters = Mutex<[[String]: Counter]>([:])
    private let gauges = Mutex<[[String]: Gauge]>([:])
    private let intelReported = Mutex<[IntelAgentKind: (messages: Int64, deadLetters: Int64)]>([:])

    private func gauge(_ name: String, _ labels: [(String, String)], help: String) -> Gauge {
        let key = Self.seriesKey(name, labels)
        if let cached = gauges.withLock({ $0[key] }) { return cached }
        let made = registry.makeGauge(name: name, labels: labels, help: help)
        gauges.withLock { $0[key] = made }
        return made
    }
    private let histograms = Mutex<[[String]: ValueHistogram]>([:])

    /// A series' cache key: its name, then each label's name and value (no string is built to look a series up).
    private static func seriesKey(_ name: String, _ labels: [(String, String)]) -> [String] {
        var key = [name]
        key.reserveCapacity(1 + 2 * labels.count)
        for (label, value) in labels {
            key.append(label)
            key.append(value)
        }
        return key
    }

    private func counter(_ name: String, _ labels: [(String, String)], help: String) -> Counter {
        let key = Self.seriesKey(name, labels)
        if let cached = counters.withLock({ $0[key] }) { return cached }
        let made = registry.makeCounter(name: name, labels: labels, help: help)
        counters.withLock { $0[key] = made }
        return made
    }

    private func histogram(_ name: String, _ labels: [(String, String)], buckets: [Double], help: String) -> ValueHistogram {
        let key = Self.seriesKey(name, labels)
        if let cached = histograms.withLock({ $0[key] }) { return cached }
        let made = registry.makeValueHistogram(name: name, labels: labels, buckets: buckets, help: help)
        histograms.withLock { $0[key] = made }
        return made
    }

    init() {
        subscribers = registry.makeGauge(
            name: "chatter_event_subscribers", labels: [("transport", "sse")], help: "Live subscribers of the event log on this node."
        )
        lag = registry.makeGauge(
            name: "chatter_event_consumer_lag", labels: [("consumer", "hub")],
            help: "Events committed to the log that this node has not yet read."
        )
        delivered = registry.makeCounter(name: "chatter_events_delivered_total", help: "Events handed to live subscribers.")
    }

    /// Model names come from requests (a provider that cannot list its models accepts any): past this many
    /// distinct names per node, further ones are counted under `model="other"` so series stay bounded.
    static let maxModelLabels = 500
    private let modelLabels = Mutex<Set<String>>([])

    private func modelLabel(_ provider: String, _ model: String) -> String {
        let key = provider + "/" + model
        return modelLabels.withLock { known in
            if known.contains(key) { return model }
            guard known.count < Self.maxModelLabels else { return "other" }
            known.insert(key)
            return model
        }
    }

    /// A call's final numbers, after its transaction committed.
    func callFinished(_ call: StartedCall, _ outcome: CallOutcome) {
        let modelName = modelLabel(call.provider, call.model)
        let model: [(String, String)] = [("provider", call.provider), ("model", modelName)]
        counter("chatter_llm_calls_total", model + [("status", outcome.status.rawValue)], help: "Upstream LLM calls by final status."
        ).increment()
        let usage = outcome.usage
        for (type, tokens) in [
            ("input", usage.inputTokens), ("cached_input", usage.cachedInputTokens), ("cache_write", usage.cacheWriteTokens),
            ("output", usage.outputTokens), ("reasoning", usage.reasoningTokens),
        ] {
            counter("chatter_llm_tokens_total", model + [("type", type)],
                help: "Tokens of finalised calls, by type (input includes cached; output includes reasoning)."
            ).increment(by: tokens)
        }
        if let cost = outcome.pricing.costNanoUSD {
            counter("chatter_llm_cost_nanousd_total", model, help: "Cost of priced calls in nano-USD.")
                .increment(by: cost)
        } else {
            counter("chatter_llm_unpriced_calls_total", model, help: "Calls with no price in the price book.")
                .increment()
        }
        let genAI: [(String, String)] = [
            ("gen_ai_operation_name", "chat"), ("gen_ai_system", call.provider), ("gen_ai_request_model", modelName),
        ]
        for (type, tokens) in [("input", usage.inputTokens), ("output", usage.outputTokens)] where usage.source != .missing {
            histogram("gen_ai_client_token_usage", genAI + [("gen_ai_token_type", type)], buckets: Self.tokenBuckets,
                help: "Tokens used per LLM call (OpenTelemetry gen_ai.client.token.usage)."
            ).record(Double(tokens))
        }
        let seconds = Double(outcome.finishedAtMilliseconds - call.startedAtMilliseconds) / 1000
        histogram("gen_ai_client_operation_duration_seconds", genAI + [("status", outcome.status.rawValue)],
            buckets: Self.durationBuckets, help: "Duration of LLM calls (OpenTelemetry gen_ai.client.operation.duration)."
        ).record(seconds)
        if let firstToken = outcome.firstTokenAtMilliseconds {
            histogram("chatter_llm_time_to_first_token_seconds", model, buckets: Self.durationBuckets,
                help: "Time from sending a streamed call to its first token."
            ).record(Double(firstToken - call.startedAtMilliseconds) / 1000)
        }
        if let status = outcome.executionStatus {
            histogram("chatter_workflow_duration_seconds", [("kind", call.executionKind), ("status", status.rawValue)],
                buckets: Self.durationBuckets, help: "Duration of workflow executions (a chat turn, a gateway call, …)."
            ).record(seconds)
        }
    }

    func eventsWritten(_ types: [EventType]) {
        for type in types {
            counter("chatter_events_written_total", [("type", type.rawValue)], help: "Events appended to the log by this node.")
                .increment()
        }
    }

    func httpRequest(method: String, route: String, status: Int, seconds: Double) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        counter("chatter_http_requests_total", labels, help: "HTTP requests served.").increment()
        histogram("chatter_http_request_duration_seconds", [("method", method), ("route", route)], buckets: Self.httpBuckets,
            help: "Time to the response head of HTTP requests."
        ).record(seconds)
    }

    /// The exposition text, with the live gauges read now.
    func render(
        hub: EventHub, latestSeq: Int64, consumerOffsets: [String: Int64],
        intel: [IntelAgentKind: (messages: Int64, deadLetters: Int64)]
    ) -> [UInt8] {
        subscribers.set(Double(hub.subscriberCount))
        lag.set(Double(max(0, latestSeq - hub.position)))
        // Consumer groups' lag from their stored offsets: the same on every node, whichever node runs them.
        for (consumer, offset) in consumerOffsets {
            gauge("chatter_event_consumer_lag", [("consumer", consumer)], help: "Events committed to the log that this node has not yet read.")
                .set(Double(max(0, latestSeq - offset)))
        }
        for (agent, counts) in intel {
            let labels = [("agent", agent.rawValue)]
            intelReported.withLock { reported in
                let previous = reported[agent, default: (0, 0)]
                let messages = counts.messages - previous.messages
                let letters = counts.deadLetters - previous.deadLetters
                if messages > 0 {
                    counter("chatter_intel_messages_total", labels, help: "Messages the intelligence agents analysed on this node.").increment(by: messages)
                }
                if letters > 0 {
                    counter("chatter_intel_dead_letters_total", labels, help: "Messages an intelligence agent gave up on (dead-lettered).")
                        .increment(by: letters)
                }
                reported[agent] = (counts.messages, counts.deadLetters)
            }
        }
        let total = hub.deliveredCount
        let increase = deliveredReported.withLock { reported in
            defer { reported = max(reported, total) }
            return total - reported
        }
        if increase > 0 { delivered.increment(by: increase) }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
