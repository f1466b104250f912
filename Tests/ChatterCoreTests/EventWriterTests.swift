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
}
