import ChatterIntel

/// The agents the configured engine choice runs. PII is always the deterministic engine; `hybrid` keeps the
/// per-message sentiment offline and asks the model for insights and the summary.
enum IntelAgents {
    static func make(engine: Configuration.IntelEngineChoice, model: (any IntelLanguageModel)?, detector: PIIDetector) -> [any IntelAgent] {
        let llm = engine == .offline ? nil : model
        return [
            PIIAgent(detector: detector),
            SentimentAgent(model: engine == .llm ? llm : nil),
            InsightsAgent(model: llm),
            SummaryAgent(model: llm),
        ]
    }
}

extension Configuration {
    /// The PII engine with this deployment's hash key.
    var piiDetector: PIIDetector {
        PIIDetector(hashKey: piiHashSecret.map(PIIHashKey.init(passphrase:)) ?? .builtIn)
    }
}
