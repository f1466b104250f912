import ChatterIntel
import Dispatch
import Foundation
import Synchronization

/// Quality and speed of the offline sentiment engine on the human-rated sets of the VADER paper. Usage:
/// `sentiment-bench <dir with *_GroundTruth.txt>`; scripts/bench-sentiment.sh fetches the data and runs it.
@main
struct SentimentBench {
    static let sets: [(name: String, file: String)] = [
        ("tweets", "tweets_GroundTruth.txt"),
        ("amazon", "amazonReviewSnippets_GroundTruth.txt"),
        ("nyt", "nytEditorialSnippets_GroundTruth.txt"),
        ("movies", "movieReviewSnippets_GroundTruth.txt"),
    ]

    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            print("usage: sentiment-bench <directory holding the *_GroundTruth.txt files>")
            exit(2)
        }
        let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
        let loadStart = ContinuousClock.now
        let analyzer = SentimentAnalyzer()
        _ = analyzer.analyze("warm up")
        let loadTime = ContinuousClock.now - loadStart

        let datasets = try sets.map { try GroundTruthSet(name: $0.name, file: directory.appendingPathComponent($0.file)) }
        print("sentiment-bench: ChatterIntel \(SentimentAnalyzer.engine) engine on the VADER paper's human-rated sets")
        print("gold: mean rating > \(GroundTruthSet.goldNeutralHalfWidth) positive, < -\(GroundTruthSet.goldNeutralHalfWidth) negative, else neutral")
        print("predicted: compound >= 0.05 positive, <= -0.05 negative, else neutral")
        print("binary: items with non-neutral gold whose compound has the gold sign")
        print("")
        print(
            pad("set", 8) + pad("n", 7) + pad("gold +/0/-", 17) + pad("macro-F1", 10) + pad("accuracy", 10)
                + pad("F1 +/0/-", 21) + "binary (n)")
        var reports: [String: ClassificationReport] = [:]
        for dataset in datasets {
            var report = ClassificationReport()
            for item in dataset.items {
                let result = analyzer.analyze(item.text)
                report.record(gold: GroundTruthSet.goldLabel(item.rating), compound: result.compound, predicted: result.label)
            }
            reports[dataset.name] = report
            let gold = ClassificationReport.classes.map { String(report.goldCount($0)) }.joined(separator: "/")
            let f1s = ClassificationReport.classes.map { format(report.f1($0)) }.joined(separator: "/")
            print(
                pad(dataset.name, 8) + pad(String(report.count), 7) + pad(gold, 17) + pad(format(report.macroF1), 10)
                    + pad(format(report.accuracy), 10) + pad(f1s, 21) + "\(format(report.binaryAccuracy)) (\(report.polarItems))")
        }
        print("")
        check("amazon 3-class macro-F1 >= 0.55", reports["amazon"]?.macroF1 ?? 0, atLeast: 0.55)
        check("nyt 3-class macro-F1 >= 0.55", reports["nyt"]?.macroF1 ?? 0, atLeast: 0.55)
        check("tweets binary accuracy >= 0.95", reports["tweets"]?.binaryAccuracy ?? 0, atLeast: 0.95)
        print("")
        measureSpeed(analyzer: analyzer, texts: datasets.flatMap { $0.items.map(\.text) }, loadTime: loadTime)
    }

    static func measureSpeed(analyzer: SentimentAnalyzer, texts: [String], loadTime: Duration) {
        let rounds = 5
        let sink = Mutex(0.0)
        let start = ContinuousClock.now
        var checksum = 0.0
        for _ in 0..<rounds {
            for text in texts {
                checksum += analyzer.analyze(text).compound
            }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        sink.withLock { $0 += checksum }
        let messages = Double(rounds * texts.count)
        let averageCharacters = Double(texts.reduce(0) { $0 + $1.utf8.count }) / Double(texts.count)
        print("speed: lexicon parse + first message \(format(seconds(loadTime) * 1000, digits: 1)) ms")
        print(
            "speed: 1 thread, \(Int(messages)) messages (mean \(Int(averageCharacters)) bytes): "
                + "\(format(elapsed / messages * 1e6, digits: 2)) µs/message, \(Int(messages / elapsed)) messages/s")

        let threads = 2
        let parallelStart = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var local = 0.0
            for text in texts {
                local += analyzer.analyze(text).compound
            }
            sink.withLock { $0 += local }
        }
        let parallelElapsed = seconds(ContinuousClock.now - parallelStart)
        print(
            "speed: \(threads) threads, \(threads * texts.count) messages: "
                + "\(Int(Double(threads * texts.count) / parallelElapsed)) messages/s")

        for words in [1_000, 10_000, 100_000] {
            let long = Array(repeating: "The service was NOT good, but the staff were really friendly!", count: words / 10)
                .joined(separator: " ")
            let longStart = ContinuousClock.now
            let result = analyzer.analyze(long)
            let longElapsed = seconds(ContinuousClock.now - longStart)
            sink.withLock { $0 += result.compound }
            print(
                "speed: one message of \(words) words: \(format(longElapsed * 1000, digits: 2)) ms "
                    + "(\(format(longElapsed / Double(words) * 1e6, digits: 3)) µs/word)")
        }
        if sink.withLock({ $0.isNaN }) {
            print("checksum is NaN")
        }
    }

    static func check(_ name: String, _ value: Double, atLeast target: Double) {
        print("target \(name): \(format(value)) \(value >= target ? "PASS" : "MISS")")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    static func format(_ value: Double, digits: Int = 3) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
