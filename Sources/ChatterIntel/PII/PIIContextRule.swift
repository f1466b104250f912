/// A word (or stem, written with a trailing `*`) that makes a nearby candidate more or less likely to be what
/// its shape suggests: "call me" before a number makes it a phone, "order" makes it an order number. Keywords are
/// lowercase and may contain Latin-1 letters ("teléfono", "né").
struct PIIContextKeyword: Sendable {
    let units: [UInt16]
    let isStem: Bool
    let isPositive: Bool

    init(_ word: String, positive: Bool) {
        isStem = word.hasSuffix("*")
        units = Array((isStem ? String(word.dropLast()) : word).utf16)
        isPositive = positive
    }

    /// Whether the keyword is at `index` as a whole word (as a word prefix for stems), ignoring case.
    func matches(_ text: PIIText, at index: Int) -> Bool {
        guard index + units.count <= text.count, !text[index - 1].isWordUnit else { return false }
        for offset in 0..<units.count where Self.lowercased(text.utf16[index + offset]) != units[offset] {
            return false
        }
        return isStem || !text[index + units.count].isWordUnit
    }

    private static func lowercased(_ unit: UInt16) -> UInt16 {
        (0x41...0x5A).contains(unit) || ((0xC0...0xDE).contains(unit) && unit != 0xD7) ? unit + 0x20 : unit
    }
}

/// How context moves a type's confidence, read within the candidate's sentence:
/// - labels come before values ("phone: …", "order #…"), so the nearest keyword before the candidate decides;
/// - negative words are labels attached to their value: they count only within `negativeReach`, and not across a
///   comma or another number ("card expires 8/31, 12 Dec 1987 is my date of birth", "zip 94105 and 415-555-0132");
/// - a positive keyword after the value counts when nothing before does; stated as a predicate ("… is my cell",
///   "… (mobile)", "… is my date of birth") it also overrides a negative label before the value.
struct PIIContextRule: Sendable {
    static let lookBehind = 56
    static let lookAhead = 24
    static let negativeReach = 16

    let keywords: [PIIContextKeyword]
    let boost: Double
    let penalty: Double

    init(positive: [String], negative: [String] = [], boost: Double, penalty: Double = 0) {
        keywords = positive.map { PIIContextKeyword($0, positive: true) } + negative.map { PIIContextKeyword($0, positive: false) }
        self.boost = boost
        self.penalty = penalty
    }

    func adjusted(_ confidence: Double, for range: Range<Int>, in text: PIIText) -> Double {
        guard let deciding = decidingKeyword(around: range, in: text) else { return confidence }
        let adjusted = deciding.isPositive ? confidence + boost : confidence - penalty
        return min(1, max(0, adjusted))
    }

    func decidingKeyword(around range: Range<Int>, in text: PIIText) -> PIIContextKeyword? {
        let before = nearestKeyword(before: range.lowerBound, in: text)
        if before?.isPositive == true { return before }
        guard let after = positiveKeyword(after: range.upperBound, in: text) else { return before }
        return before == nil || Self.isPredicate(range.upperBound..<after.start, in: text) ? after.keyword : before
    }

    private static let predicateWords: Set<String> = ["is", "are", "my", "the", "our", "his", "her"]

    /// Whether the text between a value and a keyword after it only links them: ` is my `, ` (`, ` - `, ` = `.
    private static func isPredicate(_ gap: Range<Int>, in text: PIIText) -> Bool {
        var index = gap.lowerBound
        while index < gap.upperBound {
            let unit = text[index]
            if unit == 0x20 || unit == 0x28 || unit == 0x2D || unit == 0x3D || unit == 0x3A {
                index += 1
            } else if unit.isASCIILetter {
                var end = index
                while end < gap.upperBound && text[end].isASCIILetter { end += 1 }
                guard predicateWords.contains(text.slice(index..<end).lowercased()) else { return false }
                index = end
            } else {
                return false
            }
        }
        return true
    }

    /// The closest keyword ending before `start` in the same sentence; on a tie the longer, more specific one
    /// ("order number" over "number").
    private func nearestKeyword(before start: Int, in text: PIIText) -> PIIContextKeyword? {
        var best: (keyword: PIIContextKeyword, distance: Int)?
        var crossedValue = false
        var index = start - 1
        while index >= max(0, start - Self.lookBehind) && !Self.endsSentence(at: index, in: text) {
            if text[index] == 0x2C || text[index].isDigit { crossedValue = true }
            if text[index].isASCIILetter && !text[index - 1].isWordUnit {
                for keyword in keywords where index + keyword.units.count <= start && keyword.matches(text, at: index) {
                    let distance = start - index - keyword.units.count
                    if !keyword.isPositive && (distance > Self.negativeReach || crossedValue) { continue }
                    if let current = best,
                        current.distance < distance || (current.distance == distance && current.keyword.units.count >= keyword.units.count)
                    {
                        continue
                    }
                    best = (keyword, distance)
                }
            }
            index -= 1
        }
        return best?.keyword
    }

    private func positiveKeyword(after end: Int, in text: PIIText) -> (keyword: PIIContextKeyword, start: Int)? {
        var index = end
        while index < min(text.count, end + Self.lookAhead) && !Self.endsSentence(at: index, in: text) {
            if text[index].isASCIILetter, let keyword = keywords.first(where: { $0.isPositive && $0.matches(text, at: index) }) {
                return (keyword, index)
            }
            index += 1
        }
        return nil
    }

    /// Line breaks, `!`, `?`, `;`, an ellipsis, and a full stop after a number or a word of four or more letters
    /// (so abbreviations such as "Tel." and "D.O.B." stay attached to what follows them).
    static func endsSentence(at index: Int, in text: PIIText) -> Bool {
        switch text[index] {
        case 0x0A, 0x21, 0x3F, 0x3B: return true
        case 0x2E:
            guard text[index + 1] == 0x20 || text[index + 1] == 0x0A || text[index - 1] == 0x2E else { return false }
            if text[index - 1].isDigit || text[index - 1] == 0x29 || text[index - 1] == 0x2E { return true }
            var letters = 0
            while letters < 4 && text[index - 1 - letters].isLetter { letters += 1 }
            return letters >= 4
        default: return text.utf16[index] == 0x2026
        }
    }
}

extension PIIContextRule {
    static func rule(for type: PIIType) -> PIIContextRule {
        switch type {
        case .email: email
        case .phone: phone
        case .paymentCard: paymentCard
        case .iban: iban
        case .ssn: ssn
        case .ipAddress: ipAddress
        case .url: url
        case .cryptoWallet: cryptoWallet
        case .dateOfBirth: dateOfBirth
        }
    }

    /// Words that name some other number, shared by the numeric types.
    private static let otherNumbers = [
        "order*", "invoice*", "tracking", "track*", "ticket*", "ref", "reference", "case", "confirmation", "sku", "serial",
        "model", "part", "po", "receipt", "transaction*", "isbn", "zip", "postcode", "version", "build", "item*",
        "order number", "case number", "ticket number", "tracking number", "account number", "reference number", "id", "member*",
        "customer*", "s/n", "imei", "iban", "bank*",
    ]

    static let email = PIIContextRule(positive: ["email*", "e-mail*", "mail*", "contact*", "address", "correo", "courriel"], boost: 0.05)

    static let phone = PIIContextRule(
        positive: [
            "phone*", "call*", "tel", "telephone", "mobile", "cell*", "number", "reach*", "text me", "txt", "whatsapp",
            "fax", "ring", "dial*", "sms", "landline", "ph", "mob", "contact*", "hotline", "line", "extension", "ext",
            "i'm on", "i am on", "im on", "nummer", "telefon*", "telefono", "teléfono", "tél", "numéro", "numero", "handy*", "móvil", "movil",
            "portable", "anruf*", "ruf*", "appel*", "llám*", "llam*",
        ],
        negative: otherNumbers + [
            "nhs", "patient", "account", "pin", "code", "ssn", "social security", "social security number", "security number",
        ],
        boost: 0.3,
        penalty: 0.3
    )

    static let paymentCard = PIIContextRule(
        positive: [
            "card*", "visa", "mastercard", "master card", "amex", "american express", "discover", "credit", "debit", "cc",
            "payment*", "pan", "charged", "paid", "pay", "karte*", "kreditkarte*", "carte", "tarjeta",
        ],
        negative: ["order*", "tracking", "track*", "invoice*", "shipment", "parcel", "isbn", "serial", "s/n", "model", "imei", "sku"],
        boost: 0.15,
        penalty: 0.3
    )

    static let iban = PIIContextRule(
        positive: ["iban", "bank*", "account*", "transfer*", "wire", "sepa", "bic", "swift", "refund*", "konto*", "compte", "cuenta", "virement"],
        boost: 0.05
    )

    static let ssn = PIIContextRule(
        positive: ["ssn", "ss#", "ss #", "social security", "social", "soc sec", "tax id", "taxpayer", "itin"],
        negative: otherNumbers + ["routing"],
        boost: 0.4,
        penalty: 0.3
    )

    static let ipAddress = PIIContextRule(
        positive: [
            "ip", "ips", "ipv4", "ipv6", "address", "server*", "host*", "connect*", "ping*", "subnet", "gateway", "dns",
            "router", "vpn", "firewall", "proxy", "whitelist*", "allowlist*", "blocked", "login*", "from",
        ],
        negative: ["version", "ver", "build", "release*", "firmware", "update*", "upgrade*", "sdk", "app", "patch", "v"],
        boost: 0.1,
        penalty: 0.45
    )

    static let url = PIIContextRule(
        positive: ["url", "link*", "website", "site", "visit*", "go to", "page", "portal", "open*", "click*", "browse*"],
        negative: ["file*", "attach*", "version", "named", "script", "module", "package"],
        boost: 0.2,
        penalty: 0.2
    )

    static let cryptoWallet = PIIContextRule(
        positive: [
            "wallet*", "btc", "bitcoin", "eth", "ether", "ethereum", "crypto", "address", "usdt", "usdc", "send*", "deposit*",
            "withdraw*", "coin*",
        ],
        boost: 0.05
    )

    static let dateOfBirth = PIIContextRule(
        positive: [
            "born", "dob", "d.o.b", "date of birth", "birth*", "bday", "b-day", "birthdate", "geboren", "geburts*", "né", "née",
            "naissance", "nacimiento", "nacido", "nacida", "cumpleaños", "anniversaire",
        ],
        negative: [
            "order*", "deliver*", "ship*", "appointment", "invoice*", "expir*", "exp", "due", "since", "until", "booked",
            "charged", "paid", "renew*", "cancel*", "schedul*", "today", "yesterday", "signed", "joined", "purchase*",
        ],
        boost: 0.6,
        penalty: 0.1
    )
}
