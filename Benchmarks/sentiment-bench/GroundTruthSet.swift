import ChatterIntel
import Foundation

/// One of the human-rated sets published with the VADER paper (hutto_ICWSM_2014.tar.gz inside the vaderSentiment
/// sdist): lines of `id<TAB>mean rating<TAB>text`, the mean of about 20 raters on a -4 ... +4 scale.
struct GroundTruthSet {
    struct Item {
        var rating: Double
        var text: String
    }

    /// Gold classes round the mean rating to the nearest point of the raters' integer scale: within half a point
    /// of 0 is neutral. Fixed before looking at results; not tuned.
    static let goldNeutralHalfWidth = 0.5

    var name: String
    var items: [Item]

    init(name: String, file: URL) throws {
        self.name = name
        let data = try Data(contentsOf: file)
        // The movie snippets are UTF-8, the others ASCII; a stray invalid byte becomes U+FFFD rather than a failure.
        let content = String(decoding: data, as: UTF8.self)
        items = content.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let rating = Double(fields[1]) else { return nil }
            return Item(rating: rating, text: String(fields[2]))
        }
    }

    static func goldLabel(_ rating: Double) -> SentimentLabel {
        if rating > goldNeutralHalfWidth {
            return .positive
        }
        if rating < -goldNeutralHalfWidth {
            return .negative
        }
        return .neutral
    }
}
