/// Look-alikes that must not be reported: numbers with other meanings, dates without birth context, and values
/// that fail their checksum.
extension ChatMessageGenerator {
    mutating func appendNegative(to message: inout LabelledMessage) {
        let (kind, templates, value) = hardNegative()
        message.append(random.pick(templates), value: value, negative: kind)
    }

    private mutating func hardNegative() -> (kind: String, templates: [String], value: String) {
        switch random.int(0...19) {
        case 0:
            return ("order number", ["Order #{} never arrived.", "my order number is {} btw", "Re: order {}"], random.digits(random.int(8...10)))
        case 1:
            return ("tracking number", ["tracking {} shows nothing", "UPS says {}"], "1Z" + random.hex(6).uppercased() + random.digits(10))
        case 2:
            let usps = SampleValues.grouped("9400" + random.digits(18), [4, 4, 4, 4, 4, 2], separator: " ")
            return ("tracking number", ["USPS tracking: {}", "the label reads {}"], usps)
        case 3:
            let price = random.pick(["$1,299.99", "€49.90", "£12.50", "USD 2,450.00", "$19.99"])
            return ("price", ["I paid {} for this", "refund {} please", "it was {} incl. VAT"], price)
        case 4:
            let version = "\(random.int(1...12)).\(random.int(0...20)).\(random.int(0...9)).\(random.int(0...99))"
            return ("version", ["updated to version {} and it broke", "firmware {} is installed", "running build {}"], version)
        case 5:
            return ("NHS number", ["my NHS number is {}", "NHS no. {}", "(NHS {})"], values.nhsNumber())
        case 6:
            return ("invalid-Luhn card", ["the card {} is declined", "card no {} fails"], values.card(valid: false))
        case 7:
            let templates = ["it was delivered on {}", "my appointment is on {}", "invoice dated {}", "ordered {} and still waiting"]
            return ("date without birth context", templates, values.date(years: 2019...2026))
        case 8:
            return ("time", ["see you at {}", "call at {} tomorrow"], "\(random.int(1...12)):\(random.pick(["00", "15", "30", "45"]))")
        case 9:
            return ("ticket/case id", ["ticket #{}", "case {} is still open", "invoice INV-2024-{}"], random.digits(random.int(5...8)))
        case 10:
            return ("transaction hash", ["tx {} is pending", "transaction hash {}"], "0x" + random.hex(64))
        case 11:
            return ("bad-checksum wallet", ["my wallet {} shows 0", "sent to {} but"], values.brokenWallet())
        case 12:
            return ("bad-checksum IBAN", ["IBAN {} is rejected", "bank said {} is wrong"], values.iban(valid: false))
        case 13:
            let ssn = random.pick(["000", "666", "9\(random.digits(2))"]) + "-\(random.int(10...99))-\(random.int(1000...9999))"
            return ("invalid SSN", ["SSN {} doesn't work", "is {} a valid SSN?"], ssn)
        case 14:
            let file = random.pick(["report.pdf", "invoice_2024.xlsx", "config.json", "screenshot.png", "notes.txt"])
            return ("file name", ["I attached {}", "see {} for details"], file)
        case 15:
            return ("account/member id", ["member ID {}", "account {}", "customer no. {}", "zip {}"], random.digits(random.pick([5, 7, 9])))
        case 16:
            let isbn = "978-\(random.int(0...9))-\(random.digits(2))-\(random.digits(6))-\(random.int(0...9))"
            return ("ISBN", ["ISBN {}", "the book (ISBN {}) is missing"], isbn)
        case 17:
            let serial = SampleValues.grouped(random.digits(12), [4, 4, 4], separator: random.pick([" ", "-"]))
            return ("serial number", ["serial no. {}", "S/N {} on the back", "model {} v2"], serial)
        case 18:
            return ("error code", ["error code {}", "it says {} and quits"], "0x8007" + random.hex(4).uppercased())
        default:
            return ("expiry date", ["card expires {}", "valid thru {}", "expiry {}"], "\(random.int(1...12))/\(random.int(25...31))")
        }
    }
}
