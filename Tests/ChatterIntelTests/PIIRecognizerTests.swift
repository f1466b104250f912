import Foundation
import Testing

@testable import ChatterIntel

extension PIITests {
    /// Each recognizer with values that must be found (with the exact span) and look-alikes that must not.
    @Suite struct Recognizers {
        let base = PIITests()

        func expectFound(_ type: PIIType, _ value: String, in template: String = "here: %@ ok", sourceLocation: SourceLocation = #_sourceLocation) {
            let text = template.replacingOccurrences(of: "%@", with: value)
            let found = base.single(text, sourceLocation: sourceLocation)
            #expect(found?.0 == type && found?.1 == value, "\(text)", sourceLocation: sourceLocation)
        }

        func expectNone(_ type: PIIType, in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let result = base.detector.analyze(text)
            #expect(!result.entities.contains { $0.type == type }, "\(text) → \(base.describe(result, in: text))", sourceLocation: sourceLocation)
        }

        @Test func emails() {
            for email in ["jane.doe@example.com", "J.O'Neil+support@mail.example.co.uk", "x_1@sub-domain.io"] {
                expectFound(.email, email, in: "contact %@.")
            }
            expectNone(.email, in: "write to jane@localhost or @handle or jane@example.c or a@b")
        }

        @Test func phones() {
            let phones = [
                "+1 (415) 555-0132", "415.555.0132", "(415) 555-0132", "1-800-555-0199", "+44 20 7946 0958", "+44 (0)20 7946 0958",
                "+49 30 901820", "0049 30 901820", "0044 20 7946 0958", "020 7946 0958", "+33 1 23 45 67 89", "+14155550132",
                "+91 98765 43210", "+81 3-1234-5678",
            ]
            for phone in phones { expectFound(.phone, phone, in: "call me at %@ please") }
            expectFound(.phone, "4155550132", in: "my cell is %@")
            expectFound(.phone, "555-0132", in: "phone: %@")
            // Invalid NANP area code, wrong length for the country code, a date, a price, a bare number without context.
            for text in ["call (115) 555-0132", "call +44 20 7946 09", "on 2024-03-14", "it cost 1,299.99", "order 4155550132 shipped"] {
                expectNone(.phone, in: text)
            }
        }

        @Test func paymentCards() {
            let cards = [
                "4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "3782 822463 10005", "6011 1111 1111 1117", "2223 0031 2200 3222",
            ]
            for card in cards { expectFound(.paymentCard, card, in: "my card is %@ thanks") }
            #expect(base.detector.analyze("visa 4111 1111 1111 1111").entities.first?.redactedPreview == "****1111")
            for text in ["card 4111 1111 1111 1112", "card 5555 5555 5555 4445", "tracking 9400 1111 1111 1111 1111 11"] {
                expectNone(.paymentCard, in: text)
            }
        }

        @Test func ibans() {
            for iban in [
                "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00",
                "no9386011117947",
            ] {
                expectFound(.iban, iban, in: "refund to %@, thanks")
            }
            for text in ["IBAN DE88 3704 0044 0532 0130 00", "IBAN GB82 WEST 1234 5698 7654 3", "code DE89370400440532013000X"] {
                expectNone(.iban, in: text)
            }
        }

        @Test func ssns() {
            expectFound(.ssn, "123-45-6788", in: "it's %@")
            expectFound(.ssn, "123 45 6788", in: "my SSN is %@")
            expectFound(.ssn, "123456788", in: "social security number %@")
            // Area 000, 666 and 9xx, group 00, serial 0000, a voided number; bare digits without context.
            for text in [
                "ssn 000-12-3456", "ssn 666-12-3456", "ssn 912-12-3456", "ssn 123-00-4567", "ssn 123-45-0000", "ssn 078-05-1120", "ref 123456788",
            ] {
                expectNone(.ssn, in: text)
            }
        }

        @Test func ipAddresses() {
            for ip in [
                "203.0.113.42", "10.0.0.1", "2001:db8:85a3::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1",
                "::ffff:192.0.2.128",
            ] {
                expectFound(.ipAddress, ip, in: "my IP is %@.")
            }
            expectFound(.ipAddress, "192.168.1.20", in: "blocked %@:8080 again")
            for text in ["version 1.2.3.4", "ip 256.1.1.1", "ip 01.2.3.4", "at 10:30:45", "mac 00:1A:2B:3C:4D:5E", "ip 1.2.3.4.5", "build 10.2.0.1"] {
                expectNone(.ipAddress, in: text)
            }
        }

        @Test func urls() {
            for url in ["https://acme.example.com/reset?token=a1b2", "http://192.168.0.1/admin", "www.example.org/help", "acme.io/orders/77"] {
                expectFound(.url, url, in: "open %@.")
            }
            expectFound(.url, "https://en.wikipedia.org/wiki/Foo_(bar)", in: "(see %@)")
            for text in ["the file report.pdf", "use config.json", "e.g. this", "node.js rocks", "version 1.2.3"] { expectNone(.url, in: text) }
        }

        @Test func cryptoWallets() {
            let wallets = [
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
                "0x52908400098527886E0F7030069857D2E4169EE7", "0xde709f2102306220921060314715629080e2fb77",
            ]
            for wallet in wallets { expectFound(.cryptoWallet, wallet, in: "send it to %@ please") }
            let broken = [
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  // checksum
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  // checksum
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  // EIP-55 case flipped
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed5aaeb6053f3e94c9b9a09f33",  // a 32-byte hash, not an address
            ]
            for wallet in broken { expectNone(.cryptoWallet, in: "wallet \(wallet)") }
        }

        @Test func datesOfBirthNeedBirthContext() {
            let dates = ["03/14/1985", "14.03.1985", "1985-03-14", "March 14, 1985", "14th of March 1985", "Mar. 14 1985", "3/14/85"]
            for date in dates { expectFound(.dateOfBirth, date, in: "I was born on %@.") }
            expectFound(.dateOfBirth, "29/02/1988", in: "DOB: %@")
            for text in ["delivered on 03/14/2024", "appointment March 3, 2025", "born 02/30/1985", "since 1985-13-01", "on 14 March 1985"] {
                expectNone(.dateOfBirth, in: text)
            }
            let sameDay = ["born 03/14/1985", "birthday: March 14, 1985", "DOB 1985-03-14"].map {
                base.detector.analyze($0).entities.first?.valueHash
            }
            #expect(Set(sameDay).count == 1 && sameDay[0] != nil)
        }
    }
}

extension PIITests {
    /// Ways people write values that the plain recognizers would miss.
    @Suite struct Variants {
        let base = PIITests()

        @Test func spelledOutEmails() {
            for (text, email) in [
                ("mail jane.doe [at] gmail [dot] com thanks", "jane.doe [at] gmail [dot] com"),
                ("write to jane(at)example.org.", "jane(at)example.org"),
                ("it's priya dot patel at outlook dot com (no spam)", "priya dot patel at outlook dot com"),
            ] {
                let found = base.single(text)
                #expect(found?.0 == .email && found?.1 == email, "\(text)")
            }
            let spelled = base.detector.analyze("priya dot patel at outlook dot com").entities.first?.valueHash
            #expect(spelled != nil && spelled == base.detector.analyze("priya.patel@outlook.com").entities.first?.valueHash)
            // Plain words need a spelled-out dot, a known top-level domain and letters in every label.
            for text in ["look at example.com", "we met at noon", "I'll be there at 5 dot com"] {
                #expect(!base.types(text).contains(.email), "\(text)")
            }
        }

        @Test func phoneExtensionsAndParenthesizedCountryCodes() {
            #expect(base.single("call +1 415 555 0100 x204 today")?.1 == "+1 415 555 0100 x204")
            #expect(base.single("call 415-555-0100x12")?.1 == "415-555-0100x12")
            #expect(base.single("Tel. +1 561-316-7883 ext. 616, thanks")?.1 == "+1 561-316-7883 ext. 616")
            #expect(base.single("phone: (+44) 20 7946 0958")?.1 == "(+44) 20 7946 0958")
            #expect(base.single("(+447700900077) is my mobile")?.1 == "+447700900077")
            #expect(base.single("meine Nummer: 0151 23456789")?.1 == "0151 23456789")
        }

        @Test func contextWordsInOtherLanguages() {
            #expect(base.types("Telefon: 030 901820") == [.phone])
            #expect(base.types("mi teléfono es 4155550132") == [.phone])
            #expect(base.types("geboren am 14.03.1985") == [.dateOfBirth])
            #expect(base.types("né le 14/03/1985") == [.dateOfBirth])
            #expect(base.types("fecha de nacimiento: 1985-03-14") == [.dateOfBirth])
        }

        @Test func contextIsReadWithinTheSentence() {
            // "order" labels the first number, not the phone in the next sentence.
            #expect(base.types("Order 4829105738 never arrived. 415-555-0132 is my cell") == [.phone])
            // A birth word after a date counts; a negative word after it does not.
            #expect(base.types("14/03/1985 is my date of birth") == [.dateOfBirth])
            #expect(base.types("here it is 123-45-6788 tracking 1Z999AA10123456784 shows nothing") == [.ssn])
        }
    }
}
