import ChatterAPI
import ChatterCore
import ChatterStore

extension APIHandler {
    func getMonitoringWorkflows(_ input: Operations.GetMonitoringWorkflows.Input) async throws -> Operations.GetMonitoringWorkflows.Output {
        let identity = try RequestScope.caller()
        let limit = input.query.limit ?? 50
        guard (1...500).contains(limit) else { throw ChatterError.invalid("limit must be between 1 and 500") }
        let (running, recent) = try await runtime.monitoring.workflows(
            tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID, recentLimit: limit
        )
        let now = Clock.nowMilliseconds()
        return .ok(.init(body: .json(.init(running: running.map { .init($0, now: now) }, recent: recent.map { .init($0, now: now) }))))
    }

    func getMonitoringSummary(_ input: Operations.GetMonitoringSummary.Input) async throws -> Operations.GetMonitoringSummary.Output {
        let identity = try RequestScope.caller()
        let now = Clock.nowMilliseconds()
        let spans: [(String, Int64)] = [("5m", 300_000), ("1h", 3_600_000), ("24h", 86_400_000)]
        let summaries = try await runtime.monitoring.summaries(
            tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID, windowStarts: spans.map { now - $0.1 }
        )
        let windows = zip(spans, summaries).map { window, models in
            Schemas.MonitoringWindow(
                window: window.0, from: Timestamp.iso8601(milliseconds: now - window.1), models: models.map(Schemas.ModelWindowSummary.init)
            )
        }
        return .ok(.init(body: .json(.init(windows: windows))))
    }
}

extension Schemas.MonitoredExecution {
    init(_ execution: MonitoringStore.Execution, now: Int64) {
        self.init(
            id: execution.id, kind: execution.kind, status: execution.status, userId: execution.userID,
            conversationId: execution.conversationID, correlationId: execution.correlationID,
            startedAt: Timestamp.iso8601(milliseconds: execution.startedAtMilliseconds),
            finishedAt: execution.finishedAtMilliseconds.map(Timestamp.iso8601(milliseconds:)),
            durationMs: (execution.finishedAtMilliseconds ?? now) - execution.startedAtMilliseconds,
            calls: execution.totals.calls, inputTokens: execution.totals.inputTokens, cachedInputTokens: execution.totals.cachedInputTokens,
            outputTokens: execution.totals.outputTokens, reasoningTokens: execution.totals.reasoningTokens,
            costNanousd: execution.totals.costNanoUSD, unpricedCalls: execution.totals.unpricedCalls, error: execution.error,
            inFlightProvider: execution.inFlightProvider, inFlightModel: execution.inFlightModel
        )
    }
}

extension Schemas.ModelWindowSummary {
    init(_ summary: MonitoringStore.ModelSummary) {
        self.init(
            provider: summary.provider, model: summary.model, calls: summary.calls, failedCalls: summary.failedCalls,
            errorRate: summary.errorRate, inputTokens: summary.inputTokens, outputTokens: summary.outputTokens,
            costNanousd: summary.costNanoUSD, unpricedCalls: summary.unpricedCalls,
            latencyP50Ms: summary.latency(0.5), latencyP95Ms: summary.latency(0.95), latencyP99Ms: summary.latency(0.99),
            ttftP50Ms: summary.ttft(0.5), ttftP95Ms: summary.ttft(0.95), ttftP99Ms: summary.ttft(0.99),
            outputTokensPerSecond: summary.outputTokensPerSecond
        )
    }
}
