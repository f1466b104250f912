import Foundation

/// One version of one model's price, in nano-USD per million tokens (integers: $0.075/1M is 75_000_000).
public struct PriceEntry: Sendable, Equatable, Codable {
    public var id: String
    public var provider: String
    public var model: String
    public var inputPerMTokNanoUSD: Int64
    /// Price of cached-read input tokens; nil means they cost the full input price.
    public var cachedInputPerMTokNanoUSD: Int64?
    /// Price of cache-write input tokens; nil means they cost the full input price.
    public var cacheWritePerMTokNanoUSD: Int64?
    public var outputPerMTokNanoUSD: Int64
    /// `YYYY-MM-DD`, UTC: the entry applies to calls started on or after this day.
    public var effectiveFrom: String
    /// Where the figures come from (a price page, a file, the admin API).
    public var source: String

    public init(
        id: String,
        provider: String,
        model: String,
        inputPerMTokNanoUSD: Int64,
        cachedInputPerMTokNanoUSD: Int64?,
        cacheWritePerMTokNanoUSD: Int64?,
        outputPerMTokNanoUSD: Int64,
        effectiveFrom: String,
        source: String
    ) {
        self.id = id
        self.provider = provider
        self.model = model
        self.inputPerMTokNanoUSD = inputPerMTokNanoUSD
        self.cachedInputPerMTokNanoUSD = cachedInputPerMTokNanoUSD
        self.cacheWritePerMTokNanoUSD = cacheWritePerMTokNanoUSD
        self.outputPerMTokNanoUSD = outputPerMTokNanoUSD
        self.effectiveFrom = effectiveFrom
        self.source = source
    }

    /// The cost of a call's usage, rounded once, half up, to whole nano-USD; nil if it does not fit in Int64.
    public func costNanoUSD(for usage: Usage) -> Int64? {
        let parts: [(Int64, Int64)] = [
            (usage.uncachedInputTokens, inputPerMTokNanoUSD),
            (usage.cachedInputTokens, cachedInputPerMTokNanoUSD ?? inputPerMTokNanoUSD),
            (usage.cacheWriteTokens, cacheWritePerMTokNanoUSD ?? inputPerMTokNanoUSD),
            (usage.outputTokens, outputPerMTokNanoUSD),
        ]
        var perMillion: Int64 = 500_000
        for (tokens, price) in parts {
            let (product, overflowed) = tokens.multipliedReportingOverflow(by: price)
            let (sum, sumOverflowed) = perMillion.addingReportingOverflow(product)
            guard !overflowed, !sumOverflowed else { return nil }
            perMillion = sum
        }
        return perMillion / 1_000_000
    }
}

/// A priced call: the cost and the entry that produced it. A call with no entry is unpriced (cost nil), never $0.
public struct Pricing: Sendable, Equatable {
    public var costNanoUSD: Int64?
    public var priceID: String?

    public init(costNanoUSD: Int64?, priceID: String?) {
        self.costNanoUSD = costNanoUSD
        self.priceID = priceID
    }

    public static let unpriced = Pricing(costNanoUSD: nil, priceID: nil)
}

/// The versioned price book: layers of entries, later layers overriding earlier ones
/// (built-in, then the prices file, then the tenant's own entries from the admin API).
public struct PriceBook: Sendable {
    public private(set) var layers: [[PriceEntry]]

    public init(layers: [[PriceEntry]]) {
        self.layers = layers
    }

    /// The entry for a model on a day: the newest `effectiveFrom` not after `day`, from the highest layer that has one.
    public func entry(provider: String, model: String, onDay day: String) -> PriceEntry? {
        for layer in layers.reversed() {
            let candidates = layer.filter { $0.provider == provider && $0.model == model && $0.effectiveFrom <= day }
            // Among entries of the same day, the one added last is the correction that counts.
            let newest = candidates.reduce(nil as PriceEntry?) { best, entry in
                guard let best, best.effectiveFrom > entry.effectiveFrom else { return entry }
                return best
            }
            if let newest { return newest }
        }
        return nil
    }

    public func price(_ usage: Usage, provider: String, model: String, onDay day: String) -> Pricing {
        let entry =
            entry(provider: provider, model: model, onDay: day)
            ?? Self.undatedName(of: model).flatMap { self.entry(provider: provider, model: $0, onDay: day) }
        guard let entry, let cost = entry.costNanoUSD(for: usage) else { return .unpriced }
        return Pricing(costNanoUSD: cost, priceID: entry.id)
    }

    /// Providers answer with dated snapshot ids (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`),
    /// which are priced like the model they snapshot.
    static func undatedName(of model: String) -> String? {
        for pattern in [#"-\d{4}-\d{2}-\d{2}$"#, #"-\d{8}$"#] {
            if let range = model.range(of: pattern, options: .regularExpression) {
                return String(model[..<range.lowerBound])
            }
        }
        return nil
    }

    /// Every entry in force today, one per model, the overriding layer winning.
    public func effectiveEntries(onDay day: String) -> [PriceEntry] {
        var seen = Set<[String]>()
        let models = layers.joined().filter { seen.insert([$0.provider, $0.model]).inserted }
        return models.compactMap { entry(provider: $0.provider, model: $0.model, onDay: day) }
    }
}

/// Exact conversion of decimal dollar amounts ("2.50", "0.075") to nano-USD, without floating point.
public enum USDAmount {
    /// At most $10,000 per million tokens: far above any real list price (the dearest are hundreds).
    public static let maximumNanoUSD: Int64 = 10_000 * 1_000_000_000

    public static func nanoUSD(fromDecimal text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        func asciiDigits(_ part: Substring) -> Bool { !part.isEmpty && part.utf8.allSatisfy { (48...57).contains($0) } }
        // "" is not zero: an empty amount is a mistake, and a price of $0 must be written as one.
        guard !trimmed.isEmpty, parts.count == 1 || parts.count == 2, parts[0].isEmpty || asciiDigits(parts[0]), parts[0].count <= 7,
            let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0]))
        else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard fraction.count <= 9, asciiDigits(fraction), let value = Int64(String(fraction).padding(toLength: 9, withPad: "0", startingAt: 0))
            else { return nil }
            nanos = value
        }
        let total = whole * 1_000_000_000 + nanos
        return total <= maximumNanoUSD ? total : nil
    }
}

/// UTC calendar days as `YYYY-MM-DD`, the key of daily rollups and price versions.
public enum UTCDay {
    public static func string(from date: Date) -> String {
        let components = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }

    public static func string(fromMilliseconds milliseconds: Int64) -> String {
        let (year, month, day) = civil(fromDays: Int64((Double(milliseconds) / 86_400_000).rounded(.down)))
        // Written digit by digit: every ledger write names its day, and `String(format:)` goes through Foundation.
        return padded(Int(year), 4) + "-" + padded(Int(month), 2) + "-" + padded(Int(day), 2)
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The first millisecond of a `YYYY-MM-DD` day (nil for anything else).
    public static func milliseconds(fromDay text: String) -> Int64? {
        let parts = text.split(separator: "-").compactMap { Int64($0) }
        guard text.count == 10, parts.count == 3 else { return nil }
        let (year, month, day) = (parts[0], parts[1], parts[2])
        // The inverse of `civil(fromDays:)`.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return (era * 146_097 + dayOfEra - 719_468) * 86_400_000
    }

    /// The proleptic Gregorian date of a count of days since 1970-01-01.
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        // Eras of 400 years (146,097 days) starting on March 1st, so the leap day ends each era's year.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func isValid(_ text: String) -> Bool {
        guard text.count == 10 else { return false }
        let formatter = DateFormatter()
        formatter.calendar = .utc
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text).map { string(from: $0) == text } ?? false
    }
}

extension Calendar {
    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
