import ChatterCore
import ChatterLLM
@testable import ChatterServer
import NIOCore
import Testing

/// A streamed text delta is written from a request's fixed parts; its bytes must be the chunk's general rendering.
@Suite struct GatewayRenderingTests {
    @Test(arguments: [
        "Hello", "", "a \"quoted\" word, a back\\slash", "lines\nand\ttabs\r", "control \u{01}\u{1F} bytes",
        "ünïcödé, 汉字 and 👩‍💻", "separators \u{2028} \u{2029}", String(repeating: "long ", count: 2_000),
    ])
    func aTextDeltaFrameIsTheChunksGeneralRendering(text: String) throws {
        for model in ["gpt-4o-mini", "demo/echo", "a \"strange\" alias ü"] {
            let rendering = GatewayRendering(model: model, created: 1_764_000_000)
            let id = "01a2492d-6f3c-7b91-9f8a-ac2ed9c5f5fc"
            let fast = GatewayRendering.TextFrames(rendering, id: id).frame(text)
            let general = GatewayController.frame(rendering.chunk(id: id, delta: .text(text)))
            #expect(String(buffer: fast) == String(buffer: general))

            // And it is the chunk OpenAI's clients read.
            let json = String(buffer: fast).dropFirst("data: ".count).dropLast(2)
            let chunk = try JSONValue(parsing: Array(json.utf8))
            #expect(chunk["id"]?.string == "chatcmpl-\(id)")
            #expect(chunk["object"]?.string == "chat.completion.chunk")
            #expect(chunk["model"]?.string == model)
            #expect(chunk["created"]?.int == 1_764_000_000)
            #expect(chunk["choices"]?[0]?["delta"]?["content"]?.string == text)
            #expect(chunk["choices"]?[0]?["finish_reason"] == .null)
        }
    }
}
