import ChatterCore
import Foundation
import Testing

@Suite struct EventWriterTests {
    @Test func timestampsMatchFoundationsCalendar() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        let samples: [Int64] = [0, 951_782_400_000, 4_107_542_399_999, -86_400_000, 1_709_164_800_123] + (0..<500).map { _ in
            Int64.random(in: -2_000_000_000_000...5_000_000_000_000, using: &generator)
        }
        for milliseconds in samples {
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            #expect(Timestamp.iso8601(milliseconds: milliseconds) == expected, "at \(milliseconds)")
            #expect(UTCDay.string(fromMilliseconds: milliseconds) == String(expected.prefix(10)))
            let dayStart = milliseconds - ((milliseconds % 86_400_000) + 86_400_000) % 86_400_000
            #expect(UTCDay.milliseconds(fromDay: String(expected.prefix(10))) == dayStart)
        }
    }

    @Test func objectsAreValidJSONWithExactIntegers() throws {
        var inner = JSONObjectWriter()
        inner["big"] = .integer(9_007_199_254_740_993)
        var object = JSONObjectWriter()
        object["text"] = .string("quote \" backslash \\ newline \n tab \t bell \u{07} line-sep \u{2028} emoji 🙂")
        object["none"] = .null
        object["flag"] = .bool(true)
        object["inner"] = .object(inner)
        object["raw"] = .rawJSON(#"[1,2]"#)
        let json = object.json
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(decoded?["text"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} line-sep \u{2028} emoji 🙂")
        #expect(decoded?["none"] is NSNull)
        #expect(json.contains(#""big":9007199254740993"#))
        #expect(json.hasPrefix(#"{"text":"#))
    }

    @Test func writtenJSONValuesDecodeToThemselves() throws {
        let value = JSONValue.object([
            "zeta": .array([.number(1), .number(-2.5), .number(0.1), .number(1e-7), .number(123_456_789_012), .null, .bool(false)]),
            "alpha": .string("quote \" backslash \\ slash / control \u{01} line-sep \u{2029} ünïcødé 🙂"),
            "nested": .object(["b": .bool(true), "a": .object([:]), "c": .array([])]),
        ])
        let text = value.jsonText
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value)
        // Keys are sorted at every level, integers written as integers, nothing pretty-printed.
        #expect(text.hasPrefix(#"{"alpha":"#))
        #expect(text.contains(#""nested":{"a":{},"b":true,"c":[]}"#))
        #expect(text.contains("123456789012,"))
        #expect(text.contains(#""zeta":[1,-2.5,0.1,"#))
        #expect(JSONValue.string("a/b").jsonText == #""a/b""#)
        // The escapes themselves, as Foundation writes them (line separators too, as in event text).
        #expect(JSONValue.string("\u{08}\u{0C}\u{01}\u{2028}\u{7F}").jsonText == "\"\\b\\f\\u0001\\u2028\u{7F}\"")
        // The most negative integer a document can hold is written, not trapped on.
        #expect(JSONValue.number(-9_223_372_036_854_775_808).jsonText == "-9.223372036854776e+18")
    }

    @Test func identifiersAreVersion7UUIDsInTimeOrder() throws {
        let earlier = Identifier.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let later = Identifier.make(at: Date(timeIntervalSince1970: 1_700_000_000.002))
        for id in [earlier, later] {
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "7")
            #expect("89ab".contains(characters[19]))
        }
        #expect(earlier.hasPrefix("018bcfe5-6800-7"))
        #expect(earlier < later)
        #expect(Set((0..<1000).map { _ in Identifier.make() }).count == 1000)
    }
}
