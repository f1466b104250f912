import ChatterCore
import ChatterLLM
import ChatterStore
import NIOCore

/// Chatter's results in OpenAI's Chat Completions shapes, whichever provider answered.
struct GatewayRendering {
    /// Every chunk and completion of one request carries `chatcmpl-<execution id>`, the same across retries.
    /// The model name as the client sent it.
    var model: String
    var created: Int64

    func completion(_ result: UpstreamCaller.Result) -> JSONValue {
        var message: [String: JSONValue] = ["role": .string("assistant"), "content": .string(result.completion.content)]
        if !result.completion.toolCalls.isEmpty {
            if result.completion.content.isEmpty { message["content"] = .null }
            message["tool_calls"] = .array(result.completion.toolCalls.map(Self.toolCall))
        }
        return .object([
            "id": .string("chatcmpl-\(result.call.executionID)"), "object": .string("chat.completion"), "created": .number(Double(created)),
            "model": .string(model),
            "choices": .array([
                .object([
                    "index": .number(0), "message": .object(message), "logprobs": .null,
                    "finish_reason": result.completion.finishReason.map(JSONValue.string) ?? .null,
                ])
            ]),
            "usage": usage(result),
        ])
    }

    func firstChunk(id: String) -> JSONValue {
        chunk(id: id, delta: .object(["role": .string("assistant"), "content": .string("")]), finishReason: nil)
    }

    func chunk(id: String, delta: ChatDelta) -> JSONValue {
        switch delta {
        case .text(let text):
            return chunk(id: id, delta: .object(["content": .string(text)]), finishReason: nil)
        case .toolCall(let index, let callID, let name, let arguments):
            var call: [String: JSONValue] = ["index": .number(Double(index))]
            var function: [String: JSONValue] = ["arguments": .string(arguments)]
            if let callID { call["id"] = .string(callID) }
            if callID != nil { call["type"] = .string("function") }
            if let name { function["name"] = .string(name) }
            call["function"] = .object(function)
            return chunk(id: id, delta: .object(["tool_calls": .array([.object(call)])]), finishReason: nil)
        }
    }

    func finalChunk(_ result: UpstreamCaller.Result) -> JSONValue {
        chunk(id: result.call.executionID, delta: .object([:]), finishReason: result.completion.finishReason ?? "stop")
    }

    /// The usage chunk OpenAI sends when `stream_options.include_usage` is set: no choices, the call's usage,
    /// and Chatter's cost and call id (headers are gone by the end of a stream).
    func usageChunk(_ result: UpstreamCaller.Result) -> JSONValue {
        .object([
            "id": .string("chatcmpl-\(result.call.executionID)"), "object": .string("chat.completion.chunk"), "created": .number(Double(created)),
            "model": .string(model), "choices": .array([]), "usage": usage(result),
            "chatter": .object([
                "llm_call_id": .string(result.call.llmCallID), "execution_id": .string(result.call.executionID),
                "cost_nanousd": result.pricing.costNanoUSD.map { .number(Double($0)) } ?? .null,
            ]),
        ])
    }

    /// The frames of one request's text deltas, most of a stream's frames: the general rendering of an empty delta,
    /// made once per request and cut around its text, with each delta's escaped text put in between. A tree of
    /// dictionaries, sorted and written anew for every delta, cost more than the rest of writing the frame.
    struct TextFrames: Sendable {
        private let head: [UInt8]
        private let tail: [UInt8]

        init(_ rendering: GatewayRendering, id: String) {
            let empty = Array(GatewayController.frame(rendering.chunk(id: id, delta: .text(""))).readableBytesView)
            // Inside a JSON string every quote is escaped, so this sequence is the delta's own member, the only one.
            let member = Array(#""content":"""#.utf8)
            let start = Self.end(of: member, in: empty) - 2
            head = Array(empty[..<start])
            tail = Array(empty[(start + 2)...])
        }

        /// Where `needle`'s first occurrence in `bytes` ends (the generic `firstRange(of:)` took longer than the rest).
        private static func end(of needle: [UInt8], in bytes: [UInt8]) -> Int {
            var index = 0
            while index + needle.count <= bytes.count {
                if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
                index += 1
            }
            preconditionFailure("the rendering of an empty text delta has no content member")
        }

        func frame(_ text: String) -> ByteBuffer {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(head.count + text.utf8.count + 8 + tail.count)
            bytes += head
            JSONObjectWriter.writeString(text, to: &bytes)
            bytes += tail
            return ByteBuffer(bytes: bytes)
        }
    }

    private func chunk(id: String, delta: JSONValue, finishReason: String?) -> JSONValue {
        .object([
            "id": .string("chatcmpl-\(id)"), "object": .string("chat.completion.chunk"), "created": .number(Double(created)),
            "model": .string(model),
            "choices": .array([
                .object(["index": .number(0), "delta": delta, "logprobs": .null, "finish_reason": finishReason.map(JSONValue.string) ?? .null])
            ]),
        ])
    }

    /// OpenAI's usage object from the ledger's numbers: prompt includes cached, completion includes reasoning.
    private func usage(_ result: UpstreamCaller.Result) -> JSONValue {
        let usage = result.completion.usage
        return .object([
            "prompt_tokens": .number(Double(usage.inputTokens)), "completion_tokens": .number(Double(usage.outputTokens)),
            "total_tokens": .number(Double(usage.totalTokens)),
            "prompt_tokens_details": .object(["cached_tokens": .number(Double(usage.cachedInputTokens))]),
            "completion_tokens_details": .object(["reasoning_tokens": .number(Double(usage.reasoningTokens))]),
        ])
    }

    static func toolCall(_ call: ToolCall) -> JSONValue {
        .object([
            "id": .string(call.id), "type": .string("function"),
            "function": .object(["name": .string(call.name), "arguments": .string(call.arguments)]),
        ])
    }
}
