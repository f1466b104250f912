// Built-in list prices. Facts from the providers' public pricing pages; each entry carries
// the date its figures were read (effectiveFrom) and the page (source).
//
// Standard (synchronous, pay-as-you-go) tier only, USD, in nano-USD per million tokens:
// $1.00 / 1M tokens = 1_000_000_000. Batch, flex, priority and data-residency prices are not here.
//
// effectiveFrom is the day the stated price took effect where that is known (a model's launch or a
// price change); otherwise it is a day on which the pricing page showed these figures. Calls made
// before an entry's effectiveFrom find no built-in price and stay unpriced rather than guessed.
//
// checked: every figure below was compared with a copy of the provider's own pricing table:
//   - openai:    all 12 models (input / cached input / output), against copies of the OpenAI API
//                pricing table (openai.com/api/pricing, now developers.openai.com/api/docs/pricing).
//   - anthropic: all 8 models (base input / 5m cache write / cache hit / output), against copies of
//                the Anthropic pricing and prompt-caching pages, including Claude Opus 4.5.
//   - gemini:    all 5 models, against a copy of ai.google.dev/gemini-api/docs/pricing marked
//                "Last updated 2025-10-31 UTC".
//   The launch / price-change dates used as effectiveFrom come from release announcements and were
//   not re-confirmed by search.
extension PriceBook {
    public static let builtIn: [PriceEntry] = [
        // MARK: demo — Chatter's own offline provider runs no model and costs nothing: a real $0 price.
        PriceEntry(
            id: "builtin/demo/echo/2000-01-01", provider: "demo", model: "echo",
            inputPerMTokNanoUSD: 0, cachedInputPerMTokNanoUSD: nil, cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 0,
            effectiveFrom: "2000-01-01", source: "chatter: the demo provider is local and free"
        ),
        // MARK: OpenAI — input, cached input, output. No cache-write charge, so cacheWrite is nil.
        PriceEntry(
            id: "builtin/openai/gpt-4o/2025-08-01", provider: "openai", model: "gpt-4o",
            inputPerMTokNanoUSD: 2_500_000_000, cachedInputPerMTokNanoUSD: 1_250_000_000,  // $2.50 / $1.25
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 10_000_000_000,  // $10.00
            effectiveFrom: "2025-08-01", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-4o-mini/2025-08-01", provider: "openai", model: "gpt-4o-mini",
            inputPerMTokNanoUSD: 150_000_000, cachedInputPerMTokNanoUSD: 75_000_000,  // $0.15 / $0.075
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 600_000_000,  // $0.60
            effectiveFrom: "2025-08-01", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-4.1/2025-04-14", provider: "openai", model: "gpt-4.1",
            inputPerMTokNanoUSD: 2_000_000_000, cachedInputPerMTokNanoUSD: 500_000_000,  // $2.00 / $0.50
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 8_000_000_000,  // $8.00
            effectiveFrom: "2025-04-14", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-4.1-mini/2025-04-14", provider: "openai", model: "gpt-4.1-mini",
            inputPerMTokNanoUSD: 400_000_000, cachedInputPerMTokNanoUSD: 100_000_000,  // $0.40 / $0.10
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 1_600_000_000,  // $1.60
            effectiveFrom: "2025-04-14", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-4.1-nano/2025-04-14", provider: "openai", model: "gpt-4.1-nano",
            inputPerMTokNanoUSD: 100_000_000, cachedInputPerMTokNanoUSD: 25_000_000,  // $0.10 / $0.025
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 400_000_000,  // $0.40
            effectiveFrom: "2025-04-14", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/o1/2024-12-17", provider: "openai", model: "o1",
            inputPerMTokNanoUSD: 15_000_000_000, cachedInputPerMTokNanoUSD: 7_500_000_000,  // $15.00 / $7.50
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 60_000_000_000,  // $60.00
            effectiveFrom: "2024-12-17", source: "https://openai.com/api/pricing/"
        ),
        // o3 after the June 2025 price cut (previously $10 / $40).
        PriceEntry(
            id: "builtin/openai/o3/2025-06-10", provider: "openai", model: "o3",
            inputPerMTokNanoUSD: 2_000_000_000, cachedInputPerMTokNanoUSD: 500_000_000,  // $2.00 / $0.50
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 8_000_000_000,  // $8.00
            effectiveFrom: "2025-06-10", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/o3-mini/2025-01-31", provider: "openai", model: "o3-mini",
            inputPerMTokNanoUSD: 1_100_000_000, cachedInputPerMTokNanoUSD: 550_000_000,  // $1.10 / $0.55
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 4_400_000_000,  // $4.40
            effectiveFrom: "2025-01-31", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/o4-mini/2025-04-16", provider: "openai", model: "o4-mini",
            inputPerMTokNanoUSD: 1_100_000_000, cachedInputPerMTokNanoUSD: 275_000_000,  // $1.10 / $0.275
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 4_400_000_000,  // $4.40
            effectiveFrom: "2025-04-16", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-5/2025-08-07", provider: "openai", model: "gpt-5",
            inputPerMTokNanoUSD: 1_250_000_000, cachedInputPerMTokNanoUSD: 125_000_000,  // $1.25 / $0.125
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 10_000_000_000,  // $10.00
            effectiveFrom: "2025-08-07", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-5-mini/2025-08-07", provider: "openai", model: "gpt-5-mini",
            inputPerMTokNanoUSD: 250_000_000, cachedInputPerMTokNanoUSD: 25_000_000,  // $0.25 / $0.025
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 2_000_000_000,  // $2.00
            effectiveFrom: "2025-08-07", source: "https://openai.com/api/pricing/"
        ),
        PriceEntry(
            id: "builtin/openai/gpt-5-nano/2025-08-07", provider: "openai", model: "gpt-5-nano",
            inputPerMTokNanoUSD: 50_000_000, cachedInputPerMTokNanoUSD: 5_000_000,  // $0.05 / $0.005
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 400_000_000,  // $0.40
            effectiveFrom: "2025-08-07", source: "https://openai.com/api/pricing/"
        ),

        // MARK: Anthropic — base input, cache hit (cachedInput), 5-minute cache write (cacheWrite), output.
        // The 1-hour cache write (2x input) and long-context (>200k input) rates are not modelled here.
        PriceEntry(
            id: "builtin/anthropic/claude-opus-4-5/2025-11-24", provider: "anthropic", model: "claude-opus-4-5",
            inputPerMTokNanoUSD: 5_000_000_000, cachedInputPerMTokNanoUSD: 500_000_000,  // $5 / $0.50
            cacheWritePerMTokNanoUSD: 6_250_000_000, outputPerMTokNanoUSD: 25_000_000_000,  // $6.25 / $25
            effectiveFrom: "2025-11-24", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-opus-4-1/2025-08-05", provider: "anthropic", model: "claude-opus-4-1",
            inputPerMTokNanoUSD: 15_000_000_000, cachedInputPerMTokNanoUSD: 1_500_000_000,  // $15 / $1.50
            cacheWritePerMTokNanoUSD: 18_750_000_000, outputPerMTokNanoUSD: 75_000_000_000,  // $18.75 / $75
            effectiveFrom: "2025-08-05", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-opus-4-0/2025-05-22", provider: "anthropic", model: "claude-opus-4-0",
            inputPerMTokNanoUSD: 15_000_000_000, cachedInputPerMTokNanoUSD: 1_500_000_000,  // $15 / $1.50
            cacheWritePerMTokNanoUSD: 18_750_000_000, outputPerMTokNanoUSD: 75_000_000_000,  // $18.75 / $75
            effectiveFrom: "2025-05-22", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        // The dated snapshot id of Claude Opus 4, same prices as the claude-opus-4-0 alias.
        PriceEntry(
            id: "builtin/anthropic/claude-opus-4-20250514/2025-05-22", provider: "anthropic",
            model: "claude-opus-4-20250514",
            inputPerMTokNanoUSD: 15_000_000_000, cachedInputPerMTokNanoUSD: 1_500_000_000,  // $15 / $1.50
            cacheWritePerMTokNanoUSD: 18_750_000_000, outputPerMTokNanoUSD: 75_000_000_000,  // $18.75 / $75
            effectiveFrom: "2025-05-22", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-sonnet-4-5/2025-09-29", provider: "anthropic", model: "claude-sonnet-4-5",
            inputPerMTokNanoUSD: 3_000_000_000, cachedInputPerMTokNanoUSD: 300_000_000,  // $3 / $0.30
            cacheWritePerMTokNanoUSD: 3_750_000_000, outputPerMTokNanoUSD: 15_000_000_000,  // $3.75 / $15
            effectiveFrom: "2025-09-29", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-sonnet-4-0/2025-05-22", provider: "anthropic", model: "claude-sonnet-4-0",
            inputPerMTokNanoUSD: 3_000_000_000, cachedInputPerMTokNanoUSD: 300_000_000,  // $3 / $0.30
            cacheWritePerMTokNanoUSD: 3_750_000_000, outputPerMTokNanoUSD: 15_000_000_000,  // $3.75 / $15
            effectiveFrom: "2025-05-22", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-3-7-sonnet-latest/2025-02-24", provider: "anthropic",
            model: "claude-3-7-sonnet-latest",
            inputPerMTokNanoUSD: 3_000_000_000, cachedInputPerMTokNanoUSD: 300_000_000,  // $3 / $0.30
            cacheWritePerMTokNanoUSD: 3_750_000_000, outputPerMTokNanoUSD: 15_000_000_000,  // $3.75 / $15
            effectiveFrom: "2025-02-24", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        PriceEntry(
            id: "builtin/anthropic/claude-haiku-4-5/2025-10-15", provider: "anthropic", model: "claude-haiku-4-5",
            inputPerMTokNanoUSD: 1_000_000_000, cachedInputPerMTokNanoUSD: 100_000_000,  // $1 / $0.10
            cacheWritePerMTokNanoUSD: 1_250_000_000, outputPerMTokNanoUSD: 5_000_000_000,  // $1.25 / $5
            effectiveFrom: "2025-10-15", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),
        // Date the page showed $0.80 / $4 (the day this price took effect was not confirmed).
        PriceEntry(
            id: "builtin/anthropic/claude-3-5-haiku-latest/2025-08-01", provider: "anthropic",
            model: "claude-3-5-haiku-latest",
            inputPerMTokNanoUSD: 800_000_000, cachedInputPerMTokNanoUSD: 80_000_000,  // $0.80 / $0.08
            cacheWritePerMTokNanoUSD: 1_000_000_000, outputPerMTokNanoUSD: 4_000_000_000,  // $1 / $4
            effectiveFrom: "2025-08-01", source: "https://docs.anthropic.com/en/docs/about-claude/pricing"
        ),

        // MARK: Google Gemini (Developer API, paid tier) — text/image/video input, context-caching
        // price as cachedInput (cache storage per hour is not modelled), no cache-write charge, output.
        // effectiveFrom is the page's "Last updated" day; the cache prices changed during 2025.
        // gemini-2.5-pro: the <=200k-token prompt tier. Prompts over 200k tokens cost more
        // ($2.50 input / $0.25 cached / $15.00 output) and are not modelled by this entry.
        PriceEntry(
            id: "builtin/gemini/gemini-2.5-pro/2025-10-31", provider: "gemini", model: "gemini-2.5-pro",
            inputPerMTokNanoUSD: 1_250_000_000, cachedInputPerMTokNanoUSD: 125_000_000,  // $1.25 / $0.125
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 10_000_000_000,  // $10.00
            effectiveFrom: "2025-10-31", source: "https://ai.google.dev/gemini-api/docs/pricing"
        ),
        PriceEntry(
            id: "builtin/gemini/gemini-2.5-flash/2025-10-31", provider: "gemini", model: "gemini-2.5-flash",
            inputPerMTokNanoUSD: 300_000_000, cachedInputPerMTokNanoUSD: 30_000_000,  // $0.30 / $0.03
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 2_500_000_000,  // $2.50
            effectiveFrom: "2025-10-31", source: "https://ai.google.dev/gemini-api/docs/pricing"
        ),
        PriceEntry(
            id: "builtin/gemini/gemini-2.5-flash-lite/2025-10-31", provider: "gemini", model: "gemini-2.5-flash-lite",
            inputPerMTokNanoUSD: 100_000_000, cachedInputPerMTokNanoUSD: 10_000_000,  // $0.10 / $0.01
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 400_000_000,  // $0.40
            effectiveFrom: "2025-10-31", source: "https://ai.google.dev/gemini-api/docs/pricing"
        ),
        PriceEntry(
            id: "builtin/gemini/gemini-2.0-flash/2025-10-31", provider: "gemini", model: "gemini-2.0-flash",
            inputPerMTokNanoUSD: 100_000_000, cachedInputPerMTokNanoUSD: 25_000_000,  // $0.10 / $0.025
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 400_000_000,  // $0.40
            effectiveFrom: "2025-10-31", source: "https://ai.google.dev/gemini-api/docs/pricing"
        ),
        // Context caching is "Not available" for 2.0 Flash-Lite, so cachedInput is nil (full input price).
        PriceEntry(
            id: "builtin/gemini/gemini-2.0-flash-lite/2025-10-31", provider: "gemini", model: "gemini-2.0-flash-lite",
            inputPerMTokNanoUSD: 75_000_000, cachedInputPerMTokNanoUSD: nil,  // $0.075
            cacheWritePerMTokNanoUSD: nil, outputPerMTokNanoUSD: 300_000_000,  // $0.30
            effectiveFrom: "2025-10-31", source: "https://ai.google.dev/gemini-api/docs/pricing"
        ),
    ]
}
