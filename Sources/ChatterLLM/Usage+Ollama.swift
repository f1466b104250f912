import ChatterCore

extension Usage {
    /// Ollama `/api/chat` final message (github.com/ollama/ollama docs/api.md): `prompt_eval_count` is the
    /// prompt, `eval_count` the generated tokens. A count Ollama leaves out is recorded as 0; the raw JSON
    /// kept with the call shows that it was absent.
    public init?(ollama final: JSONValue?) {
        guard let final, case .object = final, final["eval_count"] != nil || final["prompt_eval_count"] != nil else { return nil }
        var raw: [String: JSONValue] = [:]
        for key in ["prompt_eval_count", "eval_count", "prompt_eval_duration", "eval_duration", "total_duration", "load_duration"] {
            if let value = final[key] { raw[key] = value }
        }
        self.init(
            inputTokens: final["prompt_eval_count"]?.int64 ?? 0,
            outputTokens: final["eval_count"]?.int64 ?? 0,
            source: .reported,
            rawJSON: JSONValue.object(raw).jsonText
        )
    }
}
