import FluentKit
import SQLKit

/// The daily rollup gains the hourly one's timings and histograms, so analytics by day read ~24× fewer rows.
/// Existing rows are recomputed from the calls (the rollup is derived data; reconcile checks it).
struct AddDailyTimings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for column in ["latency_ms_sum", "ttft_ms_sum", "ttft_calls"] + LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns {
            try await sql.raw("ALTER TABLE usage_daily ADD COLUMN \(unsafeRaw: column) BIGINT NOT NULL DEFAULT 0").run()
        }
        try await AnalyticsStore.rebuildTimedRollup(table: "usage_daily", bucketColumn: "day", bucketExpression: "day", scope: "1 = 1", on: sql)
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for column in ["latency_ms_sum", "ttft_ms_sum", "ttft_calls"] + LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns {
            try await sql.raw("ALTER TABLE usage_daily DROP COLUMN \(unsafeRaw: column)").run()
        }
    }
}
