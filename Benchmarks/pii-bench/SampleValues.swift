import Foundation

/// Realistic values of each PII type in the many ways people write them. Check digits (Luhn, IBAN, NHS) are
/// computed here independently of the detector, so the benchmark does not grade the engine with its own code.
struct SampleValues {
    var random: SplitMix64

    static let firstNames = ["jane", "john", "maria", "ahmed", "li", "olga", "pierre", "sofia", "kwame", "yuki", "lukas", "priya", "sean", "ana"]
    static let lastNames = ["doe", "smith", "garcia", "khan", "wang", "ivanova", "martin", "rossi", "mensah", "tanaka", "muller", "patel", "obrien"]
    static let emailDomains = [
        "gmail.com", "yahoo.co.uk", "outlook.com", "acme-corp.io", "mail.example.org", "protonmail.ch", "firma.de", "fastmail.fm",
        "hotmail.fr", "company.com.au", "uni-hamburg.de", "icloud.com",
    ]
    static let hostWords = ["acme", "shopfast", "my-portal", "help", "status", "docs", "billing", "tracker", "cloudy", "bookit", "northwind"]
    static let tlds = ["com", "io", "net", "org", "co.uk", "de", "app", "dev", "shop"]

    mutating func email() -> String {
        let first = random.pick(Self.firstNames)
        let last = random.pick(Self.lastNames)
        let domain = random.pick(Self.emailDomains)
        let local: String
        switch random.int(0...5) {
        case 0: local = "\(first).\(last)"
        case 1: local = "\(first.prefix(1))\(last)"
        case 2: local = "\(first)_\(last)\(random.int(1...99))"
        case 3: local = "\(first)+\(random.pick(["support", "shop", "news"]))"
        case 4: local = "\(first.capitalized).\(last.capitalized)"
        default: local = "\(first)\(random.int(1970...2005))"
        }
        return "\(local)@\(random.chance(0.1) ? domain.uppercased() : domain)"
    }

    /// `jane.doe [at] gmail [dot] com`, `jane(at)example.org`, `jane at example dot com`.
    mutating func obfuscatedEmail() -> String {
        let local = "\(random.pick(Self.firstNames)).\(random.pick(Self.lastNames))"
        let domain = random.pick(Self.emailDomains)
        switch random.int(0...2) {
        case 0: return "\(local) [at] \(domain.replacingOccurrences(of: ".", with: " [dot] "))"
        case 1: return "\(local)(at)\(domain)"
        default: return "\(local) at \(domain.replacingOccurrences(of: ".", with: " dot "))"
        }
    }

    mutating func phone() -> String {
        let line = random.digits(4)
        let area = "\(random.int(2...9))\(random.digits(2))"
        let exchange = "\(random.int(2...9))\(random.digits(2))"
        let formats: [String] = [
            "+1 (\(area)) \(exchange)-\(line)", "(\(area)) \(exchange)-\(line)", "\(area)-\(exchange)-\(line)", "\(area).\(exchange).\(line)",
            "+1 \(area) \(exchange) \(line)", "+1-\(area)-\(exchange)-\(line)", "1-\(area)-\(exchange)-\(line)", "\(area) \(exchange) \(line)",
            "+1\(area)\(exchange)\(line)", "(\(area))\(exchange)-\(line)", "+1.\(area).\(exchange).\(line)", "\(area)\(exchange)\(line)",
            "+44 20 \(random.digits(4)) \(random.digits(4))", "+44 (0)20 \(random.digits(4)) \(random.digits(4))",
            "020 \(random.digits(4)) \(random.digits(4))",
            "0044 20 \(random.digits(4)) \(random.digits(4))", "+44 7\(random.digits(3)) \(random.digits(6))",
            "07\(random.digits(3)) \(random.digits(6))",
            "+447\(random.digits(9))", "+49 30 \(random.digits(6))", "+49 (0)30 \(random.digits(4)) \(random.digits(4))",
            "0049 30 \(random.digits(6))",
            "+49 151 \(random.digits(8))", "030/\(random.digits(6))", "+33 1 \(pairs(4))", "01 \(pairs(4))", "+33 6 \(pairs(4))",
            "06.\(pairs(4, separator: "."))", "+61 2 \(random.digits(4)) \(random.digits(4))",
            "+61 4\(random.digits(2)) \(random.digits(3)) \(random.digits(3))",
            "+91 9\(random.digits(4)) \(random.digits(5))", "+81 3-\(random.digits(4))-\(random.digits(4))",
            "+81 90-\(random.digits(4))-\(random.digits(4))",
            "+34 9\(random.digits(2)) \(random.digits(3)) \(random.digits(3))", "+39 06 \(random.digits(4)) \(random.digits(4))",
            "+55 11 9\(random.digits(4))-\(random.digits(4))", "+31 20 \(random.digits(3)) \(random.digits(4))",
            "+41 44 \(random.digits(3)) \(random.digits(2)) \(random.digits(2))", "+52 55 \(random.digits(4)) \(random.digits(4))",
            "+65 \(random.int(6...9))\(random.digits(3)) \(random.digits(4))", "+7 495 \(random.digits(3))-\(random.digits(2))-\(random.digits(2))",
            "+90 212 \(random.digits(3)) \(random.digits(2)) \(random.digits(2))", "+353 1 \(random.digits(3)) \(random.digits(4))",
            "+27 21 \(random.digits(3)) \(random.digits(4))", "+86 138 \(random.digits(4)) \(random.digits(4))",
            "(+44) 20 \(random.digits(4)) \(random.digits(4))",
            "+44-20-\(random.digits(4))-\(random.digits(4))", "\(area) \(exchange)\(line)",
            "+1 \(area)-\(exchange)-\(line) ext. \(random.int(10...999))",
        ]
        return random.pick(formats)
    }

    private mutating func pairs(_ count: Int, separator: String = " ") -> String {
        (0..<count).map { _ in random.digits(2) }.joined(separator: separator)
    }

    /// A Luhn-valid card number of a real scheme, formatted as people type it.
    mutating func card(valid: Bool = true) -> String {
        let (prefix, length) = random.pick([
            ("4", 16), ("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15), ("6011", 16),
            ("65", 16), ("644", 16),
        ])
        var digits = (prefix + random.digits(length - prefix.count - 1)).map { Int(String($0))! }
        let check = SampleValues.luhnCheckDigit(digits)
        digits.append(valid ? check : (check + random.int(1...9)) % 10)
        let number = digits.map(String.init).joined()
        let separator = random.pick([" ", " ", "-", ""])
        let groups = length == 15 ? [4, 6, 5] : [4, 4, 4, 4]
        return SampleValues.grouped(number, groups, separator: separator)
    }

    static func luhnCheckDigit(_ payload: [Int]) -> Int {
        var sum = 0
        for (offset, digit) in payload.reversed().enumerated() {
            let doubled = offset % 2 == 0 ? digit * 2 : digit
            sum += doubled > 9 ? doubled - 9 : doubled
        }
        return (10 - sum % 10) % 10
    }

    static func grouped(_ value: String, _ sizes: [Int], separator: String) -> String {
        var parts: [String] = []
        var rest = Substring(value)
        for size in sizes where !rest.isEmpty {
            parts.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts.joined(separator: separator)
    }

    /// An IBAN with correct check digits (or deliberately wrong ones), in print or electronic form.
    mutating func iban(valid: Bool = true) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        func bankLetters(_ count: Int) -> String { String((0..<count).map { _ in random.pick(letters) }) }
        let (country, bban): (String, String) = random.pick([
            ("DE", random.digits(18)), ("GB", bankLetters(4) + random.digits(14)),
            ("FR", random.digits(21) + "\(random.pick(letters))" + random.digits(1)),
            ("ES", random.digits(20)), ("IT", "\(random.pick(letters))" + random.digits(22)), ("NL", bankLetters(4) + random.digits(10)),
            ("BE", random.digits(12)), ("CH", random.digits(17)), ("AT", random.digits(16)), ("PL", random.digits(24)),
            ("IE", bankLetters(4) + random.digits(14)), ("PT", random.digits(21)), ("SE", random.digits(20)), ("NO", random.digits(11)),
        ])
        var check = 98 - SampleValues.mod97(bban + country + "00")
        if !valid { check = (check + random.int(1...50)) % 97 + 2 }
        let compact = country + (check < 10 ? "0" : "") + String(check) + bban
        if random.chance(0.45) { return compact }
        return SampleValues.grouped(compact, Array(repeating: 4, count: 9), separator: " ")
    }

    static func mod97(_ value: String) -> Int {
        var remainder = 0
        for character in value {
            let number = character.isNumber ? Int(String(character))! : Int(character.asciiValue! - 55)
            remainder = (remainder * (number >= 10 ? 100 : 10) + number) % 97
        }
        return remainder
    }

    mutating func ssn(separator: String) -> String {
        var area = random.int(1...899)
        if area == 666 { area = 667 }
        let pad = { (value: Int, width: Int) in String(repeating: "0", count: width - String(value).count) + String(value) }
        return [pad(area, 3), pad(random.int(1...99), 2), pad(random.int(1...9999), 4)].joined(separator: separator)
    }

    mutating func ipv4() -> String {
        switch random.int(0...3) {
        case 0: return "10.\(random.int(0...255)).\(random.int(0...255)).\(random.int(1...254))"
        case 1: return "192.168.\(random.int(0...255)).\(random.int(1...254))"
        default:
            return "\(random.pick([23, 45, 66, 81, 104, 151, 172, 185, 203, 212]))."
                + "\(random.int(0...255)).\(random.int(0...255)).\(random.int(1...254))"
        }
    }

    mutating func ipv6() -> String {
        let groups = (0..<8).map { _ in String(random.int(0...0xffff), radix: 16) }
        switch random.int(0...3) {
        case 0: return groups.joined(separator: ":")
        case 1: return "2001:db8:\(groups[2]):\(groups[3])::\(groups[7])"
        case 2: return "fe80::\(groups[4]):\(groups[5]):\(groups[6]):\(groups[7])"
        default: return groups.map { String(repeating: "0", count: 4 - $0.count) + $0 }.joined(separator: ":").uppercased()
        }
    }

    mutating func url() -> String {
        let host = "\(random.pick(Self.hostWords)).\(random.pick(Self.tlds))"
        let path = random.pick([
            "/account/reset?token=\(random.hex(12))", "/orders/\(random.digits(6))", "/help/article-\(random.int(1...400))",
            "/u/\(random.pick(Self.firstNames))",
            "/login", "/s/\(random.hex(8))", "/invoice/\(random.digits(5))?lang=en", "/",
        ])
        switch random.int(0...4) {
        case 0, 1: return "https://\(random.chance(0.3) ? "app." : "")\(host)\(path)"
        case 2: return "http://\(host)\(path)"
        case 3: return "www.\(host)\(random.chance(0.5) ? path : "")"
        default: return "\(host)\(path == "/" ? "/login" : path)"
        }
    }

    /// Addresses whose checksums were verified with an independent implementation (Python's hashlib and the
    /// BIP-173 reference algorithm) when this list was written, plus the EIP-55 examples.
    static let bitcoinAddresses = [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "18ZaVcAT9uahY1jsgF4MQSE7TiZrCjgR3v", "12a9g1TGgkNNV19d2JpwxTPsUUnpamrXwG",
        "1PikPrMeM5w8jpQsshvhKQLouWtRNtLC6k", "1Fss6BG6J3Tc4pQjbAQUWc7uzsLWbp3LbE", "1BcFxDibv2LuvHk1QU6fxjqUrM6YsWxFTk",
        "1PoFduGc7RkRW8d9LF7h1zLc3DJD2w1csr", "3NBk2tpLvLbzXj2o4WeDQb59qsPnaHqFzH", "338Cv5Mw2fJP6jVBRyWzunVp6GcAF4MuZb",
        "35fbzsF1gvKKm6xqieQxrcsPNUqHDRTXyN", "3EUkdwfiJmDtWdaEoWfxVRy4PDTrbFVQLp", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ]
    static let ethereumChecksummed = [
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    mutating func wallet() -> String {
        switch random.int(0...2) {
        case 0: return random.pick(Self.bitcoinAddresses)
        case 1: return random.pick(Self.ethereumChecksummed)
        default: return "0x" + random.hex(40)
        }
    }

    /// One character changed: the checksum no longer holds.
    mutating func brokenWallet() -> String {
        // All-uppercase Ethereum addresses carry no checksum, so only mixed-case ones can be broken by one character.
        let mixedCase = Self.ethereumChecksummed.filter { $0.dropFirst(2).contains(where: \.isLowercase) }
        var address = Array(random.pick(Self.bitcoinAddresses + mixedCase))
        let index = address.count - 1 - random.int(0...5)
        let replacement: Character = address[0] == "0" ? (address[index].isUppercase ? "a" : "B") : (address[index] == "z" ? "y" : "z")
        if address[0] == "0" && !address[index].isLetter { address[index] = address[index] == "7" ? "8" : "7" } else { address[index] = replacement }
        return String(address)
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    mutating func date(years: ClosedRange<Int>) -> String {
        let year = random.int(years)
        let month = random.int(1...12)
        let day = random.int(1...28)
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        let name = Self.monthNames[month - 1]
        switch random.int(0...11) {
        case 10: return "\(two(day))-\(name.prefix(3))-\(year)"
        case 11: return "\(year)/\(two(month))/\(two(day))"
        case 0: return "\(two(month))/\(two(day))/\(year)"
        case 1: return "\(two(day))/\(two(month))/\(year)"
        case 2: return "\(two(day)).\(two(month)).\(year)"
        case 3: return "\(year)-\(two(month))-\(two(day))"
        case 4: return "\(name) \(day), \(year)"
        case 5: return "\(day) \(name) \(year)"
        case 6: return "\(name.prefix(3)) \(day) \(year)"
        case 7: return "\(day)\(day == 1 || day == 21 ? "st" : day == 2 || day == 22 ? "nd" : day == 3 || day == 23 ? "rd" : "th") of \(name) \(year)"
        case 8: return "\(month)/\(day)/\(two(year % 100))"
        default: return "\(day)-\(two(month))-\(year)"
        }
    }

    /// A 3-3-4 NHS number with a valid mod-11 check digit.
    mutating func nhsNumber() -> String {
        while true {
            let digits = (0..<9).map { _ in random.int(0...9) }
            let sum = digits.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
            let check = 11 - sum % 11
            guard check != 10 else { continue }
            let all = (digits + [check == 11 ? 0 : check]).map(String.init).joined()
            return SampleValues.grouped(all, [3, 3, 4], separator: " ")
        }
    }
}
