import ChatterCore
@testable import ChatterLLM
import Testing

@Suite struct OpenAIUsageTests {
    @Test func cachedAndReasoningDetailsAreReadNotAdded() throws {
        let json = try JSONValue.parse(
            #"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":256}}"#
        )
        let usage = try #require(Usage(openAI: json))
        #expect(usage.inputTokens == 1200)
        #expect(usage.cachedInputTokens == 1024)
        #expect(usage.outputTokens == 300)
        #expect(usage.reasoningTokens == 256)
        #expect(usage.totalTokens == 1500)
        #expect(usage.source == .reported)
        #expect(usage.rawJSON?.contains("\"audio_tokens\":0") == true)
        #expect(Usage(openAI: nil) == nil)
        #expect(Usage(openAI: .null) == nil)
    }
}

@Suite struct OpenAIChunkTests {
    typealias Chunk = OpenAICompatibleProvider.CompletionChunk

    @Test func completionWithToolCallsAndUsage() throws {
        let json = try JSONValue.parse(
            #"{"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":"#
                + #"[{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},"#
                + #""finish_reason":"tool_calls","logprobs":null}],"usage":{"prompt_tokens":12,"completion_tokens":7}}"#
        )
        let chunk = try #require(Chunk(json))
        #expect(chunk.id == "chatcmpl-1")
        #expect(chunk.model == "gpt-4o")
        #expect(chunk.choices.count == 1)
        let choice = try #require(chunk.choices.first)
        #expect(choice.index == 0)
        #expect(choice.finishReason == "tool_calls")
        #expect(choice.message?.content == nil)
        #expect(choice.delta == nil)
        let call = try #require(choice.message?.toolCalls?.first)
        #expect(call.id == "call_1")
        #expect(call.name == "weather")
        #expect(call.arguments == #"{"city":"Paris"}"#)
        #expect(Usage(openAI: chunk.usage)?.inputTokens == 12)
    }

    @Test func streamingDeltaAndUsageOnlyChunk() throws {
        let delta = try #require(Chunk(try JSONValue.parse(#"{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#)))
        #expect(delta.choices.first?.delta?.content == "Hi")
        #expect(delta.choices.first?.finishReason == nil)
        #expect(delta.usage == nil)
        let usageOnly = try #require(Chunk(try JSONValue.parse(#"{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#)))
        #expect(usageOnly.choices.isEmpty)
        #expect(Usage(openAI: usageOnly.usage)?.outputTokens == 2)
        #expect(Chunk(try JSONValue.parse(#"{"id":"c","choices":[],"usage":null}"#))?.usage == nil)
    }

    @Test func wrongShapesAreNotChunks() throws {
        for text in [
            #"[]"#,
            #"{"id":"c"}"#,
            #"{"choices":{}}"#,
            #"{"choices":[1]}"#,
            #"{"id":7,"choices":[]}"#,
            #"{"choices":[{"index":0.5}]}"#,
            #"{"choices":[{"delta":{"content":3}}]}"#,
            #"{"choices":[{"finish_reason":false}]}"#,
            #"{"choices":[{"message":{"tool_calls":{}}}]}"#,
            #"{"choices":[{"message":{"tool_calls":[{"function":"f"}]}}]}"#,
            #"{"choices":[{"message":{"tool_calls":[{"function":{"arguments":{}}}]}}]}"#,
            #"{"error":{"message":"overloaded"}}"#,
        ] {
            #expect(Chunk(try JSONValue.parse(text)) == nil, "\(text)")
        }
        #expect(OpenAICompatibleProvider.errorMessage(in: try JSONValue.parse(#"{"error":{"message":"overloaded"}}"#)) == .some("overloaded"))
        #expect(OpenAICompatibleProvider.errorMessage(in: try JSONValue.parse(#"{"error":{}}"#)) == .some(nil))
        #expect(OpenAICompatibleProvider.errorMessage(in: try JSONValue.parse(#"{"choices":[]}"#)) == nil)
    }
}

@Suite struct RetryAfterTests {
    @Test func secondsDatesAndNonsense() {
        #expect(ProviderFailure.retryAfter(header: "2") == .seconds(2))
        #expect(ProviderFailure.retryAfter(header: "inf") == nil)
        #expect(ProviderFailure.retryAfter(header: "1e30") == .seconds(86_400))
        #expect(ProviderFailure.retryAfter(header: "soon") == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(ProviderFailure.retryAfter(header: "Tue, 14 Nov 2023 22:13:30 GMT", now: now) == .seconds(10))
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func eventsSplitAcrossChunksAndLineEndings() {
        var parser = ServerSentEventParser()
        var events = parser.consume(Array("data: {\"a\":1}\r".utf8))
        #expect(events.isEmpty)
        events += parser.consume(Array("\n\r\nevent: ping\ndata: x\ndata: y\n".utf8))
        events += parser.consume(Array("\n: comment\n\ndata: [DONE]\n\n".utf8))
        #expect(events.map(\.data) == ["{\"a\":1}", "x\ny", "[DONE]"])
        #expect(events[1].event == "ping")
    }

    @Test func finalEventWithoutBlankLineIsKept() {
        var parser = ServerSentEventParser()
        #expect(parser.consume(Array("data: last".utf8)).isEmpty)
        #expect(parser.finish()?.data == "last")
    }
}

@Suite struct EstimatorAndDemoTests {
    @Test func estimatorCountsWordsAndCharacters() {
        let estimator = TokenEstimator()
        #expect(estimator.count("") == 0)
        // 2 words + 2 punctuation × 0.6 = 3.2
        #expect(estimator.count("Hello, world!") == 3)
        // 1 word + 2 digit runs × 1.5 + 1 punctuation × 0.6 + two extra pieces of the 14-letter word × 0.5 = 5.6
        #expect(estimator.count("Internationals 2024-25") == 6)
        #expect(estimator.count("東京タワー") == 5)
        let messages = [ChatMessage(role: .user, content: "Hello, world!")]
        #expect(estimator.inputTokens(for: messages) == 3 + 4 + 3)
    }

    @Test func demoIsDeterministicAndEstimated() async throws {
        let demo = DemoProvider()
        let request = ChatRequest(model: "echo", messages: [.init(role: .user, content: "Hi there")])
        let first = try await demo.complete(request)
        let collected = Collected()
        let streamed = try await demo.stream(request) { delta in if case .text(let text) = delta { await collected.append(text) } }
        #expect(first.content == "Echo #1: Hi there")
        #expect(streamed.content == first.content)
        #expect(await collected.text == first.content)
        #expect(first.usage == streamed.usage)
        #expect(first.usage.source == .estimated)
        let limited = try await demo.complete(ChatRequest(model: "echo", messages: request.messages, maxTokens: 2))
        #expect(limited.finishReason == "length")
        #expect(TokenEstimator().count(limited.content) <= 2)
    }
}

actor Collected {
    var text = ""
    func append(_ piece: String) { text += piece }
}

extension JSONValue {
    static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}

import Foundation
