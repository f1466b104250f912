import ChatterIntel
import Foundation

/// A gold entity: its type, its UTF-16 range in the message, and the raw value (to check redaction).
struct GoldSpan {
    var type: PIIType
    var range: Range<Int>
    var raw: String
}

/// Something that looks like PII and is not; the detector must leave it alone.
struct HardNegative {
    var kind: String
    var range: Range<Int>
}

struct LabelledMessage {
    var text = ""
    var gold: [GoldSpan] = []
    var negatives: [HardNegative] = []

    mutating func append(_ fragment: String) {
        text += fragment
    }

    /// Appends a template whose `{}` is the value; the value is recorded as gold or as a hard negative.
    mutating func append(_ template: String, value: String, gold type: PIIType? = nil, negative kind: String? = nil) {
        let parts = template.components(separatedBy: "{}")
        text += parts[0]
        let start = text.utf16.count
        text += value
        let range = start..<text.utf16.count
        if let type { gold.append(GoldSpan(type: type, range: range, raw: value)) }
        if let kind { negatives.append(HardNegative(kind: kind, range: range)) }
        text += parts.dropFirst().joined(separator: "{}")
    }
}

/// Support-chat messages: a greeting, one to three sentences mixing PII in context, PII without context, hard
/// negatives and filler, and a sign-off, with emoji, accents and varied punctuation.
struct ChatMessageGenerator {
    var values: SampleValues
    var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        values = SampleValues(random: SplitMix64(seed: seed ^ 0x5EED))
    }

    mutating func dataset(count: Int) -> [LabelledMessage] {
        (0..<count).map { _ in message() }
    }

    mutating func message() -> LabelledMessage {
        var message = LabelledMessage()
        if random.chance(0.6) { message.append(random.pick(Self.greetings) + " ") }
        let sentences = random.int(1...3)
        for index in 0..<sentences {
            // Clauses end in punctuation or a line break; nobody writes two numbers side by side with one space.
            if index > 0 { message.append(random.pick([". ", ", ", "\n", " … ", "! ", "; ", " and "])) }
            switch random.int(0...9) {
            case 0...5: appendEntity(to: &message)
            case 6...8: appendNegative(to: &message)
            default: message.append(random.pick(Self.fillers))
            }
        }
        if random.chance(0.7) { message.append(" " + random.pick(Self.fillers)) }
        if random.chance(0.3) { message.append(" " + random.pick(Self.fillers)) }
        if random.chance(0.4) { message.append(random.pick(Self.signOffs)) }
        return message
    }

    private mutating func appendEntity(to message: inout LabelledMessage) {
        let type = random.pick(PIIType.allCases + [.phone, .phone, .email, .paymentCard])
        let (templates, value): ([String], String) =
            switch type {
            case .email: (Self.emailTemplates, values.email())
            case .phone: (Self.phoneTemplates, values.phone())
            case .paymentCard: (Self.cardTemplates, values.card())
            case .iban: (Self.ibanTemplates, values.iban())
            case .ssn: ssnTemplatesAndValue()
            case .ipAddress: (Self.ipTemplates, random.chance(0.7) ? values.ipv4() : values.ipv6())
            case .url: (Self.urlTemplates, values.url())
            case .cryptoWallet: (Self.walletTemplates, values.wallet())
            case .dateOfBirth: (Self.birthTemplates, values.date(years: 1940...2006))
            }
        // One clause in six is written the way the detector has the least to go on: no context word, or one in
        // German, French or Spanish, or an email spelled out to dodge scrapers. Without context only values that are
        // PII on their face are gold: a date is a date of birth, and nine digits an SSN, only when the text says so,
        // and a bare 10-digit number is as likely an order number as a phone.
        if random.chance(1.0 / 6) {
            let standsAlone = type != .dateOfBirth && (type != .ssn || value.contains("-")) && (type != .phone || Self.looksLikePhone(value))
            let wild = (standsAlone ? Self.contextFree : []) + (Self.foreignTemplates[type] ?? [])
            guard !wild.isEmpty else {
                message.append(noisy(random.pick(templates)), value: value, gold: type)
                return
            }
            let wildValue = type == .email && random.chance(0.5) ? values.obfuscatedEmail() : value
            message.append(random.pick(wild), value: wildValue, gold: type)
        } else {
            message.append(noisy(random.pick(templates)), value: value, gold: type)
        }
    }

    /// People type carelessly: shouting, no space after a colon, doubled spaces, a lowercase sentence start.
    private mutating func noisy(_ template: String) -> String {
        switch random.int(0...19) {
        case 0: return template.uppercased()
        case 1: return template.replacingOccurrences(of: ": {}", with: ":{}")
        case 2: return template.replacingOccurrences(of: " {}", with: "  {}")
        case 3: return template.lowercased()
        case 4: return template.replacingOccurrences(of: "{}", with: "{},")
        default: return template
        }
    }

    /// Dashed SSNs stand on their own; spaced and bare ones are written next to the word SSN.
    private mutating func ssnTemplatesAndValue() -> ([String], String) {
        let separator = random.pick(["-", "-", " ", ""])
        return (separator == "-" ? Self.ssnTemplates + Self.dashedSSNTemplates : Self.ssnTemplates, values.ssn(separator: separator))
    }

    static let greetings = [
        "Hi,", "Hello team,", "hey", "Good morning!", "Hi there 👋", "Bonjour,", "Hallo zusammen,", "Dear support,", "Hi again —", "Olá!",
    ]
    static let fillers = [
        "I've been waiting for two weeks.", "This is really frustrating 😤", "Thanks in advance!", "Can someone look into this asap?",
        "The app keeps crashing when I log in.", "I already restarted twice.", "Grüße aus München.", "Please advise 🙏", "no rush :)",
        "Is this a known issue?", "My colleague had the same problem last month.", "I can't find the button anywhere!!",
        "I updated the app this morning and now nothing loads, not even the settings page.", "pls fix",
        "Your chatbot told me to contact a human, so here I am.", "I've been a customer for 6 years and never had this.",
        "It worked fine on Tuesday; since Wednesday I get a blank screen.", "Attached two screenshots (1 of 2).",
    ]
    static let signOffs = [" Thanks, Jane", "\nCheers", " — sent from my iPhone", "\nBest regards,\nMarco", " ty!", " Merci d'avance."]

    /// International, parenthesized or formatted with two separators or more, and not a 7-digit local number.
    static func looksLikePhone(_ value: String) -> Bool {
        let digits = value.filter(\.isNumber).count
        let separators = value.filter { " -.".contains($0) }.count
        return digits >= 9 && (value.contains("+") || value.contains("(") || separators >= 2)
    }

    static let contextFree = ["{}", "👉 {}", "{} ← that one", "- {}", "is it {}?", "pls use {}", "({})", "\"{}\""]
    static let foreignTemplates: [PIIType: [String]] = [
        .phone: [
            "Telefon: {}", "meine Handynummer ist {}", "mon numéro : {}", "mi teléfono es {}", "rufen Sie mich an unter {}", "appelez-moi au {}",
        ],
        .paymentCard: ["meine Kreditkarte {}", "ma carte {}", "mi tarjeta {}"],
        .iban: ["Konto: {}", "mon compte {}", "cuenta {}"],
        .dateOfBirth: ["geboren am {}", "né le {}", "fecha de nacimiento: {}", "Geburtsdatum {}", "date de naissance : {}"],
        .email: ["correo: {}", "meine E-Mail: {}", "courriel : {}"],
    ]

    static let emailTemplates = [
        "you can email me at {}.", "my email is {}", "please reply to {} instead", "{} is the address on the account.", "contact: {}",
        "I signed up with {} last year", "cc {} on this, please", "Login: {} / can't reset", "(my e-mail: {})",
    ]
    static let phoneTemplates = [
        "you can reach me at {}.", "call me on {} after 5pm", "my number is {}", "phone: {}", "Tel. {}", "mobile {} (whatsapp too)",
        "text me at {} if that's easier", "{} is my cell.", "or ring {}, thx", "best number to call: {}", "I'm on {} most days",
        "backup contact {}", "Please phone {}!", "my new phone number is {} — please update it",
    ]
    static let cardTemplates = [
        "my visa is {}", "card number {}", "I was charged twice on {}.", "I paid with {} yesterday", "CC: {}", "the amex {} was declined",
        "{} (mastercard) got charged", "payment card {}, exp 09/27", "the number on my debit card is {}", "used {} for the order",
    ]
    static let ibanTemplates = [
        "IBAN: {}", "please refund to {}", "my bank account is {}", "wire it to {} thanks", "account {} (Sparkasse)", "transfer to IBAN {}.",
        "{} is my IBAN",
    ]
    static let ssnTemplates = ["SSN {}", "my social security number is {}", "SSN#: {}", "social sec {} for the tax form", "my ssn: {}"]
    static let dashedSSNTemplates = ["for verification: {}", "here it is {}", "the number they asked for is {}"]
    static let ipTemplates = [
        "my IP is {}.", "I'm connecting from {}", "server {} keeps timing out", "ping {} fails", "the router at {} rejects me",
        "blocked IP {} — why?", "whitelist {} please", "login attempt from {}",
    ]
    static let urlTemplates = [
        "see {}", "the page {} shows an error", "I tried {} but it 404s", "link: {}", "go to {} and click reset", "({})",
        "this one {} doesn't load.", "I bookmarked {}",
    ]
    static let walletTemplates = [
        "my BTC wallet is {}", "send it to {}", "ETH address {}", "deposit address: {}", "withdrawal to {} never arrived",
        "wallet {} (ledger)", "I sent 0.5 to {} yesterday",
    ]
    static let birthTemplates = [
        "I was born on {}.", "DOB: {}", "date of birth {}", "my birthday is {}", "born {}", "D.O.B. {}", "{} is my date of birth",
        "birth date: {}",
    ]
}
