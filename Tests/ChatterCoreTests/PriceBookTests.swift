import Foundation
import ChatterCore
import Testing

@Suite struct CorePriceBookTests {
    let entry = PriceEntry(
        id: "t", provider: "anthropic", model: "m", inputPerMTokNanoUSD: 3_000_000_000, cachedInputPerMTokNanoUSD: 300_000_000,
        cacheWritePerMTokNanoUSD: 3_750_000_000, outputPerMTokNanoUSD: 15_000_000_000, effectiveFrom: "2025-01-01", source: "test"
    )

    @Test func costSplitsInputIntoUncachedCachedAndWritten() {
        // 1000 input of which 600 cache reads and 100 cache writes: 300 × $3 + 600 × $0.30 + 100 × $3.75 + 50 × $15.
        let usage = Usage(inputTokens: 1000, cachedInputTokens: 600, cacheWriteTokens: 100, outputTokens: 50, source: .reported)
        #expect(entry.costNanoUSD(for: usage) == Int64(900_000 + 180_000 + 375_000 + 750_000))
    }

    @Test func costRoundsOnceHalfUp() {
        let cheap = PriceEntry(
            id: "c", provider: "p", model: "m", inputPerMTokNanoUSD: 37_500_000, cachedInputPerMTokNanoUSD: nil,
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 0, effectiveFrom: "2025-01-01", source: "test"
        )
        #expect(cheap.costNanoUSD(for: Usage(inputTokens: 1, source: .reported)) == 38)  // 37.5 → 38
        #expect(cheap.costNanoUSD(for: Usage(inputTokens: 3, source: .reported)) == 113)  // 112.5 → 113
    }

    @Test func costThatDoesNotFitIsUnpricedNotATrap() {
        var dear = entry
        dear.outputPerMTokNanoUSD = USDAmount.maximumNanoUSD
        let huge = Usage(inputTokens: 0, outputTokens: 5_000_000, source: .reported)
        #expect(dear.costNanoUSD(for: huge) == nil)
        #expect(PriceBook(layers: [[dear]]).price(huge, provider: "anthropic", model: "m", onDay: "2025-02-01") == .unpriced)
    }

    @Test func newestVersionOfTheHighestLayerWins() {
        var later = entry
        later.id = "later"
        later.effectiveFrom = "2025-06-01"
        var override = entry
        override.id = "override"
        override.effectiveFrom = "2024-01-01"
        let book = PriceBook(layers: [[entry, later], []])
        #expect(book.entry(provider: "anthropic", model: "m", onDay: "2025-03-01")?.id == "t")
        #expect(book.entry(provider: "anthropic", model: "m", onDay: "2025-07-01")?.id == "later")
        #expect(book.entry(provider: "anthropic", model: "m", onDay: "2024-12-31") == nil)
        let overridden = PriceBook(layers: [[entry, later], [override]])
        #expect(overridden.entry(provider: "anthropic", model: "m", onDay: "2025-07-01")?.id == "override")
        #expect(book.price(Usage(source: .reported), provider: "x", model: "y", onDay: "2025-07-01") == .unpriced)
    }

    @Test func datedSnapshotsArePricedLikeTheirModel() {
        let book = PriceBook(layers: [PriceBook.builtIn])
        let usage = Usage(inputTokens: 1_000_000, source: .reported)
        #expect(book.price(usage, provider: "openai", model: "gpt-4o-2024-08-06", onDay: "2026-01-01").costNanoUSD == 2_500_000_000)
        #expect(book.price(usage, provider: "anthropic", model: "claude-sonnet-4-5-20250929", onDay: "2026-01-01").costNanoUSD == 3_000_000_000)
    }

    @Test func decimalDollarsConvertExactly() {
        #expect(USDAmount.nanoUSD(fromDecimal: "2.50") == 2_500_000_000)
        #expect(USDAmount.nanoUSD(fromDecimal: "0.075") == 75_000_000)
        #expect(USDAmount.nanoUSD(fromDecimal: "15") == 15_000_000_000)
        #expect(USDAmount.nanoUSD(fromDecimal: "0.000000001") == 1)
        #expect(USDAmount.nanoUSD(fromDecimal: "-1") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "1.2.3") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "0.0000000001") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "abc") == nil)
        // Empty is a mistake, not $0; zero is written as a number.
        #expect(USDAmount.nanoUSD(fromDecimal: "") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "  ") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: ".") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "0") == 0)
        #expect(USDAmount.nanoUSD(fromDecimal: ".5") == 500_000_000)
        // Only ASCII digits, and no absurd amounts: nothing a caller sends can trap the process.
        #expect(USDAmount.nanoUSD(fromDecimal: "1.½") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "١") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "１") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "10001") == nil)
        #expect(USDAmount.nanoUSD(fromDecimal: "10000") == 10_000_000_000_000)
    }

    @Test func builtInEntriesAreWellFormed() {
        for entry in PriceBook.builtIn {
            #expect(entry.id == "builtin/\(entry.provider)/\(entry.model)/\(entry.effectiveFrom)")
            #expect(UTCDay.isValid(entry.effectiveFrom))
            #expect(entry.inputPerMTokNanoUSD >= 0 && entry.outputPerMTokNanoUSD >= 0)
        }
        #expect(Set(PriceBook.builtIn.map { "\($0.provider)/\($0.model)" }).count == PriceBook.builtIn.count)
    }
}

@Suite struct CoreValueTests {
    @Test func modelReferencesSplitOnTheFirstSlash() {
        #expect(ModelReference(parsing: "openai/gpt-4o")?.model == "gpt-4o")
        #expect(ModelReference(parsing: "openai/meta-llama/Llama-3-8B")?.model == "meta-llama/Llama-3-8B")
        #expect(ModelReference(parsing: "gpt-4o") == nil)
        #expect(ModelReference(parsing: "/gpt") == nil)
        #expect(ModelReference(parsing: "openai/") == nil)
    }

    @Test func identifiersAreTimeOrderedUUIDv7() {
        let first = Identifier.make(at: .init(timeIntervalSince1970: 1_700_000_000))
        let second = Identifier.make(at: .init(timeIntervalSince1970: 1_700_000_001))
        #expect(first < second)
        #expect(UUID(uuidString: first) != nil)
        #expect(Array(first)[14] == "7")
        #expect(Identifier.isWellFormed(first))
        #expect(!Identifier.isWellFormed(first.uppercased()))
        #expect(!Identifier.isWellFormed("garbage"))
        #expect(!Identifier.isWellFormed(String(first.dropLast()) + "g"))
        #expect(!Identifier.isWellFormed(first.replacingOccurrences(of: "-", with: "0")))
    }

    @Test func usageTotalsAndUncachedInput() {
        let usage = Usage(inputTokens: 100, cachedInputTokens: 30, cacheWriteTokens: 20, outputTokens: 10, reasoningTokens: 4, source: .reported)
        #expect(usage.totalTokens == 110)
        #expect(usage.uncachedInputTokens == 50)
    }
}
