import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// Conversations: pagination, update, soft delete, and a key that never sees another tenant's rows.
@Suite struct ConversationTests {
    @Test(arguments: TestDatabase.all)
    func listUpdateAndDelete(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await harness.createConversation(#"{"title":"c\#(index)"}"#)) }
            let first = try await harness.request(.GET, "/api/v1/conversations?limit=2").json
            #expect(first["data"]!.array.compactMap { $0["id"]?.string } == [ids[4], ids[3]])
            let cursor = try #require(first["next_cursor"]?.string)
            let second = try await harness.request(.GET, "/api/v1/conversations?limit=2&cursor=\(cursor)").json
            #expect(second["data"]!.array.compactMap { $0["id"]?.string } == [ids[2], ids[1]])
            let third = try await harness.request(.GET, "/api/v1/conversations?limit=2&cursor=\(second["next_cursor"]!.string!)").json
            #expect(third["data"]!.array.compactMap { $0["id"]?.string } == [ids[0]])
            #expect(third["next_cursor"] == nil)
            #expect(try await harness.request(.GET, "/api/v1/conversations?limit=0").status == 400)

            let updated = try await harness.request(
                .PATCH, "/api/v1/conversations/\(ids[0])", json: #"{"title":"renamed","model":"openai/gpt-4o-mini","system_prompt":"Be brief."}"#
            )
            #expect(updated.status == 200)
            #expect(updated.json["title"]?.string == "renamed")
            #expect(updated.json["model"]?.string == "openai/gpt-4o-mini")
            #expect(updated.json["system_prompt"]?.string == "Be brief.")
            let cleared = try await harness.request(.PATCH, "/api/v1/conversations/\(ids[0])", json: #"{"model":""}"#)
            #expect(cleared.json["model"] == nil)
            #expect(cleared.json["title"]?.string == "renamed")
            #expect(try await harness.request(.PATCH, "/api/v1/conversations/\(ids[0])", json: #"{"model":"openai/nope"}"#).status == 422)

            #expect(try await harness.request(.DELETE, "/api/v1/conversations/\(ids[0])").status == 204)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(ids[0])").status == 404)
            #expect(try await harness.send(ids[0], #"{"content":"hi"}"#).status == 404)
            let remaining = try await harness.request(.GET, "/api/v1/conversations?limit=50").json["data"]!.array
            #expect(remaining.count == 4)
            // Soft delete keeps the row for the ledger.
            #expect(try await harness.count("conversations") == 5)
        }
    }

    @Test(arguments: TestDatabase.all)
    func tenantsAndUsersSeeOnlyTheirOwn(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let other = try await harness.runtime.access.createTenant(named: "other")
            let mine = try await harness.createConversation(#"{"title":"mine"}"#)
            _ = try await harness.send(mine, #"{"content":"hello"}"#)
            let theirs = try await harness.createConversation(#"{"title":"theirs"}"#, key: other.secret)

            // Foreign ids are not found (404, never 403), for every verb.
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(mine)", key: other.secret).status == 404)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(mine)/messages", key: other.secret).status == 404)
            #expect(try await harness.request(.PATCH, "/api/v1/conversations/\(mine)", json: #"{"title":"x"}"#, key: other.secret).status == 404)
            #expect(try await harness.request(.DELETE, "/api/v1/conversations/\(mine)", key: other.secret).status == 404)
            #expect(try await harness.send(mine, #"{"content":"sneaky"}"#, key: other.secret).status == 404)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(theirs)").status == 404)
            let listed = try await harness.request(.GET, "/api/v1/conversations", key: other.secret).json["data"]!.array
            #expect(listed.compactMap { $0["id"]?.string } == [theirs])
            #expect(try await harness.request(.GET, "/api/v1/usage", key: other.secret).json["totals"]?["calls"]?.int == 0)
            #expect(try await harness.request(.GET, "/api/v1/admin/reconcile", key: other.secret).json["checked"]?.int == 1)
            let foreignKey = try await harness.request(.GET, "/api/v1/admin/keys", key: other.secret).json["data"]!.array
            #expect(foreignKey.count == 1)

            // A member sees only their own conversations and usage within the tenant.
            let member = try await harness.request(.POST, "/api/v1/admin/keys", json: #"{"name":"member","role":"member"}"#).json["secret"]!.string!
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(mine)", key: member).status == 404)
            let own = try await harness.createConversation(key: member)
            _ = try await harness.send(own, #"{"content":"member turn"}"#, key: member)
            let memberUsage = try await harness.request(.GET, "/api/v1/usage", key: member).json["totals"]!
            #expect(memberUsage["calls"]?.int == 1)
            let adminUsage = try await harness.request(.GET, "/api/v1/usage?group_by=user,key").json
            #expect(adminUsage["totals"]?["calls"]?.int == 2)
            #expect(adminUsage["rows"]?.array.count == 2)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }
}
