import Foundation

/// A language model the LLM engines ask for structured JSON. The server's implementation sends the call through
/// the usage ledger with purpose `intel.<agent>`; the prompt only ever holds redacted text.
public protocol IntelLanguageModel: Sendable {
    /// `provider/model`, as results name their engine (`llm:<name>`).
    var name: String { get }
    func complete(system: String, user: String, agent: IntelAgentKind, for conversation: IntelConversation) async throws -> String
}

/// Why a language model's answer could not be used; its description becomes a result's `degraded_reason`.
public struct IntelLanguageModelFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    static func reason(_ error: any Error) -> String {
        let text = (error as? IntelLanguageModelFailure)?.description ?? String(describing: error)
        return String(text.prefix(300))
    }
}

/// Reads a model's JSON answer tolerantly: the first JSON object in the reply (models wrap it in prose or code
/// fences), numbers given as strings, labels in any case. A field that is missing or not understood fails the
/// answer: the engine then falls back to the offline result, marked degraded, rather than guess.
struct ModelAnswer {
    let object: [String: Any]

    init(_ reply: String) throws {
        guard let start = reply.firstIndex(of: "{"), let end = reply.lastIndex(of: "}"), start < end else {
            throw IntelLanguageModelFailure("the model's reply holds no JSON object")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply[start...end].utf8)) as? [String: Any] else {
            throw IntelLanguageModelFailure("the model's reply is not valid JSON")
        }
        self.object = object
    }

    init(object: [String: Any]) {
        self.object = object
    }

    func string(_ key: String) throws -> String {
        guard let value = object[key] as? String else { throw IntelLanguageModelFailure("the model's answer lacks \"\(key)\"") }
        return value
    }

    func optionalString(_ key: String) -> String? {
        (object[key] as? String).flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
    }

    func number(_ key: String) throws -> Double {
        if let value = object[key] as? NSNumber { return value.doubleValue }
        if let text = object[key] as? String, let value = Double(text.trimmingCharacters(in: .whitespaces)) { return value }
        throw IntelLanguageModelFailure("the model's answer lacks a number \"\(key)\"")
    }

    /// A whole number (a message's seq): anything else is the model's mistake, not a crash.
    func integer(_ key: String) throws -> Int64 {
        guard let value = Int64(exactly: try number(key)) else {
            throw IntelLanguageModelFailure("the model's answer has \"\(key)\" that is not a whole number")
        }
        return value
    }

    func flag(_ key: String) throws -> Bool {
        if let value = object[key] as? Bool { return value }
        if let text = (object[key] as? String)?.lowercased(), ["true", "false"].contains(text) { return text == "true" }
        throw IntelLanguageModelFailure("the model's answer lacks true/false \"\(key)\"")
    }

    func strings(_ key: String) -> [String] {
        (object[key] as? [Any])?.compactMap { $0 as? String }.filter { !$0.isEmpty } ?? []
    }

    func objects(_ key: String) throws -> [ModelAnswer] {
        guard let list = object[key] as? [Any] else { throw IntelLanguageModelFailure("the model's answer lacks a list \"\(key)\"") }
        return list.compactMap { ($0 as? [String: Any]).map(ModelAnswer.init(object:)) }
    }

    /// A value of a string enumeration, matched case-insensitively with spaces or dashes for underscores.
    func choice<T: RawRepresentable>(_ key: String, as type: T.Type) throws -> T where T.RawValue == String {
        let text = try string(key).lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        guard let value = T(rawValue: text) else { throw IntelLanguageModelFailure("the model's \"\(key)\" is not one of the allowed values") }
        return value
    }
}
