import ChatterCore
import Foundation
import Testing

/// The Foundation-free trim gives what Foundation's `.whitespacesAndNewlines` trim gives.
@Suite struct StringWhiteSpaceTests {
    static let samples = [
        "", " ", "\t\n\r ", "key", " key", "key ", "\tchk_abc\r\n", "a b", " a b ", "\u{00A0}nbsp\u{00A0}", "\u{3000}全角\u{3000}",
        "\u{2028}line\u{2029}", "é\u{301} ", " 👩‍👩‍👧 ", "openai/gpt-4o ", "\u{85}next line",
    ]

    @Test(arguments: samples)
    func trimsAsFoundationDoes(text: String) {
        #expect(text.trimmingWhiteSpace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text.isBlank == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(Substring(text).trimmingWhiteSpace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
