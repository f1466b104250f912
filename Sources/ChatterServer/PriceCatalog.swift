import ChatterCore
import ChatterStore
import Foundation

/// The price book as the server uses it: built-in entries, then the prices file, then each tenant's own
/// entries (cached per tenant, refreshed when the tenant adds one on this node and at most every minute).
public actor PriceCatalog {
    private let globalLayers: [[PriceEntry]]
    private let store: PriceStore
    private var tenantEntries: [String: (entries: [PriceEntry], loadedAt: ContinuousClock.Instant)] = [:]
    private let tenantTTL: Duration = .seconds(60)

    public init(fileEntries: [PriceEntry], store: PriceStore) {
        self.globalLayers = [PriceBook.builtIn, fileEntries]
        self.store = store
    }

    public func book(tenantID: String) async throws -> PriceBook {
        let now = ContinuousClock.now
        if let cached = tenantEntries[tenantID], now - cached.loadedAt < tenantTTL {
            return PriceBook(layers: globalLayers + [cached.entries])
        }
        let entries = try await store.entries(tenantID: tenantID)
        tenantEntries[tenantID] = (entries, now)
        return PriceBook(layers: globalLayers + [entries])
    }

    public func price(tenantID: String, usage: Usage, provider: String, model: String, day: String) async throws -> Pricing {
        try await book(tenantID: tenantID).price(usage, provider: provider, model: model, onDay: day)
    }

    public func add(_ entry: PriceEntry, tenantID: String) async throws {
        try await store.add(entry, tenantID: tenantID)
        tenantEntries[tenantID] = nil
    }

    public nonisolated var pricer: CallPricer {
        { tenantID, usage, provider, model, day in
            try await self.price(tenantID: tenantID, usage: usage, provider: provider, model: model, day: day)
        }
    }
}

/// A price as people write it: decimal USD per million tokens.
public struct PriceInput: Sendable, Decodable {
    public var model: String
    public var inputPerMTokUSD: String
    public var cachedInputPerMTokUSD: String?
    public var cacheWritePerMTokUSD: String?
    public var outputPerMTokUSD: String
    public var effectiveFrom: String?

    enum CodingKeys: String, CodingKey {
        case model
        case inputPerMTokUSD = "input_per_mtok_usd"
        case cachedInputPerMTokUSD = "cached_input_per_mtok_usd"
        case cacheWritePerMTokUSD = "cache_write_per_mtok_usd"
        case outputPerMTokUSD = "output_per_mtok_usd"
        case effectiveFrom = "effective_from"
    }

    public init(
        model: String, inputPerMTokUSD: String, cachedInputPerMTokUSD: String?, cacheWritePerMTokUSD: String?,
        outputPerMTokUSD: String, effectiveFrom: String?
    ) {
        self.model = model
        self.inputPerMTokUSD = inputPerMTokUSD
        self.cachedInputPerMTokUSD = cachedInputPerMTokUSD
        self.cacheWritePerMTokUSD = cacheWritePerMTokUSD
        self.outputPerMTokUSD = outputPerMTokUSD
        self.effectiveFrom = effectiveFrom
    }

    /// A validated entry; `source` says where it came from (the file's path, the admin API).
    /// File entries get stable ids (`file/provider/model/day`) so a restart keeps calls' price references;
    /// admin entries get a unique suffix because a tenant may correct a price for the same day.
    public func entry(source: String, idPrefix: String, uniqueID: Bool) throws -> PriceEntry {
        guard let reference = ModelReference(parsing: model) else {
            throw ChatterError.invalid("model must be provider/model (got \"\(model)\")")
        }
        func amount(_ text: String?, _ field: String) throws -> Int64? {
            guard let text else { return nil }
            guard let value = USDAmount.nanoUSD(fromDecimal: text) else {
                throw ChatterError.invalid(
                    "\(field) must be a non-negative decimal amount of USD, at most \(USDAmount.maximumNanoUSD / 1_000_000_000) "
                        + "and with at most 9 decimals (got \"\(text)\")"
                )
            }
            return value
        }
        let day = effectiveFrom ?? UTCDay.string(from: Date())
        guard UTCDay.isValid(day) else { throw ChatterError.invalid("effective_from must be a date as YYYY-MM-DD (got \"\(day)\")") }
        return PriceEntry(
            id: "\(idPrefix)/\(reference.provider)/\(reference.model)/\(day)" + (uniqueID ? "/\(Identifier.make())" : ""),
            provider: reference.provider,
            model: reference.model,
            inputPerMTokNanoUSD: try amount(inputPerMTokUSD, "input_per_mtok_usd")!,
            cachedInputPerMTokNanoUSD: try amount(cachedInputPerMTokUSD, "cached_input_per_mtok_usd"),
            cacheWritePerMTokNanoUSD: try amount(cacheWritePerMTokUSD, "cache_write_per_mtok_usd"),
            outputPerMTokNanoUSD: try amount(outputPerMTokUSD, "output_per_mtok_usd")!,
            effectiveFrom: day,
            source: source
        )
    }

    /// Reads `{"prices": [...]}` from the prices file named by CHATTER_PRICES_FILE.
    public static func loadFile(at path: String) throws -> [PriceEntry] {
        struct File: Decodable { var prices: [PriceInput] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Configuration.Invalid(problems: ["CHATTER_PRICES_FILE: cannot read \(path)"])
        }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            return try file.prices.enumerated().map { index, input in
                do {
                    return try input.entry(source: "file:\(path)", idPrefix: "file", uniqueID: false)
                } catch let error as ChatterError {
                    throw Configuration.Invalid(problems: ["CHATTER_PRICES_FILE: prices[\(index)]: \(error.detail)"])
                }
            }
        } catch let error as Configuration.Invalid {
            throw error
        } catch {
            throw Configuration.Invalid(problems: ["CHATTER_PRICES_FILE: \(path) is not {\"prices\": [{\"model\", \"input_per_mtok_usd\", \"output_per_mtok_usd\", …}]}"])
        }
    }
}
