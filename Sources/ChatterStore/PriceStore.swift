import ChatterCore
import SQLKit

/// A tenant's own price entries (the admin API's layer of the price book). Entries are versions:
/// a new entry for a model with a later `effective_from` supersedes, it never overwrites.
public struct PriceStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    public func add(_ entry: PriceEntry, tenantID: String) async throws {
        try await database.sql.raw(
            """
            INSERT INTO prices (id, tenant_id, provider, model, input_per_mtok_nanousd, cached_input_per_mtok_nanousd,
                cache_write_per_mtok_nanousd, output_per_mtok_nanousd, effective_from, source, created_at_ms)
            VALUES (\(bind: entry.id), \(bind: tenantID), \(bind: entry.provider), \(bind: entry.model), \(bind: entry.inputPerMTokNanoUSD),
                    \(bind: entry.cachedInputPerMTokNanoUSD), \(bind: entry.cacheWritePerMTokNanoUSD), \(bind: entry.outputPerMTokNanoUSD),
                    \(bind: entry.effectiveFrom), \(bind: entry.source), \(bind: Clock.nowMilliseconds()))
            """
        ).run()
    }

    public func entries(tenantID: String) async throws -> [PriceEntry] {
        try await database.sql.raw(
            """
            SELECT id, provider, model, input_per_mtok_nanousd, cached_input_per_mtok_nanousd, cache_write_per_mtok_nanousd,
                output_per_mtok_nanousd, effective_from, source
            FROM prices WHERE tenant_id = \(bind: tenantID) ORDER BY created_at_ms, id
            """
        ).all().map { row in
            PriceEntry(
                id: try row.decode(column: "id", as: String.self),
                provider: try row.decode(column: "provider", as: String.self),
                model: try row.decode(column: "model", as: String.self),
                inputPerMTokNanoUSD: try row.decode(column: "input_per_mtok_nanousd", as: Int64.self),
                cachedInputPerMTokNanoUSD: try row.decode(column: "cached_input_per_mtok_nanousd", as: Int64?.self),
                cacheWritePerMTokNanoUSD: try row.decode(column: "cache_write_per_mtok_nanousd", as: Int64?.self),
                outputPerMTokNanoUSD: try row.decode(column: "output_per_mtok_nanousd", as: Int64.self),
                effectiveFrom: try row.decode(column: "effective_from", as: String.self),
                source: try row.decode(column: "source", as: String.self)
            )
        }
    }
}
