import AsyncHTTPClient
import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// Bad input gets problem+json 4xx and writes nothing.
@Suite struct BadInputTests {
    @Test(arguments: TestDatabase.all)
    func badRequestsAreRefusedWithoutWriting(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_MAX_BODY_BYTES": "4096"]) { harness in
            let conversation = try await harness.createConversation()
            let path = "/api/v1/conversations/\(conversation)/messages"
            let cases: [(String, String?, Int)] = [
                ("malformed JSON", #"{"content": "#, 400),
                ("missing content", #"{"stream": false}"#, 400),
                ("empty content", #"{"content": "   "}"#, 400),
                ("wrong type", #"{"content": 42}"#, 400),
                ("unknown field", #"{"content": "hi", "colour": "red"}"#, 400),
                ("unknown demo model", #"{"content": "hi", "model": "demo/nope"}"#, 422),
                ("unknown provider", #"{"content": "hi", "model": "nosuch/model"}"#, 422),
                ("model not served upstream", #"{"content": "hi", "model": "openai/gpt-9-imaginary"}"#, 422),
                ("model without provider", #"{"content": "hi", "model": "gpt-4o"}"#, 422),
                ("temperature out of range", #"{"content": "hi", "temperature": 7}"#, 400),
                ("too large", "{\"content\": \"" + String(repeating: "a", count: 5000) + "\"}", 413),
            ]
            for (name, body, status) in cases {
                let reply = try await harness.request(.POST, path, json: body)
                #expect(reply.status == status, "\(name): \(reply.body)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(name)")
                #expect(reply.json["status"]?.int == Int64(status), "\(name)")
                #expect(reply.json["detail"]?.string?.isEmpty == false, "\(name)")
            }
            let unknown = try await harness.request(.POST, "/api/v1/conversations/\(Identifier.make())/messages", json: #"{"content":"hi"}"#)
            #expect(unknown.status == 404)
            let garbageID = try await harness.request(.GET, "/api/v1/conversations/not-an-id")
            #expect(garbageID.status == 404)
            #expect(try await harness.count("messages") == 0)
            #expect(try await harness.count("llm_calls") == 0)
            #expect(try await harness.count("workflow_executions") == 0)
            #expect(try await harness.request(.GET, "/api/v1/conversations/\(conversation)").json["message_count"]?.int == 0)

            let badConversation = try await harness.request(.POST, "/api/v1/conversations", json: #"{"model":"demo/nope"}"#)
            #expect(badConversation.status == 422)
            let noRoute = try await harness.request(.GET, "/api/v1/nothing-here")
            #expect(noRoute.status == 404)
            #expect(noRoute.header("Content-Type") == "application/problem+json")
            // A known path asked with a method it does not take: 405 with the methods it does.
            let wrongMethod = try await harness.request(.PUT, "/api/v1/conversations/\(conversation)", json: #"{"title":"x"}"#)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("Allow") == "DELETE, GET, PATCH")
            #expect(wrongMethod.json["type"]?.string == "urn:chatter:problem:method-not-allowed")
            #expect(try await harness.request(.DELETE, "/api/v1/usage").header("Allow") == "GET")
            let gatewayMethod = try await harness.request(.GET, "/v1/chat/completions")
            #expect(gatewayMethod.status == 405)
            #expect(gatewayMethod.header("Allow") == "POST")
            #expect(gatewayMethod.json["error"]?["type"]?.string == "invalid_request_error")
            #expect(try await harness.request(.DELETE, "/api/v1/conversations/\(conversation)/nothing").status == 404)
            // The WebSocket's path asked as plain HTTP says what it needs.
            let plainSocket = try await harness.request(.GET, "/api/v1/ws")
            #expect(plainSocket.status == 426)
            #expect(plainSocket.header("Upgrade") == "websocket")
            #expect(try await harness.request(.POST, "/api/v1/ws", json: "{}").header("Allow") == "GET")
            #expect(try await harness.count("conversations") == 1)
        }
    }

    /// A system prompt goes with every turn: it may be as long as a message, no longer.
    @Test func systemPromptsAreBounded() async throws {
        try await Harness.with(.sqlite, environment: ["CHATTER_MAX_BODY_BYTES": "1048576"]) { harness in
            let huge = try await harness.request(
                .POST, "/api/v1/conversations", json: #"{"system_prompt":"\#(String(repeating: "x", count: 200_001))"}"#
            )
            #expect(huge.status == 400)
            #expect(huge.json["detail"]?.string?.contains("system_prompt must be at most 200000 characters") == true)
            let conversation = try await harness.createConversation()
            let patched = try await harness.request(
                .PATCH, "/api/v1/conversations/\(conversation)", json: #"{"system_prompt":"\#(String(repeating: "x", count: 200_001))"}"#
            )
            #expect(patched.status == 400)
            #expect(try await harness.count("conversations") == 1)
        }
    }

    /// Requests refused for how they are sent rather than what they ask: an `Accept` the reply cannot meet, a NUL
    /// in text, a chunked body over the limit, bytes that are not HTTP. Each gets a 4xx before anything is written.
    @Test(arguments: TestDatabase.all)
    func refusalsOfTheWireComeBeforeAnyWrite(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_MAX_BODY_BYTES": "4096"]) { harness in
            let html = ["Accept": "text/html"]
            // Routes with one kind of reply disregard Accept (RFC 9110 §12.5.1) rather than fail after writing.
            #expect(try await harness.request(.GET, "/healthz", key: nil, headers: html).status == 200)
            let created = try await harness.request(.POST, "/api/v1/conversations", json: #"{"title":"t"}"#, headers: html)
            #expect(created.status == 201)
            let conversation = try #require(created.json["id"]?.string)
            #expect(try await harness.request(.GET, "/api/v1/conversations", headers: ["Accept": "application/xml"]).status == 200)
            #expect(try await harness.request(.GET, "/api/v1/conversations?cursor=garbage").status == 400)
            // Details name what is wrong, where, without the runtime's Swift type names.
            let messages = "/api/v1/conversations/\(conversation)/messages"
            let details: [(String, String, String?, [String: String], Int, String)] = [
                ("GET", "/api/v1/conversations?limit=abc", nil, [:], 400, "a query or path parameter has the wrong type"),
                ("POST", "/api/v1/conversations", #"{"title":"x","colour":"red"}"#, [:], 400, "'colour' is not a field this API defines"),
                ("POST", "/api/v1/conversations", #"{"mode":"watch"}"#, [:], 400, "'mode' is not one of the allowed values"),
                ("POST", messages, #"{"content":"x","max_tokens":1.5}"#, [:], 400, "a number that does not fit"),
                ("POST", "/api/v1/conversations", #"{"title":"x"}"#, ["Content-Type": "text/plain"], 415, "application/json"),
                ("POST", "/api/v1/admin/keys", "{\"name\":\"a\\u001b[31m\"}", [:], 400, "control characters"),
            ]
            for (method, path, body, headers, status, detail) in details {
                let reply = try await harness.request(method == "GET" ? .GET : .POST, path, json: body, headers: headers)
                #expect(reply.status == status, "\(path) \(body ?? ""): \(reply.body)")
                #expect(reply.json["detail"]?.string?.contains(detail) == true, "\(path) \(body ?? ""): \(reply.body)")
            }
            // A chat turn's Accept may choose a stream, so one it cannot meet is refused with 406, before the turn.
            let observed = try await harness.createConversation(#"{"mode":"observe"}"#)
            for (target, body, accept) in [
                (conversation, #"{"content":"hi"}"#, "text/html"),
                (conversation, #"{"content":"hi","stream":false}"#, "text/event-stream"),
                (conversation, #"{"content":"hi","stream":true}"#, "application/json"),
                (conversation, #"{"content":"hi"}"#, "application/json;q=0"),
                (conversation, #"{"content":"hi"}"#, "application/json;q=0, */*"),
                (conversation, #"{"content":"hi","stream":true}"#, "text/event-stream;q=0, application/json"),
                (observed, #"{"role":"customer","content":"hi"}"#, "text/event-stream"),
            ] {
                let reply = try await harness.request(.POST, "/api/v1/conversations/\(target)/messages", json: body, headers: ["Accept": accept])
                #expect(reply.status == 406, "\(body) with \(accept): \(reply.body)")
                #expect(reply.header("Content-Type") == "application/problem+json")
            }
            #expect(try await harness.send(conversation, #"{"content":"hi"}"#).status == 200)

            // NUL cannot be stored as text (PostgreSQL refuses it, SQLite would cut the string at it).
            for (path, body) in [
                ("/api/v1/conversations", #"{"title":"a\u0000b"}"#),
                ("/api/v1/conversations/\(conversation)/messages", #"{"content":"\u0000"}"#),
                ("/api/v1/conversations/\(observed)/messages", #"{"role":"agent","content":"x\u0000"}"#),
            ] {
                let reply = try await harness.request(.POST, path, json: body)
                #expect(reply.status == 400, "\(body): \(reply.body)")
                #expect(reply.json["detail"]?.string?.contains("NUL") == true)
            }
            for path in ["/api/v1/conversations/a%00b", "/api/v1/usage?conversation_id=%00", "/api/v1/conversations?cursor=x%00"] {
                let reply = try await harness.request(.GET, path)
                #expect(reply.status == 400, "\(path): \(reply.body)")
                #expect(reply.json["detail"]?.string?.contains("NUL") == true)
            }
            // Escapes that are not UTF-8 would read as an absent filter, a repeated parameter would keep its first value.
            for (path, says) in [
                ("/api/v1/events?types=%FF", "UTF-8"), ("/api/v1/conversations?limit=1&limit=2", "limit is given more than once"),
                ("/api/v1/events?after_seq=100000", "beyond the event log's latest event"),
            ] {
                let reply = try await harness.request(.GET, path)
                #expect(reply.status == 400, "\(path): \(reply.body)")
                #expect(reply.json["detail"]?.string?.contains(says) == true, "\(path): \(reply.body)")
            }
            #expect(try await harness.request(.GET, "/api/v1/events?execution_id=nope").status == 404)
            // An escaped backslash followed by "u0000" is plain text, and is kept as sent.
            let literal = try await harness.request(.POST, "/api/v1/conversations", json: #"{"title":"a\\u0000b"}"#)
            #expect(literal.status == 201)
            #expect(literal.json["title"]?.string == #"a\u0000b"#)

            // A chunked body has no length to check first: it is refused when it outgrows the limit.
            var chunked = HTTPClientRequest(url: harness.baseURL + "/api/v1/conversations")
            chunked.method = .POST
            chunked.headers.add(name: "Authorization", value: "Bearer \(Harness.adminKey)")
            chunked.headers.add(name: "Content-Type", value: "application/json")
            let parts = [#"{"title":""#, String(repeating: "x", count: 3000), String(repeating: "y", count: 3000), #""}"#]
            let (chunks, continuation) = AsyncStream<ByteBuffer>.makeStream()
            for part in parts { continuation.yield(ByteBuffer(string: part)) }
            continuation.finish()
            chunked.body = .stream(chunks, length: .unknown)
            let tooLarge = try await Harness.http.execute(chunked, timeout: .seconds(30))
            #expect(tooLarge.status.code == 413)
            #expect(tooLarge.headers.first(name: "Content-Type") == "application/problem+json")

            // Bytes that are not HTTP get a 400 and a closed connection, not a socket held open.
            let oldWebSocket = "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Harness.adminKey)\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            for garbage in ["GARBAGE\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", oldWebSocket] {
                let answer = try await RawSocket.exchange(port: harness.port, garbage)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(garbage): \(answer)")
                #expect(answer.contains("application/problem+json"))
                #expect(answer.components(separatedBy: "\r\n").count { $0.hasPrefix("HTTP/1.1 ") } == 1, "one response only: \(answer)")
            }
            #expect(try await harness.request(.GET, "/healthz", key: nil).status == 200)

            #expect(try await harness.count("conversations") == 3)
            #expect(try await harness.count("messages") == 2)
            #expect(try await harness.count("llm_calls") == 1)
            #expect(try await harness.reconcile()["discrepancies"]?.array.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func connectionsThatNeverBecomeRequestsAreClosed(database: TestDatabase) async throws {
        try await Harness.with(database, environment: ["CHATTER_REQUEST_HEAD_TIMEOUT_SECONDS": "3"]) { harness in
            // A request head that never ends gets a 408 and is closed, not held open; a silent connection is closed
            // without a word (a preconnect could read a 408 as the answer to a request sent at that moment).
            // The head timeout is 3 s (a shorter one could run out on a loaded machine before the server read bytes already
            // sent); the 15 s wait leaves room for the load too.
            let partial = try await RawSocket.exchange(port: harness.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", seconds: 15)
            #expect(partial.hasPrefix("HTTP/1.1 408"), "\(partial)")
            #expect(partial.contains(#""type":"urn:chatter:problem:request-timeout""#))
            #expect(try await RawSocket.exchange(port: harness.port, "", seconds: 15) == "")
            #expect(try await harness.request(.GET, "/healthz", key: nil).status == 200)
        }
    }

    /// The rest of what never becomes a request, under the default head timeout (30 s), which a loaded machine cannot
    /// outrun: these answers do not depend on it.
    @Test(arguments: TestDatabase.all)
    func refusedHandshakesAndOversizedHeadsGetOneAnswer(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            // A refused handshake gets the refusal as problem+json, and nothing after it.
            let noKey = "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            let unknownPath = noKey.replacingOccurrences(of: "/api/v1/ws", with: "/api/v1/nothing")
                .replacingOccurrences(of: "Host: x\r\n", with: "Host: x\r\nAuthorization: Bearer \(Harness.adminKey)\r\n")
            for (handshake, status, type) in [(noKey, 401, "unauthorized"), (unknownPath, 404, "not-found")] {
                let answer = try await RawSocket.exchange(port: harness.port, handshake, seconds: 15)
                #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(answer)")
                #expect(answer.contains(#""type":"urn:chatter:problem:\#(type)""#), "\(answer)")
                #expect(answer.components(separatedBy: "\r\n").count { $0.hasPrefix("HTTP/1.1 ") } == 1, "one response only: \(answer)")
            }

            let huge = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "a", count: 100_000))\r\n\r\n"
            let tooLarge = try await RawSocket.exchange(port: harness.port, huge, seconds: 15)
            #expect(tooLarge.hasPrefix("HTTP/1.1 431"), "\(tooLarge.prefix(200))")

            // A WebSocket the client resets right after the upgrade is the client's business: the server carries on.
            let handshake = "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Harness.adminKey)\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            for _ in 0..<3 {
                let head = try await RawSocket.resetAfterResponseHead(port: harness.port, handshake)
                #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
            }
            #expect(try await harness.request(.GET, "/healthz", key: nil).status == 200)
            #expect(try await harness.request(.GET, "/api/v1/conversations").status == 200)
        }
    }

    @Test(arguments: TestDatabase.all)
    func keysAreRequiredCheckedAndRevocable(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            #expect(try await harness.request(.GET, "/healthz", key: nil).status == 200)
            #expect(try await harness.request(.GET, "/readyz", key: nil).status == 200)
            let openapi = try await harness.request(.GET, "/openapi.yaml", key: nil)
            #expect(openapi.status == 200)
            #expect(openapi.body.contains("/api/v1/conversations/{id}/messages"))

            let missing = try await harness.request(.GET, "/api/v1/conversations", key: nil)
            #expect(missing.status == 401)
            #expect(missing.header("WWW-Authenticate") == "Bearer")
            #expect(try await harness.request(.GET, "/api/v1/conversations", key: "chk_wrongwrongwrongwrongwrong").status == 401)
            #expect(try await harness.request(.GET, "/api/v1/conversations", key: "short").status == 401)

            let created = try await harness.request(.POST, "/api/v1/admin/keys", json: #"{"name":"ci","role":"member"}"#)
            #expect(created.status == 201)
            let secret = try #require(created.json["secret"]?.string)
            let keyID = try #require(created.json["key"]?["id"]?.string)
            #expect(try await harness.request(.GET, "/api/v1/conversations", key: secret).status == 200)
            // A member is not an admin.
            #expect(try await harness.request(.GET, "/api/v1/admin/reconcile", key: secret).status == 403)
            // A key of an existing user has the user's role: asking for another is refused, not ignored.
            let memberID = try #require(created.json["key"]?["user_id"]?.string)
            let promoted = try await harness.request(.POST, "/api/v1/admin/keys", json: #"{"name":"up","user_id":"\#(memberID)","role":"admin"}"#)
            #expect(promoted.status == 400)
            #expect(promoted.json["detail"]?.string?.contains("omit role") == true)
            let second = try await harness.request(.POST, "/api/v1/admin/keys", json: #"{"name":"again","user_id":"\#(memberID)"}"#)
            #expect(second.status == 201)
            #expect(second.json["key"]?["role"]?.string == "member")
            // Secrets are stored hashed only.
            #expect(try await harness.count("api_keys", where: "key_hash = '\(AccessStore.hash(secret))'") == 1)
            #expect(try await harness.rows("SELECT key_hash FROM api_keys").allSatisfy { try $0.decode(column: "key_hash", as: String.self) != secret })
            let listed = try await harness.request(.GET, "/api/v1/admin/keys")
            #expect(!listed.body.contains(secret))

            // The tenant's last active admin key cannot be revoked: nobody could manage keys through the API again.
            let adminKeys = try await harness.request(.GET, "/api/v1/admin/keys").json["data"]?.array ?? []
            let adminKeyID = try #require(adminKeys.first { $0["role"]?.string == "admin" }?["id"]?.string)
            let lastAdmin = try await harness.request(.DELETE, "/api/v1/admin/keys/\(adminKeyID)")
            #expect(lastAdmin.status == 409)
            #expect(lastAdmin.json["detail"]?.string?.contains("last active admin key") == true)
            #expect(try await harness.request(.GET, "/api/v1/conversations").status == 200)

            #expect(try await harness.request(.DELETE, "/api/v1/admin/keys/\(keyID)").status == 200)
            let revoked = try await harness.request(.GET, "/api/v1/conversations", key: secret)
            #expect(revoked.status == 401)
            #expect(revoked.header("Content-Type") == "application/problem+json")
        }
    }

    /// Revoking every admin key of a tenant at once leaves exactly one: the rule holds under concurrency too.
    @Test(arguments: TestDatabase.all)
    func theLastAdminKeyOutlivesConcurrentRevocations(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let access = harness.runtime.access
            let tenant = try #require(try await access.tenantIDs().first)
            for name in ["second", "third"] {
                _ = try await access.createKey(tenantID: tenant, userID: nil, userName: name, role: .admin, name: name)
            }
            let adminKeys = try await access.listKeys(tenantID: tenant).filter { $0.role == .admin }.map(\.id)
            #expect(adminKeys.count == 3)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for id in adminKeys { group.addTask { (try? await access.revokeKey(id: id, tenantID: tenant)) != nil } }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 2)
            #expect(try await access.listKeys(tenantID: tenant).filter { $0.role == .admin && $0.revokedAtMilliseconds == nil }.count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func requestIDsTravelFromRequestToResponseAndExecution(database: TestDatabase) async throws {
        try await Harness.with(database) { harness in
            let conversation = try await harness.createConversation()
            let reply = try await harness.request(
                .POST, "/api/v1/conversations/\(conversation)/messages", json: #"{"content":"hi"}"#, headers: ["X-Request-ID": "req-abc-123"]
            )
            #expect(reply.header("X-Request-ID") == "req-abc-123")
            let row = try await harness.rows("SELECT correlation_id FROM workflow_executions").first!
            #expect(try row.decode(column: "correlation_id", as: String?.self) == "req-abc-123")
            let generated = try await harness.request(.GET, "/api/v1/conversations")
            #expect(generated.header("X-Request-ID")?.count == 36)
        }
    }
}
