import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// Unknown prices are unpriced, never $0; adding a price later reprices the earlier calls everywhere.
@Suite struct PriceBookTests {
    @Test(arguments: TestDatabase.all)
    func unpricedCallsArePricedOnceAPriceExists(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            harness.upstream.setFallback(.reply(content: "local", usage: #"{"prompt_tokens":1000,"completion_tokens":500}"#))
            let conversation = try await harness.createConversation(#"{"model":"openai/local-model"}"#)
            let first = try await harness.send(conversation, #"{"content":"one"}"#)
            #expect(first.json["assistant_message"]?["cost_nanousd"] == nil)
            #expect(first.json["conversation"]?["unpriced_calls"]?.int == 1)
            #expect(try await harness.request(.GET, "/api/v1/usage").json["totals"]?["unpriced_calls"]?.int == 1)

            let bad = try await harness.request(
                .POST, "/api/v1/admin/prices", json: #"{"model":"openai/local-model","input_per_mtok_usd":"-1","output_per_mtok_usd":"2"}"#
            )
            #expect(bad.status == 400)
            // An empty amount is a mistake, never $0.
            let empty = try await harness.request(
                .POST, "/api/v1/admin/prices", json: #"{"model":"openai/local-model","input_per_mtok_usd":"","output_per_mtok_usd":"2"}"#
            )
            #expect(empty.status == 400)
            let afterEmpty = try await harness.request(.GET, "/api/v1/admin/prices").json["data"]!.array
            #expect(afterEmpty.contains { $0["model"]?.string == "local-model" } == false)
            let added = try await harness.request(
                .POST, "/api/v1/admin/prices",
                json: #"{"model":"openai/local-model","input_per_mtok_usd":"0.50","output_per_mtok_usd":"1.5","effective_from":"2020-01-01"}"#
            )
            #expect(added.status == 201)
            #expect(added.json["input_per_mtok_nanousd"]?.int == 500_000_000)
            let listed = try await harness.request(.GET, "/api/v1/admin/prices").json["data"]!.array
            #expect(listed.contains { $0["model"]?.string == "local-model" })
            #expect(listed.contains { $0["model"]?.string == "gpt-4o" })

            // New calls are priced at once: 1000 × $0.50 + 500 × $1.50 per million = $0.00125.
            let second = try await harness.send(conversation, #"{"content":"two"}"#)
            #expect(second.json["assistant_message"]?["cost_nanousd"]?.int == 1_250_000)

            let repriced = try await harness.runtime.ledger.repriceUnpriced(pricer: harness.runtime.prices.pricer)
            #expect(repriced == 1)
            let totals = try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json
            #expect(totals["cost_nanousd"]?.int == 2_500_000)
            #expect(totals["unpriced_calls"]?.int == 0)
            let messages = try await harness.request(.GET, "/api/v1/conversations/\(conversation)/messages").json["data"]!.array
            #expect(messages.compactMap { $0["cost_nanousd"]?.int } == [1_250_000, 1_250_000])
            let usage = try await harness.request(.GET, "/api/v1/usage").json["totals"]!
            #expect(usage["cost_nanousd"]?.int == 2_500_000)
            #expect(usage["unpriced_calls"]?.int == 0)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func pricesFileOverridesTheBuiltInBook(database: TestDatabase) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).json")
        try Data(#"{"prices":[{"model":"openai/gpt-4o-mini","input_per_mtok_usd":"1","output_per_mtok_usd":"2","effective_from":"2024-01-01"}]}"#.utf8)
            .write(to: file)
        try await Harness.with(database, environment: ["CHATTER_PRICES_FILE": file.path]) { harness in
            harness.upstream.enqueue(.reply(content: "x", usage: #"{"prompt_tokens":1000,"completion_tokens":1000}"#))
            let conversation = try await harness.createConversation(#"{"model":"openai/gpt-4o-mini"}"#)
            let reply = try await harness.send(conversation, #"{"content":"hi"}"#)
            #expect(reply.json["assistant_message"]?["cost_nanousd"]?.int == 3_000_000)
        }
    }
}
