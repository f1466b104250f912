import ChatterAPI
import ChatterCore
import ChatterLLM
import ChatterStore
import Foundation
import OpenAPIRuntime

extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        do {
            try await runtime.database.checkConnection()
            return .ok(.init(body: .json(.init(status: "ready", database: runtime.database.kind.rawValue))))
        } catch {
            return .serviceUnavailable(.init(body: .json(.init(status: "unavailable", database: runtime.database.kind.rawValue))))
        }
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(try OpenAPIDocument.yaml()))))
    }

    func listModels(_ input: Operations.ListModels.Input) async throws -> Operations.ListModels.Output {
        _ = try RequestScope.caller()
        let catalog = await runtime.providers.catalog()
        return .ok(
            .init(
                body: .json(
                    .init(
                        defaultModel: runtime.configuration.defaultModel.description,
                        aliases: .init(additionalProperties: runtime.configuration.aliases.mapValues(\.description)),
                        providers: catalog.map { .init(name: $0.name, models: $0.models) }
                    )
                )
            )
        )
    }

    func getUsage(_ input: Operations.GetUsage.Input) async throws -> Operations.GetUsage.Output {
        let identity = try RequestScope.caller()
        let today = UTCDay.string(from: Date())
        let fromDay = try input.query.from.map { try Self.day(from: $0, parameter: "from") }
            ?? UTCDay.string(from: Date().addingTimeInterval(-30 * 86_400))
        let toDay = try input.query.to.map { try Self.day(from: $0, parameter: "to") } ?? today
        guard fromDay <= toDay else { throw ChatterError.invalid("from must not be after to") }
        let dimensions: [UsageStore.Dimension] = try Self.groupBy(input.query.groupBy, accepted: "day, provider, model, user, key and purpose")
        let report = try await runtime.usage.report(for: identity, fromDay: fromDay, toDay: toDay, groupBy: dimensions)
        let rows = report.rows.map { row in
            Schemas.UsageRow(
                value1: .init(row.totals, failedCalls: row.failedCalls),
                value2: .init(
                    day: row.dimensions[.day], provider: row.dimensions[.provider], model: row.dimensions[.model],
                    userId: row.dimensions[.user], apiKeyId: row.dimensions[.key], purpose: row.dimensions[.purpose]
                )
            )
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: fromDay, to: toDay, groupBy: dimensions.map(\.rawValue), rows: rows,
                        totals: .init(report.totals, failedCalls: report.failedCalls)
                    )
                )
            )
        )
    }

    /// A UTC day from `YYYY-MM-DD` or an ISO-8601 time (rollups are daily, so a time selects its day).
    static func day(from text: String, parameter: String) throws -> String {
        if UTCDay.isValid(text) { return text }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return UTCDay.string(from: date) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return UTCDay.string(from: date) }
        throw ChatterError.invalid("\(parameter) must be a date (YYYY-MM-DD) or an ISO-8601 time (got \"\(text)\")")
    }

    func reconcile(_ input: Operations.Reconcile.Input) async throws -> Operations.Reconcile.Output {
        let identity = try RequestScope.admin()
        let result = try await runtime.reconciler.run(tenantID: identity.tenantID)
        return .ok(
            .init(
                body: .json(
                    .init(
                        checked: result.checked,
                        discrepancies: result.discrepancies.map {
                            .init(kind: $0.kind, id: $0.id, field: $0.field, expected: $0.expected, actual: $0.actual)
                        }
                    )
                )
            )
        )
    }

    func listPrices(_ input: Operations.ListPrices.Input) async throws -> Operations.ListPrices.Output {
        let identity = try RequestScope.admin()
        let book = try await runtime.prices.book(tenantID: identity.tenantID)
        let entries = book.effectiveEntries(onDay: UTCDay.string(from: Date()))
        return .ok(.init(body: .json(.init(data: entries.map(Schemas.Price.init)))))
    }

    func addPrice(_ input: Operations.AddPrice.Input) async throws -> Operations.AddPrice.Output {
        let identity = try RequestScope.admin()
        guard case .json(let body) = input.body else { throw ChatterError.invalid("expected a JSON body") }
        let entry = try PriceInput(
            model: body.model, inputPerMTokUSD: body.inputPerMtokUsd, cachedInputPerMTokUSD: body.cachedInputPerMtokUsd,
            cacheWritePerMTokUSD: body.cacheWritePerMtokUsd, outputPerMTokUSD: body.outputPerMtokUsd, effectiveFrom: body.effectiveFrom
        ).entry(source: "admin-api", idPrefix: "tenant", uniqueID: true)
        try await runtime.prices.add(entry, tenantID: identity.tenantID)
        return .created(.init(body: .json(.init(entry))))
    }

    func listKeys(_ input: Operations.ListKeys.Input) async throws -> Operations.ListKeys.Output {
        let identity = try RequestScope.admin()
        let keys = try await runtime.access.listKeys(tenantID: identity.tenantID)
        return .ok(.init(body: .json(.init(data: keys.map(Schemas.APIKey.init)))))
    }

    func createKey(_ input: Operations.CreateKey.Input) async throws -> Operations.CreateKey.Output {
        let identity = try RequestScope.admin()
        guard case .json(let body) = input.body else { throw ChatterError.invalid("expected a JSON body") }
        let issued = try await runtime.access.createKey(
            tenantID: identity.tenantID, userID: body.userId, userName: nil, role: body.role.map { $0 == .admin ? .admin : .member }, name: body.name
        )
        return .created(.init(body: .json(.init(key: .init(issued.key), secret: issued.secret))))
    }

    func revokeKey(_ input: Operations.RevokeKey.Input) async throws -> Operations.RevokeKey.Output {
        let identity = try RequestScope.admin()
        let key = try await runtime.access.revokeKey(id: input.path.id, tenantID: identity.tenantID)
        runtime.identities.forget(apiKeyID: key.id)
        return .ok(.init(body: .json(.init(key))))
    }
}
