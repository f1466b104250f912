import Foundation
import Testing

@testable import ChatterIntel

@Suite struct PIITests {
    let detector = PIIDetector()

    /// The one entity found in `text`, with the text it covers.
    func single(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (PIIType, String)? {
        let result = detector.analyze(text)
        #expect(result.entities.count == 1, "\(text) → \(describe(result, in: text))", sourceLocation: sourceLocation)
        guard let entity = result.entities.first, let range = entity.stringRange(in: text) else { return nil }
        return (entity.type, String(text[range]))
    }

    func describe(_ result: PIIResult, in text: String) -> String {
        result.entities.map { entity in
            "\(entity.type.rawValue)(\(entity.stringRange(in: text).map { String(text[$0]) } ?? "?"), \(entity.confidence))"
        }.joined(separator: ", ")
    }

    func types(_ text: String) -> [PIIType] {
        detector.analyze(text).entities.map(\.type)
    }

    @Test func redactionReplacesEachEntityWithItsTypedToken() {
        let text = "I'm jane.doe@example.com, call me on +1 (415) 555-0132; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00."
        let result = detector.analyze(text)
        #expect(result.hasPII)
        #expect(result.redactedText == "I'm [EMAIL], call me on [PHONE]; card [CARD], IBAN [IBAN].")
        #expect(result.entities.map(\.type) == [.email, .phone, .paymentCard, .iban])
    }

    @Test func everyTokenHasItsOwnLabel() {
        let text = """
            SSN 123-45-6788 from 203.0.113.42 via https://acme.example.com/x wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, born 14 March 1985
            """
        #expect(detector.redact(text) == "SSN [SSN] from [IP] via [URL] wallet [CRYPTO], born [DOB]")
    }

    @Test func textWithoutPIIComesBackUnchanged() {
        let text = "Hi! My order #4821 arrived late 😕, version 2.14.0, total $1,299.99 — can you help?"
        let result = detector.analyze(text)
        #expect(!result.hasPII && result.entities.isEmpty && result.redactedText == text)
    }

    @Test func rangesAreUTF16OffsetsAcrossEmojiAndAccents() {
        let text = "Grüße 👋🏽 — mail: müller@example.de"
        let result = detector.analyze(text)
        let entity = try! #require(result.entities.first)
        #expect(entity.range == (text.utf16.count - "müller@example.de".utf16.count)..<text.utf16.count)
        #expect(result.redactedText == "Grüße 👋🏽 — mail: [EMAIL]")
    }

    @Test func encodedResultHoldsNoRawValue() throws {
        let values = [
            "jane.doe@example.com", "+1 (415) 555-0132", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "123-45-6788",
            "203.0.113.42", "https://acme.example.com/reset?token=abc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "14 March 1985",
        ]
        let text =
            "email \(values[0]) phone \(values[1]) card \(values[2]) iban \(values[3]) ssn \(values[4]) ip \(values[5]) "
            + "see \(values[6]) btc \(values[7]) born \(values[8])"
        let result = detector.analyze(text)
        #expect(result.entities.count == values.count, "\(describe(result, in: text))")
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        for value in values {
            #expect(!json.contains(value), "\(value) leaked")
            let digits = value.filter(\.isNumber)
            if digits.count >= 9 { #expect(!json.contains(digits), "\(digits) leaked") }
        }
        #expect(json.contains("****1111"))
    }

    @Test func hashesIdentifyTheValueNotItsSpelling() {
        let a = detector.analyze("call +1 415-555-0132").entities
        let b = detector.analyze("my phone: (415) 555 0132").entities
        #expect(a.count == 1 && b.count == 1 && a.first?.valueHash == b.first?.valueHash)
        let other = PIIDetector(hashKey: PIIHashKey(k0: 1, k1: 2)).analyze("call +1 415-555-0132").entities
        #expect(other.first?.valueHash != a.first?.valueHash)
        #expect(a.first?.valueHash.count == 16)
    }

    @Test func thresholdDecidesWhatCounts() {
        // A bare 10-digit number with no context scores below the default threshold.
        #expect(types("reference 4155550132").isEmpty)
        #expect(PIIDetector(threshold: 0.0).analyze("4155550132").entities.map(\.type) == [.phone])
        #expect(PIIDetector(threshold: 0.99).analyze("+1 (415) 555-0132").entities.isEmpty)
    }
}
