import Foundation

/// A model named as `provider/model` (for example `openai/gpt-4o-mini` or `demo/echo`).
/// The model part may itself contain slashes (`openai/meta-llama/Llama-3-8B`): only the first one splits.
public struct ModelReference: Sendable, Hashable, CustomStringConvertible {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    /// Parses `provider/model`; nil when either part is empty or the separator is missing.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhiteSpace()
        guard let slash = trimmed.firstIndex(of: "/") else { return nil }
        let provider = String(trimmed[..<slash])
        let model = String(trimmed[trimmed.index(after: slash)...])
        guard !provider.isEmpty, !model.isEmpty, provider.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else { return nil }
        self.init(provider: provider.lowercased(), model: model)
    }

    public var description: String { "\(provider)/\(model)" }
}
