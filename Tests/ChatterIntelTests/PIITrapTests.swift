import Testing

@testable import ChatterIntel

extension PIITests {
    /// Known false positives of naive recognizers.
    @Suite struct Traps {
        let base = PIITests()

        @Test func nhsNumberIsNotAPhone() {
            #expect(base.types("My NHS number is 943 476 5919").isEmpty)
            #expect(base.types("NHS no. 9434765919, please check").isEmpty)
            // The same digits without the health-service context are a valid NANP number.
            #expect(base.types("call me on 943 476 5919") == [.phone])
        }

        @Test func emailDomainIsNotAURL() {
            let result = base.detector.analyze("reach me at support@acme.io or www.acme.io")
            #expect(result.entities.map(\.type) == [.email, .url])
            #expect(result.redactedText == "reach me at [EMAIL] or [URL]")
        }

        @Test func cardIsNotAlsoAPhone() {
            #expect(base.types("call about card 4111-1111-1111-1111") == [.paymentCard])
            #expect(base.types("phone 3782 822463 10005") == [.paymentCard])
        }

        @Test func numbersInsideLargerEntitiesGoWithThem() {
            #expect(base.types("IBAN GB82 WEST 1234 5698 7654 32") == [.iban])
            #expect(base.types("see http://203.0.113.9/status") == [.url])
            #expect(base.types("mapped ::ffff:192.0.2.128 here") == [.ipAddress])
        }

        @Test func bareNineDigitsAreNotAnSSN() {
            #expect(base.types("order 123456788").isEmpty)
            #expect(base.types("ssn: 123456788") == [.ssn])
        }

        @Test func otherNumbersStayUnredacted() {
            let text = "Order #4829105738, tracking 1Z999AA10123456784, invoice INV-2024-00123, $1,299.99, v1.2.3.4, 10:30, zip 94105."
            #expect(base.detector.analyze(text).entities.isEmpty, "\(base.describe(base.detector.analyze(text), in: text))")
        }

        @Test func versionNumbersAreNotIPs() {
            #expect(base.types("upgraded to version 10.2.14.1 yesterday").isEmpty)
            #expect(base.types("firmware 4.1.0.2").isEmpty)
            #expect(base.types("our server 10.2.14.1 is down") == [.ipAddress])
        }
    }
}

extension PIITests.Traps {
    @Test func digitsOfAMistypedIBANAreNotAPhone() {
        // Fails MOD 97, so it is no IBAN; its groups are not a trunk-prefixed phone number either.
        #expect(base.types("bank said NL94 GRTF 0195 2619 33 is wrong").isEmpty)
    }

    @Test func serialAndTrackingNumbersAreNotCards() {
        #expect(base.types("S/N 5044-0160-4666 on the back").isEmpty)
        #expect(base.types("the label reads 9400 9443 7968 0569 9194 35").isEmpty)
    }

    @Test func ssnShapedNumbersAreNotPhones() {
        #expect(base.types("my social security number is 066 71 8449") == [.ssn])
    }
}

extension PIITests.Traps {
    @Test func theNHSLabelBelongsToTheNumberRightAfterIt() {
        // 263-369-9200 happens to pass the NHS checksum; "NHS" labels the first number only.
        #expect(base.types("NHS no. 692 911 2860 and backup contact 263-369-9200") == [.phone])
    }
}

extension PIITests.Traps {
    @Test func groupsOfASpacedCodeAreNotAPhone() {
        #expect(base.types("Tracking 1Z 999 AA1 01 2345 6784 — UPS says delivered").isEmpty)
    }
}
