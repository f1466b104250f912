import ChatterCore
import Foundation

/// One configured provider: from the usual environment variables (`OPENAI_*`, `ANTHROPIC_*`, `GEMINI_*`,
/// `OLLAMA_BASE_URL`) or from the providers file, where several servers of one kind can sit side by side.
public struct ProviderSetting: Sendable, Equatable {
    public enum Kind: String, Sendable, Decodable, CaseIterable {
        case openai, anthropic, gemini, ollama
    }

    public var name: String
    public var kind: Kind
    public var baseURL: String
    public var apiKey: String?

    public init(name: String, kind: Kind, baseURL: String, apiKey: String?) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    static let defaultBaseURLs: [Kind: String] = [
        .openai: "https://api.openai.com/v1", .anthropic: "https://api.anthropic.com",
        .gemini: "https://generativelanguage.googleapis.com",
    ]

    /// A model to use by default when this is the only provider.
    var suggestedDefaultModel: String? {
        switch kind {
        case .openai: "\(name)/gpt-4o-mini"
        case .anthropic: "\(name)/claude-haiku-4-5"
        case .gemini: "\(name)/gemini-2.5-flash"
        case .ollama: nil
        }
    }
}

/// `CHATTER_PROVIDERS_FILE`: named providers, model aliases and a default model.
///
///     {"providers": [{"name": "vllm", "kind": "openai", "base_url": "http://127.0.0.1:8000/v1", "api_key_env": "VLLM_KEY"}],
///      "aliases": {"fast": "openai/gpt-4o-mini"}, "default_model": "fast"}
struct ProvidersFile: Decodable {
    struct Entry: Decodable {
        var name: String
        var kind: String
        var baseURL: String?
        var apiKeyEnv: String?

        enum CodingKeys: String, CodingKey {
            case name, kind
            case baseURL = "base_url"
            case apiKeyEnv = "api_key_env"
        }
    }

    var providers: [Entry]?
    var aliases: [String: String]?
    var defaultModel: String?

    enum CodingKeys: String, CodingKey {
        case providers, aliases
        case defaultModel = "default_model"
    }
}

extension Configuration {
    /// Providers, aliases and the default model, read from the environment and the providers file.
    static func providerSettings(
        environment: [String: String], value: (String) -> String?, problems: inout [String]
    ) -> (providers: [ProviderSetting], aliases: [String: ModelReference], defaultModel: ModelReference) {
        var providers: [ProviderSetting] = []
        func add(_ name: String, _ kind: ProviderSetting.Kind, baseURL: String?, apiKey: String?, source: String) {
            let base = baseURL ?? ProviderSetting.defaultBaseURLs[kind]
            guard let base, let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                problems.append("\(source): the base URL of provider '\(name)' must be an http:// or https:// URL")
                return
            }
            guard !providers.contains(where: { $0.name == name }), name != "demo" else {
                problems.append("\(source): provider name '\(name)' is used twice")
                return
            }
            providers.append(ProviderSetting(name: name, kind: kind, baseURL: base, apiKey: apiKey))
        }
        if value("OPENAI_API_KEY") != nil || value("OPENAI_BASE_URL") != nil {
            add("openai", .openai, baseURL: value("OPENAI_BASE_URL"), apiKey: value("OPENAI_API_KEY"), source: "OPENAI_BASE_URL")
        }
        if value("ANTHROPIC_API_KEY") != nil || value("ANTHROPIC_BASE_URL") != nil {
            add("anthropic", .anthropic, baseURL: value("ANTHROPIC_BASE_URL"), apiKey: value("ANTHROPIC_API_KEY"), source: "ANTHROPIC_BASE_URL")
        }
        if value("GEMINI_API_KEY") != nil || value("GEMINI_BASE_URL") != nil {
            add("gemini", .gemini, baseURL: value("GEMINI_BASE_URL"), apiKey: value("GEMINI_API_KEY"), source: "GEMINI_BASE_URL")
        }
        if let ollama = value("OLLAMA_BASE_URL") {
            add("ollama", .ollama, baseURL: ollama, apiKey: nil, source: "OLLAMA_BASE_URL")
        }

        var file = ProvidersFile(providers: nil, aliases: nil, defaultModel: nil)
        if let path = value("CHATTER_PROVIDERS_FILE") {
            do {
                file = try JSONDecoder().decode(ProvidersFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                problems.append("CHATTER_PROVIDERS_FILE: \(path) cannot be read as {\"providers\": [{\"name\", \"kind\", \"base_url\", \"api_key_env\"}], \"aliases\": {…}, \"default_model\": …}")
            }
        }
        for entry in file.providers ?? [] {
            guard let kind = ProviderSetting.Kind(rawValue: entry.kind) else {
                problems.append("CHATTER_PROVIDERS_FILE: provider '\(entry.name)' has kind '\(entry.kind)'; kinds are openai, anthropic, gemini, ollama")
                continue
            }
            guard ModelReference(parsing: "\(entry.name)/x")?.provider == entry.name.lowercased(), entry.name == entry.name.lowercased() else {
                problems.append("CHATTER_PROVIDERS_FILE: provider name '\(entry.name)' must be lowercase letters, digits, - or _")
                continue
            }
            var apiKey: String?
            if let variable = entry.apiKeyEnv {
                apiKey = environment[variable]
                if apiKey == nil { problems.append("CHATTER_PROVIDERS_FILE: provider '\(entry.name)' reads its key from \(variable), which is not set") }
            }
            add(entry.name, kind, baseURL: entry.baseURL, apiKey: apiKey, source: "CHATTER_PROVIDERS_FILE")
        }

        let known = Set(providers.map(\.name) + ["demo"])
        var aliases: [String: ModelReference] = [:]
        for (alias, target) in (file.aliases ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !alias.contains("/"), let reference = ModelReference(parsing: target), known.contains(reference.provider) else {
                problems.append("CHATTER_PROVIDERS_FILE: alias '\(alias)' must be a name without / for a provider/model of a configured provider (got \"\(target)\")")
                continue
            }
            aliases[alias] = reference
        }

        let defaultText = value("CHATTER_DEFAULT_MODEL") ?? file.defaultModel ?? providers.lazy.compactMap(\.suggestedDefaultModel).first ?? "demo/echo"
        let defaultModel: ModelReference
        if let alias = aliases[defaultText] {
            defaultModel = alias
        } else if let reference = ModelReference(parsing: defaultText), known.contains(reference.provider) {
            defaultModel = reference
        } else {
            defaultModel = ModelReference(provider: "demo", model: "echo")
            problems.append(
                "CHATTER_DEFAULT_MODEL must be provider/model (or an alias) of a configured provider (configured: \(known.sorted().joined(separator: ", "))); got \"\(defaultText)\""
            )
        }
        return (providers, aliases, defaultModel)
    }
}
