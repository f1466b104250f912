import ChatterCore
import Foundation

/// The configured providers by name, with each provider's model list cached so an unknown model
/// is refused before anything is written or sent.
public actor ProviderRegistry {
    let providers: [String: any ChatProvider]
    private var modelLists: [String: (models: [String]?, fetchedAt: ContinuousClock.Instant)] = [:]
    private let modelListTTL: Duration
    static let failedListingRetry: Duration = .seconds(5)

    /// Provider names in the order they were configured.
    let order: [String]

    public init(providers: [any ChatProvider], modelListTTL: Duration = .seconds(300)) {
        self.order = providers.map(\.name)
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.modelListTTL = modelListTTL
    }

    public nonisolated var providerNames: [String] { providers.keys.sorted() }

    /// The provider for a model, after checking both exist. A provider that cannot list its models
    /// (or whose list cannot be fetched right now) accepts any model name.
    public func resolve(_ reference: ModelReference) async throws -> any ChatProvider {
        guard let provider = providers[reference.provider] else {
            throw ChatterError(
                .unknownModel,
                "unknown provider '\(reference.provider)'; configured providers: \(providerNames.joined(separator: ", "))"
            )
        }
        // Ollama lists `llama3.2:latest` and answers to `llama3.2`: an untagged name means its latest tag.
        if let models = await models(of: provider), !models.contains(reference.model), !models.contains(reference.model + ":latest") {
            throw ChatterError(.unknownModel, "provider '\(reference.provider)' does not serve model '\(reference.model)'")
        }
        return provider
    }

    func models(of provider: any ChatProvider) async -> [String]? {
        let now = ContinuousClock.now
        if let cached = modelLists[provider.name], now - cached.fetchedAt < modelListTTL {
            return cached.models
        }
        do {
            let models = try await provider.listModels()
            modelLists[provider.name] = (models, now)
            return models
        } catch {
            // A failed listing (the upstream down or slow) is tried again after a few seconds, not after the TTL:
            // it says nothing about which models the provider serves.
            modelLists[provider.name] = (nil, now - modelListTTL + Self.failedListingRetry)
            return nil
        }
    }
}

extension ProviderRegistry {
    /// A model named without its provider (as OpenAI SDK code does): the first provider, in the order they
    /// were configured, that lists it; else the provider whose family the name belongs to.
    public func reference(forBareModel model: String) async -> ModelReference? {
        for name in order {
            if let models = await models(of: providers[name]!), models.contains(model) {
                return ModelReference(provider: name, model: model)
            }
        }
        let families = [("claude", "anthropic"), ("gemini", "gemini"), ("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai")]
        for (prefix, provider) in families where model.hasPrefix(prefix) && providers[provider] != nil {
            return ModelReference(provider: provider, model: model)
        }
        return nil
    }

    /// Each provider with the models it serves (nil where it cannot list them).
    public func catalog() async -> [(name: String, models: [String]?)] {
        var entries: [(name: String, models: [String]?)] = []
        for name in providerNames {
            entries.append((name, await models(of: providers[name]!)))
        }
        return entries
    }
}
