import ChatterAPI
import ChatterCore
import ChatterStore
import Foundation

extension APIHandler {
    func getAnalyticsUsage(_ input: Operations.GetAnalyticsUsage.Input) async throws -> Operations.GetAnalyticsUsage.Output {
        let identity = try RequestScope.caller()
        let bucket: AnalyticsStore.Bucket = input.query.bucket.map { $0 == .day ? .day : .hour } ?? .hour
        let (from, to) = try Self.range(
            input.query.from, input.query.to, defaultSpan: bucket == .hour ? 86_400_000 : 30 * 86_400_000,
            unit: bucket == .hour ? 3_600_000 : 86_400_000
        )
        let dimensions: [AnalyticsStore.Dimension] = try Self.groupBy(input.query.groupBy, accepted: "provider, model, user, key and conversation")
        if dimensions.contains(.conversation), let other = dimensions.first(where: { ![.conversation, .user].contains($0) }) {
            throw ChatterError.invalid("group_by conversation combines only with user (got \(other.rawValue))")
        }
        let rows = try await runtime.analytics.usage(Self.scope(identity), from: from, to: to, bucket: bucket, groupBy: dimensions)
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: Timestamp.iso8601(milliseconds: from), to: Timestamp.iso8601(milliseconds: to), bucket: bucket.rawValue,
                        groupBy: dimensions.map(\.rawValue), rows: rows.map(Schemas.AnalyticsRow.init)
                    )
                )
            )
        )
    }

    func getAnalyticsTop(_ input: Operations.GetAnalyticsTop.Input) async throws -> Operations.GetAnalyticsTop.Output {
        let identity = try RequestScope.caller()
        guard let dimension = AnalyticsStore.Dimension(rawValue: input.query.by.rawValue) else {
            throw ChatterError.invalid("by accepts conversation, user, model, provider and key")
        }
        let limit = input.query.limit ?? 10
        guard (1...100).contains(limit) else { throw ChatterError.invalid("limit must be between 1 and 100") }
        let (from, to) = try Self.range(input.query.from, input.query.to, defaultSpan: 30 * 86_400_000, unit: 86_400_000)
        let rows = try await runtime.analytics.top(Self.scope(identity), from: from, to: to, by: dimension, limit: limit)
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: Timestamp.iso8601(milliseconds: from), to: Timestamp.iso8601(milliseconds: to), groupBy: [dimension.rawValue],
                        rows: rows.map(Schemas.AnalyticsRow.init)
                    )
                )
            )
        )
    }

    static func scope(_ identity: Identity) -> AnalyticsStore.Scope {
        AnalyticsStore.Scope(tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID)
    }

    /// `[from, to)` in milliseconds from ISO-8601 times or UTC days, widened to whole units (hours, or days for
    /// day buckets): a time inside an hour selects that whole hour.
    static func range(_ fromText: String?, _ toText: String?, defaultSpan: Int64, unit: Int64 = 3_600_000) throws -> (Int64, Int64) {
        func instant(_ text: String, _ parameter: String) throws -> Int64 {
            let formatter = ISO8601DateFormatter()
            var parsed = UTCDay.isValid(text) ? formatter.date(from: text + "T00:00:00Z") : formatter.date(from: text)
            if parsed == nil {
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                parsed = formatter.date(from: text)
            }
            guard let parsed else {
                throw ChatterError.invalid("\(parameter) must be an ISO-8601 time (2026-11-21T10:00:00Z) or a day (2026-11-21)")
            }
            // No call is older than 1970; years before the Gregorian calendar would not round-trip either.
            let milliseconds = Int64(parsed.timeIntervalSince1970 * 1000)
            guard (0...253_402_300_799_999).contains(milliseconds) else {
                throw ChatterError.invalid("\(parameter) must be between 1970-01-01 and 9999-12-31")
            }
            return milliseconds
        }
        let now = Clock.nowMilliseconds()
        let to = try toText.map { try instant($0, "to") } ?? now
        let from = try fromText.map { try instant($0, "from") } ?? (to - defaultSpan)
        guard from < to else { throw ChatterError.invalid("from must be before to") }
        // Whole units: the start's is included, and an end inside a unit includes that unit.
        return (from - from % unit, to % unit == 0 ? to : to - to % unit + unit)
    }
}

extension Schemas.AnalyticsRow {
    init(_ row: AnalyticsStore.Row) {
        self.init(
            bucketStart: row.bucketStartMilliseconds.map(Timestamp.iso8601(milliseconds:)),
            provider: row.dimensions[.provider], model: row.dimensions[.model], userId: row.dimensions[.user],
            apiKeyId: row.dimensions[.key], conversationId: row.dimensions[.conversation],
            calls: row.totals.calls, failedCalls: row.failedCalls, errorRate: row.errorRate, inputTokens: row.totals.inputTokens,
            cachedInputTokens: row.totals.cachedInputTokens, cacheWriteTokens: row.totals.cacheWriteTokens,
            outputTokens: row.totals.outputTokens, reasoningTokens: row.totals.reasoningTokens,
            totalTokens: row.totals.inputTokens + row.totals.outputTokens, costNanousd: row.totals.costNanoUSD,
            unpricedCalls: row.totals.unpricedCalls, avgLatencyMs: row.averageLatencyMilliseconds,
            latencyP50Ms: row.latency(0.5), latencyP95Ms: row.latency(0.95), latencyP99Ms: row.latency(0.99),
            ttftP50Ms: row.ttft(0.5), ttftP95Ms: row.ttft(0.95), ttftP99Ms: row.ttft(0.99),
            outputTokensPerSecond: row.outputTokensPerSecond
        )
    }
}
