import ChatterCore
import ChatterServer
import Foundation
import NIOHTTP1
import Testing

/// Configuration is validated at start-up, every problem named by its variable.
@Suite struct ConfigurationTests {
    @Test func defaultsNeedNoKeys() throws {
        let configuration = try Configuration(environment: [:])
        #expect(configuration.databaseURL == "sqlite://./data/chatter.sqlite")
        #expect(configuration.port == 8080)
        #expect(configuration.defaultModel.description == "demo/echo")
        #expect(configuration.providers.isEmpty)
    }

    @Test func everyProblemIsReportedByName() {
        #expect {
            try Configuration(environment: [
                "CHATTER_PORT": "http", "CHATTER_DATABASE_URL": "mysql://x", "CHATTER_ADMIN_KEY": "short",
                "OPENAI_BASE_URL": "ftp://x", "CHATTER_DEFAULT_MODEL": "nosuch/model", "CHATTER_SQLITE_SYNCHRONOUS": "OFF",
            ])
        } throws: { error in
            let text = String(describing: error)
            return ["CHATTER_PORT", "CHATTER_DATABASE_URL", "CHATTER_ADMIN_KEY", "OPENAI_BASE_URL", "CHATTER_DEFAULT_MODEL", "CHATTER_SQLITE_SYNCHRONOUS"]
                .allSatisfy(text.contains)
        }
    }

    @Test func providerKeysPickTheDefaultModel() throws {
        #expect(try Configuration(environment: ["OPENAI_API_KEY": "sk"]).defaultModel.description == "openai/gpt-4o-mini")
        #expect(try Configuration(environment: ["ANTHROPIC_API_KEY": "sk"]).defaultModel.description == "anthropic/claude-haiku-4-5")
        let both = try Configuration(environment: ["GEMINI_API_KEY": "g", "OLLAMA_BASE_URL": "http://127.0.0.1:11434"])
        #expect(both.providers.map(\.name) == ["gemini", "ollama"])
        #expect(both.defaultModel.description == "gemini/gemini-2.5-flash")
    }

    @Test func providersFileAddsNamedServersAndAliases() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString).json")
        try Data(
            #"""
            {"providers":[{"name":"vllm","kind":"openai","base_url":"http://127.0.0.1:8000/v1","api_key_env":"VLLM_KEY"},
                          {"name":"lmstudio","kind":"openai","base_url":"http://127.0.0.1:1234/v1"}],
             "aliases":{"fast":"vllm/qwen2.5","echo":"demo/echo"},"default_model":"fast"}
            """#.utf8
        ).write(to: file)
        let configuration = try Configuration(environment: ["CHATTER_PROVIDERS_FILE": file.path, "VLLM_KEY": "secret"])
        #expect(configuration.providers.map(\.name) == ["vllm", "lmstudio"])
        #expect(configuration.providers.first?.apiKey == "secret")
        #expect(configuration.aliases["fast"]?.description == "vllm/qwen2.5")
        #expect(configuration.defaultModel.description == "vllm/qwen2.5")

        try Data(#"{"providers":[{"name":"x","kind":"bard"}],"aliases":{"a":"nowhere/model"}}"#.utf8).write(to: file)
        #expect {
            try Configuration(environment: ["CHATTER_PROVIDERS_FILE": file.path])
        } throws: { error in
            String(describing: error).contains("kind 'bard'") && String(describing: error).contains("alias 'a'")
        }
    }

    @Test(arguments: TestDatabase.all)
    func aliasesWorkForChatAndGateway(database: TestDatabase) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString).json")
        try Data(#"{"aliases":{"cheap":"openai/gpt-4o-mini","local":"demo/echo"}}"#.utf8).write(to: file)
        try await Harness.with(database, environment: ["CHATTER_PROVIDERS_FILE": file.path]) { harness in
            harness.upstream.setFallback(.reply(content: "aliased", usage: #"{"prompt_tokens":5,"completion_tokens":1}"#))
            let conversation = try await harness.createConversation(#"{"model":"cheap"}"#)
            let reply = try await harness.send(conversation, #"{"content":"hi"}"#)
            #expect(reply.json["assistant_message"]?["provider"]?.string == "openai")
            #expect(reply.json["assistant_message"]?["model"]?.string == "gpt-4o-mini")
            let gateway = try await harness.request(.POST, "/v1/chat/completions", json: #"{"model":"local","messages":[{"role":"user","content":"x"}]}"#)
            #expect(gateway.json["model"]?.string == "local")
            #expect(gateway.json["choices"]?[0]?["message"]?["content"]?.string == "Echo #1: x")
            let models = try await harness.request(.GET, "/v1/models").json["data"]!.array.compactMap { $0["id"]?.string }
            #expect(models.contains("cheap") && models.contains("openai/gpt-4o-mini") && models.contains("demo/echo"))
            let catalog = try await harness.request(.GET, "/api/v1/models").json
            #expect(catalog["aliases"]?["cheap"]?.string == "openai/gpt-4o-mini")
        }
    }
}
