import ChatterCore
import Foundation
import Testing

/// `JSONValue(parsing:)` accepts and refuses what `JSONDecoder` does for `JSONValue`, with the same values.
@Suite struct JSONParsingTests {
    static func decoded(_ text: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text))
    }

    static func parsed(_ text: some Collection<UInt8>) -> JSONValue? {
        try? JSONValue(parsing: text)
    }

    @Test func agreesWithJSONDecoderOnValidAndInvalidTexts() {
        let texts = [
            #"{}"#, #"[]"#, #" { "a" : [1, -2.5e3, 0.25, 1E+2, -0, 12345678901234567890], "b": {"c": null} } "#,
            #""plain""#, #"true"#, #"false"#, #"null"#, #"0"#, #"-1"#, #"3.14159"#,
            #"{"esc":"quote \" back \\ slash \/ controls \b\f\n\r\t unicode \u00e9 \u2028 pair \ud83d\ude42"}"#,
            #"{"dup":1,"dup":2}"#, "{\"raw\":\"ünïcødé 🙂\"}", "[1,\n\t2\r,3]", "[1,]", #"{"a":1,}"#, "[1 , ]", "[,]", "{,}", "[1,,]",
            // Refused:
            "", " ", "{", "[1 2]", #"{"a" 1}"#, #"{"a":}"#, #"{1:2}"#, "01", "-", "1.", ".5", "1e", "+1", "tru", "nul",
            #""unclosed"#, "\"tab\tinside\"", #""\x""#, #""\u12""#, #""\ud83d""#, #""\ude42""#, #""\ud83d\u0041""#, "[1] x",
            "NaN", "1e999", "{\"a\":1}}",
        ]
        for text in texts {
            #expect(Self.parsed(text.utf8) == Self.decoded(text.utf8), "\(text)")
        }
        // Invalid UTF-8 inside a string is refused by both.
        let invalid: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(Self.parsed(invalid) == nil)
        #expect(Self.decoded(invalid) == nil)
    }

    @Test func agreesWithJSONDecoderOnTheProviderFixtures() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ChatterServerTests/Fixtures")
        let files = try #require(FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }
        var checked = 0
        for file in files where ["json", "jsonl", "sse", "ndjson", "txt"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            // A whole JSON file, or each line of a stream (SSE `data:` lines and NDJSON lines).
            var candidates = [text]
            for line in text.split(separator: "\n") {
                candidates.append(line.hasPrefix("data:") ? String(line.dropFirst(5)) : String(line))
            }
            for candidate in candidates {
                #expect(Self.parsed(candidate.utf8) == Self.decoded(candidate.utf8), "\(file.lastPathComponent): \(candidate.prefix(80))")
                if Self.decoded(candidate.utf8) != nil { checked += 1 }
            }
        }
        #expect(checked > 20)
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep.utf8) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(Self.parsed(fine.utf8) != nil)
    }
}
